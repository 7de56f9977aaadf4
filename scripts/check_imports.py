"""Import checks over src/keikaku, counting imports inside functions as well as at module level.

1. Direction between layers: web/api/cli -> services -> (storage, ingest, evaluation, reports) -> domain.
2. Inside ``services``: ``services.core`` (the shared kernel) imports no other services sub-package.
3. No import cycle anywhere: the module graph has no strongly connected component of two or more modules
   (Tarjan's algorithm), nor a module importing itself.

Each violation is printed with file, line and the offending import; the exit status is 1 if there is any.
"""

import ast
import sys
from collections.abc import Iterator
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
    "synth": {"domain", "normalize", "storage", "services"},
    "api": {"services", "domain", "normalize"},
    "web": {"services", "domain", "normalize", "api"},
    "cli": {"services", "domain", "normalize", "synth"},
}

#: Sub-packages of a layer that may import no sibling sub-package of the same layer.
KERNELS = {("services", "core")}


def module_name(path: Path) -> str:
    """The dotted module name of a file under src/keikaku."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(tree: ast.AST, here: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every keikaku import anywhere in a module, relative imports resolved.

    ``from a.b import c`` yields ``a.b.c``, which :func:`resolve` maps to that module when ``c`` is one and to
    ``a.b`` otherwise.  The parent packages Python runs first are not counted: a package's ``__init__`` that
    imports its own modules is the normal pattern, not a cycle."""
    package = here if is_package else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def resolve(name: str, modules: set[str]) -> str | None:
    """The longest known keikaku module that ``name`` is or lies inside."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: every strongly connected component of ``graph``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    return found


def main() -> int:
    """Check every module; print violations; exit 1 if any."""
    errors = []
    paths = sorted(ROOT.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    where: dict[tuple[str, str], tuple[Path, int]] = {}
    for path in paths:
        here = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        parts = here.split(".")
        layer = parts[1] if len(parts) > 2 or (len(parts) == 2 and path.name == "__init__.py") else None
        for line, imported in imports_of(tree, here, path.name == "__init__.py"):
            target = resolve(imported, modules)
            if target is None or target in {"keikaku", here}:
                continue
            graph[here].add(target)
            where.setdefault((here, target), (path, line))
            tparts = target.split(".")
            other = tparts[1] if len(tparts) > 1 else None
            rel = path.relative_to(ROOT.parent.parent)
            if layer in ALLOWED and other in ALLOWED and other != layer and other not in ALLOWED[layer]:
                errors.append(f"{rel}:{line}: {layer} may not import {target}")
            in_kernel = layer == other and len(parts) > 3 and len(tparts) > 3 and (layer, parts[2]) in KERNELS
            if in_kernel and tparts[2] != parts[2]:
                errors.append(f"{rel}:{line}: {layer}.{parts[2]} may not import {target} (a kernel imports no sibling)")
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        members = set(component)
        edges = []
        for source in component:
            for target in sorted(graph[source] & members):
                path, line = where[(source, target)]
                edges.append(f"    {path.relative_to(ROOT.parent.parent)}:{line}: {source} -> {target}")
        errors.append(f"import cycle among {len(component)} modules: {', '.join(component)}\n" + "\n".join(edges))
    for error in errors:
        print(error)
    print(f"imports: {len(paths)} modules checked, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
