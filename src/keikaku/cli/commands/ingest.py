"""``keikaku ingest`` (read documents into the database) and ``keikaku revisions`` (list and compare plan revisions)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from keikaku.services.exchange.ingest import IngestReport
    from keikaku.services.plans.revisions import PlanDiff


class OutputFormat(StrEnum):
    """How ``keikaku ingest`` presents its result."""

    TABLE = "table"
    JSON = "json"


_KIND_LABELS = {
    "business_plan": "事業計画",
    "vision": "ビジョン",
    "action_plan": "アクションプラン",
    "partner_priorities": "重点施策",
}
_STATUS_LABELS = {
    "parsed": "解析のみ",
    "stored": "登録",
    "unchanged": "変更なし",
    "failed": "失敗",
    "refused": "不登録",
    "not_stored": "未登録",
}
_FOUND_LABELS = {
    "projects": "事業",
    "components": "内訳",
    "kpis": "KPI",
    "events": "イベント",
    "challenges": "チャレンジ",
    "numeric_targets": "数値目標",
    "themes": "テーマ",
    "initiatives": "取組",
    "targets": "目標",
}


def _consoles() -> tuple[Console, Console]:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True), Console(stderr=True, highlight=False, soft_wrap=True)


def _found_text(found: dict[str, int]) -> str:
    return "、".join(f"{_FOUND_LABELS.get(k, k)} {v}" for k, v in found.items() if v) or "—"


def _print_summary(report: IngestReport, out: Console) -> None:
    from rich.table import Table

    table = Table(title="取り込み結果", title_justify="left")
    for column in ("ファイル", "種類", "結果", "読み取った内容", "警告"):
        table.add_column(column)
    for doc in report.documents:
        table.add_row(
            Path(doc.path).name,
            _KIND_LABELS.get(doc.kind.value, doc.kind.value) if doc.kind else "—",
            _STATUS_LABELS[doc.status.value]
            + (f" 第{'・'.join(str(r) for _, r in doc.revisions)}版" if doc.revisions else ""),
            _found_text(doc.found),
            str(len(doc.warnings)),
        )
    out.print(table, markup=False)
    for doc in report.documents:
        for warning in doc.warnings:
            where = ""
            if warning.provenance is not None and warning.provenance.line is not None:
                page = f"{warning.provenance.page}頁 " if warning.provenance.page is not None else ""
                where = f"（{page}{warning.provenance.line}行）"
            out.print(f"警告 {doc.path}{where} [{warning.code}] {warning.message}", markup=False)


def _report_json(report: IngestReport) -> dict[str, object]:
    return {
        "stored": report.stored,
        "dry_run": report.dry_run,
        "documents": [
            {
                "path": doc.path,
                "status": doc.status.value,
                "kind": doc.kind.value if doc.kind else None,
                "sha256": doc.sha256,
                "found": doc.found,
                "revisions": [{"fiscal_year": fy, "revision": rev} for fy, rev in doc.revisions],
                "warnings": [w.model_dump(mode="json", exclude_none=True) for w in doc.warnings],
                "error": doc.message,
            }
            for doc in report.documents
        ],
    }


def _run(paths: list[Path], dry_run: bool, strict: bool, max_bytes: int | None, err: Console) -> IngestReport:
    from keikaku.services.exchange.ingest import ingest_documents
    from keikaku.services.governance.accounts import local_admin

    if len(paths) < 2 or not err.is_terminal:
        return ingest_documents(paths, dry_run=dry_run, strict=strict, max_bytes=max_bytes, actor=local_admin())
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("読み取り中", total=len(paths))

        def advance(path: str, done: int, total: int) -> None:
            bar.update(task, completed=done, description=f"読み取り中 {Path(path).name}")

        return ingest_documents(
            paths, dry_run=dry_run, strict=strict, max_bytes=max_bytes, progress=advance, actor=local_admin()
        )


def _print_diff(diff: PlanDiff, out: Console) -> None:
    out.print(
        f"{diff.issuer} {diff.fiscal_year}年度 事業計画: 第{diff.old_revision}版 → 第{diff.new_revision}版",
        markup=False,
    )
    if diff.is_empty:
        out.print("違いはありません", markup=False)
        return
    for change in diff.plan_changes:
        out.print(f"  計画 {change.label}: {change.old} → {change.new}", markup=False)
    for project in diff.added:
        out.print(
            f"  + 追加 {project.code or ''} {project.name} {project.budget_thousand_yen or '—'}千円", markup=False
        )
    for project in diff.removed:
        out.print(
            f"  - 削除 {project.code or ''} {project.name} {project.budget_thousand_yen or '—'}千円", markup=False
        )
    for changed in diff.changed:
        out.print(f"  ~ 変更 {changed.code or ''} {changed.name}", markup=False)
        for change in changed.changes:
            out.print(f"      {change.label}: {change.old} → {change.new}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` command and the ``revisions`` group."""

    @app.command("ingest")
    def ingest(
        paths: list[Path] = typer.Argument(..., help="取り込む文書（PDF・テキスト・Excel .xlsx）", show_default=False),
        dry_run: bool = typer.Option(False, "--dry-run", help="解析結果を表示するだけで登録しない"),
        fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", "-f", help="出力形式（table または json）"),
        strict: bool = typer.Option(False, "--strict", help="一部でも読み取れない文書があれば何も登録しない"),
        max_size: float | None = typer.Option(
            None,
            "--max-size",
            help="受け付ける最大ファイルサイズ（MB、既定 50。環境変数 KEIKAKU_INGEST_MAX_BYTES でも指定可）",
        ),
    ) -> None:
        """文書を読み取り、種類（事業計画・ビジョン・アクションプラン・重点施策）を判別して登録する。

        複数のファイルは全件を解析してから一つのトランザクションで登録する。一件でも失敗すれば何も登録しない
        （同じ内容のファイルは再登録されないので、直して再実行すればよい）。
        """
        out, err = _consoles()
        max_bytes = int(max_size * 1024 * 1024) if max_size is not None else None
        report = _run(paths, dry_run, strict, max_bytes, err)
        for doc in report.failed:
            err.print(f"エラー: {doc.message}", markup=False)
        if fmt is OutputFormat.JSON:
            from keikaku.services.exchange.ingest import interchange_json

            payload = interchange_json(report.data) if dry_run else _report_json(report)
            sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
            if len(paths) > 1:
                _print_summary(report, err)
        else:
            _print_summary(report, out)
            if not dry_run and report.failed and len(paths) > 1:
                err.print("失敗したファイルがあるため、何も登録していません", markup=False)
        if report.exit_code:
            raise typer.Exit(report.exit_code)

    revisions = typer.Typer(help="事業計画の改訂版（版の一覧と差分）", no_args_is_help=True)
    app.add_typer(revisions, name="revisions")

    @revisions.command("list")
    def list_revisions(
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度（西暦、例: 2026）"),
        issuer: str | None = typer.Option(None, "--issuer", help="発行者（例: 関西広域連合 広域産業振興局）"),
    ) -> None:
        """年度の事業計画の版を一覧する。"""
        from rich.table import Table

        from keikaku.services.plans.revisions import list_plan_revisions

        out, _ = _consoles()
        table = Table(title=f"{fiscal_year}年度 事業計画の版", title_justify="left")
        for column in ("発行者", "版", "現行", "表題", "予算総額（千円）", "事業数", "登録日時"):
            table.add_column(column)
        for info in list_plan_revisions(fiscal_year=fiscal_year, issuer=issuer):
            total = "—" if info.total_budget_thousand_yen is None else f"{info.total_budget_thousand_yen:,}"
            table.add_row(
                info.issuer,
                str(info.revision),
                "○" if info.is_current else "",
                info.title or "",
                total,
                str(info.projects),
                info.created_at or "",
            )
        out.print(table, markup=False)

    @revisions.command("diff")
    def diff_revisions(
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度（西暦、例: 2026）"),
        issuer: str | None = typer.Option(None, "--issuer", help="発行者（複数あるときに指定）"),
        old: int | None = typer.Option(None, "--old", help="比較元の版（既定: 最新の一つ前）"),
        new: int | None = typer.Option(None, "--new", help="比較先の版（既定: 最新）"),
    ) -> None:
        """二つの版の違い（予算・事業・KPI・イベントなど）を表示する。"""
        from keikaku.services.plans.revisions import diff_plan_revisions

        out, _ = _consoles()
        _print_diff(diff_plan_revisions(fiscal_year=fiscal_year, issuer=issuer, old=old, new=new), out)
