"""The registry of report types: built-in reports and extensions register the same way.

:class:`Registry` is the one shape of a registry by identifier; the exporters
(:mod:`keikaku.services.exchange.exporters`) keep theirs in one too.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from keikaku.reports.base import Report


class Named(Protocol):
    """What a registry holds: anything with an identifier."""

    @property
    def identifier(self) -> str:
        """The identifier it is registered under."""
        ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Items by identifier; an identifier can be registered once.  ``what`` names the items in messages."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        """Add an item (ValueError if its identifier is registered already)."""
        if item.identifier in self._items:
            raise ValueError(f"{self.what} {item.identifier!r} は既に登録されています")
        self._items[item.identifier] = item
        return item

    def get(self, identifier: str) -> T:
        """The item with this identifier (KeyError with the known identifiers if there is none)."""
        try:
            return self._items[identifier]
        except KeyError:
            known = "、".join(sorted(self._items))
            raise KeyError(f"{self.what} {identifier!r} はありません（{known}）") from None

    def all(self) -> list[T]:
        """Every registered item, by identifier."""
        return [self._items[k] for k in sorted(self._items)]


_REPORTS: Registry[Report] = Registry("報告書")


def register(report: Report) -> Report:
    """Add a report type; an identifier can be registered once."""
    return _REPORTS.register(report)


def get(identifier: str) -> Report:
    """The report type with this identifier (KeyError with the known identifiers if there is none)."""
    return _REPORTS.get(identifier)


def all_reports() -> list[Report]:
    """Every registered report type, by identifier."""
    return _REPORTS.all()
