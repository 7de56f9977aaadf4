"""``keikaku actual …`` (one value: set, history, judge) and ``keikaku actuals …`` (list, template, import)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from keikaku.normalize.dates import parse_date
from keikaku.normalize.errors import NormalizeError
from keikaku.services.actuals.import_sheet import import_actuals
from keikaku.services.actuals.judgements import JudgementInput, set_judgement
from keikaku.services.actuals.record import (
    ActualInput,
    AttachmentInput,
    actual_history,
    list_actuals,
    set_actual,
)
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import ValidationError
from keikaku.services.exchange import exporters

USER_HELP = "入力者として記録する名前（省略時は cli:ログイン名）"


def cli_actor(user: str | None) -> Actor:
    """The administrator at the keyboard (``cli:<login name>``), recorded under ``--user`` when given."""
    from keikaku.services.governance.accounts import local_admin

    actor = local_admin()
    if user and user.strip():
        return Actor(name=user.strip()[:200], roles=actor.roles, departments=actor.departments)
    return actor


def _date(text: str | None, fiscal_year: int) -> dt.date | None:
    if not text:
        return None
    try:
        return parse_date(text, fiscal_year=fiscal_year).date
    except NormalizeError:
        raise ValidationError(
            f"測定日を日付として解釈できません（{text}）。2026-10-07 や 令和8年10月7日 の形で指定してください"
        ) from None


def register(app: typer.Typer) -> None:
    """Add the ``actual`` and ``actuals`` command groups."""
    one = typer.Typer(help="KPI の実績値を 1 件ずつ入力・訂正し、履歴を見る", no_args_is_help=True)
    many = typer.Typer(help="KPI の実績値を一覧し、Excel/CSV でまとめて入力する", no_args_is_help=True)
    app.add_typer(one, name="actual")
    app.add_typer(many, name="actuals")
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    @one.command("set")
    def set_command(  # noqa: PLR0917 - one parameter per typer option
        kpi: str = typer.Option(..., "--kpi", "-k", help="KPI の ID または指標名（例：参加者数）"),
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度（例：2026）"),
        value: str | None = typer.Option(None, "--value", "-v", help="実績値（例：205、1,200人、七十、80%）"),
        month: int | None = typer.Option(None, "--month", "-m", help="月ごとの実績の月（1〜12）"),
        numerator: str | None = typer.Option(None, "--numerator", help="割合の分子"),
        denominator: str | None = typer.Option(None, "--denominator", help="割合の分母"),
        measured_on: str | None = typer.Option(None, "--measured-on", help="測定日（2026-12-10、令和8年12月10日）"),
        source: str | None = typer.Option(None, "--source", help="根拠・出典（集計表の名前など）"),
        url: str | None = typer.Option(None, "--url", help="根拠の URL"),
        file: Path | None = typer.Option(
            None, "--file", help="根拠として添付するファイル", exists=True, dir_okay=False
        ),
        note: str | None = typer.Option(None, "--note", help="備考"),
        reason: str | None = typer.Option(None, "--reason", help="訂正理由（既に値があるときは必須）"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """実績値を入力する（既に値があれば訂正として新しい版を追加し、元の値は履歴に残る）。"""
        attachment = AttachmentInput(file.name, file.read_bytes()) if file else None
        data = ActualInput(
            kpi=kpi,
            fiscal_year=fiscal_year,
            value=value,
            numerator=numerator,
            denominator=denominator,
            month=month,
            measured_on=_date(measured_on, fiscal_year),
            evidence_text=source,
            evidence_url=url,
            attachment=attachment,
            note=note,
            reason=reason,
        )
        saved = set_actual(data, actor=cli_actor(user), channel="cli")
        period = f"{saved.month}月" if saved.month else "年間"
        out.print(f"{saved.kpi_label} {saved.fiscal_year}年度（{period}）: {saved.display}（第{saved.version}版）")

    @one.command("history")
    def history_command(
        kpi: str = typer.Option(..., "--kpi", "-k", help="KPI の ID または指標名"),
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度"),
    ) -> None:
        """実績値のすべての版（誰が・いつ・なぜ）を表示する。"""
        versions = actual_history(kpi, fiscal_year)
        if not versions:
            out.print("実績はまだ入力されていません")
            return
        table = Table(title=versions[0].kpi_label, show_lines=False)
        for column in ("期間", "版", "値", "入力者", "入力日時", "理由", "根拠", "備考"):
            table.add_column(column)
        for v in versions:
            evidence = " ".join(x for x in (v.evidence_text, v.evidence_url, v.attachment_name) if x)
            table.add_row(
                f"{v.month}月" if v.month else "年間",
                str(v.version),
                v.display,
                v.entered_by,
                v.entered_at.strftime("%Y-%m-%d %H:%M"),
                v.reason or "",
                evidence,
                v.note or "",
            )
        out.print(table)

    @one.command("judge")
    def judge_command(  # noqa: PLR0917 - one parameter per typer option
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度"),
        status: str = typer.Option(..., "--status", "-s", help="達成・概ね達成・未達"),
        rationale: str = typer.Option(..., "--rationale", help="判定の理由（根拠）"),
        kpi: str | None = typer.Option(None, "--kpi", "-k", help="KPI の ID または指標名"),
        project: str | None = typer.Option(None, "--project", "-p", help="KPI のない事業の ID または名前"),
        reason: str | None = typer.Option(None, "--reason", help="訂正理由（既に判定があるときは必須）"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """数値で判定できない KPI や事業に、理由を添えて定性判定を記録する。"""
        data = JudgementInput(fiscal_year, status, rationale, kpi=kpi, project=project, reason=reason)
        saved = set_judgement(data, actor=cli_actor(user))
        out.print(f"{saved.subject} {saved.fiscal_year}年度: {saved.status.value}（第{saved.version}版）")

    @many.command("list")
    def list_command(
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度"),
        department: str | None = typer.Option(None, "--department", "-d", help="担当課で絞り込む"),
    ) -> None:
        """年度の KPI と現在の実績値を一覧する（ID は actual set で使える）。"""
        table = Table(show_lines=False)
        for column in ("ID", "事業", "指標", "目標", "実績", "入力者"):
            table.add_column(column)
        for item in list_actuals(fiscal_year, department=department):
            ref = item.kpi
            current = item.annual.display if item.annual else ""
            if not current and item.monthly:
                current = f"{sum(v.value for v in item.monthly.values()):,.0f}（{len(item.monthly)}か月）"
            who = item.annual.entered_by if item.annual else ""
            place = ref.component_name or f"{ref.project_code} {ref.project_name}" if not ref.vision else "ビジョン"
            table.add_row(str(ref.id), place, ref.indicator, ref.target_text, current, who)
        out.print(table)

    @many.command("template")
    def template_command(
        fiscal_year: int = typer.Option(..., "--fiscal-year", "-y", help="年度"),
        department: str | None = typer.Option(None, "--department", "-d", help="この担当課の KPI だけにする"),
        output: Path = typer.Option(..., "-o", "--output", help="出力先（.xlsx または .csv）"),
    ) -> None:
        """実績入力用の Excel ブック（説明シート・入力規則付き）または CSV を書き出す。"""
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in {"csv", "xlsx"}:
            raise ValidationError("出力先は .xlsx か .csv にしてください")
        # The local administrator sees every KPI (viewer None).
        options = {"fiscal_year": fiscal_year, "department": department, "viewer": None}
        written = exporters.get("actuals_template").save(output, fmt, options, actor=cli_actor(None))
        counts = written.counts
        err.print(f"{output} に {counts['kpis']} 件の KPI（うち月次 {counts['monthly_kpis']} 件）を書き出しました")

    @many.command("import")
    def import_command(
        path: Path = typer.Argument(..., exists=True, dir_okay=False, help="実績入力ブック（.xlsx）または CSV"),
        partial: bool = typer.Option(False, "--partial", help="誤りのある行を除いて取り込む"),
        reason: str | None = typer.Option(None, "--reason", help="訂正理由（行に記入がない訂正に使う）"),
        user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    ) -> None:
        """実績入力ブックまたは CSV を検査して取り込む（誤りがあれば一覧を表示し、何も取り込まない）。"""
        report = import_actuals(path.name, path.read_bytes(), actor=cli_actor(user), partial=partial, reason=reason)
        for error in report.errors:
            err.print(str(error), markup=False)
        if report.errors and not report.applied:
            err.print(
                f"誤りが {len(report.errors)} 件あります。何も取り込んでいません（--partial で正しい行だけ取り込めます）"
            )
            raise typer.Exit(2)  # refused, like every other error of the command line
        summary = f"{report.recorded} 件を記録しました（変更なし {report.unchanged} 件）"
        if report.errors:
            summary += f"。誤りのある {len(report.errors)} 件は取り込んでいません"
        err.print(summary)
        if report.errors:
            raise typer.Exit(1)
