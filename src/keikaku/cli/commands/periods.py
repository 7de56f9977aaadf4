"""``keikaku period …``: lock a fiscal year once its evaluation is final, reopen it with a reason.

The command line acts as the local administrator (``cli:$USER``); see ``_admin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from keikaku.cli.commands._admin import ADMIN_NOTE, admin, fiscal_year, out, when

if TYPE_CHECKING:
    from keikaku.services.actuals.periods import PeriodLockPublic


def _scope(state: PeriodLockPublic) -> str:
    """What a lock covers, as the messages name it: 2026年度, or 2026年度（計画 3）."""
    return f"{state.fiscal_year}年度" + (f"（計画 {state.plan_id}）" if state.plan_id else "")


def register(app: typer.Typer) -> None:
    """Add the ``period`` command group."""
    group = typer.Typer(help="年度の確定（ロック）と再開。" + ADMIN_NOTE, no_args_is_help=True)
    app.add_typer(group, name="period")

    @group.command("lock")
    def lock(
        year: str = typer.Argument(..., help="年度（2026、令和8年度 など）"),
        plan: int | None = typer.Option(None, "--plan", help="この計画の評価だけを確定する（計画 ID）"),
        reason: str | None = typer.Option(None, "--reason", help="理由・メモ（監査記録に残る）"),
    ) -> None:
        """年度を確定する：その年度の実績値と評価は変更できなくなる。"""
        from keikaku.services.actuals.periods import lock_period

        state = lock_period(admin(), fiscal_year(year), plan_id=plan, reason=reason)
        target = _scope(state)
        out().print(f"{target}を確定しました", markup=False)

    @group.command("reopen")
    def reopen(
        year: str = typer.Argument(..., help="年度（2026、令和8年度 など）"),
        reason: str = typer.Option(..., "--reason", help="再開の理由（必須、監査記録に残る）"),
        plan: int | None = typer.Option(None, "--plan", help="計画ごとの確定を再開する（計画 ID）"),
    ) -> None:
        """確定した年度を再開する（管理者のみ、理由が必要）。"""
        from keikaku.services.actuals.periods import reopen_period

        state = reopen_period(admin(), fiscal_year(year), reason, plan_id=plan)
        target = _scope(state)
        out().print(f"{target}の確定を解除しました（理由: {state.reopen_reason}）", markup=False)

    @group.command("status")
    def status(year: str | None = typer.Argument(None, help="年度（省略時はすべて）")) -> None:
        """年度の確定状況を表示する。"""
        from rich.table import Table

        from keikaku.services.actuals.periods import period_status

        table = Table("年度", "計画", "状態", "確定", "確定者", "再開", "再開者", "再開理由")
        for state in period_status(fiscal_year(year) if year else None):
            table.add_row(
                str(state.fiscal_year),
                str(state.plan_id or "全体"),
                "確定済み" if state.locked else "再開中",
                when(state.locked_at),
                state.locked_by,
                when(state.reopened_at),
                state.reopened_by or "",
                state.reopen_reason or "",
            )
        out().print(table)
