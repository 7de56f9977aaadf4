"""Schemas of ``/api/v1`` communications resources: a property's months, a directory's firms, the visit
destinations."""

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
    """A directory's firms matching the search, with the counts per facet (prefecture, industry, award)."""

    code: str
    name: str
    firms: list[ListedFirmPublic]
    facets: dict[str, dict[str, int]]


class VisitPublic(PublicModel):
    """A visit destination (産業視察先); the contact is the staff's and is not here."""

    id: int
    name: str
    prefecture: str | None
    theme: str | None
    languages: str | None


class VisitsPublic(PublicModel):
    """The visit destinations matching the search, with the counts per facet (prefecture, languages)."""

    name: str
    visits: list[VisitPublic]
    facets: dict[str, dict[str, int]]
