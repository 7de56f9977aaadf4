"""``keikaku export``: the current data as JSON (interchange format) or CSV."""

import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console


class Format(StrEnum):
    """Export formats offered on the command line."""

    JSON = "json"
    CSV = "csv"


def register(app: typer.Typer) -> None:
    """Add the export command."""

    @app.command("export")
    def export(
        fmt: Format = typer.Option(Format.JSON, "--format", "-f", help="出力形式（json または csv）"),
        fiscal_year: int | None = typer.Option(None, "--fiscal-year", "-y", help="この年度の事業計画だけを出力する"),
        output: Path | None = typer.Option(None, "-o", "--output", help="出力先ファイル（省略時は標準出力）"),
    ) -> None:
        """データを JSON（共通形式）または CSV（UTF-8 BOM 付き）で書き出す（未公開の計画も含む）。"""
        from keikaku.services.core.actors import SYSTEM
        from keikaku.services.exchange import exporters

        exporter, options = exporters.get("data"), {"fiscal_year": fiscal_year}
        if output is None:
            sys.stdout.flush()
            exporter.write(sys.stdout.buffer, fmt.value, options, actor=SYSTEM)
            sys.stdout.buffer.flush()
            return
        written = exporter.save(output, fmt.value, options, actor=SYSTEM)
        Console(stderr=True, highlight=False).print(f"{output} に {written.counts['plans']} 件の計画を書き出しました")
