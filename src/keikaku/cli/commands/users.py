"""``keikaku user …``: add, change, disable and enable accounts, reset passwords, list accounts.

The command line acts as the local administrator (``cli:$USER``); see ``_admin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from keikaku.cli.commands._admin import ADMIN_NOTE, admin, err, out, read_secret_line, when

if TYPE_CHECKING:
    from keikaku.services.governance.accounts import AccountResult

ROLE_HELP = "役割（bureau_admin / department_editor / member_contributor / council_member）。複数指定できる"


def _print_result(result: AccountResult) -> None:
    for warning in result.warnings:
        err().print(f"注意: {warning}", markup=False)
    if result.password is not None:
        out().print(
            f"初期パスワード（この一度だけ表示します。初回ログイン時に変更が必要です）: {result.password}", markup=False
        )


def register(app: typer.Typer) -> None:
    """Add the ``user`` command group."""
    users = typer.Typer(help="ローカルアカウントを管理する。" + ADMIN_NOTE, no_args_is_help=True)
    app.add_typer(users, name="user")

    @users.command("add")
    def add(  # noqa: PLR0917 - one parameter per typer option
        username: str = typer.Argument(..., help="ユーザー名（半角英小文字・数字と . _ @ -）"),
        role: list[str] = typer.Option(..., "--role", "-r", help=ROLE_HELP),
        department: list[str] | None = typer.Option(None, "--department", "-d", help="担当課（複数指定できる）"),
        member_government: str | None = typer.Option(None, "--member-government", help="構成府県市（入力者）"),
        institution: str | None = typer.Option(None, "--institution", help="所属機関（コーディネーター）"),
        display_name: str | None = typer.Option(None, "--display-name", help="表示名（例：田中 太郎）"),
        email: str | None = typer.Option(None, "--email", help="メールアドレス（実績照会の督促の宛先）"),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="パスワードを標準入力の 1 行から読む"),
    ) -> None:
        """アカウントを作る（パスワードを指定しなければ初期パスワードを生成して一度だけ表示する）。"""
        from keikaku.services.governance.accounts import UserCreate, create_user

        password = read_secret_line() if password_stdin else None
        data = UserCreate(
            username=username,
            roles=role,
            departments=department or [],
            member_government=member_government,
            display_name=display_name,
            password=password,
            email=email,
            institution=institution,
        )
        result = create_user(data, actor=admin())
        user = result.user
        out().print(f"ユーザー {user.username} を作成しました（役割: {', '.join(user.roles)}）", markup=False)
        _print_result(result)

    @users.command("ensure-admin")
    def ensure_admin_command(
        username: str = typer.Argument("admin", help="作る管理者のユーザー名"),
    ) -> None:
        """有効な管理者がいなければ、管理者アカウントを初期パスワード付きで作る（いれば何もしない）。"""
        from keikaku.services.governance.accounts import ensure_admin

        result = ensure_admin(username, actor=admin())
        if result is None:
            out().print("有効な管理者アカウントが既にあります（変更なし）", markup=False)
            return
        out().print(f"管理者 {result.user.username} を作成しました。/login からログインしてください", markup=False)
        _print_result(result)

    @users.command("update")
    def update(  # noqa: PLR0917 - one parameter per typer option
        username: str = typer.Argument(..., help="ユーザー名"),
        role: list[str] | None = typer.Option(None, "--role", "-r", help=ROLE_HELP + "（指定すると置き換える）"),
        department: list[str] | None = typer.Option(None, "--department", "-d", help="担当課（置き換える）"),
        member_government: str | None = typer.Option(None, "--member-government", help="構成府県市（空文字で解除）"),
        institution: str | None = typer.Option(
            None, "--institution", help="所属機関（コーディネーター。空文字で解除）"
        ),
        display_name: str | None = typer.Option(None, "--display-name", help="表示名"),
        email: str | None = typer.Option(None, "--email", help="メールアドレス（空文字で解除）"),
        reason: str | None = typer.Option(None, "--reason", help="変更理由（監査記録に残る）"),
    ) -> None:
        """アカウントの役割・担当課・表示名を変える。"""
        from keikaku.services.governance.accounts import update_user

        result = update_user(
            username,
            actor=admin(),
            display_name=display_name,
            roles=role or None,
            departments=department or None,
            member_government=member_government,
            email=email,
            institution=institution,
            reason=reason,
        )
        user = result.user
        out().print(
            f"ユーザー {user.username} を更新しました（役割: {', '.join(user.roles)}、担当課: {', '.join(user.departments) or '-'}）",
            markup=False,
        )
        _print_result(result)

    @users.command("disable")
    def disable(
        username: str = typer.Argument(..., help="ユーザー名"),
        reason: str | None = typer.Option(None, "--reason", help="理由（監査記録に残る）"),
    ) -> None:
        """アカウントを無効にする（ログイン中のセッションは終わり、API トークンも使えなくなる）。"""
        from keikaku.services.governance.accounts import disable_user

        user = disable_user(username, actor=admin(), reason=reason)
        out().print(f"ユーザー {user.username} を無効にしました", markup=False)

    @users.command("enable")
    def enable(
        username: str = typer.Argument(..., help="ユーザー名"),
        reason: str | None = typer.Option(None, "--reason", help="理由（監査記録に残る）"),
    ) -> None:
        """無効にしたアカウントを有効に戻す。"""
        from keikaku.services.governance.accounts import enable_user

        user = enable_user(username, actor=admin(), reason=reason)
        out().print(f"ユーザー {user.username} を有効にしました", markup=False)

    @users.command("reset-password")
    def reset(
        username: str = typer.Argument(..., help="ユーザー名"),
        password_stdin: bool = typer.Option(
            False, "--password-stdin", help="新しいパスワードを標準入力の 1 行から読む"
        ),
        reason: str | None = typer.Option(None, "--reason", help="理由（監査記録に残る）"),
    ) -> None:
        """パスワードを再設定する（指定しなければ初期パスワードを生成して一度だけ表示する）。"""
        from keikaku.services.governance.accounts import reset_password

        password = read_secret_line() if password_stdin else None
        result = reset_password(username, actor=admin(), password=password, reason=reason)
        out().print(
            f"ユーザー {result.user.username} のパスワードを再設定しました（ログイン中のセッションは終了）",
            markup=False,
        )
        _print_result(result)

    @users.command("list")
    def list_command() -> None:
        """アカウントを一覧する。"""
        from rich.table import Table

        from keikaku.services.governance.accounts import list_users

        table = Table("ユーザー名", "表示名", "役割", "担当課・構成団体・所属機関", "状態", "作成", "パスワード変更")
        for user in list_users(actor=admin()):
            owners = [*user.departments, *(x for x in (user.member_government, user.institution) if x)]
            state = "無効" if user.disabled else ("要パスワード変更" if user.must_change_password else "有効")
            table.add_row(
                user.username,
                user.display_name,
                ", ".join(user.roles),
                ", ".join(owners),
                state,
                when(user.created_at),
                when(user.password_changed_at),
            )
        out().print(table)
