"""The budget-sum rule, once: whether a plan's listed budgets add up to its stated total, and whether a
project's components add up to the project.

Ingest (its warnings), the plan page, the command line's plan table and the dashboard all decide with these
functions, so that one document never carries a warning in one place and a clean check in another.

The rule:

* Re-listings (再掲) are never counted: they repeat a budget counted elsewhere.
* **Plan:** the sum of the projects' budgets (a project without a budget counts 0) against the stated
  total; a plan that states no total, or lists no project, has nothing to disagree with.
* **Components:** only where the project has a budget and at least one counted component has one.  When
  every counted component has a budget they must add up to the project's exactly; when some are missing,
  the known ones must not exceed the project's (the missing ones can only add to them), and the check says
  that it is incomplete.

The inputs are tallies (:class:`Tally`), so the dashboard can compute them in SQL and the pages from rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Tally:
    """Budgets of the counted (not re-listed) items: their sum, how many have a budget, how many there are."""

    total: int = 0
    known: int = 0
    counted: int = 0

    @classmethod
    def of(cls, items: Iterable[tuple[int | None, bool]]) -> Tally:
        """The tally of ``(budget, relisted)`` pairs."""
        total = known = counted = 0
        for budget, relisted in items:
            if relisted:
                continue
            counted += 1
            if budget is not None:
                known += 1
                total += budget
        return cls(total, known, counted)

    @property
    def complete(self) -> bool:
        """Every counted item has a budget."""
        return self.known == self.counted


@dataclass(frozen=True)
class SumVerdict:
    """A stated amount against what is listed under it; ``ok`` is the verdict."""

    stated: int | None
    listed: int
    ok: bool
    complete: bool = True

    @property
    def difference(self) -> int | None:
        """Stated minus listed, None when nothing was stated."""
        return None if self.stated is None else self.stated - self.listed


def plan_verdict(stated_total: int | None, projects: Tally) -> SumVerdict:
    """The plan's stated total against its projects' budgets (see the module for the rule)."""
    ok = stated_total is None or projects.counted == 0 or stated_total == projects.total
    return SumVerdict(stated_total, projects.total, ok, projects.complete)


def components_verdict(project_budget: int | None, components: Tally) -> SumVerdict | None:
    """A project's budget against its components' (None when there is nothing to check)."""
    if project_budget is None or components.known == 0:
        return None
    if components.complete:
        return SumVerdict(project_budget, components.total, components.total == project_budget)
    return SumVerdict(project_budget, components.total, components.total <= project_budget, complete=False)


def budget_lines(items: Iterable[object]) -> list[tuple[int | None, bool]]:
    """``(budget, relisted)`` of domain projects or components (anything with those two attributes)."""
    return [(getattr(i, "budget_thousand_yen", None), bool(getattr(i, "relisted", False))) for i in items]
