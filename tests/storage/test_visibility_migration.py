"""Migrations 0030 and 0031 go down and up again: the composite index of the plans of a year comes and goes,
and every database has a ``visibility`` token after 0031 (none after its downgrade)."""

from sqlalchemy import Engine, inspect, select

from keikaku.storage import derived
from keikaku.storage.migrate import _config, upgrade


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _token(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(
            select(derived.DerivedVersion.token).where(derived.DerivedVersion.scope == derived.VISIBILITY)
        )


def _plan_indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in inspect(engine).get_indexes("plans")}


def test_0030_and_0031_down_and_up(loaded_engine: Engine) -> None:
    first = _token(loaded_engine)
    assert first is not None
    assert "ix_plans_fiscal_year_issuer" in _plan_indexes(loaded_engine)
    _migrate(loaded_engine, "0029_ev12", down=True)
    derived.forget_schema()
    assert _token(loaded_engine) is None
    assert "ix_plans_fiscal_year" in _plan_indexes(loaded_engine)
    assert "ix_plans_fiscal_year_issuer" not in _plan_indexes(loaded_engine)
    upgrade(loaded_engine)
    again = _token(loaded_engine)
    assert again is not None and again != first  # a new token: nothing kept under the old one is served
    assert "ix_plans_fiscal_year_issuer" in _plan_indexes(loaded_engine)
