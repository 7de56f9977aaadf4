"""A fingerprint of a whole database: what tests compare before and after a refused request."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, Table, func, literal, select, union_all

import keikaku.storage.all_tables  # noqa: F401  (every table in the metadata)
from keikaku.storage.base import Base


def tables() -> list[Table]:
    """Every table keikaku defines."""
    return list(Base.metadata.sorted_tables)


def table_counts(engine: Engine) -> dict[str, int]:
    """The number of rows of every table, in one query."""
    counts = union_all(
        *(select(literal(t.name).label("name"), func.count().label("n")).select_from(t) for t in tables())
    )
    with engine.connect() as conn:
        return {str(name): int(n) for name, n in conn.execute(counts)}


def table_digest(engine: Engine, table: Table) -> str:
    """A SHA-256 of every row of ``table``, in primary-key order."""
    order = list(table.primary_key.columns) or list(table.columns)
    sha = hashlib.sha256()
    with engine.connect() as conn:
        for row in conn.execute(select(table).order_by(*order)):
            sha.update(repr(tuple(row)).encode())
    return sha.hexdigest()


def fingerprint(engine: Engine, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Row counts of every table and a digest of every row of every table not named in ``skip``."""
    skipped = frozenset(skip)
    return {
        "counts": table_counts(engine),
        "rows": {t.name: table_digest(engine, t) for t in tables() if t.name not in skipped},
    }


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The tables whose count or rows differ between two fingerprints."""
    return sorted(
        {k for k in before["counts"] if before["counts"][k] != after["counts"].get(k)}
        | {k for k in before["rows"] if before["rows"][k] != after["rows"].get(k)}
    )
