"""The package's contract: exports, docstrings, errors, and what it may import."""

import ast
import doctest
import importlib
import inspect
import sys
from pathlib import Path

import pytest

from keikaku import normalize
from keikaku.normalize import NormalizeError, parse_number

PACKAGE_DIR = Path(normalize.__file__).parent

REQUIRED = [
    "normalize_text", "strip_markup", "fold_for_search", "parse_number", "parse_quantity", "Quantity",
    "parse_amount", "Amount", "find_amounts", "AmountMatch", "era_to_gregorian", "parse_fiscal_year",
    "parse_date", "ParsedDate", "parse_date_range", "DateRange", "find_dates", "parse_start_year", "StartYear",
    "parse_kpi", "parse_kpi_reference", "kpi_kind", "NormalizeError",
]  # fmt: skip


def test_required_api_is_exported() -> None:
    for name in REQUIRED:
        assert name in normalize.__all__, name
        assert hasattr(normalize, name), name
    assert sorted(normalize.__all__) == normalize.__all__


@pytest.mark.parametrize("name", normalize.__all__)
def test_public_names_have_docstrings(name: str) -> None:
    obj = getattr(normalize, name)
    assert inspect.getdoc(obj), name
    if inspect.isclass(obj):
        for attr, member in vars(obj).items():
            if not attr.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
                assert inspect.getdoc(member), f"{name}.{attr}"


def test_every_public_function_of_every_module_has_a_docstring() -> None:
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), path.name
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                assert ast.get_docstring(node), f"{path.name}:{node.name}"


def test_imports_only_stdlib_and_domain() -> None:
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                allowed = (
                    top in sys.stdlib_module_names
                    or name.startswith(("keikaku.domain", "keikaku.normalize"))
                    or name == "__future__"
                )
                assert allowed, f"{path.name} imports {name}"


def test_modules_stay_small() -> None:
    for path in PACKAGE_DIR.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path.name


def test_normalize_error() -> None:
    assert issubclass(NormalizeError, ValueError)
    with pytest.raises(ValueError, match="数値として解釈できません") as info:
        parse_number("12,3")
    error = info.value
    assert isinstance(error, NormalizeError)
    assert error.value == "12,3"
    assert error.message_en == "not a number"
    assert str(error) == "数値として解釈できません: '12,3' (not a number)"


@pytest.mark.parametrize("path", sorted(PACKAGE_DIR.glob("*.py")), ids=lambda p: p.stem)
def test_docstring_examples_hold(path: Path) -> None:
    module = importlib.import_module(
        f"keikaku.normalize.{path.stem}" if path.stem != "__init__" else "keikaku.normalize"
    )
    assert doctest.testmod(module).failed == 0


def test_normalize_error_with_message_only() -> None:
    assert str(NormalizeError("年度が不正です")) == "年度が不正です"
    assert str(NormalizeError("年度が不正です", "bad fiscal year")) == "年度が不正です (bad fiscal year)"
    assert NormalizeError("x").value is None
