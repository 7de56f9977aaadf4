"""``/api/v1/platform/institutions``: the JSON twins of the member institutions' staff pages — the list and
adding one, an institution with its equipment entries and seeds, adding a seed, and the equipment list
imported in two steps (upload and preview, then commit with the upload's id; the bytes stay on the server).

Reading is for those who see cases (coordinators, ものづくり支援課, administrators); adding an institution and
importing are for those who manage かんさいラボサーチ; adding a seed for those who manage cases."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, status

from keikaku.api.deps import ActorDep, EngineDep, Id, PageQuery
from keikaku.api.routers.imports import read_upload
from keikaku.api.schemas.platform import EquipmentFileCreate, InstitutionCreate, SeedCreate
from keikaku.services.platform.equipment_uploads import (
    EquipmentUpload,
    commit_equipment,
    get_equipment_upload,
    require_labsearch,
    stage_equipment,
)
from keikaku.services.platform.institutions import create_institution, get_institution, list_institutions
from keikaku.services.platform.interviews import get_seed
from keikaku.services.platform.matching import SeedForm, add_seed

router = APIRouter(tags=["共創プラットフォーム"])

UploadPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="取り込みの ID")]


def _upload(upload: EquipmentUpload) -> dict[str, Any]:
    return {**dataclasses.asdict(upload), "can_commit": upload.can_commit}


@router.get("/platform/institutions", summary="会員機関の一覧")
def institutions(*, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """The member institutions with their fee rules and counts, as the page ``/platform/institutions``."""
    return {"items": [dataclasses.asdict(i) for i in list_institutions(actor=actor, engine=engine)]}


@router.post("/platform/institutions", status_code=status.HTTP_201_CREATED, summary="会員機関を登録する")
def institution_create(*, body: InstitutionCreate, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """Add a member institution with its fee rule (422 for a multiplier outside 0–10 or a name in use)."""
    factors: dict[str, str | float | None] = {"own": body.fee_own, "union": body.fee_union, "other": body.fee_other}
    new_id = create_institution(
        body.name, body.prefecture, body.kind, body.contact, factors, actor=actor, engine=engine
    )
    return dataclasses.asdict(get_institution(new_id, actor=actor, per_page=1, engine=engine).institution)


@router.get("/platform/institutions/{institution_id}", summary="会員機関")
def institution(*, institution_id: Id, engine: EngineDep, actor: ActorDep, page: PageQuery = 1) -> dict[str, Any]:
    """An institution with a page of its equipment entries (withdrawn ones marked) and its seeds."""
    return dataclasses.asdict(get_institution(institution_id, actor=actor, page=page, engine=engine))


@router.post(
    "/platform/institutions/{institution_id}/imports",
    status_code=status.HTTP_201_CREATED,
    summary="機器一覧をアップロードして確認する",
)
def upload_equipment(
    *,
    institution_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    body: Annotated[EquipmentFileCreate, Form(media_type="multipart/form-data")],
) -> dict[str, Any]:
    """Step 1: upload an equipment list (multipart field ``file``) and get its preview; nothing is imported."""
    require_labsearch(actor)
    name, content = read_upload(body.file)
    return _upload(stage_equipment(institution_id, name, content, actor=actor, engine=engine))


@router.get("/platform/institutions/{institution_id}/imports/{upload_id}", summary="取り込み前の機器一覧")
def equipment_upload(
    *, institution_id: Id, upload_id: UploadPath, engine: EngineDep, actor: ActorDep
) -> dict[str, Any]:
    """An uploaded equipment list with its preview (its uploader and administrators)."""
    return _upload(get_equipment_upload(institution_id, upload_id, actor=actor, engine=engine))


@router.post("/platform/institutions/{institution_id}/imports/{upload_id}/commit", summary="機器一覧を取り込む")
def equipment_commit(
    *, institution_id: Id, upload_id: UploadPath, engine: EngineDep, actor: ActorDep
) -> dict[str, Any]:
    """Step 2: import the uploaded bytes in one transaction (422 with every error for a file with errors)."""
    return _upload(commit_equipment(institution_id, upload_id, actor=actor, engine=engine))


@router.post(
    "/platform/institutions/{institution_id}/seeds", status_code=status.HTTP_201_CREATED, summary="シーズを登録する"
)
def create_seed(*, institution_id: Id, body: SeedCreate, engine: EngineDep, actor: ActorDep) -> dict[str, Any]:
    """Add a seed of the institution; the seed."""
    form = SeedForm(institution_id, body.kind, body.title, body.description, body.field, body.phase)
    seed_id = add_seed(form, actor=actor, engine=engine)
    return dataclasses.asdict(get_seed(seed_id, actor=actor, engine=engine))
