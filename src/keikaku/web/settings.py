"""What the web app is configured with: the database, who the forms act as, and the request size limit."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy import Engine

from keikaku.services.core.actors import PUBLIC, Actor
from keikaku.web.rate_limit import Rate, configured_rate

DEFAULT_MAX_BODY = 1024 * 1024
#: Seconds between two runs of the reminder job of the calls for actuals (``KEIKAKU_REMINDER_INTERVAL``).
DEFAULT_REMINDER_INTERVAL = 3600.0


def _max_body() -> int:
    raw = os.environ.get("KEIKAKU_WEB_MAX_BODY", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BODY


def reminder_interval() -> float:
    """``KEIKAKU_REMINDER_INTERVAL``: seconds between two runs of the reminder job (0 turns it off)."""
    raw = os.environ.get("KEIKAKU_REMINDER_INTERVAL", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_REMINDER_INTERVAL
    except ValueError:
        return DEFAULT_REMINDER_INTERVAL
    return max(0.0, value)


@dataclass(frozen=True)
class WebSettings:
    """Settings of one app instance.

    ``engine`` None: the configured database (``KEIKAKU_DATABASE_URL``).  ``actor``: who a request without a
    session or API token acts as (the public visitor; embedding code and tests may choose another).
    ``max_body``: the largest request accepted, in bytes (``KEIKAKU_WEB_MAX_BODY``, default 1 MiB).
    ``sync_on_start``: bring the search index and the partner links up to date when the app starts.
    ``reminder_interval``: seconds between two runs of the job that sends the calls for actuals' reminders
    while the app runs (0: no job; ``keikaku serve`` runs it, see :func:`reminder_interval`).
    ``registration_rate``: the public write pages' requests allowed per client address
    (``KEIKAKU_REGISTRATION_RATE``, default 10 a minute; see :mod:`keikaku.web.rate_limit`).
    """

    engine: Engine | None = None
    actor: Actor = PUBLIC
    max_body: int = field(default_factory=_max_body)
    sync_on_start: bool = False
    reminder_interval: float = 0.0
    registration_rate: Rate = field(default_factory=configured_rate)
