"""Registrations on SQLite and PostgreSQL: capacity under concurrency, waitlist, promotion, offers, window."""

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import Engine, select

from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ConflictError, ValidationError
from keikaku.services.events.manage import EventForm, get_event, update_event
from keikaku.services.events.registrations import (
    PersonForm,
    RegistrationForm,
    accept_offer,
    cancel_registration,
    expire_offers,
    register,
)
from keikaku.storage import events as store
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import BEFORE, Forum, add_event


def _form(i: int, **kw: object) -> RegistrationForm:
    return RegistrationForm(PersonForm(f"参加者{i}", "さんかしゃ", f"p{i}@example.jp"), **kw)  # type: ignore[arg-type]


def test_fifty_clients_race_for_the_last_five_seats(loaded_engine: Engine, forum: Forum) -> None:
    event = add_event(loaded_engine, forum, capacity="10")
    for i in range(5):
        assert register(event.id, _form(i), actor=PUBLIC, now=BEFORE, engine=loaded_engine).status == "受付済"
    barrier = threading.Barrier(50)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        try:
            barrier.wait()
            outcome = register(event.id, _form(100 + i), actor=PUBLIC, now=BEFORE, engine=loaded_engine)
            with lock:
                results.append(outcome.status)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert Counter(results) == {"受付済": 5, "キャンセル待ち": 45}
    assert get_event(event.id, viewer=forum.editor, engine=loaded_engine).seats_taken == 10
    with read_session(loaded_engine) as s:
        seated = s.scalars(
            select(store.Registration).where(
                store.Registration.event_id == event.id, store.Registration.status == "受付済"
            )
        ).all()
        assert len(seated) == 10


def test_cancellation_promotes_the_first_waitlisted_with_a_deadline(loaded_engine: Engine, forum: Forum) -> None:
    event = add_event(loaded_engine, forum, capacity="2")
    first = register(event.id, _form(1), actor=PUBLIC, now=BEFORE, engine=loaded_engine)
    register(event.id, _form(2), actor=PUBLIC, now=BEFORE, engine=loaded_engine)
    waiting = [register(event.id, _form(i), actor=PUBLIC, now=BEFORE, engine=loaded_engine) for i in (3, 4)]
    assert [w.status for w in waiting] == ["キャンセル待ち", "キャンセル待ち"]

    assert cancel_registration(first.token, actor=PUBLIC, now=BEFORE, engine=loaded_engine) == "キャンセル"
    assert cancel_registration(first.token, actor=PUBLIC, now=BEFORE, engine=loaded_engine) == "キャンセル"
    with read_session(loaded_engine) as s:
        offered = s.scalar(select(store.Registration).where(store.Registration.token == waiting[0].token))
        assert offered is not None and offered.status == "繰上げ（回答待ち）"
        deadline = offered.offer_expires_at
        assert deadline is not None and deadline.replace(tzinfo=dt.UTC) == BEFORE + dt.timedelta(hours=48)
        subjects = s.scalars(select(store.OutboxMail.subject).order_by(store.OutboxMail.id)).all()
        assert subjects.count("【繰上げのご案内】カーボンニュートラルフォーラム") == 1
    # Capacity holds while the offer is open; the offer passes on when it expires.
    assert get_event(event.id, viewer=PUBLIC, engine=loaded_engine).seats_taken == 2
    later = BEFORE + dt.timedelta(hours=49)
    assert expire_offers(now=later, engine=loaded_engine) == 1
    with pytest.raises(ConflictError, match="「キャンセル」"):
        accept_offer(waiting[0].token, actor=PUBLIC, now=later, engine=loaded_engine)
    assert accept_offer(waiting[1].token, actor=PUBLIC, now=later, engine=loaded_engine) == "受付済"
    assert get_event(event.id, viewer=PUBLIC, engine=loaded_engine).seats_taken == 2
    with read_session(loaded_engine) as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "registration")).all()
        assert {
            "registration.create",
            "registration.cancel",
            "registration.offer",
            "registration.offer_expired",
            "registration.accept",
        } <= set(actions)
        # The audit trail (read by council members) carries no personal data.
        afters = " ".join(str(a) for a in s.scalars(select(AuditEntry.after)).all())
        assert "参加者" not in afters and "example.jp" not in afters


def test_group_registration_takes_all_seats_or_waits_whole(loaded_engine: Engine, forum: Forum) -> None:
    event = add_event(loaded_engine, forum, capacity="3")
    group = _form(1, companions=(PersonForm("同行者A"), PersonForm("同行者B")))
    assert register(event.id, group, actor=PUBLIC, now=BEFORE, engine=loaded_engine).companion_statuses == (
        "受付済",
        "受付済",
    )
    pair = _form(2, companions=(PersonForm("同行者C"),))
    outcome = register(event.id, pair, actor=PUBLIC, now=BEFORE, engine=loaded_engine)
    assert (outcome.status, outcome.companion_statuses) == ("キャンセル待ち", ("キャンセル待ち",))


def test_bad_registrations_store_nothing(loaded_engine: Engine, forum: Forum) -> None:
    closes = (BEFORE + dt.timedelta(days=1)).isoformat()
    event = add_event(loaded_engine, forum, capacity="1", registration_closes_at=closes)
    register(event.id, _form(1), actor=PUBLIC, now=BEFORE, engine=loaded_engine)
    with read_session(loaded_engine) as s:
        before = s.scalar(select(store.Registration.id.label("n")).order_by(store.Registration.id.desc()))
    with pytest.raises(ValidationError, match="申込受付は終了しました"):
        register(event.id, _form(2), actor=PUBLIC, now=BEFORE + dt.timedelta(days=2), engine=loaded_engine)
    with pytest.raises(ConflictError, match="既にお申し込み"):
        register(event.id, _form(1), actor=PUBLIC, now=BEFORE, engine=loaded_engine)
    with pytest.raises(ValidationError, match="法人番号「1234567890123」はチェックデジット"):
        register(
            event.id,
            _form(3, corporate_number="1234567890123", organisation="株式会社テスト"),
            actor=PUBLIC,
            now=BEFORE,
            engine=loaded_engine,
        )
    with pytest.raises(ValidationError, match="メールアドレス"):
        register(
            event.id,
            RegistrationForm(PersonForm("名前", "", "not-an-address")),
            actor=PUBLIC,
            now=BEFORE,
            engine=loaded_engine,
        )
    with read_session(loaded_engine) as s:
        assert s.scalar(select(store.Registration.id).order_by(store.Registration.id.desc())) == before
    # A capacity below the seats taken is refused with the numbers, and the event is unchanged.
    two = add_event(loaded_engine, forum, capacity="5")
    for i in range(3):
        register(two.id, _form(10 + i), actor=PUBLIC, now=BEFORE, engine=loaded_engine)
    form = EventForm(
        project_id=forum.project_id,
        name=two.name,
        kind="forum",
        start_date="2026-10-07",
        capacity="2",
        department=forum.department,
        published=True,
    )
    with pytest.raises(ValidationError, match="定員 2 人は、既に席を確保している 3 人より少なくできません"):
        update_event(two.id, form, actor=forum.editor, engine=loaded_engine)
    assert get_event(two.id, viewer=PUBLIC, engine=loaded_engine).capacity == 5
