"""``keikaku cycle …``: the call for actuals of a fiscal year (実績照会), its status board, a department's
checklist and submission (提出), and sending the reminders due now.

The server sends the reminders itself (``keikaku serve``, every ``KEIKAKU_REMINDER_INTERVAL`` seconds);
``keikaku cycle remind`` does the same run at once.  The command line acts as the local administrator
(``cli:$USER``); see ``_admin``.
"""

from __future__ import annotations

import datetime as dt

import typer

from keikaku.cli.commands._admin import ADMIN_NOTE, admin, fiscal_year, out, when

STATES = {"submitted": "提出済み", "in_progress": "入力中", "overdue": "期限超過"}


def _date(text: str) -> dt.date:
    from keikaku.normalize.dates import parse_date
    from keikaku.normalize.errors import NormalizeError
    from keikaku.services.core.errors import ValidationError

    try:
        return parse_date(text).date
    except NormalizeError as exc:
        raise ValidationError(f"日付を解釈できません: {text}（{exc.message_ja}）") from exc


def register(app: typer.Typer) -> None:
    """Add the ``cycle`` command group."""
    group = typer.Typer(help="実績照会（提出期限・督促・提出状況）。" + ADMIN_NOTE, no_args_is_help=True)
    app.add_typer(group, name="cycle")

    @group.command("open")
    def open_(
        year: str = typer.Argument(..., help="年度（2026、令和8年度 など）"),
        due: str = typer.Option(..., "--due", help="提出期限（2027-05-31、令和9年5月31日 など）"),
        before: int = typer.Option(7, "--remind-before", min=0, max=90, help="期限の何日前に督促するか（0: 期限日）"),
        after: int = typer.Option(1, "--remind-after", min=1, max=90, help="期限の何日後に督促するか"),
        note: str | None = typer.Option(None, "--note", help="担当課への連絡事項（督促メールにも載る）"),
    ) -> None:
        """年度の実績照会を開始する（担当課ごとのチェックリストができ、期限の前後に督促メールが送られる）。"""
        from keikaku.services.cycle.calls import open_call

        call = open_call(
            admin(), fiscal_year(year), _date(due), remind_before_days=before, remind_after_days=after, note=note
        )
        out().print(
            f"{call.fiscal_year}年度の実績照会を開始しました（提出期限 {call.due_date.isoformat()}、"
            f"督促 {call.before_reminder_on.isoformat()} と {call.after_reminder_on.isoformat()}）",
            markup=False,
        )

    @group.command("change")
    def change(  # noqa: PLR0917 - one parameter per typer option
        year: str = typer.Argument(..., help="年度"),
        due: str | None = typer.Option(None, "--due", help="新しい提出期限"),
        before: int | None = typer.Option(None, "--remind-before", min=0, max=90, help="期限の何日前に督促するか"),
        after: int | None = typer.Option(None, "--remind-after", min=1, max=90, help="期限の何日後に督促するか"),
        note: str | None = typer.Option(None, "--note", help="連絡事項（空文字で消す）"),
        reason: str | None = typer.Option(None, "--reason", help="変更理由（監査記録に残る）"),
    ) -> None:
        """実績照会の提出期限・督促の日数・連絡事項を変える（送信済みの督促はそのまま）。"""
        from keikaku.services.cycle.calls import change_call

        call = change_call(
            admin(),
            fiscal_year(year),
            due_date=_date(due) if due else None,
            remind_before_days=before,
            remind_after_days=after,
            note=note,
            reason=reason,
        )
        out().print(
            f"{call.fiscal_year}年度の実績照会を変更しました（提出期限 {call.due_date.isoformat()}）", markup=False
        )

    @group.command("status")
    def status(year: str = typer.Argument(..., help="年度")) -> None:
        """担当課ごとの提出状況（提出済み・入力中・期限超過）と測定済みの KPI の数を表示する。"""
        from rich.table import Table

        from keikaku.services.cycle.board import status_board

        board = status_board(fiscal_year(year), actor=admin())
        table = Table("担当課", "状態", "測定済み", "KPI", "提出者", "提出日時")
        for row in board.rows:
            active = row.submission if row.submission and row.submission.active else None
            table.add_row(
                row.department,
                STATES[row.state],
                str(row.measured),
                str(row.total),
                active.submitted_by if active else "",
                when(active.submitted_at) if active else "",
            )
        console = out()
        console.print(f"{board.call.fiscal_year}年度 提出期限 {board.call.due_date.isoformat()}", markup=False)
        console.print(table)

    @group.command("checklist")
    def checklist(
        year: str = typer.Argument(..., help="年度"),
        department: str = typer.Option(..., "--department", "-d", help="担当課"),
        unmeasured: bool = typer.Option(False, "--unmeasured", help="未測定の KPI だけ"),
    ) -> None:
        """担当課のチェックリスト（入力する KPI と測定の有無）を表示する（最大 100 件）。"""
        from rich.table import Table

        from keikaku.services.cycle.checklist import department_checklist

        result = department_checklist(
            fiscal_year(year), department, actor=admin(), only_unmeasured=unmeasured, per_page=100
        )
        table = Table("KPI ID", "発行者", "事業", "指標", "測定")
        for item in result.items.items:
            table.add_row(
                str(item.kpi_id), item.issuer, item.project_name, item.indicator, "済" if item.measured else "未"
            )
        console = out()
        console.print(
            f"{result.department}: {STATES[result.state]}、{result.progress.total}件中{result.progress.measured}件測定済み",
            markup=False,
        )
        console.print(table)

    @group.command("submit")
    def submit(
        year: str = typer.Argument(..., help="年度"),
        department: str = typer.Option(..., "--department", "-d", help="担当課"),
        confirm_incomplete: bool = typer.Option(
            False, "--confirm-incomplete", help="未測定の KPI があってもこのまま提出する"
        ),
    ) -> None:
        """担当課の実績を提出済みにする。"""
        from keikaku.services.cycle.submissions import submit_part

        result = submit_part(fiscal_year(year), department, actor=admin(), confirm_incomplete=confirm_incomplete)
        out().print(
            f"{result.department}の実績を提出しました（{result.total}件中{result.measured}件測定済み）", markup=False
        )

    @group.command("withdraw")
    def withdraw(
        year: str = typer.Argument(..., help="年度"),
        department: str = typer.Option(..., "--department", "-d", help="担当課"),
        reason: str = typer.Option(..., "--reason", help="取り消す理由（必須、監査記録に残る）"),
    ) -> None:
        """担当課の提出を取り消す（担当課は再び入力・提出できる）。"""
        from keikaku.services.cycle.submissions import withdraw_submission

        result = withdraw_submission(fiscal_year(year), department, reason, actor=admin())
        out().print(f"{result.department}の提出を取り消しました", markup=False)

    @group.command("remind")
    def remind(
        today: str | None = typer.Option(None, "--today", help="この日付として実行する（既定: 今日）"),
    ) -> None:
        """今日が督促日の実績照会について、未提出の担当課の編集者へ督促メールを送る（送信済みは送らない）。"""
        from keikaku.services.cycle.reminders import send_due_reminders

        run = send_due_reminders(actor=admin(), today=_date(today) if today else None)
        out().print(
            f"督促 {run.reminders} 件（メール {run.messages} 通、宛先のない担当課 {run.unaddressed} 件）、"
            f"SMTP で送信 {run.delivered} 通",
            markup=False,
        )
