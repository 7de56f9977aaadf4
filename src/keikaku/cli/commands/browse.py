"""``keikaku tree`` and ``keikaku show plan``: the policy tree and a fiscal year's budget table.

Both read through the same services as the web pages and the API (:mod:`keikaku.services.plans`), as the
local administrator, who sees drafts too.
"""

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree


def _yen(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def register(app: typer.Typer) -> None:
    """Add the tree and show commands."""
    show = typer.Typer(help="計画などを表示する", no_args_is_help=True)
    app.add_typer(show, name="show")

    @app.command("tree")
    def tree(
        fiscal_year: int | None = typer.Option(None, "--fiscal-year", "-y", help="年度（既定: 最新の事業計画）"),
    ) -> None:
        """ビジョン → チャレンジ → 事業 → KPI の体系を表示する。"""
        from keikaku.services.core.actors import SYSTEM
        from keikaku.services.plans.overview import get_policy_tree

        result = get_policy_tree(fiscal_year, viewer=SYSTEM)
        vision = result.vision
        title = f"{vision.title or 'ビジョン'}（目標年度 {vision.horizon_fiscal_year}）" if vision else "ビジョン未登録"
        root = Tree(title)
        if vision:
            targets = root.add("数値目標")
            for target in vision.targets:
                targets.add(target.target_text)
        plan_node = root.add(f"{result.fiscal_year}年度 事業計画" if result.fiscal_year else "事業計画なし")
        for ch in result.challenges:
            label = f"関西チャレンジ{ch.number}「{ch.name}」" if ch.number else (ch.name or "チャレンジ未設定")
            if ch.aspiration:
                label += f"（{ch.aspiration}）"
            cnode = plan_node.add(label)
            for p in ch.projects:
                pnode = cnode.add(f"{p.code or '・'} {p.name}  {_yen(p.budget_thousand_yen)}千円")
                for kpi in p.kpis:
                    pnode.add(f"KPI {kpi.target_text}")
                for comp in p.components:
                    comp_node = pnode.add(f"└ {comp.name}  {_yen(comp.budget_thousand_yen)}千円")
                    for kpi in comp.kpis:
                        comp_node.add(f"KPI {kpi.target_text}")
        Console(highlight=False).print(root)

    @show.command("plan")
    def show_plan(
        fiscal_year: int = typer.Argument(..., help="年度（西暦、例: 2026）"),
        issuer: str | None = typer.Option(None, "--issuer", help="発行者（既定: 広域連合の事業計画）"),
    ) -> None:
        """年度の事業計画の予算表と合計の検算を表示する。"""
        from keikaku.services.core.actors import SYSTEM
        from keikaku.services.plans.read import find_plan_id, get_whole_plan

        page = get_whole_plan(find_plan_id(fiscal_year, viewer=SYSTEM, issuer=issuer), viewer=SYSTEM)
        plan = page.plan
        out = Console(highlight=False)
        table = Table(title=f"{plan.title or ''}（{plan.fiscal_year}年度）", title_justify="left")
        table.add_column("番号")
        table.add_column("事業名")
        table.add_column("チャレンジ", justify="center")
        table.add_column("担当課")
        table.add_column("予算額（千円）", justify="right")
        for row in page.rows.items:
            mark = " 【新規】" if row.new else ""
            table.add_row(
                row.code,
                row.name + mark,
                str(row.challenge or ""),
                "、".join(row.departments),
                _yen(row.budget_thousand_yen),
            )
            for comp in row.components:
                table.add_row(
                    "",
                    f"  └ {comp.name}" + (" 【新規】" if comp.new else ""),
                    "",
                    "、".join(comp.departments),
                    _yen(comp.budget_thousand_yen),
                )
        table.add_section()
        table.add_row("", "合計（計画書記載）", "", "", _yen(plan.total_budget_thousand_yen))
        if plan.national_subsidy_thousand_yen is not None:
            table.add_row("", "うち国庫補助金", "", "", _yen(plan.national_subsidy_thousand_yen))
        out.print(table)
        for check in page.checks:
            partial = "（内訳の一部に予算額の記載なし）" if not check.complete else ""
            if check.ok:
                sign = "≧" if not check.complete else "="
                out.print(
                    f"✓ {check.label}: 記載 {_yen(check.stated)} 千円 {sign} 積み上げ {_yen(check.listed)} 千円{partial}"
                )
            else:
                out.print(
                    f"✗ {check.label}: 記載 {_yen(check.stated)} 千円 ≠ 積み上げ {_yen(check.listed)} 千円"
                    f"（差 {_yen(check.difference)} 千円）{partial}"
                )
        for warning in page.warnings:
            out.print(f"警告 [{warning.code}] {warning.message}")
