"""Pages of a longer list: the page-size limit, checking a requested page, how many pages, and a page of an
in-memory list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from keikaku.services.core.errors import ValidationError

T = TypeVar("T")

MAX_PER_PAGE = 100


@dataclass
class Paged(Generic[T]):
    """One page of a longer list."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages."""
        return page_count(self.total, self.per_page)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill at ``per_page`` a page: at least one, an empty list's."""
    return max(1, -(-total // per_page))


def check_paging(page: int, per_page: int) -> tuple[int, int]:
    """Valid page and page size, or ValidationError."""
    if page < 1:
        raise ValidationError("ページは 1 以上で指定してください", code="invalid_page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"1ページの件数は 1〜{MAX_PER_PAGE} で指定してください", code="invalid_per_page")
    return page, per_page


def paginate(items: Sequence[T], page: int, per_page: int) -> Paged[T]:
    """A page of an in-memory list."""
    page, per_page = check_paging(page, per_page)
    start = (page - 1) * per_page
    return Paged(list(items[start : start + per_page]), len(items), page, per_page)
