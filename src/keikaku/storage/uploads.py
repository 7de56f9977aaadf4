"""Documents uploaded for ingestion and waiting for review (see :mod:`keikaku.services.exchange.uploads`).

An upload keeps the file's bytes and the review computed when it was parsed, so the review page and the
API's second step (commit) read the same thing.  Nothing of the plan is stored until the upload is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from keikaku.storage.base import Base, utcnow


class IngestUpload(Base):
    """One uploaded document: staged (parsed, waiting), stored (as a draft revision) or discarded."""

    __tablename__ = "ingest_uploads"
    __table_args__ = (CheckConstraint("status IN ('staged', 'stored', 'discarded')", name="status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    review: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="staged")
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    plan_id: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
