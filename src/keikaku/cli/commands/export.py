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
        from keikaku.services.core.errors import ValidationError
        from keikaku.services.exchange.export import ExportFormat, export_data

        chosen = ExportFormat(fmt.value)
        encoding = "utf-8-sig" if chosen is ExportFormat.CSV else "utf-8"
        if output is None:
            if chosen is ExportFormat.CSV:
                sys.stdout.buffer.write("\ufeff".encode())
            sys.stdout.reconfigure(encoding="utf-8", newline="")  # type: ignore[union-attr]
            export_data(chosen, sys.stdout, viewer=SYSTEM, fiscal_year=fiscal_year)
            return
        if output.is_dir():
            raise ValidationError(f"出力先がフォルダです: {output}")
        tmp = output.with_name(f".{output.name}.partial")
        try:
            with tmp.open("w", encoding=encoding, newline="") as fh:
                result = export_data(chosen, fh, viewer=SYSTEM, fiscal_year=fiscal_year)
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
        Console(stderr=True, highlight=False).print(f"{output} に {result.plans} 件の計画を書き出しました")
