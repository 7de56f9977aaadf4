"""The CLI loads only the module of the command being run; the map of commands to modules is complete."""

import typer.main

from keikaku.cli.app import COMMAND_MODULES, _selected, all_modules, build_app


def _names(app: typer.Typer) -> set[str]:
    return set(typer.main.get_group(app).commands)


def test_every_command_maps_to_the_module_that_defines_it() -> None:
    every = _names(build_app())
    assert every <= set(COMMAND_MODULES), f"commands missing from COMMAND_MODULES: {every - set(COMMAND_MODULES)}"
    present = set(all_modules())
    for command, module in COMMAND_MODULES.items():
        if module in present:
            assert command in _names(build_app([module])), f"{command} is not defined by commands/{module}.py"


def test_only_the_needed_module_is_selected() -> None:
    assert _selected(["ingest", "a.txt", "--dry-run"]) == ["ingest"]
    assert _selected(["show", "plan", "2026"]) == ["browse"]
    assert _selected(["--help"]) is None
    assert _selected(["no-such-command"]) is None


def test_a_single_loaded_module_still_takes_its_command_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    result = CliRunner().invoke(build_app(["export"]), ["export", "--help"])
    assert result.exit_code == 0, result.output
    assert "--format" in result.output
