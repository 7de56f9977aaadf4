"""The ``keikaku`` command: every module in ``keikaku.cli.commands`` registers its commands here.

Start-up matters (an ingest of four documents should take under two seconds, interpreter included), so
``main`` imports only the module that defines the command being run; ``--help`` and unknown commands load
them all.  ``COMMAND_MODULES`` says which module defines which top-level command; a test checks it.
"""

import importlib
import pkgutil
import sys
from collections.abc import Iterable

import typer
from rich.console import Console

from keikaku.cli import commands
from keikaku.services.core.errors import ServiceError

HELP = "keikaku（計画）: 関西広域連合の産業振興施策（ビジョン・事業計画・KPI・評価）を扱うツール"

COMMAND_MODULES: dict[str, str] = {
    "init": "init",
    "tree": "browse",
    "show": "browse",
    "export": "export",
    "synth": "synth",
    "ingest": "ingest",
    "revisions": "ingest",
    "actual": "actuals",
    "actuals": "actuals",
    "evaluate": "evaluate",
    "thresholds": "evaluate",
    "compare": "compare",
    "report": "report",
    "serve": "serve",
    "user": "users",
    "token": "tokens",
    "backup": "backup",
    "restore": "backup",
    "audit": "audit",
    "period": "periods",
    "publish": "publish",
    "unpublish": "publish",
    "events": "events",
    "cycle": "cycle",
}


def all_modules() -> list[str]:
    """Names of every command module, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__))


def _root() -> None:
    """keikaku（計画）: 関西広域連合の産業振興施策（ビジョン・事業計画・KPI・評価）を扱うツール"""


def build_app(modules: Iterable[str] | None = None) -> typer.Typer:
    """A Typer app with the commands of the given modules (default: all of them)."""
    application = typer.Typer(
        name="keikaku", help=HELP, no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False
    )
    application.callback()(_root)  # always a group, even when only one command module is loaded
    for name in modules if modules is not None else all_modules():
        register = getattr(importlib.import_module(f"{commands.__name__}.{name}"), "register", None)
        if callable(register):
            register(application)
    return application


def __getattr__(name: str) -> typer.Typer:
    """``keikaku.cli.app.app``: the full app, built on first use (tests, docs generation)."""
    if name == "app":
        full = build_app()
        globals()["app"] = full
        return full
    raise AttributeError(name)


def _selected(argv: list[str]) -> list[str] | None:
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    module = COMMAND_MODULES.get(first or "")
    return [module] if module and "--help" not in argv[:1] else None


def main() -> None:
    """Entry point: runs the app; a service error is one line on stderr and exit code 2, never a traceback."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        build_app(_selected(sys.argv[1:]))()
    except ServiceError as exc:
        err.print(f"エラー: {exc.message}", markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("中断しました", markup=False)
        sys.exit(130)
    except Exception as exc:
        from keikaku.services.core.errors import STORAGE_FULL_MESSAGE, is_storage_full

        if not is_storage_full(exc):
            raise
        err.print(f"エラー: {STORAGE_FULL_MESSAGE}", markup=False)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
