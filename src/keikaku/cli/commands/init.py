"""``keikaku init``: create or migrate the database and load the bundled Kansai data."""

import typer
from rich.console import Console

from keikaku.cli.commands._indexing import build_search_index


def register(app: typer.Typer) -> None:
    """Add the init command."""

    @app.command("init")
    def init(
        empty: bool = typer.Option(False, "--empty", help="関西の同梱データを読み込まずに空のデータベースを作る"),
        index: bool = typer.Option(True, "--index/--no-index", help="索引されていない計画の検索索引を作る（既定）"),
    ) -> None:
        """データベースを作成・更新し、関西の同梱データを読み込む。"""
        from keikaku.services.exchange.initialize import initialize_database

        result = initialize_database(empty=empty)
        out = Console(highlight=False)
        out.print(f"データベース: {result.url}")
        if not result.migrated_from:
            out.print("スキーマを作成しました")
        if result.loaded is None:
            out.print("データは読み込んでいません（--empty）")
        elif result.loaded.documents:
            out.print(
                f"同梱データを読み込みました: 文書 {result.loaded.documents} 件、事業計画 {len(result.loaded.plans)} 件、"
                f"事業 {result.loaded.projects} 件、KPI {result.loaded.kpis} 件"
            )
        else:
            out.print("同梱データは読み込み済みです（変更なし）")
        if index:
            build_search_index(out)
