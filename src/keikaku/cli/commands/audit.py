"""``keikaku audit …``: read the audit trail (per object or in the whole) and export it for auditors.

The command line acts as the local administrator (``cli:$USER``); see ``_admin``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from keikaku.cli.commands._admin import admin, err, out, when


class AuditFormat(StrEnum):
    """Export formats of the audit trail."""

    CSV = "csv"
    XLSX = "xlsx"


def _short(value: object, width: int = 60) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group."""
    group = typer.Typer(help="監査記録（誰が・いつ・何を・変更前後・理由）を見る・書き出す", no_args_is_help=True)
    app.add_typer(group, name="audit")

    @group.command("list")
    def list_command(  # noqa: PLR0917 - one parameter per typer option
        object_type: str | None = typer.Option(None, "--object-type", "-t", help="対象の種類（user, plan, period…）"),
        object_id: str | None = typer.Option(None, "--object-id", "-i", help="対象の ID"),
        actor: str | None = typer.Option(None, "--actor", "-a", help="実行者"),
        action: str | None = typer.Option(None, "--action", help="操作（user.create など）"),
        limit: int = typer.Option(50, "--limit", "-n", help="表示件数（新しい順）"),
        offset: int = typer.Option(0, "--offset", help="飛ばす件数"),
    ) -> None:
        """監査記録を新しい順に表示する。"""
        from rich.table import Table

        from keikaku.services.governance.audit import list_audit

        page = list_audit(
            admin(),
            object_type=object_type,
            object_id=object_id,
            actor=actor,
            action=action,
            limit=limit,
            offset=offset,
        )
        table = Table("ID", "日時", "実行者", "操作", "対象", "変更前", "変更後", "理由")
        for entry in page.entries:
            target = entry.object_type + (f" {entry.object_id}" if entry.object_id else "")
            table.add_row(
                str(entry.id),
                when(entry.at),
                entry.actor,
                entry.action,
                target,
                _short(entry.before),
                _short(entry.after),
                entry.reason or "",
            )
        out().print(table)
        err().print(f"{page.total} 件中 {len(page.entries)} 件を表示", markup=False)

    @group.command("export")
    def export_command(
        fmt: AuditFormat = typer.Option(..., "--format", "-f", help="出力形式（csv または xlsx）"),
        output: Path = typer.Option(..., "-o", "--output", help="出力先ファイル"),
        object_type: str | None = typer.Option(None, "--object-type", "-t", help="対象の種類で絞る"),
        object_id: str | None = typer.Option(None, "--object-id", "-i", help="対象の ID で絞る"),
    ) -> None:
        """監査記録を CSV（UTF-8 BOM 付き）または XLSX に書き出す（古い順、数式は無害化）。"""
        from keikaku.services.exchange import exporters

        options = {"object_type": object_type, "object_id": object_id}
        written = exporters.get("audit").save(output, fmt.value, options, actor=admin())
        out().print(f"{output} に監査記録 {written.counts['entries']} 件を書き出しました", markup=False)
