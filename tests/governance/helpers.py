"""Constants and types the account tests share (fixtures are in conftest.py)."""

from collections.abc import Callable

from keikaku.services.governance.accounts import AccountResult

PASSWORD = "correct horse battery staple"

#: ``make_user(username, *roles, departments=(), member_government=None, password=PASSWORD)``
MakeUser = Callable[..., AccountResult]
