"""``/api/v1/ingest``: a document in two steps — parse (and review), then commit with the parse's id — and
``/api/v1/plans/{id}/revisions``: a plan's revisions and the difference between two.

The same service as the browser's upload page (:mod:`keikaku.services.exchange.uploads`): the upload checks
and the parser of ``keikaku ingest``, nothing of the plan stored before the commit, each step audited.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query

from keikaku.api.deps import MAX_ID, ActorDep, EngineDep
from keikaku.api.routers.imports import read_upload
from keikaku.api.schemas.ingest import DocumentCreate, RevisionsPublic, UploadPublic
from keikaku.services.exchange import uploads
from keikaku.services.plans.revisions import plan_revisions

router = APIRouter(tags=["文書の取り込み"])

UploadPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="取り込みの ID")]


def _public(upload: uploads.Upload) -> UploadPublic:
    return UploadPublic.model_validate(dataclasses.asdict(upload))


@router.post("/ingest", response_model=UploadPublic, status_code=201, summary="文書を読み込んで確認する")
def parse_document(
    actor: ActorDep, engine: EngineDep, body: Annotated[DocumentCreate, Form(media_type="multipart/form-data")]
) -> UploadPublic:
    """Step 1: upload a document (PDF, text, XLSX; multipart field ``file``) and get its review; nothing of the
    plan is stored.  A file that cannot be ingested is a 422 with the same one-line reason as the command line."""
    name, content = read_upload(body.file)
    return _public(uploads.stage_upload(actor, name, content, engine=engine))


@router.get("/ingest/{upload_id}", response_model=UploadPublic, summary="取り込み中の文書")
def get_parsed(upload_id: UploadPath, actor: ActorDep, engine: EngineDep) -> UploadPublic:
    """An upload and its review (its uploader and administrators)."""
    return _public(uploads.get_upload(actor, upload_id, engine=engine))


@router.post("/ingest/{upload_id}/commit", response_model=UploadPublic, summary="下書きの版として保存する")
def commit_parsed(upload_id: UploadPath, actor: ActorDep, engine: EngineDep) -> UploadPublic:
    """Step 2: store the upload as a draft revision (``plan_id`` names it); the published revision stays."""
    return _public(uploads.store_upload(actor, upload_id, engine=engine))


@router.post("/ingest/{upload_id}/discard", response_model=UploadPublic, summary="取り込みを破棄する")
def discard_parsed(upload_id: UploadPath, actor: ActorDep, engine: EngineDep) -> UploadPublic:
    """Discard the upload: nothing is stored and its file is deleted."""
    return _public(uploads.discard_upload(actor, upload_id, engine=engine))


@router.get("/plans/{plan_id}/revisions", response_model=RevisionsPublic, summary="事業計画の版と差分")
def revisions(
    plan_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    actor: ActorDep,
    engine: EngineDep,
    old: Annotated[int | None, Query(ge=1, le=MAX_ID, description="比べる元の版")] = None,
    new: Annotated[int | None, Query(ge=1, le=MAX_ID, description="比べる先の版")] = None,
) -> RevisionsPublic:
    """The plan's revisions (published or draft) and the difference of ``old`` → ``new`` (staff)."""
    page = plan_revisions(plan_id, old=old, new=new, viewer=actor, engine=engine)
    return RevisionsPublic.model_validate(dataclasses.asdict(page))
