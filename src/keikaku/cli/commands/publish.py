"""``keikaku publish …`` and ``keikaku unpublish …``: publish plans and evaluations, or withdraw them.

A plan or an evaluation is a draft until published; the public sees only what is published.  The command
line acts as the local administrator (``cli:$USER``); see ``_admin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from keikaku.cli.commands._admin import ADMIN_NOTE, admin, fiscal_year, out, when

if TYPE_CHECKING:
    from keikaku.services.publication.state import PublicationPublic

KIND = {"plan": "計画", "evaluation": "評価"}


def _pair(text: str) -> tuple[int, int]:
    old, sep, new = text.partition("=")
    if not sep or not old.strip().isdigit() or not new.strip().isdigit():
        raise typer.BadParameter(f"--attach は 旧KPI_ID=新KPI_ID の形で指定してください: {text!r}")
    return int(old), int(new)


def _say(state: PublicationPublic) -> None:
    label = f"{KIND[state.object_type]}（計画 {state.object_id}、{state.fiscal_year}年度）"
    out().print(f"{label}: {'公開' if state.state == 'published' else '非公開（下書き）'}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``publish`` and ``unpublish`` command groups."""
    publish = typer.Typer(help="計画・評価を公開する。" + ADMIN_NOTE, no_args_is_help=True)
    unpublish = typer.Typer(help="計画・評価の公開を取り下げる（理由が必要）。" + ADMIN_NOTE, no_args_is_help=True)
    app.add_typer(publish, name="publish")
    app.add_typer(unpublish, name="unpublish")

    @publish.command("plan")
    def publish_plan_command(
        plan: int = typer.Argument(..., help="計画 ID"),
        reason: str | None = typer.Option(
            None, "--reason", help="理由（監査記録に残る。公開中の版を置き換える改訂版では必須）"
        ),
        attach: list[str] = typer.Option(
            [], "--attach", help="新しい版に対応しない旧版の KPI を指定の KPI に引き継ぐ（旧KPI_ID=新KPI_ID、複数可）"
        ),
        leave: list[int] = typer.Option(
            [], "--leave-behind", help="新しい版に対応しない旧版の項目を引き継がないことを確認する（ID、複数可）"
        ),
    ) -> None:
        """計画を公開する。改訂版なら、公開中の版の実績値・判定・測定方法を新しい版へ引き継ぐ。"""
        from keikaku.services.publication.revisions import publish_plan

        pairs = dict(_pair(text) for text in attach)
        _say(publish_plan(admin(), plan, reason=reason, attach=pairs, confirm_unmatched=leave))

    @publish.command("evaluation")
    def publish_evaluation_command(
        plan: int = typer.Argument(..., help="計画 ID"),
        year: str = typer.Option(..., "--fiscal-year", "-y", help="評価の年度"),
        reason: str | None = typer.Option(
            None, "--reason", help="理由（監査記録に残る。測定が完了していないときは必須）"
        ),
        confirm_incomplete: bool = typer.Option(
            False, "--confirm-incomplete", help="未測定の KPI があることを確認して公開する"
        ),
    ) -> None:
        """計画の年度評価を公開する（測定状況を確かめてから: 未完了なら理由と --confirm-incomplete が要る）。"""
        from keikaku.services.evaluations.publishing import publish_evaluation_checked

        result, _coverage = publish_evaluation_checked(
            admin(), plan, fiscal_year(year), reason=reason, confirm_incomplete=confirm_incomplete
        )
        _say(result)

    @publish.command("status")
    def status() -> None:
        """公開・取り下げしたことのある計画と評価の現在の状態を表示する（記録のないものは下書き）。"""
        from rich.table import Table

        from keikaku.services.publication.state import publication_states

        table = Table("種類", "計画 ID", "年度", "状態", "変更者", "変更日時", "理由")
        for state in publication_states(actor=admin()):
            table.add_row(
                KIND[state.object_type],
                str(state.object_id),
                str(state.fiscal_year),
                "公開" if state.state == "published" else "下書き",
                state.changed_by or "",
                when(state.changed_at),
                state.reason or "",
            )
        out().print(table)

    @unpublish.command("plan")
    def unpublish_plan_command(
        plan: int = typer.Argument(..., help="計画 ID"),
        reason: str = typer.Option(..., "--reason", help="取り下げの理由（必須）"),
    ) -> None:
        """計画の公開を取り下げる。"""
        from keikaku.services.publication.state import unpublish_plan

        _say(unpublish_plan(admin(), plan, reason=reason))

    @unpublish.command("evaluation")
    def unpublish_evaluation_command(
        plan: int = typer.Argument(..., help="計画 ID"),
        year: str = typer.Option(..., "--fiscal-year", "-y", help="評価の年度"),
        reason: str = typer.Option(..., "--reason", help="取り下げの理由（必須）"),
    ) -> None:
        """計画の年度評価の公開を取り下げる。"""
        from keikaku.services.publication.state import unpublish_evaluation

        _say(unpublish_evaluation(admin(), plan, fiscal_year(year), reason=reason))
