"""Fixtures of the account tests: a cheap password hasher, the local administrator, accounts to act as."""

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import Engine
from tests.governance.helpers import PASSWORD, MakeUser

from keikaku.services.core.actors import Actor, Role
from keikaku.services.governance import passwords
from keikaku.services.governance.accounts import AccountResult, UserCreate, create_user, local_admin


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 with the cheapest parameters: the tests check behaviour, not cost (see test_passwords for that)."""
    monkeypatch.setattr(passwords, "PASSWORD_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield


@pytest.fixture(autouse=True)
def no_default_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A service called without ``engine=`` must not reach the user's own database."""
    from keikaku.storage.engine import dispose_engines

    monkeypatch.delenv("KEIKAKU_DATABASE_URL", raising=False)
    monkeypatch.setenv("KEIKAKU_HOME", str(tmp_path_factory.mktemp("default-home")))
    dispose_engines()


@pytest.fixture
def admin() -> Actor:
    """The local administrator the command line acts as."""
    return local_admin({"USER": "tester"})


@pytest.fixture
def make_user(engine: Engine, admin: Actor) -> MakeUser:
    """Create an account (password :data:`PASSWORD` unless given) in the test database."""

    def make(
        username: str,
        *roles: Role,
        departments: tuple[str, ...] = (),
        member_government: str | None = None,
        password: str | None = PASSWORD,
    ) -> AccountResult:
        data = UserCreate(
            username=username,
            roles=roles or (Role.BUREAU_ADMIN,),
            departments=departments,
            member_government=member_government,
            password=password,
        )
        return create_user(data, actor=admin, engine=engine)

    return make
