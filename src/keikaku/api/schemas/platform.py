"""API schemas of the co-creation platform's writes: opening a case, logging an activity, scheduling an
interview and deciding on a suggested pair (coordinators, ものづくり支援課's editors, administrators).  The
services check the values and answer 422 with the Japanese message naming the field."""

from __future__ import annotations

from fastapi import UploadFile
from pydantic import BaseModel, Field


class CaseCreate(BaseModel):
    """Open a case for a firm (its 法人番号 is checked; the firm is found or added as an organisation)."""

    firm: str = Field("", max_length=400, description="企業名")
    corporate_number: str = Field(max_length=20, description="法人番号（13桁）")
    topic: str = Field(max_length=400, description="相談内容")
    field: str = Field(max_length=100, description="技術分野")
    phase: str = Field(max_length=20, description="フェーズ（基礎研究・技術開発・実証・事業化）")
    coordinator: str = Field(
        "",
        max_length=200,
        description="担当者のユーザー名（コーディネーター、ものづくり支援課の編集者または管理者。既定: 受け付けた人）",
    )
    institution_id: int | None = Field(None, ge=1, le=2**31 - 1, description="機関")
    opened_on: str = Field("", max_length=10, description="受付日（YYYY-MM-DD、既定: 今日）")
    contact_email: str = Field("", max_length=320, description="連絡先メールアドレス（満足度アンケートの送付先）")
    need: str = Field("", max_length=4000, description="ニーズ（書くと案件のニーズになる）")


class ActivityCreate(BaseModel):
    """A dated line of a case's log."""

    kind: str = Field(max_length=20, description="記録の種類（相談・訪問・公設試紹介・依頼試験・共同研究・面談・メモ）")
    body: str = Field(max_length=4000, description="内容")
    on: str = Field("", max_length=10, description="日付（YYYY-MM-DD、既定: 今日）")


class InterviewCreate(BaseModel):
    """A 面談 linking a need and a seed (both required)."""

    need_id: int | None = Field(None, ge=1, le=2**31 - 1, description="ニーズ")
    seed_id: int | None = Field(None, ge=1, le=2**31 - 1, description="シーズ")
    on: str = Field(max_length=10, description="面談日（YYYY-MM-DD）")
    firm_participants: str = Field("", max_length=400, description="企業側の参加者")
    institution_participants: str = Field("", max_length=400, description="機関側の参加者")


class InterviewStatusUpdate(BaseModel):
    """An interview held, cancelled or no-show."""

    status: str = Field(max_length=10, description="面談の状態（予定・実施・中止・不参加）")
    outcome: str = Field("", max_length=4000, description="面談の結果")


class DecisionCreate(BaseModel):
    """Accept or reject a suggested need–seed pair (a rejected pair is not suggested again)."""

    need_id: int = Field(ge=1, le=2**31 - 1, description="ニーズ")
    seed_id: int = Field(ge=1, le=2**31 - 1, description="シーズ")
    decision: str = Field(max_length=10, description="accepted（採用）または rejected（不採用）")


class InstitutionCreate(BaseModel):
    """A member institution with its fee rule: the multiplier of the base fee for each user category."""

    name: str = Field(max_length=400, description="機関名")
    prefecture: str = Field(max_length=20, description="府県")
    kind: str = Field(max_length=20, description="種別（公設試・支援機関・大学）")
    contact: str = Field("", max_length=400, description="連絡先")
    fee_own: float | None = Field(None, description="府県内の企業の料金倍率（既定: 1 = 基本料金）")
    fee_union: float | None = Field(None, description="関西広域連合の区域の企業の料金倍率（既定: 1）")
    fee_other: float | None = Field(None, description="その他の企業の料金倍率（既定: 1）")


class SeedCreate(BaseModel):
    """An institution's seed: a technology, research theme, equipment or service."""

    kind: str = Field(max_length=20, description="種類（技術・研究テーマ・設備・サービス）")
    title: str = Field(max_length=400, description="シーズ名")
    description: str = Field("", max_length=4000, description="説明")
    field: str = Field("", max_length=100, description="技術分野")
    phase: str = Field("", max_length=20, description="フェーズ（基礎研究・技術開発・実証・事業化）")


class EquipmentFileCreate(BaseModel):
    """The upload (``multipart/form-data``): an institution's equipment list (XLSX or CSV)."""

    file: UploadFile | None = Field(None, description="機器一覧（XLSX・CSV）")
