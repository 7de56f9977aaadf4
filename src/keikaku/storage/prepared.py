"""Read statements compiled once per database kind and run on the driver's cursor (issue 16).

SQLAlchemy spends 50–300 µs of Python on every statement before the driver sees it: building the statement,
its cache key, the compiled-cache lookup, the execution context, the result's metadata, ORM rows.  A page of
a plan or a project asks a dozen small questions, so that overhead, not the database, was most of a read's
time.  A :class:`Prepared` statement is written as an ordinary SQLAlchemy Core ``select`` with named
``bindparam`` values (so it is still one statement for SQLite and PostgreSQL alike); it is compiled once per
dialect, and each run hands the driver the compiled SQL and the parameters straight away.

What SQLAlchemy does for a result is kept: the dialect's bind processors turn parameters into what the
driver takes, and the result processors of the selected columns' types turn values back (SQLite's dates,
booleans and JSON text, for example).  Rows are named tuples, read like SQLAlchemy's rows (``row.id``,
``row[0]``, unpacking).  Expanding parameters (``bindparam("ids", expanding=True)`` for ``IN``) are
rendered as SQLAlchemy renders them, once for each number of values given.  The engine's
``before_cursor_execute`` listeners are told of each statement, so statement counts and captures see
these reads too.

Only for reads inside a session or connection that is already open (see
:func:`keikaku.storage.uow.read_session`); writes keep going through the ORM.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

Processor = Callable[[Any], Any] | None
#: Renderings kept per statement for expanding parameters (one per number of values given).
MAX_SHAPES = 128


def _kind(dialect: Dialect) -> tuple[str, str]:
    """What a compilation depends on: the database and its driver (the driver decides the parameter style)."""
    return dialect.name, dialect.driver


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for one dialect: its SQL (None: rendered per number of values, for expanding parameters),
    the parameters' defaults and order, their processors, and the row type with its result processors."""

    compiled: Any
    sql: str | None
    defaults: Mapping[str, Any]
    positions: Sequence[str] | None
    bind_processors: Mapping[str, Callable[[Any], Any]]
    row: Any
    types: tuple[Any, ...]


class Prepared:
    """A Core ``select`` (or a ``text(...).columns(...)``) run on the driver's cursor; see the module."""

    def __init__(self, statement: Select[*tuple[Any, ...]] | TextualSelect, name: str = "Row") -> None:
        self.statement = statement
        self.name = name
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()
        self._result_processors: dict[tuple[str, str], tuple[Processor, ...]] = {}
        self._shapes: dict[Any, tuple[str, Any, dict[str, Any], dict[str, list[str]]]] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(_kind(dialect))
        if found is not None:
            return found
        with self._lock:
            compiled = self.statement.compile(dialect=dialect)
            binds = compiled.binds
            defaults = {k: b.effective_value for k, b in binds.items() if not b.required}
            expanding = any(b.expanding for b in binds.values())
            placeholders = {k: None for k, b in binds.items() if b.required}
            state = None if expanding else compiled.construct_expanded_state({**defaults, **placeholders})
            columns = list(self.statement.selected_columns)
            keys = [c.key or f"column_{i}" for i, c in enumerate(columns)]
            types = tuple(c.type.dialect_impl(dialect) for c in columns)
            made = _Compiled(
                compiled=compiled,
                sql=None if state is None else state.statement,
                defaults=defaults,
                positions=None if state is None else state.positiontup,
                bind_processors=dict(state.processors) if state is not None else {},
                row=namedtuple(self.name, keys, rename=True),
                types=types,
            )
            self._by_dialect[_kind(dialect)] = made
            return made

    def rows(self, bind: Session | Connection, **params: Any) -> list[Any]:
        """Every row the statement returns with ``params`` (named tuples)."""
        connection = bind.connection() if isinstance(bind, Session) else bind
        dialect = connection.dialect
        c = self._compiled(dialect)
        unknown = params.keys() - c.compiled.binds.keys()
        if unknown:
            raise TypeError(f"{self.name}: no parameter {sorted(unknown)} in the statement")
        merged = {**c.defaults, **params} if params else dict(c.defaults)
        if c.sql is None:
            sql, positions, processors, values = self._expanded(c, merged)
        else:
            sql, positions, processors, values = c.sql, c.positions, c.bind_processors, merged
        if processors:
            values = {k: (processors[k](v) if k in processors else v) for k, v in values.items()}
        parameters: Any = tuple(values[k] for k in positions) if positions is not None else values
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if connection.dispatch.before_cursor_execute:
                connection.dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            fetched = cursor.fetchall()
            procs = self._result_processors.get(_kind(dialect))
            if procs is None:  # a type's processor may depend on the driver's type code of the column
                codes = [d[1] for d in cursor.description or ()]
                procs = tuple(t.result_processor(dialect, code) for t, code in zip(c.types, codes, strict=True))
                self._result_processors[_kind(dialect)] = procs
        finally:
            cursor.close()
        make = c.row._make
        if any(procs):
            return [make([p(v) if p is not None else v for p, v in zip(procs, r, strict=True)]) for r in fetched]
        return [make(r) for r in fetched]

    def _expanded(self, c: _Compiled, merged: dict[str, Any]) -> tuple[str, Any, Mapping[str, Any], dict[str, Any]]:
        """The SQL and parameters of a run with expanding parameters: rendered once per number of values of
        each expanding parameter (kept in :attr:`_shapes`), then filled in."""
        lengths = tuple(len(v) if isinstance(v, list | tuple | set | frozenset) else -1 for v in merged.values())
        shape_key = (_kind(c.compiled.dialect), tuple(merged), lengths)
        shape = self._shapes.get(shape_key)
        if shape is None:
            state = c.compiled.construct_expanded_state(merged)
            shape = (state.statement, state.positiontup, dict(state.processors), dict(state.parameter_expansion))
            if len(self._shapes) < MAX_SHAPES:
                self._shapes[shape_key] = shape
        sql, positions, processors, expansion = shape
        values = dict(merged)
        for name, expanded in expansion.items():
            given = list(values.pop(name))
            values.update(zip(expanded, given, strict=True))
        return sql, positions, processors, values

    def first(self, bind: Session | Connection, **params: Any) -> Any | None:
        """The first row, or None."""
        found = self.rows(bind, **params)
        return found[0] if found else None

    def scalars(self, bind: Session | Connection, **params: Any) -> list[Any]:
        """The first column of every row."""
        return [r[0] for r in self.rows(bind, **params)]

    def scalar(self, bind: Session | Connection, **params: Any) -> Any | None:
        """The first column of the first row, or None."""
        row = self.first(bind, **params)
        return None if row is None else row[0]
