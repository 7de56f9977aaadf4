"""Two editors correcting the same actual value: optimistic locking, and neither change lost silently."""

import threading
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from keikaku.services.actuals import record
from keikaku.services.actuals.record import ActualInput, actual_history, current_version, set_actual
from keikaku.services.core.actors import Actor, Role
from keikaku.services.core.errors import ConflictError
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

TANAKA = Actor(name="田中", roles=frozenset({Role.BUREAU_ADMIN}))
SATO = Actor(name="佐藤", roles=frozenset({Role.BUREAU_ADMIN}))
KPI = "参加者数"


def _set(engine: Engine, actor: Actor, value: object, expected: int | None, reason: str | None = None) -> object:
    data = ActualInput(kpi=KPI, fiscal_year=2026, value=value, expected_version=expected, reason=reason)
    return set_actual(data, actor=actor, channel="web", engine=engine)


class _Entry(NamedTuple):
    actor: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str | None


def _conflicts(engine: Engine) -> list[_Entry]:
    with read_session(engine) as session:
        stmt = select(AuditEntry).where(AuditEntry.action == "actual.conflict").order_by(AuditEntry.id)
        return [_Entry(e.actor, e.before, e.after, e.reason) for e in session.scalars(stmt)]


def test_the_second_editor_is_told_and_both_versions_stay(loaded_engine: Engine) -> None:
    assert current_version(_kpi_id(loaded_engine), 2026, engine=loaded_engine) == 0
    _set(loaded_engine, TANAKA, "205人", expected=0)
    with pytest.raises(ConflictError) as refused:
        _set(loaded_engine, SATO, "212人", expected=0, reason="受付名簿で数え直した")
    error = refused.value
    assert error.http_status == 409 and "田中" in error.message and "205人" in error.message
    assert error.details["current_version"] == 1 and error.details["current_entered_by"] == "田中"
    assert [v.value for v in actual_history(KPI, 2026, engine=loaded_engine)] == [205]
    (conflict,) = _conflicts(loaded_engine)
    assert (conflict.actor, conflict.after["value"], conflict.after["expected_version"]) == ("佐藤", "212人", 0)
    assert conflict.before["current_value"] == 205 and conflict.reason == "受付名簿で数え直した"

    _set(loaded_engine, SATO, "212人", expected=1, reason="受付名簿で数え直した")
    history = actual_history(KPI, 2026, engine=loaded_engine)
    assert [(v.version, v.value, v.entered_by) for v in history] == [(1, 205, "田中"), (2, 212, "佐藤")]
    with pytest.raises(ConflictError):
        _set(loaded_engine, TANAKA, "230人", expected=1, reason="再集計")
    assert current_version(_kpi_id(loaded_engine), 2026, engine=loaded_engine) == 2


def test_without_an_expected_version_the_command_line_behaviour_stays(loaded_engine: Engine) -> None:
    _set(loaded_engine, TANAKA, 205, expected=None)
    _set(loaded_engine, SATO, 212, expected=None, reason="訂正")
    assert [v.version for v in actual_history(KPI, 2026, engine=loaded_engine)] == [1, 2]
    assert _conflicts(loaded_engine) == []


def _race(engine: Engine, calls: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_simultaneous_corrections_one_wins_the_others_are_told(loaded_engine: Engine) -> None:
    _set(loaded_engine, TANAKA, 200, expected=0)
    editors = [Actor(name=f"編集者{i}", roles=frozenset({Role.BUREAU_ADMIN})) for i in range(4)]
    calls: list[Callable[[], object]] = [
        (lambda a=a, i=i: _set(loaded_engine, a, 210 + i, expected=1, reason=f"訂正{i}"))  # type: ignore[misc]
        for i, a in enumerate(editors)
    ]
    results = _race(loaded_engine, calls)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 3
    assert all(isinstance(r, ConflictError) for r in losers), losers
    history = actual_history(KPI, 2026, engine=loaded_engine)
    assert [v.version for v in history] == [1, 2] and history[1].value == winners[0].value  # type: ignore[attr-defined]
    attempted = sorted(e.after["value"] for e in _conflicts(loaded_engine))
    kept = {str(210 + i) for i in range(4)} - {str(int(winners[0].value))}  # type: ignore[attr-defined]
    assert attempted == sorted(kept)


def _kpi_id(engine: Engine) -> int:
    with read_session(engine) as session:
        from keikaku.services.plans.kpis import find_kpi

        return find_kpi(session, 2026, KPI).id


def test_a_writer_who_commits_inside_the_others_window_makes_it_a_409_never_a_422(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 item 7: the loser passed the version check, the winner committed, and the loser's next read
    saw the winner's value (PostgreSQL: each statement sees new commits): a 422 asking for a reason, and no
    audit record.  The loser must get the 409 and its attempt must be in the audit trail."""
    from keikaku.services.actuals import record

    _set(loaded_engine, TANAKA, 200, expected=0)
    original = record._current_value
    fired: list[object] = []

    def winner_commits_first(*args: object, **kwargs: object) -> object:
        if not fired:
            fired.append(threading.Thread(target=lambda: _set(loaded_engine, SATO, 230, expected=1, reason="再集計")))
            fired[0].start()  # type: ignore[attr-defined]
            fired[0].join()  # type: ignore[attr-defined]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(record, "_current_value", winner_commits_first)
    with pytest.raises(ConflictError) as refused:
        _set(loaded_engine, TANAKA, 215, expected=1, reason="訂正")
    assert refused.value.code == "conflict"
    assert [v.value for v in actual_history(KPI, 2026, engine=loaded_engine)] == [200, 230]
    assert [e.after["value"] for e in _conflicts(loaded_engine)] == ["215"]


def test_a_writer_without_an_expected_version_who_loses_the_race_gets_a_409_not_a_422(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 item 7, the probe's case: clients that send no expected version race to enter the first
    value.  The loser read "no value yet", the winner committed, and the loser's next read found a value and
    asked for a correction reason (422, not audited).  The version a write builds on is read once: the loser
    meets the winner's version and is told so (409), and its attempt is in the audit trail."""
    from keikaku.services.actuals import record

    original = record._current_value
    fired: list[threading.Thread] = []

    def winner_commits_first(*args: object, **kwargs: object) -> object:
        if not fired:
            fired.append(threading.Thread(target=lambda: _set(loaded_engine, SATO, 230, expected=None)))
            fired[0].start()
            fired[0].join()
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(record, "_current_value", winner_commits_first)
    with pytest.raises(ConflictError) as refused:
        _set(loaded_engine, TANAKA, 215, expected=None)
    assert refused.value.code == "conflict"
    assert refused.value.details["current_value"] == 230
    assert [v.value for v in actual_history(KPI, 2026, engine=loaded_engine)] == [230]
    assert [(e.actor, e.after["value"]) for e in _conflicts(loaded_engine)] == [("田中", "215")]


def test_twenty_writers_without_an_expected_version_one_wins_every_conflict_is_audited(loaded_engine: Engine) -> None:
    """20 simultaneous first entries with no expected version: one value is stored, and every attempt refused
    as a conflict is in the audit trail with the value it tried to enter."""
    editors = [Actor(name=f"入力者{i}", roles=frozenset({Role.BUREAU_ADMIN})) for i in range(20)]
    calls: list[Callable[[], object]] = [
        (lambda a=a, i=i: _set(loaded_engine, a, 300 + i, expected=None))  # type: ignore[misc]
        for i, a in enumerate(editors)
    ]
    results = _race(loaded_engine, calls)
    assert len(actual_history(KPI, 2026, engine=loaded_engine)) == 1
    assert sum(not isinstance(r, Exception) for r in results) == 1
    refused = {editors[i].name: str(300 + i) for i, r in enumerate(results) if isinstance(r, ConflictError)}
    assert {e.actor: e.after["value"] for e in _conflicts(loaded_engine)} == refused


def test_a_constraint_other_than_the_version_is_an_error_not_a_conflict(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody else saved: the editor must not be told someone did (and no conflict is audited)."""

    def broken_audit(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT INTO audit_log …", {}, Exception("another constraint"))

    monkeypatch.setattr(record, "audit_actual", broken_audit)
    with pytest.raises(IntegrityError):
        _set(loaded_engine, TANAKA, "205人", expected=0)
    assert _conflicts(loaded_engine) == []
    assert current_version(_kpi_id(loaded_engine), 2026, engine=loaded_engine) == 0
