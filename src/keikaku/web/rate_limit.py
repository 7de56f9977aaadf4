"""Rate limiting of the public write pages (registration, the ticket's cancel and accept, the survey link) per
client address: a moving window of ``N`` requests per period (the ``limits`` library's, in the memory of the
process).

``KEIKAKU_REGISTRATION_RATE`` sets it: ``10/minute`` (the default), ``30/hour``, ``5/10s`` (per 10 seconds);
``off`` (or ``0``) turns it off.  Each kind of page has its own window (a registration does not use up the
survey's).  A refused request is answered 429 with ``Retry-After`` before the page's code runs, so nothing
is stored.

No address is kept: the window is keyed by an HMAC of the address under a key drawn when the process starts,
held only in memory and forgotten with the window (or on restart).  With several worker processes each has
its own windows, so the effective limit is the rate times the number of workers.  Behind a reverse proxy
the address is the one uvicorn takes from ``X-Forwarded-For`` for the proxies ``keikaku serve
--trusted-proxy`` names.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from keikaku.services.core.errors import ServiceError

RATE_ENV = "KEIKAKU_REGISTRATION_RATE"
DEFAULT_RATE = "10/minute"
_PERIODS = {"s": 1.0, "second": 1.0, "m": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


class RateLimitedError(ServiceError):
    """Too many requests from one address; ``details['retry_after']`` is the number of seconds to wait."""

    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True)
class Rate:
    """``limit`` requests per ``period`` seconds; ``limit`` 0 means no limit."""

    limit: int
    period: float

    @property
    def enabled(self) -> bool:
        """Whether requests are limited at all."""
        return self.limit > 0


def parse_rate(text: str) -> Rate:
    """``10/minute``, ``30/hour``, ``5/10s``; ``off`` or ``0`` for no limit; ValueError for anything else."""
    value = text.strip().lower()
    if value in ("off", "0", "none"):
        return Rate(0, 60.0)
    found = _RATE.match(value)
    if not found or found.group(3) not in _PERIODS or int(found.group(1)) < 1:
        raise ValueError(f"{RATE_ENV} は 10/minute の形で指定してください（{text!r}）")
    return Rate(int(found.group(1)), float(found.group(2) or 1) * _PERIODS[found.group(3)])


def configured_rate() -> Rate:
    """The rate of ``KEIKAKU_REGISTRATION_RATE`` (default 10 a minute)."""
    return parse_rate(os.environ.get(RATE_ENV, "").strip() or DEFAULT_RATE)


class PublicWriteLimiter:
    """At most ``rate.limit`` hits per kind of page and address in any ``rate.period`` seconds (thread-safe)."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._key = secrets.token_bytes(32)
        self._item = RateLimitItemPerSecond(rate.limit, max(1, round(rate.period))) if rate.enabled else None
        self._window = MovingWindowRateLimiter(MemoryStorage())

    def _digest(self, address: str) -> str:
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()

    def hit(self, kind: str, address: str) -> int | None:
        """Count a request; None when it is allowed, else the whole seconds until one is."""
        if self._item is None:
            return None
        key = self._digest(address)
        if self._window.hit(self._item, kind, key):
            return None
        reset = self._window.get_window_stats(self._item, kind, key).reset_time
        return max(1, math.ceil(reset - time.time()))


def limiter_of(request: Request) -> PublicWriteLimiter:
    """The app's limiter (:func:`keikaku.web.app.create_app` makes it from the settings)."""
    limiter: PublicWriteLimiter = request.app.state.public_write_limiter
    return limiter


def limit(kind: str) -> Callable[[Request], None]:
    """A route dependency refusing, with 429, a client address over the rate for ``kind`` of page."""

    def check(request: Request) -> None:
        address = request.client.host if request.client else "unknown"
        wait = limiter_of(request).hit(kind, address)
        if wait is not None:
            raise RateLimitedError(
                "短時間に同じ所からの送信が続いたため、この送信は受け付けていません（何も保存していません）",
                details={"retry_after": wait},
            )

    return check
