"""``keikaku events …``: the events, and the imports of events run elsewhere (participant lists, meeting
lists, Google Forms / Microsoft Forms exports), all or nothing, with every error on stderr."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from keikaku.services.actuals.upload_safety import max_upload_bytes
from keikaku.services.core.errors import ValidationError
from keikaku.services.events.imports import ImportReport

USER_HELP = "取り込んだ人として記録する名前（省略時は cli:ログイン名）"


def _read(path: Path) -> bytes:
    """The file's bytes; an oversized one is refused before it is read."""
    size = path.stat().st_size
    if size > max_upload_bytes():
        raise ValidationError(
            f"ファイル「{path.name}」が大きすぎます（{size:,} バイト、上限 {max_upload_bytes():,} バイト）",
            code="file_too_large",
        )
    return path.read_bytes()


def _mapping(pairs: list[str], what: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.rpartition("=")
        if not sep or not key.strip():
            raise ValidationError(f"{what}「{pair}」は 左辺=右辺 の形で指定してください")
        found[key.strip()] = value.strip()
    return found


def register(app: typer.Typer) -> None:
    """Add the ``events`` command group."""
    group = typer.Typer(
        help="イベント: 一覧、外部開催の参加者名簿・商談リスト・フォーム回答の取り込み", no_args_is_help=True
    )
    app.add_typer(group, name="events")
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def finish(report: ImportReport, summary: str) -> None:
        for error in report.errors:
            err.print(str(error), markup=False)
        if not report.applied:
            more = (
                f"（ほか {report.error_count - len(report.errors)} 件）"
                if report.error_count > len(report.errors)
                else ""
            )
            err.print(f"誤りが {report.error_count} 件あります{more}。何も取り込んでいません", markup=False)
            raise typer.Exit(2)
        for note in report.notes:
            err.print(note, markup=False)
        if report.ignored_columns:
            err.print("読まなかった列: " + "、".join(report.ignored_columns), markup=False)
        out.print(summary, markup=False)

    @group.command("list")
    def list_command() -> None:
        """イベントの一覧（ID・開催日・名前・担当課）。"""
        from keikaku.cli.commands.actuals import cli_actor
        from keikaku.services.events.manage import list_events

        table = Table("ID", "開催日", "イベント", "担当課", "公開")
        for event in list_events(viewer=cli_actor(None)):
            days = event.start_date.isoformat() + ("" if event.end_date == event.start_date else f"〜{event.end_date}")
            table.add_row(str(event.id), days, event.name, event.department, "公開" if event.published else "非公開")
        out.print(table)

    @group.command("import-participants")
    def import_participants_command(
        event: int = typer.Argument(..., help="イベントの ID（keikaku events list）"),
        path: Path = typer.Argument(..., exists=True, dir_okay=False, help="参加者名簿・受付名簿（.xlsx または CSV）"),
        all_attended: bool = typer.Option(False, "--all-attended", help="出欠の列がない名簿は全員を出席として記録する"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """参加者名簿を検査して取り込む（誤りがあれば一覧を表示し、何も取り込まない。再取り込みは変化なし）。"""
        from keikaku.cli.commands.actuals import cli_actor
        from keikaku.services.events.imports_participants import import_participants

        report = import_participants(event, path.name, _read(path), actor=cli_actor(user), all_attended=all_attended)
        finish(
            report,
            f"{report.added} 人を追加、{report.updated} 人を更新、変更なし {report.unchanged} 人、受付記録 {report.checkins} 件",
        )

    @group.command("import-meetings")
    def import_meetings_command(
        event: int = typer.Argument(..., help="イベントの ID（keikaku events list）"),
        path: Path = typer.Argument(..., exists=True, dir_okay=False, help="主催者の商談リスト（.xlsx または CSV）"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """商談リスト（企業・相手先・日時・状態）を検査して取り込む（誤りがあれば何も取り込まない）。"""
        from keikaku.cli.commands.actuals import cli_actor
        from keikaku.services.events.imports_meetings import import_meetings
        from keikaku.services.events.meetings import meeting_counts

        report = import_meetings(event, path.name, _read(path), actor=cli_actor(user))
        counts = meeting_counts(event)
        finish(
            report,
            f"{report.added} 件を追加、{report.updated} 件を更新、変更なし {report.unchanged} 件"
            f"（商談 {counts.total} 件、実施 {counts.held} 件、参加企業 {counts.firms} 社）",
        )

    @group.command("import-survey")
    def import_survey_command(
        survey: int = typer.Argument(..., help="アンケートの ID"),
        path: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="Google フォームの CSV か Microsoft Forms の .xlsx"
        ),
        column: list[str] = typer.Option(
            [], "--map", help="列=設問コード（設問コードを空にすると取り込まない）。繰り返し可"
        ),
        label: list[str] = typer.Option([], "--label", help="設問コード:回答=選択肢コード。繰り返し可"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """フォームの回答ファイルを取り込む（対応表はアンケートに保存され、次のファイルにも使われる）。"""
        from keikaku.cli.commands.actuals import cli_actor
        from keikaku.services.surveys.forms_import import import_form_responses

        labels: dict[str, dict[str, str]] = {}
        for key, value in _mapping(label, "--label").items():
            code, sep, text = key.partition(":")
            if not sep:
                raise ValidationError(f"--label「{key}」は 設問コード:回答=選択肢コード の形で指定してください")
            labels.setdefault(code.strip(), {})[text.strip()] = value
        report = import_form_responses(
            survey, path.name, _read(path), actor=cli_actor(user), columns=_mapping(column, "--map"), labels=labels
        )
        for header in report.unmapped_columns:
            err.print(f"対応のない列: {header}（--map '{header}=設問コード' で指定）", markup=False)
        for code, found in report.unmapped_labels.items():
            for text in found:
                err.print(
                    f"対応のない回答: {code} の「{text}」（--label '{code}:{text}=選択肢コード' で指定）", markup=False
                )
        finish(report, f"{report.added} 件の回答を追加、取り込み済み {report.unchanged} 件")
