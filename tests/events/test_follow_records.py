"""Computed actuals follow the records without the button: check-ins, registrations and their status changes,
survey answers and imports recompute the KPIs bound to their event, and nothing moves once the year is
locked; a person who registers for two events with one e-mail counts once in a measure over both, before
and after erasure, on both backends."""

import datetime as dt
import threading

from sqlalchemy import Engine, func, select

from keikaku.services.actuals.periods import lock_period, reopen_period
from keikaku.services.actuals.record import actual_history
from keikaku.services.core.actors import PUBLIC
from keikaku.services.events.checkin import attendance, check_in
from keikaku.services.events.imports_participants import import_participants
from keikaku.services.events.participants import erase_personal_data
from keikaku.services.events.registrations import PersonForm, RegistrationForm, cancel_registration, register
from keikaku.services.events.tickets import ticket
from keikaku.services.measures.compute import compute_kpi
from keikaku.services.measures.definitions import bind_measure
from keikaku.services.measures.recompute import compute_year
from keikaku.services.surveys.bank import TOP2
from keikaku.services.surveys.responses import create_survey, enter_paper_response, submit_public_response
from keikaku.storage import events as store
from keikaku.storage import measures as measure_store
from keikaku.storage import models as m
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import ADMIN, BEFORE, Forum, add_event

DAY = dt.date(2026, 10, 7)


def _register(engine: Engine, event_id: int, name: str, email: str, **kw: object) -> str:
    form = RegistrationForm(PersonForm(name, "", email), **kw)  # type: ignore[arg-type]
    return register(event_id, form, actor=PUBLIC, now=BEFORE, engine=engine).token


def _actual(engine: Engine, kpi: int) -> float | None:
    history = [v for v in actual_history(kpi, 2026, engine=engine) if v.month is None]
    return history[-1].value if history else None


def _another_kpi(engine: Engine, forum: Forum) -> int:
    """A KPI of the year's current plans outside the forum's project (bound by an administrator)."""
    with read_session(engine) as s:
        found = s.scalar(
            select(m.Kpi.id)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(m.Plan.fiscal_year == 2026, m.Plan.is_current.is_(True), m.Kpi.project_id != forum.project_id)
            .order_by(m.Kpi.id)
        )
    assert found is not None
    return int(found)


def _share_kpi(forum: Forum) -> int:
    return next(k for name, k in forum.kpis.items() if "割合" in name)


def test_checkins_answers_and_cancellations_recompute_the_bound_kpis(loaded_engine: Engine, forum: Forum) -> None:
    engine = loaded_engine
    event = add_event(engine, forum, capacity="5")
    elsewhere = add_event(engine, forum, name="別のセミナー", start_date="2026-11-05")
    people, share = forum.kpis["参加者数"], _share_kpi(forum)
    bind_measure(people, "attended_people", [event.id], actor=forum.editor, engine=engine)
    survey = create_survey(event.id, "", ["useful5"], actor=forum.editor, engine=engine)
    bind_measure(
        share, "answer_share", [event.id], question_code="useful5", codes=TOP2, actor=forum.editor, engine=engine
    )
    tokens = [_register(engine, event.id, f"参加者{i}", f"p{i}@example.jp") for i in range(4)]
    assert _actual(engine, people) is None  # a registration is not what this measure counts

    check_in(event.id, token=tokens[0], day=DAY, actor=forum.editor, engine=engine)
    assert _actual(engine, people) == 1
    check_in(event.id, token=tokens[1], day=DAY, actor=forum.editor, engine=engine)
    assert _actual(engine, people) == 2  # no button pressed
    check_in(event.id, token=tokens[1], day=DAY, actor=forum.editor, engine=engine)  # the same mark again
    assert [v.value for v in actual_history(people, 2026, engine=engine)] == [1, 2]
    with read_session(engine) as s:
        computed = s.scalar(
            select(func.count())
            .select_from(measure_store.ComputedActual)
            .where(measure_store.ComputedActual.kpi_id == people)
        )
    assert computed == 2  # one per change the measure sees: each new mark

    question = survey.questions[0]
    submit_public_response(survey.token, {question.id: ["very_useful"]}, engine=engine)
    assert _actual(engine, share) == 100.0
    enter_paper_response(survey.id, {question.id: ["not_useful"]}, actor=forum.editor, engine=engine)
    assert _actual(engine, share) == 50.0

    # A KPI bound to another event does not move; records of that event leave this one alone.
    other = _another_kpi(engine, forum)
    bind_measure(other, "registrations", [elsewhere.id], actor=ADMIN, engine=engine)
    check_in(event.id, token=tokens[2], day=DAY, actor=forum.editor, engine=engine)
    assert _actual(engine, other) is None and _actual(engine, people) == 3
    _register(engine, elsewhere.id, "別の人", "x@example.jp")
    assert _actual(engine, other) == 1
    cancel_registration(tokens[3], actor=PUBLIC, now=BEFORE, engine=engine)
    assert _actual(engine, other) == 1

    with read_session(engine) as s:
        actions = set(s.scalars(select(AuditEntry.action)))
    assert "actual.recompute" in actions and "actual.compute" not in actions

    # Locked: the records still change, the actual no longer moves; reopened, the next change catches up.
    lock_period(ADMIN, 2026, reason="評価確定", engine=engine)
    check_in(event.id, token=tokens[0], day=DAY, actor=forum.editor, engine=engine)
    fourth = _register(engine, event.id, "参加者9", "p9@example.jp")
    check_in(event.id, token=fourth, day=DAY, actor=forum.editor, engine=engine)
    assert attendance(event.id, engine=engine).unique_people == 4
    assert _actual(engine, people) == 3
    assert [v.value for v in actual_history(people, 2026, engine=engine)] == [1, 2, 3]
    reopen_period(ADMIN, 2026, reason="訂正のため", engine=engine)
    submit_public_response(survey.token, {question.id: ["useful"]}, engine=engine)
    assert _actual(engine, share) == round(200 / 3, 1)


def test_concurrent_checkins_each_see_the_other(loaded_engine: Engine, forum: Forum) -> None:
    engine = loaded_engine
    event = add_event(engine, forum, capacity="20")
    people = forum.kpis["参加者数"]
    tokens = [_register(engine, event.id, f"参加者{i}", f"p{i}@example.jp") for i in range(8)]
    bind_measure(people, "attended_people", [event.id], actor=forum.editor, engine=engine)
    barrier = threading.Barrier(len(tokens))
    errors: list[BaseException] = []

    def mark(token: str) -> None:
        try:
            barrier.wait()
            check_in(event.id, token=token, day=DAY, actor=forum.editor, engine=engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=mark, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    history = [v.value for v in actual_history(people, 2026, engine=engine)]
    assert history[-1] == 8 and history == sorted(history)


def test_one_email_at_two_events_is_one_person(loaded_engine: Engine, forum: Forum) -> None:
    engine = loaded_engine
    first = add_event(engine, forum, capacity="10")
    second = add_event(engine, forum, name="第2回フォーラム", start_date="2026-11-05")
    taro = _register(engine, first.id, "京都 太郎", "Taro@Example.jp")
    hana = _register(engine, first.id, "大阪 花子", "hanako@example.jp")
    # The same e-mail typed differently (full width, case), and a different name: the same person counts
    # once, and the ticket shows what was typed for this registration, nothing of the other's.
    again = _register(engine, second.id, "別の名前", " ｔａｒｏ@example.JP")
    assert ticket(again, engine=engine).name == "別の名前"
    # One office address for two people at one event: two people.
    boss = register(
        second.id,
        RegistrationForm(
            PersonForm("部長", "", "office@example.jp"), companions=(PersonForm("課長", "", "office@example.jp"),)
        ),
        actor=PUBLIC,
        now=BEFORE,
        engine=engine,
    )
    companion = _companion_token(engine, boss.token)
    for event_id, token, day in (
        (first.id, taro, DAY),
        (first.id, hana, DAY),
        (second.id, again, dt.date(2026, 11, 5)),
        (second.id, boss.token, dt.date(2026, 11, 5)),
        (second.id, companion, dt.date(2026, 11, 5)),
    ):
        check_in(event_id, token=token, day=day, actor=forum.editor, engine=engine)
    people = forum.kpis["参加者数"]
    days = _another_kpi(engine, forum)
    bind_measure(people, "attended_people", [first.id, second.id], actor=forum.editor, engine=engine)
    bind_measure(days, "attended_person_days", [first.id, second.id], actor=ADMIN, engine=engine)
    assert compute_kpi(people, actor=forum.editor, engine=engine).value == 4  # 太郎, 花子, 部長, 課長
    assert compute_kpi(days, actor=ADMIN, engine=engine).value == 5
    assert attendance(second.id, engine=engine).unique_people == 3
    compute_year(2026, actor=ADMIN, engine=engine)
    assert _actual(engine, people) == 4 and _actual(engine, days) == 5  # the set-based run agrees

    # Erasure of the first event: its records are blanked, the second keeps its own; the KPI is the same.
    erase_personal_data(first.id, actor=forum.editor, today=dt.date(2028, 1, 1), engine=engine)
    with read_session(engine) as s:
        names = dict(
            s.execute(
                select(store.Registration.token, store.Person.name).join(
                    store.Person, store.Person.id == store.Registration.person_id
                )
            ).all()
        )
    assert names[taro] is None and names[again] == "別の名前"
    assert compute_kpi(people, actor=forum.editor, engine=engine).value == 4
    assert compute_kpi(days, actor=ADMIN, engine=engine).outcome == "unchanged"


def _companion_token(engine: Engine, token: str) -> str:
    with read_session(engine) as s:
        lead = s.scalar(select(store.Registration.id).where(store.Registration.token == token))
        found = s.scalar(select(store.Registration.token).where(store.Registration.registered_by_id == lead))
    assert found is not None
    return found


def test_an_imported_list_recomputes_and_recognises_registered_people(loaded_engine: Engine, forum: Forum) -> None:
    engine = loaded_engine
    online = add_event(engine, forum, capacity="10")
    venue = add_event(engine, forum, name="会場受付のセミナー", start_date="2026-11-05")
    token = _register(engine, online.id, "大阪 花子", "hanako@example.jp")
    check_in(online.id, token=token, day=DAY, actor=forum.editor, engine=engine)
    people = forum.kpis["参加者数"]
    bind_measure(people, "attended_people", [online.id, venue.id], actor=forum.editor, engine=engine)
    content = "氏名,メールアドレス,出欠\r\n大阪 花子,HANAKO@example.jp,○\r\n神戸 次郎,jiro@example.jp,○\r\n".encode(
        "cp932"
    )
    report = import_participants(venue.id, "受付名簿.csv", content, actor=forum.editor, engine=engine)
    assert report.applied, report.errors
    assert _actual(engine, people) == 2  # 花子 came to both: once; 次郎: once
