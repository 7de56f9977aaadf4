"""Every bound KPI of a year computed at once (set-based) gives each KPI the figure computed one by one, on
both backends: people over two events (a person's two days counted once), registrations,
a share with blanks and its response rate; then the same outcomes as one by one (recorded, unchanged,
the hand-entered value kept), and nothing moves in a locked year."""

import datetime as dt

from sqlalchemy import Engine, select

from keikaku.services.actuals.periods import lock_period
from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC
from keikaku.services.events.checkin import check_in
from keikaku.services.events.registrations import PersonForm, RegistrationForm, register
from keikaku.services.measures.compute import evaluate
from keikaku.services.measures.definitions import bind_measure, current_measure_row
from keikaku.services.measures.recompute import compute_year
from keikaku.services.surveys.bank import TOP2
from keikaku.services.surveys.responses import create_survey, submit_public_response
from keikaku.storage import measures as store
from keikaku.storage.uow import read_session

from .conftest import ADMIN, BEFORE, Forum, add_event


def _token(engine: Engine, event_id: int, email: str) -> str:
    form = RegistrationForm(PersonForm(email.split("@", maxsplit=1)[0], "", email))
    return register(event_id, form, actor=PUBLIC, now=BEFORE, engine=engine).token


def test_compute_year_agrees_with_each_kpi(loaded_engine: Engine, forum: Forum) -> None:
    engine = loaded_engine
    first = add_event(engine, forum, end_date="2026-10-08")
    second = add_event(engine, forum, name="第2回フォーラム", start_date="2026-11-05")
    tokens = [_token(engine, first.id, f"p{i}@example.jp") for i in range(4)]
    again = _token(engine, second.id, "q0@example.jp")
    for token in tokens[:3]:
        check_in(first.id, token=token, day=dt.date(2026, 10, 7), actor=forum.editor, engine=engine)
    check_in(first.id, token=tokens[0], day=dt.date(2026, 10, 8), actor=forum.editor, engine=engine)
    check_in(second.id, token=again, day=dt.date(2026, 11, 5), actor=forum.editor, engine=engine)
    survey = create_survey(first.id, "", ["useful5"], actor=forum.editor, engine=engine)
    question = survey.questions[0]
    for code in ("very_useful", "neutral", "useful", ""):
        submit_public_response(survey.token, {question.id: [code]}, engine=engine)

    people, share = forum.kpis["参加者数"], next(k for name, k in forum.kpis.items() if "割合" in name)
    bind_measure(people, "attended_people", [first.id, second.id], actor=forum.editor, engine=engine)
    bind_measure(
        share, "answer_share", [first.id], question_code="useful5", codes=TOP2, actor=forum.editor, engine=engine
    )
    with read_session(engine) as session:
        expected = {}
        for kpi in (people, share):
            row = current_measure_row(session, kpi)
            assert row is not None
            expected[kpi] = evaluate(session, row)
    assert (expected[people].value, expected[people].records) == (4, 5)  # p0's two days count once
    assert (expected[share].value, expected[share].denominator, expected[share].blanks) == (66.7, 3, 1)

    done = compute_year(2026, actor=ADMIN, engine=engine)
    assert done.outcomes.get("recorded", 0) >= 2
    with read_session(engine) as session:
        for kpi, figure in expected.items():
            latest = session.scalars(
                select(store.ComputedActual).where(store.ComputedActual.kpi_id == kpi).order_by(store.ComputedActual.id)
            ).all()[-1]
            got = (
                latest.value,
                latest.records,
                latest.numerator,
                latest.denominator,
                latest.blanks,
                latest.response_rate,
            )
            assert got == (
                figure.value,
                figure.records,
                figure.numerator,
                figure.denominator,
                figure.blanks,
                figure.response_rate,
            )
            assert latest.outcome == "recorded" and latest.actual_value_id is not None

    bind_measure(people, "registrations", [first.id, second.id], actor=forum.editor, engine=engine)
    set_actual(ActualInput(share, 2026, 50.0, reason="手集計"), actor=ADMIN, engine=engine)
    second_run = compute_year(2026, actor=ADMIN, engine=engine)
    with read_session(engine) as session:
        outcomes = {
            kpi: session.scalars(
                select(store.ComputedActual.outcome)
                .where(store.ComputedActual.kpi_id == kpi)
                .order_by(store.ComputedActual.id.desc())
            ).first()
            for kpi in (people, share)
        }
    assert outcomes[share] == "kept_entered"  # a hand-entered value is never overwritten silently
    assert outcomes[people] == "recorded"  # 5 registrations now, a new computed version
    assert second_run.kpis == done.kpis

    lock_period(ADMIN, 2026, reason="評価確定", engine=engine)
    assert set(compute_year(2026, actor=ADMIN, engine=engine).outcomes) == {"locked"}
