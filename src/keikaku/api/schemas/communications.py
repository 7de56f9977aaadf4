"""Schemas of ``/api/v1`` communications resources: a property's months, a directory's firms."""

from __future__ import annotations

import datetime as dt

from keikaku.api.schemas.common import PublicModel


class MonthFigurePublic(PublicModel):
    """Page views and sessions of a property in one month."""

    month: dt.date
    views: int
    sessions: int


class PropertyMonthsPublic(PublicModel):
    """A web property and its monthly figures."""

    code: str
    name: str
    months: list[MonthFigurePublic]


class ListedFirmPublic(PublicModel):
    """A firm of a directory (public facts only)."""

    id: int
    directory: str
    name: str
    corporate_number: str | None
    prefecture: str | None
    industry: str | None
    products: str | None
    award: str | None
    year_listed: int


class DirectoryPublic(PublicModel):
    """A directory's firms matching the search, with the prefecture facet."""

    code: str
    name: str
    firms: list[ListedFirmPublic]
    facets: dict[str, int]
