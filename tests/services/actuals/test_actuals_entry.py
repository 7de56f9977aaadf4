"""Entering actual values: corrections keep history, bad input is refused with the KPI and the reason."""

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from keikaku.services.actuals.record import (
    ActualInput,
    AttachmentInput,
    actual_history,
    list_actuals,
    set_actual,
)
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.actuals import ActualAttachment, ActualValue
from keikaku.storage.uow import read_session

TANAKA = Actor(name="田中", roles=frozenset({Role.BUREAU_ADMIN}))
SATO = Actor(name="佐藤", roles=frozenset({Role.BUREAU_ADMIN}))


def _set(engine: Engine, kpi: str, value: object, actor: Actor = TANAKA, **extra: object) -> object:
    data = ActualInput(kpi=kpi, fiscal_year=extra.pop("fiscal_year", 2026), value=value, **extra)  # type: ignore[arg-type]
    return set_actual(data, actor=actor, engine=engine)


def test_correction_keeps_the_old_value_with_who_when_and_why(sqlite_loaded_engine: Engine) -> None:
    first = _set(sqlite_loaded_engine, "参加者数", "205人", measured_on=dt.date(2026, 4, 2))
    with pytest.raises(ValidationError, match="訂正する場合は理由"):
        _set(sqlite_loaded_engine, "参加者数", 212, actor=SATO)
    second = _set(sqlite_loaded_engine, "参加者数", 212, actor=SATO, reason="当日受付分の集計漏れ")
    history = actual_history("参加者数", 2026, engine=sqlite_loaded_engine)
    assert [(v.version, v.value, v.entered_by, v.reason) for v in history] == [
        (1, 205, "田中", None),
        (2, 212, "佐藤", "当日受付分の集計漏れ"),
    ]
    assert history[0].entered_at <= history[1].entered_at
    assert history[0].measured_on == dt.date(2026, 4, 2)
    assert first.id != second.id  # type: ignore[attr-defined]
    with read_session(sqlite_loaded_engine) as session:
        assert session.scalars(select(ActualValue.value).order_by(ActualValue.id)).all() == [205, 212]
    with read_session(sqlite_loaded_engine) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "actual_value").order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.actor, e.before, e.after["value"], e.reason) for e in entries] == [
            ("actual.set", "田中", None, 205, None),
            ("actual.correct", "佐藤", {"value": 205}, 212, "当日受付分の集計漏れ"),
        ]
    (current,) = [i for i in list_actuals(2026, engine=sqlite_loaded_engine) if i.kpi.indicator == "参加者数"]
    assert current.annual is not None and current.annual.value == 212


def test_the_same_value_again_adds_no_version(sqlite_loaded_engine: Engine) -> None:
    _set(sqlite_loaded_engine, "参加者数", 205)
    _set(sqlite_loaded_engine, "参加者数", "205人")
    assert len(actual_history("参加者数", 2026, engine=sqlite_loaded_engine)) == 1


@pytest.mark.parametrize(
    ("kpi", "value", "message"),
    [
        ("参加者数", "70%", "KPI「参加者数」（③ グリーン分野のさらなる深化）: 割合（70%）は入力できません"),
        ("PR回数", "-3", "KPI「PR回数」（海外向けプロモーション）: 件数・人数に負の値は指定できません"),
        (
            "利用満足度",
            "120%",
            "KPI「利用満足度」（⑤ 関西の産業力強化を目的とした広域的プラットフォーム構築）: 割合は 0〜100%",
        ),
        ("利用満足度", "120", "割合は 0〜100%"),
        ("海外向けWEBサイト閲覧数", "1,200人", "単位「人」はこの KPI（単位：件）には使えません"),
        ("参加者数", "約200人", "概数"),
        ("参加者数", "たくさん", "数値として解釈できません"),
        ("参加者数", "20.5", "整数"),
    ],
)
def test_bad_values_are_refused_naming_the_kpi(
    sqlite_loaded_engine: Engine, kpi: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _set(sqlite_loaded_engine, kpi, value)
    assert message in caught.value.message
    with read_session(sqlite_loaded_engine) as session:
        assert session.scalars(select(ActualValue)).all() == []


def test_fiscal_year_without_a_plan_is_refused(sqlite_loaded_engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="2025年度の事業計画がありません（登録済みの年度: 2023年度、2026年度）"):
        _set(sqlite_loaded_engine, "参加者数", 205, fiscal_year=2025)


def test_unknown_department_is_refused(sqlite_loaded_engine: Engine) -> None:
    with pytest.raises(ValidationError, match="担当課「観光振興課」は登録されていません"):
        list_actuals(2026, department="観光振興課", engine=sqlite_loaded_engine)


@pytest.mark.parametrize(("raw", "expected"), [("七十", 70), ("1,200件", 1200), ("１，２００", 1200), ("3万件", 30000)])
def test_japanese_numerals_and_units_are_accepted(sqlite_loaded_engine: Engine, raw: str, expected: int) -> None:
    saved = _set(sqlite_loaded_engine, "海外向けWEBサイト閲覧数", raw)
    assert saved.value == expected  # type: ignore[attr-defined]


def test_share_from_numerator_and_denominator(sqlite_loaded_engine: Engine) -> None:
    saved = _set(sqlite_loaded_engine, "利用満足度", None, numerator="164", denominator="205")
    assert saved.value == pytest.approx(80.0)  # type: ignore[attr-defined]
    assert (saved.numerator, saved.denominator) == (164, 205)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="分子が分母を超えて"):
        _set(sqlite_loaded_engine, "利用満足度", None, numerator=210, denominator=205, reason="再集計")
    with pytest.raises(ValidationError, match="割合（%）の KPI だけ"):
        _set(sqlite_loaded_engine, "参加者数", None, numerator=1, denominator=2)


def test_monthly_values_only_for_counts(sqlite_loaded_engine: Engine) -> None:
    saved = _set(sqlite_loaded_engine, "アクセス件数", "2,700件", month=4)
    assert saved.month == 4  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="月ごとの実績"):
        _set(sqlite_loaded_engine, "利用満足度", 80, month=4)
    with pytest.raises(ValidationError, match="1〜12"):
        _set(sqlite_loaded_engine, "アクセス件数", 1, month=13)


def test_evidence_url_date_and_attachment(sqlite_loaded_engine: Engine) -> None:
    with pytest.raises(ValidationError, match="http"):
        _set(sqlite_loaded_engine, "参加者数", 205, evidence_url="javascript:alert(1)")
    with pytest.raises(ValidationError, match="開始"):
        _set(sqlite_loaded_engine, "参加者数", 205, measured_on=dt.date(2026, 3, 31))
    with pytest.raises(ValidationError, match="未来"):
        _set(sqlite_loaded_engine, "参加者数", 205, measured_on=dt.date.today() + dt.timedelta(days=1))
    attachment = AttachmentInput("受付名簿集計.csv", "人数,205\n".encode())
    saved = _set(sqlite_loaded_engine, "参加者数", 205, attachment=attachment, evidence_text="受付名簿")
    assert saved.attachment_name == "受付名簿集計.csv"  # type: ignore[attr-defined]
    with read_session(sqlite_loaded_engine) as session:
        row = session.scalars(select(ActualAttachment)).one()
        assert row.media_type == "text/csv" and row.size == len(attachment.content) and row.uploaded_by == "田中"


def test_vision_targets_take_any_year(sqlite_loaded_engine: Engine) -> None:
    saved = _set(sqlite_loaded_engine, "GRP額", "90.5兆円", fiscal_year=2022)
    assert saved.fiscal_year == 2022 and saved.value == 90.5  # type: ignore[attr-defined]
    converted = _set(sqlite_loaded_engine, "GRP額", "88兆5,000億円", fiscal_year=2021)
    assert converted.value == pytest.approx(88.5)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="単位が曖昧"):
        _set(sqlite_loaded_engine, "GRP額", "905億", fiscal_year=2020)
    with pytest.raises(ValidationError, match="単位「人」"):
        _set(sqlite_loaded_engine, "GRP額", "90人", fiscal_year=2020)


def test_kpi_must_be_named_unambiguously(sqlite_loaded_engine: Engine) -> None:
    with pytest.raises(ValidationError, match="複数あります"):
        _set(sqlite_loaded_engine, "マッチング", 3)
    with pytest.raises(NotFoundError, match="来場者数"):
        _set(sqlite_loaded_engine, "来場者数", 3)


def test_permissions(sqlite_loaded_engine: Engine) -> None:
    with pytest.raises(PermissionDeniedError):
        _set(sqlite_loaded_engine, "参加者数", 205, actor=PUBLIC)
    green_only = Actor("グリーン担当", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"グリーン産業振興課"}))
    _set(sqlite_loaded_engine, "参加者数", 205, actor=green_only)
    with pytest.raises(PermissionDeniedError):
        _set(sqlite_loaded_engine, "PR回数", 3, actor=green_only)
