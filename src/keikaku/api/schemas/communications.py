"""Schemas of ``/api/v1`` communications resources: a property's months, a page of a directory's firms,
a firm's counts, the visit destinations."""

from __future__ import annotations

from pydantic import Field

from keikaku.api.schemas.common import PageMetaPublic, PublicModel
from keikaku.services.communications import firms as firm_views
from keikaku.services.communications.analytics import MonthFigure
from keikaku.services.communications.directories import ListedFirm

#: The counts per facet value, one object per facet; every facet is there, its values sorted.
FACETS_SHAPE = (
    "絞り込みごとの件数。絞り込みの名前 → {値: 件数}（値は文字順、値のないものは「—」）。"
    "ページ分けの前、検索語に一致するすべての件の数で、選んだ絞り込みには左右されない"
)


class MonthFigurePublic(PublicModel, read_model=MonthFigure):
    """Page views and sessions of a property in one month."""


class PropertyMonthsPublic(PublicModel):
    """A web property and its monthly figures."""

    code: str
    name: str
    months: list[MonthFigurePublic]


class ListedFirmPublic(PublicModel, read_model=ListedFirm):
    """A firm of a directory (public facts only)."""


class DirectoryPublic(PageMetaPublic):
    """A page of a directory's firms matching the search (``total``: all the matches), with the counts per
    facet (prefecture, industry, award) over every match."""

    code: str
    name: str
    firms: list[ListedFirmPublic]
    facets: dict[str, dict[str, int]] = Field(
        description=FACETS_SHAPE + "。名前は prefecture, industry, award",
        examples=[{"prefecture": {"大阪府": 2, "兵庫県": 1}, "industry": {"機械": 3}, "award": {"—": 1}}],
    )


class ListingPublic(PublicModel, read_model=firm_views.Listing):
    """A database listing of a firm (public, as the registry shows it)."""


class FirmPagePublic(PublicModel, read_model=firm_views.FirmPage):
    """A listed firm, the directories listing it and the counts of what it took part in (never a
    consultation's contents)."""

    directories: list[str] = Field(description="掲載されている名簿の名前")
    consultations: int = Field(description="相談の件数（内容は出さない）")
    events: int = Field(description="参加登録のある公開イベントの数")
    event_registrations: int = Field(description="公開イベントへの参加登録の数")
    meetings: int = Field(description="公開イベントで実施された商談の数")
    interviews: int = Field(description="実施された面談の数")


class VisitPublic(PublicModel):
    """A visit destination (産業視察先); the contact is the staff's and is not here."""

    id: int
    name: str
    prefecture: str | None
    theme: str | None
    languages: str | None


class VisitsPublic(PageMetaPublic):
    """A page of the visit destinations matching the search (``total``: all the matches), with the counts
    per facet (prefecture, languages) over every match."""

    name: str
    visits: list[VisitPublic]
    facets: dict[str, dict[str, int]] = Field(
        description=FACETS_SHAPE + "。名前は prefecture, languages",
        examples=[{"prefecture": {"大阪府": 1}, "languages": {"日本語": 1, "英語": 1}}],
    )
