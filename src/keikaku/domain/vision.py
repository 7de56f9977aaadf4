"""The long-range vision (関西広域産業ビジョン): future images, numeric targets, challenges, values."""

from pydantic import Field

from keikaku.domain.base import DomainModel
from keikaku.domain.kpi import Kpi
from keikaku.domain.provenance import Provenance


class Aim(DomainModel):
    """One of a challenge's aims, keyed A or B."""

    key: str
    text: str
    provenance: Provenance | None = None


class Challenge(DomainModel):
    """関西チャレンジ①②③: number, short name (「強みで貢献」), aspiration (めざす姿), aims A/B."""

    number: int = Field(ge=1)
    name: str
    aspiration: str | None = None
    goal: str | None = None
    aims: list[Aim] = Field(default_factory=list)
    provenance: Provenance | None = None


class Vision(DomainModel):
    """The vision with horizon fiscal year, its future images, numeric targets, challenges and values."""

    title: str | None = None
    issuer: str | None = None
    revision: str | None = None
    horizon_fiscal_year: int | None = None
    future_images: list[str] = Field(default_factory=list)
    numeric_targets: list[Kpi] = Field(default_factory=list)
    economic_area: list[str] = Field(default_factory=list)
    challenges: list[Challenge] = Field(default_factory=list)
    values: list[str] = Field(default_factory=list)
    provenance: Provenance | None = None
