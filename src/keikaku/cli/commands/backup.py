"""``keikaku backup -o FILE`` and ``keikaku restore FILE``: a consistent copy of the whole database.

SQLite uses its online backup API, PostgreSQL ``pg_dump``/``pg_restore`` (on PATH); both work while the
server runs.  The command line acts as the local administrator (``cli:$USER``); see ``_admin``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from keikaku.cli.commands._admin import admin, err, out


def register(app: typer.Typer) -> None:
    """Add the backup and restore commands."""

    @app.command("backup")
    def backup_command(
        output: Path = typer.Option(..., "-o", "--output", help="バックアップの出力先ファイル"),
    ) -> None:
        """データベース全体のバックアップを作る（サーバーを動かしたままでも一貫した内容になる）。"""
        from keikaku.services.governance.backup import backup

        result = backup(output, actor=admin())
        out().print(
            f"バックアップを作成しました: {result.path}（{result.backend}、{result.size:,} バイト、"
            f"スキーマ {', '.join(result.revisions)}）",
            markup=False,
        )

    @app.command("restore")
    def restore_command(
        source: Path = typer.Argument(..., help="keikaku backup で作ったファイル"),
        yes: bool = typer.Option(False, "--yes", "-y", help="確認せずに復元する"),
    ) -> None:
        """バックアップから復元する（現在のデータベースの内容はすべて置き換わる）。"""
        from keikaku.services.core.errors import ValidationError
        from keikaku.services.governance.backup import restore

        if not yes:
            if not sys.stdin.isatty():
                raise ValidationError("復元すると現在のデータはすべて置き換わります。確認のため --yes を付けてください")
            if not typer.confirm(f"現在のデータベースを {source} の内容で置き換えます。よろしいですか？"):
                err().print("中止しました", markup=False)
                raise typer.Exit(1)
        result = restore(source, actor=admin())
        note = "（この keikaku のスキーマへ更新しました）" if result.migrated else ""
        out().print(f"{result.path} から復元しました{note}", markup=False)
