"""``keikaku report evaluation|comparison …`` and ``keikaku report list``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from keikaku.cli.commands.actuals import USER_HELP, cli_actor
from keikaku.services.core.errors import ValidationError
from keikaku.services.evaluations.presentation import ReportFormat
from keikaku.services.evaluations.reports import list_reports
from keikaku.services.exchange import exporters
from keikaku.services.exchange.exporters import ExportFile


def _output(file: ExportFile, output: Path | None) -> None:
    if output is None:
        if sys.stdout.isatty() and not file.filename.endswith(".html"):
            raise ValidationError("バイナリ形式は -o で出力先を指定してください")
        sys.stdout.buffer.write(file.content)
        return
    if output.is_dir():
        output = output / file.filename
    file.save(output)
    Console(stderr=True, highlight=False).print(f"{output} に書き出しました（{len(file.content):,} バイト）")


def register(app: typer.Typer) -> None:
    """Add the report command group."""
    group = typer.Typer(help="報告書（事業評価報告書、計画の比較）を HTML・PDF・XLSX で作る", no_args_is_help=True)
    app.add_typer(group, name="report")

    @group.command("list")
    def list_command() -> None:
        """登録されている報告書の種類とオプションを表示する。"""
        out = Console(highlight=False, soft_wrap=True)
        for info in list_reports():
            options = "、".join(f"{o.name}（{o.label}{'・必須' if o.required else ''}）" for o in info.options)
            out.print(f"{info.identifier}: {info.title} — {info.description}\n  オプション: {options}")

    @group.command("evaluation")
    def evaluation(
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="評価する年度"),
        fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format", "-f", help="html・pdf・xlsx"),
        output: Path | None = typer.Option(None, "-o", "--output", help="出力先ファイル"),
        issuer: str | None = typer.Option(None, "--issuer", help="発行者（同じ年度に複数の計画があるとき）"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """推進会議向けの事業評価報告書を作る。"""
        options = {"fiscal_year": fiscal_year, "issuer": issuer}
        _output(exporters.get("evaluation").render(fmt.value, options, actor=cli_actor(user)), output)

    @group.command("comparison")
    def comparison(  # noqa: PLR0917 - one parameter per typer option
        before: int = typer.Argument(..., help="比べる前の年度"),
        after: int = typer.Argument(..., help="比べる後の年度"),
        fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format", "-f", help="html・pdf・xlsx"),
        output: Path | None = typer.Option(None, "-o", "--output", help="出力先ファイル"),
        issuer: str | None = typer.Option(None, "--issuer", help="発行者（同じ年度に複数の計画があるとき）"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """2 つの年度の事業計画を比べる報告書を作る。"""
        options = {"before": before, "after": after, "issuer": issuer}
        _output(exporters.get("comparison").render(fmt.value, options, actor=cli_actor(user)), output)
