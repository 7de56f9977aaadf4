"""``keikaku token …``: API tokens with scopes (shown once when created), revoking and listing them.

The command line acts as the local administrator (``cli:$USER``); see ``_admin``.
"""

from __future__ import annotations

import typer

from keikaku.cli.commands._admin import ADMIN_NOTE, admin, out, when

SCOPE_HELP = "スコープ（read / actuals:write / links:write / plans:write / comments:write / admin）。複数指定できる"


def register(app: typer.Typer) -> None:
    """Add the ``token`` command group."""
    tokens = typer.Typer(help="API トークンを発行・失効・一覧する。" + ADMIN_NOTE, no_args_is_help=True)
    app.add_typer(tokens, name="token")

    @tokens.command("create")
    def create(
        user: str = typer.Option(..., "--user", "-u", help="トークンを使うアカウントのユーザー名"),
        scope: list[str] = typer.Option(["read"], "--scope", "-s", help=SCOPE_HELP),
        expires_days: int = typer.Option(365, "--expires-days", help="有効日数（0 で無期限）"),
        name: str | None = typer.Option(None, "--name", help="用途のメモ（例：集計スクリプト）"),
    ) -> None:
        """API トークンを発行し、一度だけ表示する（保存されるのはハッシュだけ）。"""
        from keikaku.services.governance.api_tokens import create_api_token

        created = create_api_token(
            user, scope, actor=admin(), name=name, expires_days=expires_days if expires_days > 0 else None
        )
        info = created.info
        expiry = when(info.expires_at) or "無期限"
        console = out()
        console.print(
            f"ユーザー {info.username} の API トークンを発行しました（ID {info.id}、スコープ: {', '.join(info.scopes)}、期限: {expiry}）",
            markup=False,
        )
        console.print("トークン（この一度だけ表示します）:", markup=False)
        console.print(created.token, markup=False)

    @tokens.command("revoke")
    def revoke(
        token: str = typer.Argument(..., help="トークンの ID または先頭部分（kk_xxxxxxxx）"),
        reason: str | None = typer.Option(None, "--reason", help="理由（監査記録に残る）"),
    ) -> None:
        """API トークンを失効させる。"""
        from keikaku.services.governance.api_tokens import revoke_api_token

        info = revoke_api_token(token, actor=admin(), reason=reason)
        out().print(f"API トークン {info.prefix}…（ID {info.id}、{info.username}）を失効させました", markup=False)

    @tokens.command("list")
    def list_command(user: str | None = typer.Option(None, "--user", "-u", help="このユーザーのトークンだけ")) -> None:
        """API トークンを一覧する（トークンそのものは表示できない）。"""
        from rich.table import Table

        from keikaku.services.governance.api_tokens import list_api_tokens

        table = Table("ID")
        table.add_column("先頭", no_wrap=True, min_width=11)  # what `token revoke` takes: never cut
        for header in ("ユーザー", "スコープ", "用途", "発行", "期限", "最終使用", "状態"):
            table.add_column(header)
        for info in list_api_tokens(actor=admin(), username=user):
            state = "有効" if info.active else ("失効" if info.revoked_at else "期限切れ")
            table.add_row(
                str(info.id),
                info.prefix,
                info.username,
                ", ".join(info.scopes),
                info.name or "",
                when(info.created_at),
                when(info.expires_at) or "無期限",
                when(info.last_used_at),
                state,
            )
        out().print(table)
