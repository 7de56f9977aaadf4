"""``keikaku synth``: deterministic synthetic plans for benchmarks."""

import time
from enum import StrEnum

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from keikaku.cli.commands._indexing import build_search_index


class ScaleOption(StrEnum):
    """Scales offered on the command line (see keikaku.synth.generate.Scale)."""

    SMALL = "small"
    PREFECTURE = "prefecture"
    NATIONAL = "national"


def register(app: typer.Typer) -> None:
    """Add the synth command."""

    @app.command("synth")
    def synth(
        scale: ScaleOption = typer.Option(ScaleOption.SMALL, "--scale", help="規模: small / prefecture / national"),
        index: bool = typer.Option(True, "--index/--no-index", help="検索索引も作る（既定）"),
    ) -> None:
        """ベンチマーク用の合成データ（都道府県・市町村の事業計画、KPI、実績）を作る。"""
        from keikaku.synth.generate import Scale, generate

        out = Console(stderr=True, highlight=False)
        started = time.perf_counter()
        with Progress(
            TextColumn("合成データ"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=out
        ) as progress:
            task = progress.add_task("synth", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = generate(Scale(scale.value), progress=report)
        out.print(
            f"{result.issuers} 団体 × {len(result.fiscal_years)} 年度: 計画 {result.plans:,} 件、事業 {result.projects:,} 件、"
            f"KPI {result.kpis:,} 件、実績 {result.actuals:,} 件（{time.perf_counter() - started:.1f} 秒）"
        )
        if index:
            build_search_index(out)
