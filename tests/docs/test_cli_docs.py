"""The docs name every command and setting: a command or setting missing from them fails here."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_up_to_date() -> None:
    expected = _generator().render()
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"


def test_every_setting_is_documented() -> None:
    settings = set()
    for path in (ROOT / "src" / "keikaku").rglob("*.py"):
        settings.update(re.findall(r"\"(KEIKAKU_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + (ROOT / "docs" / "settings.md").read_text(
        encoding="utf-8"
    )
    missing = sorted(s for s in settings if s not in docs)
    assert not missing, f"settings missing from README.md / docs/settings.md: {missing}"


def test_role_table_is_made_from_the_permission_rules() -> None:
    spec = importlib.util.spec_from_file_location("gen_role_docs", ROOT / "scripts" / "gen_role_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    actual = (ROOT / "docs" / "accounts.md").read_text(encoding="utf-8")
    assert module.render(actual) == actual, "docs/accounts.md's role table is stale: run scripts/gen_role_docs.py"
    assert "read and export the audit trail" in module.render_table()


def test_every_permission_is_described() -> None:
    from keikaku.services.core.actors import DESCRIPTIONS, Permission

    assert set(DESCRIPTIONS) == set(Permission)
