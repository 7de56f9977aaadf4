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
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

#: A result processor: SQLAlchemy's conversion of one column's driver value (booleans, dates, JSON).
Processor = Callable[[Any], Any]
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
    names: frozenset[str]
    expanding: tuple[str, ...]
    ordered: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None


def _in_order(positions: Sequence[str] | None) -> Callable[[Mapping[str, Any]], tuple[Any, ...]] | None:
    """A function giving the parameters' values in the order of ``positions`` (None: the driver takes names)."""
    if positions is None:
        return None
    if len(positions) == 1:
        only = positions[0]
        return lambda values: (values[only],)
    if not positions:
        return lambda values: ()
    return itemgetter(*positions)  # C: one call for any number of positions


class Prepared:
    """A Core ``select`` (or a ``text(...).columns(...)``) run on the driver's cursor; see the module."""

    def __init__(self, statement: Select[*tuple[Any, ...]] | TextualSelect, name: str = "Row") -> None:
        self.statement = statement
        self.name = name
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()
        #: Per database and driver: the positions of the columns whose values a processor converts, with it
        #: (() when no column needs one).
        self._result_processors: dict[tuple[str, str], tuple[tuple[int, Processor], ...]] = {}
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
            positions = None if state is None else state.positiontup
            made = _Compiled(
                compiled=compiled,
                sql=None if state is None else state.statement,
                defaults=defaults,
                positions=positions,
                bind_processors=dict(state.processors) if state is not None else {},
                row=namedtuple(self.name, keys, rename=True),
                types=types,
                names=frozenset(binds),
                expanding=tuple(k for k, b in binds.items() if b.expanding),
                ordered=_in_order(positions),
            )
            self._by_dialect[_kind(dialect)] = made
            return made

    def rows(self, bind: Session | Connection, **params: Any) -> list[Any]:
        """Every row the statement returns with ``params`` (named tuples); read ahead by :func:`read_ahead`
        if it was (then taken from there, once)."""
        connection = bind.connection() if isinstance(bind, Session) else bind
        ahead = _read_ahead.get(connection)
        if ahead:
            found = ahead.pop((self, _key(params)), None)
            if found is not None:
                return found
        sql, parameters, c, kind = self._bound(connection, params)
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if connection.dispatch.before_cursor_execute:
                connection.dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            return self._made(connection.dialect, kind, c, cursor)
        finally:
            cursor.close()

    def _bound(self, connection: Connection, params: dict[str, Any]) -> tuple[str, Any, _Compiled, tuple[str, str]]:
        """The SQL and the driver's parameters of a run with ``params``."""
        dialect = connection.dialect
        kind = _kind(dialect)
        c = self._by_dialect.get(kind) or self._compiled(dialect)
        if not params.keys() <= c.names:
            raise TypeError(f"{self.name}: no parameter {sorted(params.keys() - c.names)} in the statement")
        values = {**c.defaults, **params}
        if c.sql is None:
            sql, ordered, processors = self._expanded(c, kind, values)
        else:
            sql, ordered, processors = c.sql, c.ordered, c.bind_processors
        for name, process in processors.items():
            if name in values:
                values[name] = process(values[name])
        parameters: Any = ordered(values) if ordered is not None else values
        return sql, parameters, c, kind

    def _made(self, dialect: Dialect, kind: tuple[str, str], c: _Compiled, cursor: Any) -> list[Any]:
        """The rows of an executed cursor, as named tuples with the columns' result processors applied."""
        fetched = cursor.fetchall()
        procs = self._result_processors.get(kind)
        if procs is None:  # a type's processor may depend on the driver's type code of the column
            codes = [d[1] for d in cursor.description or ()]
            found = (t.result_processor(dialect, code) for t, code in zip(c.types, codes, strict=True))
            procs = self._result_processors[kind] = tuple((i, p) for i, p in enumerate(found) if p is not None)
        make = c.row._make
        if not procs:
            return list(map(make, fetched))
        # Only the columns with a processor are touched (a few booleans or dates among a dozen columns): a
        # pass over every value of every row cost three times as much on a plan's forty projects.
        made = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for i, process in procs:
                row[i] = process(row[i])
            made.append(make(row))
        return made

    def _expanded(
        self, c: _Compiled, kind: tuple[str, str], values: dict[str, Any]
    ) -> tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]] | None, Mapping[str, Callable[[Any], Any]]]:
        """The SQL, the ordering of the parameters and their processors for a run with expanding parameters:
        rendered once per number of values of each expanding parameter (kept in :attr:`_shapes`).  The
        expanding parameters in ``values`` are replaced by one entry per value, as the rendering names them."""
        for name in c.expanding:
            if not isinstance(values.get(name), list | tuple):
                values[name] = list(values[name])  # a set or another iterable: counted and spread in one order
        shape_key = (kind, tuple([len(values[name]) for name in c.expanding]))
        shape = self._shapes.get(shape_key)
        if shape is None:
            state = c.compiled.construct_expanded_state(values)
            shape = (
                state.statement,
                _in_order(state.positiontup),
                dict(state.processors),
                dict(state.parameter_expansion),
            )
            if len(self._shapes) < MAX_SHAPES:
                self._shapes[shape_key] = shape
        sql, ordered, processors, expansion = shape
        for name, expanded in expansion.items():
            values.update(zip(expanded, values.pop(name), strict=True))
        return sql, ordered, processors

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


#: Rows read ahead, per open connection: (statement, parameters) → rows, each taken once by :meth:`Prepared.rows`.
_read_ahead: weakref.WeakKeyDictionary[Connection, dict[tuple[Prepared, Any], list[Any]]] = weakref.WeakKeyDictionary()


def _key(params: Mapping[str, Any]) -> Any:
    """Parameters as a dictionary key (an ``IN`` list as a tuple)."""
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list | tuple | set | frozenset) else v) for k, v in params.items())
    )


def read_ahead(bind: Session | Connection, reads: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> None:
    """Run ``reads`` (statements and their parameters) together, so that their :meth:`Prepared.rows` calls that
    follow take the rows instead of asking the database one by one.

    On PostgreSQL the statements go out in one round trip (psycopg's pipeline mode): a page's reads that do not
    depend on each other cost one wait on the network instead of one each.  On SQLite, where a statement is a
    function call, nothing is done here and each read runs where it is asked.  A read ahead that is not taken
    is forgotten with its connection.
    """
    connection = bind.connection() if isinstance(bind, Session) else bind
    if connection.dialect.name != "postgresql" or not reads:
        return
    raw = connection.connection.dbapi_connection
    assert raw is not None
    ahead = _read_ahead.setdefault(connection, {})
    bound = [(statement, params, *statement._bound(connection, dict(params))) for statement, params in reads]
    with raw.pipeline():
        cursors = []
        for _statement, _params, sql, parameters, _c, _kind in bound:
            cursor = raw.cursor()
            if connection.dispatch.before_cursor_execute:
                connection.dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            cursors.append(cursor)
        for (statement, params, _sql, _parameters, c, kind), cursor in zip(bound, cursors, strict=True):
            try:
                ahead[(statement, _key(params))] = statement._made(connection.dialect, kind, c, cursor)
            finally:
                cursor.close()
