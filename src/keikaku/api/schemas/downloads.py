"""Schemas of the reports and downloads on offer."""

from __future__ import annotations

from pydantic import BaseModel

from keikaku.api.schemas.common import PublicModel
from keikaku.services.evaluations.reports import ReportInfo


class ReportOptionPublic(PublicModel):
    """An option a report takes."""

    name: str
    label: str
    required: bool
    choices: list[str]


class ReportPublic(PublicModel, read_model=ReportInfo):
    """A report that can be downloaded."""

    options: list[ReportOptionPublic]  # ReportOption without its parsing rules (type, default, help)


class DownloadPublic(BaseModel):
    """A file that can be downloaded."""

    format: str
    label: str
    href: str


class DownloadsPublic(BaseModel):
    """What can be downloaded."""

    fiscal_years: list[int]
    files: list[DownloadPublic]
    reports: list[ReportPublic]
