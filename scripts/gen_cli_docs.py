"""Generate docs/cli.md, the command-line reference, from the commands' own help.

Run `python scripts/gen_cli_docs.py` after changing a command; tests/docs/test_cli_docs.py fails when the
file is out of date.
"""

import sys
from pathlib import Path
from typing import Any

import typer.main

from keikaku.cli.app import app

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    # Typer ships its own copy of click, so groups are recognised by their ``commands``, not their class.
    found: list[tuple[str, Any]] = []
    for name in sorted(getattr(group, "commands", {})):
        cmd = group.commands[name]
        path = f"{prefix} {name}"
        if hasattr(cmd, "commands"):
            found.extend(_commands(cmd, path))
        else:
            found.append((path, cmd))
    return found


def _param(param: Any) -> str:
    if getattr(param, "param_type_name", "") == "option":
        names = ", ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
        text = param.help or ""
        if getattr(param, "required", False):
            text += "（必須）"
        return f"| {names} | {text} |"
    return f"| `{str(param.name).upper()}` (argument) | {getattr(param, 'help', '') or ''} |"


def render() -> str:
    """The reference as Markdown."""
    root = typer.main.get_group(app)
    lines = [
        "# keikaku command reference",
        "",
        "Generated from the commands' help by `scripts/gen_cli_docs.py`; do not edit by hand.",
        "Errors are one line on stderr (`エラー: …`) with exit code 2; an import refused for errors in its rows",
        "lists them and exits 2 too.  Exit code 1 means done in part: `actuals import --partial` left rows out,",
        "or a confirmation was declined.",
        "",
    ]
    for path, cmd in _commands(root, "keikaku"):
        lines += [f"## `{path}`", "", (cmd.help or "").strip().splitlines()[0] if cmd.help else "", ""]
        params = [p for p in cmd.params if p.name != "help"]
        if params:
            lines += ["| option | meaning |", "|---|---|"]
            lines += [_param(p) for p in params]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
