"""``keikaku compare 2025 2026``: projects continued, added and dropped; budget and target changes."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.table import Table

from keikaku.cli.commands.evaluate import OutputFormat
from keikaku.services.core.actors import SYSTEM
from keikaku.services.evaluations.presentation import format_value, to_jsonable
from keikaku.services.plans.compare import compare_fiscal_years


def _change(change: int | None, percent: float | None) -> str:
    if change is None:
        return "—"
    text = f"{change:+,}千円"
    return f"{text}（{percent:+.1f}%）" if percent is not None else text


def register(app: typer.Typer) -> None:
    """Add the compare command."""
    out = Console(highlight=False, soft_wrap=True)

    @app.command("compare")
    def compare(
        before: int = typer.Argument(..., help="比べる前の年度（例：2025）"),
        after: int = typer.Argument(..., help="比べる後の年度（例：2026）"),
        issuer: str | None = typer.Option(None, "--issuer", help="発行者（同じ年度に複数の計画があるとき）"),
        fmt: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", "-f", help="text または json"),
    ) -> None:
        """2 つの年度の事業計画を比べる（継続・新規・終了、予算の増減、KPI 目標の変更）。"""
        result = compare_fiscal_years(before, after, viewer=SYSTEM, issuer=issuer)  # the operator sees drafts
        if fmt is OutputFormat.JSON:
            json.dump(to_jsonable(result), sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return
        b, a = result.before_year, result.after_year
        out.print(
            f"[bold]{b}年度 → {a}年度[/bold]  予算総額 {format_value(result.before_total, '千円')} → "
            f"{format_value(result.after_total, '千円')}（{_change(result.total_change, result.total_change_percent)}）"
        )
        table = Table(title="継続", show_lines=False)
        for column in (f"{b}年度", f"{a}年度", "予算の増減"):
            table.add_column(column)
        for match in result.continued:
            table.add_row(
                match.before.name, match.after.name, _change(match.budget_change, match.budget_change_percent)
            )
        out.print(table)
        for title, items in ((f"{a}年度の新規", result.added), (f"{b}年度で終了", result.dropped)):
            out.print(f"[bold]{title}[/bold]")
            for item in items:
                new = "【新規】" if item.is_new else ""
                out.print(f"  {item.code} {item.name}{new}（{format_value(item.budget_thousand_yen, '千円')}）")
        if result.kpi_revisions:
            out.print("[bold]KPI 目標の変更[/bold]")
            for match, change in result.kpi_revisions:
                if change.before and change.after:
                    before_text = change.before.target_text or format_value(change.before.target, change.before.unit)
                    after_text = change.after.target_text or format_value(change.after.target, change.after.unit)
                    out.print(f"  {match.after.name}: {change.after.indicator} {before_text} → {after_text}")
