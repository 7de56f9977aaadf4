"""Recording the SQL statements an engine runs (for the query-plan and statement-count tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass(frozen=True)
class Statement:
    """One statement as the driver received it."""

    sql: str
    parameters: Any

    @property
    def shape(self) -> str:
        """The statement with its whitespace folded (the same SQL run twice has the same shape)."""
        return " ".join(self.sql.split())


@dataclass
class Recorder:
    """The statements run while recording."""

    statements: list[Statement] = field(default_factory=list)

    def selects(self) -> list[Statement]:
        """The SELECT statements, each shape with its first parameters only."""
        seen: dict[str, Statement] = {}
        for st in self.statements:
            if st.shape.upper().startswith(("SELECT", "WITH")) and st.shape not in seen:
                seen[st.shape] = st
        return list(seen.values())


@contextmanager
def recording(engine: Engine) -> Iterator[Recorder]:
    """Record every statement ``engine`` runs inside the block (executemany batches count once)."""
    recorder = Recorder()

    def before(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        recorder.statements.append(Statement(sql, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield recorder
    finally:
        event.remove(engine, "before_cursor_execute", before)
