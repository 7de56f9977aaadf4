"""Helpers shared by the administration commands (user, token, backup, audit, period, publish).

The command line acts as the local administrator: ``cli:<login name>`` with the bureau admin role (see
``keikaku.services.governance.accounts.local_admin``); whoever can run ``keikaku`` against the database can
administer it.  Services are imported inside the functions so that ``keikaku --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING

from rich.console import Console

from keikaku.normalize.date_style import JST

if TYPE_CHECKING:
    from keikaku.services.core.actors import Actor

ADMIN_NOTE = "コマンドラインはローカル管理者（cli:$USER、管理者権限）として動きます。"


def out() -> Console:
    """Console for results (stdout)."""
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    """Console for notes and warnings (stderr)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def admin() -> Actor:
    """The local administrator the command line acts as."""
    from keikaku.services.governance.accounts import local_admin

    return local_admin()


def when(value: dt.datetime | None) -> str:
    """A timestamp in Japan time, to the minute; an empty string for None."""
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M") if value else ""


def read_secret_line() -> str:
    """One line from standard input, without its line break (for ``--password-stdin``)."""
    from keikaku.services.core.errors import ValidationError

    line = sys.stdin.readline()
    if not line:
        raise ValidationError("標準入力からパスワードを読めませんでした")
    return line.rstrip("\r\n")


def fiscal_year(text: str) -> int:
    """A fiscal year as users write it: 2026, 2026年度, 令和8年度, R8."""
    from keikaku.normalize.eras import parse_fiscal_year
    from keikaku.normalize.errors import NormalizeError
    from keikaku.services.core.errors import ValidationError

    try:
        return parse_fiscal_year(text)
    except NormalizeError as exc:
        raise ValidationError(f"年度を解釈できません: {text}") from exc
