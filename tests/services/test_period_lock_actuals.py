"""A finalised fiscal year locks its actuals and judgements; reopening (admin, with a reason) unlocks them."""

import pytest
from sqlalchemy import Engine

from keikaku.services.actuals.judgements import JudgementInput, set_judgement
from keikaku.services.actuals.periods import lock_period, reopen_period
from keikaku.services.actuals.record import ActualInput, actual_history, set_actual
from keikaku.services.core.errors import ConflictError
from keikaku.services.governance.accounts import local_admin


def test_locked_year_refuses_actuals_until_reopened(loaded_engine: Engine) -> None:
    admin = local_admin({"USER": "tester"})
    kpi = "参加者数"
    set_actual(ActualInput(kpi=kpi, fiscal_year=2026, value="205人"), actor=admin, engine=loaded_engine)
    lock_period(admin, 2026, reason="評価確定", engine=loaded_engine)
    with pytest.raises(ConflictError, match="2026年度は確定済み"):
        set_actual(
            ActualInput(kpi=kpi, fiscal_year=2026, value="230人", reason="再集計"), actor=admin, engine=loaded_engine
        )
    with pytest.raises(ConflictError, match="確定済み"):
        set_judgement(
            JudgementInput(kpi=kpi, fiscal_year=2026, status="達成", rationale="理由"),
            actor=admin,
            engine=loaded_engine,
        )
    assert [v.value for v in actual_history(kpi, 2026, engine=loaded_engine)] == [205]
    reopen_period(admin, 2026, "集計誤りの訂正", engine=loaded_engine)
    set_actual(
        ActualInput(kpi=kpi, fiscal_year=2026, value="230人", reason="再集計"), actor=admin, engine=loaded_engine
    )
    assert [v.value for v in actual_history(kpi, 2026, engine=loaded_engine)] == [205, 230]
