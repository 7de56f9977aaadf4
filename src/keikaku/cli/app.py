"""The ``keikaku`` command: every module in ``keikaku.cli.commands`` registers its commands here."""

import importlib
import pkgutil
import sys

import typer
from rich.console import Console

from keikaku.cli import commands
from keikaku.services.errors import ServiceError

app = typer.Typer(
    name="keikaku",
    help="keikaku（計画）: 関西広域連合の産業振興施策（ビジョン・事業計画・KPI・評価）を扱うツール",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
    _module = importlib.import_module(f"{commands.__name__}.{_info.name}")
    _register = getattr(_module, "register", None)
    if callable(_register):
        _register(app)


def main() -> None:
    """Entry point: runs the app; a service error is one line on stderr and exit code 2, never a traceback."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        app()
    except ServiceError as exc:
        err.print(f"エラー: {exc.message}", markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("中断しました", markup=False)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
