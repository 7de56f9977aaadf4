"""Schemas of the reports and downloads on offer."""

from __future__ import annotations

from pydantic import BaseModel

from keikaku.api.schemas.common import PublicModel


class ReportOptionPublic(PublicModel):
    """An option a report takes."""

    name: str
    label: str
    required: bool
    choices: list[str]


class ReportPublic(PublicModel):
    """A report that can be downloaded."""

    identifier: str
    title: str
    description: str
    options: list[ReportOptionPublic]


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
