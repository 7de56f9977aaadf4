"""Import-direction check: web/api/cli -> services -> (storage, ingest, evaluation, reports) -> domain.

Every module of src/keikaku is parsed; an import of a keikaku package that its layer may not use fails
the check with file, line and the offending import.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "keikaku"

ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "data": set(),
    "normalize": {"domain"},
    "storage": {"domain"},
    "ingest": {"domain", "normalize"},
    "evaluation": {"domain", "normalize"},
    "reports": {"domain", "normalize", "evaluation"},
    "services": {"domain", "normalize", "storage", "ingest", "evaluation", "reports"},
    "api": {"services", "domain", "normalize"},
    "web": {"services", "domain", "normalize", "api"},
    "cli": {"services", "domain", "normalize"},
}


def layer_of(path: Path) -> str | None:
    """The top-level subpackage a file belongs to (None for keikaku/__init__.py and similar)."""
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else None


def imported_layers(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, imported module, its keikaku layer) for every keikaku import in a module."""
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "keikaku" and len(parts) > 1:
                found.append((node.lineno, name, parts[1]))
    return found


def main() -> int:
    """Check every module; print violations; exit 1 if any."""
    errors = []
    count = 0
    for path in sorted(ROOT.rglob("*.py")):
        layer = layer_of(path)
        if layer is None or layer not in ALLOWED:
            continue
        count += 1
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module, target in imported_layers(tree):
            if target != layer and target not in ALLOWED[layer] and target in ALLOWED:
                errors.append(f"{path.relative_to(ROOT.parent.parent)}:{line}: {layer} may not import {module}")
    for error in errors:
        print(error)
    print(f"import-direction: {count} modules checked, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
