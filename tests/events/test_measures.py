"""The forum's cycle at the service level: register, check in (multi-day), answer the survey, compute
参加者数 and the share as computed actuals; a hand-entered actual is never overwritten; erasure keeps KPIs."""

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from keikaku.services.actuals.record import ActualInput, actual_history, set_actual
from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.events.checkin import attendance, check_in
from keikaku.services.events.participants import erase_personal_data, export_participants_csv, list_participants
from keikaku.services.events.registrations import PersonForm, RegistrationForm, register
from keikaku.services.measures.compute import adopt_computed, compute_kpi, drill_down
from keikaku.services.measures.definitions import bind_measure
from keikaku.services.surveys.bank import TOP2
from keikaku.services.surveys.responses import create_survey, enter_paper_response, submit_public_response
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import ADMIN, BEFORE, COUNCIL, OTHER, Forum, add_event

USEFUL = ["very_useful", "useful", "neutral", "very_useful", "not_useful", ""]


def test_forum_cycle_computes_kpis_from_records(loaded_engine: Engine, forum: Forum) -> None:
    event = add_event(loaded_engine, forum, capacity="20", end_date="2026-10-08")
    tokens = [
        register(
            event.id,
            RegistrationForm(PersonForm(f"参加者{i}", "", f"p{i}@example.jp"), organisation="（株）ケイカク"),
            actor=PUBLIC,
            now=BEFORE,
            engine=loaded_engine,
        ).token
        for i in range(6)
    ]
    speaker = register(
        event.id,
        RegistrationForm(PersonForm("講師", "", "s@example.jp"), role="speaker"),
        actor=forum.editor,
        channel="staff",
        now=BEFORE,
        engine=loaded_engine,
    )
    day1, day2 = dt.date(2026, 10, 7), dt.date(2026, 10, 8)
    for token in tokens[:5]:
        assert check_in(event.id, token=token, day=day1, method="scan", actor=forum.editor, engine=loaded_engine).added
    assert not check_in(event.id, token=tokens[0], day=day1, actor=forum.editor, engine=loaded_engine).added
    check_in(event.id, token=tokens[0], day=day2, actor=forum.editor, engine=loaded_engine)
    check_in(event.id, token=speaker.token, day=day1, actor=forum.editor, engine=loaded_engine)
    with pytest.raises(ValidationError, match="開催日"):
        check_in(event.id, token=tokens[1], day=dt.date(2026, 10, 9), actor=forum.editor, engine=loaded_engine)
    with pytest.raises(PermissionDeniedError):
        check_in(event.id, token=tokens[1], day=day1, actor=OTHER, engine=loaded_engine)
    counts = attendance(event.id, engine=loaded_engine)
    assert (counts.unique_people, counts.person_days, counts.per_day) == (5, 6, {day1: 5, day2: 1})

    survey = create_survey(event.id, "", ["useful5", "comment"], actor=forum.editor, engine=loaded_engine)
    useful, comment = survey.questions
    for i, code in enumerate(USEFUL[:4]):
        submit_public_response(
            survey.token, {useful.id: [code], comment.id: [f"感想{i}"]}, invitation=tokens[i], engine=loaded_engine
        )
    with pytest.raises(ConflictError, match="既に回答"):
        submit_public_response(survey.token, {useful.id: ["useful"]}, invitation=tokens[0], engine=loaded_engine)
    with pytest.raises(ValidationError, match="選択肢にありません"):
        submit_public_response(survey.token, {useful.id: ["6"]}, engine=loaded_engine)
    for code in USEFUL[4:]:
        enter_paper_response(survey.id, {useful.id: [code]}, actor=forum.editor, engine=loaded_engine)

    people, share = forum.kpis["参加者数"], next(k for name, k in forum.kpis.items() if "割合" in name)
    bind_measure(people, "attended_people", [event.id], actor=forum.editor, engine=loaded_engine)
    bind_measure(
        share, "answer_share", [event.id], question_code="useful5", codes=TOP2, actor=forum.editor, engine=loaded_engine
    )
    with pytest.raises(PermissionDeniedError):
        bind_measure(people, "registrations", [event.id], actor=OTHER, engine=loaded_engine)
    computed = compute_kpi(people, actor=forum.editor, engine=loaded_engine)
    assert (computed.value, computed.records, computed.outcome) == (5, 6, "recorded")
    ratio = compute_kpi(share, actor=forum.editor, engine=loaded_engine)
    # 3 of the 5 non-blank answers are in the top-2 box; 1 of 6 responses is blank; 6 responses / 5 attendees.
    assert (ratio.value, ratio.numerator, ratio.denominator, ratio.blanks) == (60.0, 3, 5, 1)
    assert ratio.response_rate == 1.2
    (version,) = actual_history(people, 2026, engine=loaded_engine)
    assert (version.value, version.channel) == (5, "computed") and "記録 6 件" in (version.evidence_text or "")
    assert compute_kpi(people, actor=forum.editor, engine=loaded_engine).outcome == "unchanged"

    # Public drill-down: counts only; staff: names.
    assert drill_down(people, viewer=PUBLIC, engine=loaded_engine).names is None
    assert drill_down(people, viewer=COUNCIL, engine=loaded_engine).names is None
    named = drill_down(people, viewer=forum.editor, engine=loaded_engine).names
    assert (
        named is not None and ("参加者0", "（株）ケイカク", "2026-10-07") in named
    )  # the organisation as typed (issue 15)
    assert dict(drill_down(share, viewer=PUBLIC, engine=loaded_engine).counts)["★ とても役に立った"] == 2

    # A hand-entered actual that differs is kept; both are visible; adopting the computed one needs a reason.
    set_actual(
        ActualInput(kpi=people, fiscal_year=2026, value=230, reason="受付名簿から手入力"),
        actor=ADMIN,
        engine=loaded_engine,
    )
    check_in(event.id, token=tokens[5], day=day2, actor=forum.editor, engine=loaded_engine)
    kept = compute_kpi(people, actor=forum.editor, engine=loaded_engine)
    assert (kept.value, kept.outcome, kept.entered_value) == (6, "kept_entered", 230)
    assert actual_history(people, 2026, engine=loaded_engine)[-1].value == 230
    adopt_computed(people, actor=forum.editor, reason="受付記録を公式とする", engine=loaded_engine)
    assert [(v.value, v.channel) for v in actual_history(people, 2026, engine=loaded_engine)] == [
        (5, "computed"),
        (230, "cli"),
        (6, "computed"),
    ]

    # Personal data: staff of the department only; the export is audited; erasure keeps the KPIs.
    for outsider in (PUBLIC, COUNCIL, OTHER):
        with pytest.raises(PermissionDeniedError):
            list_participants(event.id, actor=outsider, engine=loaded_engine)
    assert "参加者0" in export_participants_csv(event.id, actor=forum.editor, engine=loaded_engine).decode("utf-8-sig")
    with pytest.raises(ConflictError, match="以降に行えます"):
        erase_personal_data(event.id, actor=forum.editor, today=dt.date(2026, 10, 9), engine=loaded_engine)
    assert erase_personal_data(event.id, actor=forum.editor, today=dt.date(2028, 1, 1), engine=loaded_engine) == 7
    assert {p.name for p in list_participants(event.id, actor=forum.editor, engine=loaded_engine)} == {None}
    assert compute_kpi(people, actor=forum.editor, engine=loaded_engine).outcome == "unchanged"
    assert compute_kpi(share, actor=forum.editor, engine=loaded_engine).value == 60.0
    with read_session(loaded_engine) as s:
        actions = set(s.scalars(select(AuditEntry.action)).all())
    assert {
        "event.export_personal_data",
        "event.erase_personal_data",
        "actual.compute",
        "measure.bind",
        "checkin.add",
        "survey.respond",
        "actual.adopt_computed",
    } <= actions
