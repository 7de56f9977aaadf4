"""The home issuer: whose plans the dashboard, the policy tree and the partner links are about.

keikaku may hold plans of many issuers (every municipality's, for benchmarks and comparisons); the pages
that speak for the union show the union's own.  ``KEIKAKU_HOME_ISSUER`` names it; otherwise it is the
issuer of the newest plan that came with the bundled dataset, else the vision's issuer, else the issuer
of the newest plan that has no region code.
"""

import os
import time

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.db import checked_engine
from keikaku.storage import models as m
from keikaku.storage.uow import read_session


def home_issuer(session: Session) -> str | None:
    """The home issuer's name (None for an empty database)."""
    configured = os.environ.get("KEIKAKU_HOME_ISSUER", "").strip()
    if configured:
        return configured
    bundled = session.scalar(
        select(m.Plan.issuer)
        .join(m.Document, m.Document.id == m.Plan.source_document_id)
        .where(m.Document.bundled.is_(True), m.Plan.is_current.is_(True))
        .order_by(m.Plan.fiscal_year.desc(), m.Plan.id.desc())
        .limit(1)
    )
    if bundled:
        return bundled
    vision = session.scalar(
        select(m.Vision.issuer).where(m.Vision.is_current.is_(True), m.Vision.issuer.is_not(None)).limit(1)
    )
    if vision:
        return vision
    return session.scalar(
        select(m.Plan.issuer)
        .where(m.Plan.is_current.is_(True), m.Plan.region_code.is_(None))
        .order_by(m.Plan.fiscal_year.desc(), m.Plan.id.desc())
        .limit(1)
    )


_cache: dict[str, tuple[float, str | None]] = {}
#: Seconds the home issuer is remembered per database (it changes only when plans are loaded).
TTL = 5.0


def cached_home_issuer(session: Session) -> str | None:
    """:func:`home_issuer`, remembered for :data:`TTL` seconds per database."""
    key = str(session.connection().engine.url)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    issuer = home_issuer(session)
    _cache[key] = (now, issuer)
    return issuer


def get_home_issuer(*, engine: Engine | None = None) -> str | None:
    """The home issuer's name, in its own read session (for callers outside a unit of work)."""
    with read_session(checked_engine(engine)) as session:
        return home_issuer(session)
