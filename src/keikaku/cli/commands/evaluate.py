"""``keikaku evaluate``: the evaluation of a fiscal year; ``keikaku thresholds``: a plan's rating thresholds."""

from __future__ import annotations

import json
import sys
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from keikaku.cli.commands.actuals import USER_HELP, cli_actor
from keikaku.services.core.errors import ValidationError
from keikaku.services.evaluations.presentation import PlanEvaluation, Thresholds, format_ratio, format_value
from keikaku.services.evaluations.run import (
    current_thresholds,
    evaluate_fiscal_year,
    evaluation_json,
    set_thresholds,
)


class OutputFormat(StrEnum):
    """How ``keikaku evaluate`` prints its result."""

    TEXT = "text"
    JSON = "json"


def _print(out: Console, evaluation: PlanEvaluation) -> None:
    plan = evaluation.plan
    out.print(
        f"[bold]{evaluation.fiscal_year}年度 {evaluation.title or ''}[/bold]  "
        f"{plan.status.value}（評価 {plan.rating or '—'}）  {plan.reason}"
    )
    table = Table(show_lines=False)
    for column in ("事業・KPI", "予算（千円）", "目標", "実績", "達成率", "判定", "理由"):
        table.add_column(column)
    for project in evaluation.projects:
        budget = f"{project.budget_thousand_yen:,}" if project.budget_thousand_yen is not None else "—"
        rating = f"（{project.rollup.rating}）" if project.rollup.rating else ""
        table.add_row(
            f"{project.code} {project.name}",
            budget,
            "",
            "",
            "",
            project.rollup.status.value + rating,
            project.rollup.reason,
        )
        for kpi in project.all_kpis():
            result = kpi.result
            table.add_row(
                f"  {kpi.indicator}",
                "",
                kpi.target_text,
                format_value(kpi.actual, kpi.unit),
                format_ratio(result.achievement) if result else "",
                result.status.value if result else "（参照実績）",
                result.reason if result else "",
            )
    out.print(table)
    for challenge in evaluation.challenges.values():
        weighted = format_ratio(challenge.budget_weighted)
        out.print(
            f"チャレンジ {challenge.label}: {challenge.status.value}（評価 {challenge.rating or '—'}、"
            f"単純平均 {format_ratio(challenge.unweighted)}、予算加重 {weighted}）"
        )
    for progress in evaluation.vision:
        out.print(f"ビジョン {progress.indicator}: {progress.reason}")


def _ratings(text: str) -> tuple[tuple[str, float], ...]:
    pairs = []
    for part in text.split(","):
        label, _, minimum = part.partition(":")
        try:
            pairs.append((label.strip(), float(minimum)))
        except ValueError:
            raise ValidationError(f"評価区分は A:1.0,B:0.8,C:0 の形で指定してください（{text}）") from None
    return tuple(pairs)


def register(app: typer.Typer) -> None:
    """Add the evaluate and thresholds commands."""
    out = Console(highlight=False, soft_wrap=True)

    @app.command("evaluate")
    def evaluate(  # noqa: PLR0917 - one parameter per typer option
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="評価する年度"),
        issuer: str | None = typer.Option(None, "--issuer", help="発行者（同じ年度に複数の計画があるとき）"),
        fmt: OutputFormat = typer.Option(OutputFormat.TEXT, "--format", "-f", help="text または json"),
        record: bool = typer.Option(False, "--record", help="評価の実行を記録する（誰が・いつ・結果）"),
        with_comparison: bool = typer.Option(False, "--with-comparison", help="前回計画との比較も含める（json）"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """年度の KPI をすべて評価し、事業・チャレンジ・計画ごとの判定と理由を表示する。"""
        evaluations = evaluate_fiscal_year(
            fiscal_year, issuer=issuer, actor=cli_actor(user), record=record, with_comparison=with_comparison
        )
        if fmt is OutputFormat.JSON:
            json.dump([evaluation_json(e) for e in evaluations], sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return
        for evaluation in evaluations:
            _print(out, evaluation)

    @app.command("thresholds")
    def thresholds(  # noqa: PLR0917 - one parameter per typer option
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度"),
        mostly_achieved: float | None = typer.Option(
            None, "--mostly-achieved", help="概ね達成とする達成率（既定 0.9）"
        ),
        ratings: str | None = typer.Option(None, "--ratings", help="評価区分（既定 A:1.0,B:0.8,C:0）"),
        score_cap: float | None = typer.Option(None, "--score-cap", help="集計で数える達成率の上限（既定 1.0）"),
        reason: str | None = typer.Option(None, "--reason", help="変更の理由"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """計画の判定基準（概ね達成の基準、A/B/C の区分）を表示する。値を指定すると変更する。"""
        current = current_thresholds(fiscal_year)
        if all(v is None for v in (mostly_achieved, ratings, score_cap)):
            new = current
        else:
            try:
                new = Thresholds(
                    mostly_achieved=current.mostly_achieved if mostly_achieved is None else mostly_achieved,
                    ratings=current.ratings if ratings is None else _ratings(ratings),
                    score_cap=current.score_cap if score_cap is None else score_cap,
                )
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
            set_thresholds(fiscal_year, new, actor=cli_actor(user), reason=reason)
        labels = "、".join(f"{label} ≥ {minimum:.0%}" for label, minimum in new.ratings)
        out.print(
            f"{fiscal_year}年度: 概ね達成 ≥ {new.mostly_achieved:.0%}、評価区分 {labels}、"
            f"達成率の上限 {new.score_cap:.0%}、未測定はスコアに算入しません"
        )
