"""API schemas of ingest in two steps (parse, then commit) and of a plan's revisions (staff only)."""

from __future__ import annotations

from typing import Any

from fastapi import UploadFile
from pydantic import BaseModel, Field

from keikaku.api.schemas.common import PublicModel
from keikaku.services.exchange.uploads import Upload
from keikaku.services.plans import revisions


class DocumentCreate(BaseModel):
    """The upload (``multipart/form-data``): a plan document to read and review."""

    file: UploadFile | None = Field(None, description="計画書などの文書（PDF・テキスト・XLSX）")


class UploadPublic(PublicModel, read_model=Upload):
    """An uploaded document and its review: what was read, the warnings, the difference from the plan it
    revises and what publishing would carry over.  ``id`` is what the commit step takes."""

    id: str = Field(description="取り込みの ID（保存・破棄で指定）")
    status: str = Field(description="staged（確認待ち）・stored（下書きとして保存済み）・discarded（破棄済み）")
    plan_id: int | None = Field(description="保存した版の事業計画 ID（保存後）")
    review: dict[str, Any] = Field(description="読み取った内容・警告・差分・引き継ぎ")


class RevisionRowPublic(PublicModel, read_model=revisions.RevisionRow):
    """One revision of a plan."""


class RevisionsPublic(PublicModel, read_model=revisions.RevisionsPage):
    """A plan's revisions and the difference between two of them."""

    diff: dict[str, Any] | None = Field(description="old から new への変更（項目名は日本語と英語）")
