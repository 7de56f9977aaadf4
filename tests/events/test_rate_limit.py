"""Rate limiting of the public write pages per address: a sliding window; a refused request is 429 with
Retry-After and a message in Japanese and English, and stores nothing; no address is kept."""

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.web.conftest import csrf_from

from keikaku.services.core.actors import PUBLIC
from keikaku.storage import events as store
from keikaku.storage.uow import read_session
from keikaku.web import create_app
from keikaku.web.rate_limit import PublicWriteLimiter, Rate, parse_rate
from keikaku.web.settings import WebSettings

from .conftest import Forum, add_event


def test_rates_are_read_from_the_setting() -> None:
    assert parse_rate("10/minute") == Rate(10, 60.0)
    assert parse_rate("30/hour") == Rate(30, 3600.0)
    assert parse_rate("5/10s") == Rate(5, 10.0)
    assert not parse_rate("off").enabled and not parse_rate("0").enabled
    for junk in ("ten a minute", "10/fortnight", "-1/minute"):
        with pytest.raises(ValueError, match="KEIKAKU_REGISTRATION_RATE"):
            parse_rate(junk)


def test_the_window_moves_per_kind_and_address_and_keeps_no_address(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])  # the clock of the limits library's memory storage
    limiter = PublicWriteLimiter(Rate(3, 60.0))
    assert [limiter.hit("register", "192.0.2.1") for _ in range(3)] == [None, None, None]
    assert limiter.hit("register", "192.0.2.1") == 60
    assert limiter.hit("register", "192.0.2.2") is None  # another address
    assert limiter.hit("survey", "192.0.2.1") is None  # another kind of page
    now[0] += 45
    assert limiter.hit("register", "192.0.2.1") == 15  # the first hit leaves the window in 15 s
    now[0] += 15.5
    assert limiter.hit("register", "192.0.2.1") is None
    assert "192.0.2" not in repr(vars(limiter._window.storage))  # keyed by an HMAC, not the address
    assert PublicWriteLimiter(Rate(0, 60.0)).hit("register", "192.0.2.1") is None  # off


def _registrations(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(store.Registration)) or 0)


def test_a_refused_registration_is_429_with_retry_after_and_stores_nothing(loaded_engine: Engine, forum: Forum) -> None:
    engine = loaded_engine
    day = dt.date.today() + dt.timedelta(days=20)
    event = add_event(engine, forum, capacity="20", start_date=day.isoformat())
    app = create_app(WebSettings(engine=engine, actor=PUBLIC, registration_rate=Rate(2, 60.0)))
    with TestClient(app) as client:
        client.headers["x-csrf-token"] = csrf_from(client.get("/login").text)
        url = f"/events/{event.id}/register"
        for i in range(2):
            data = {"name": f"参加者{i}", "email": f"p{i}@example.jp", "consent": "yes"}
            assert client.post(url, data=data, follow_redirects=False).status_code == 303
        assert _registrations(engine) == 2
        data = {"name": "三人目", "email": "p3@example.jp", "consent": "yes"}
        refused = client.post(url, data=data, follow_redirects=False)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "受け付けていません" in refused.text and "秒ほど待って" in refused.text
        english = client.post(f"{url}?lang=en", data=data, follow_redirects=False)
        assert english.status_code == 429 and "Please wait about" in english.text
        assert _registrations(engine) == 2
        assert client.get(url).status_code == 200  # reading the page is not limited
        ticket = client.post("/r/unknown-token/cancel", follow_redirects=False)
        assert ticket.status_code == 404  # another kind of page: its own window
