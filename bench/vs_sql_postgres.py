"""The PostgreSQL half of ``bench_vs_datasette.py``: the same five questions, keikaku against SQL over HTTP.

Datasette serves SQLite only, so on PostgreSQL keikaku is compared with ``bench/sql_server.py``, which does
what Datasette does for a JSON SQL query (the SQL and its parameters from the query string, a pooled
connection, the rows as a JSON array) and nothing more.  The SQL is the SQLite bench's, but for the search,
which on PostgreSQL reads keikaku's own index (its term pairs as a ``tsvector``, then the exact folded text).
The floor is the same SQL in-process on one SQLAlchemy connection.

Run through ``python bench/bench_vs_datasette.py --postgres URL`` (the URL of a database that holds the
national synthetic data: ``KEIKAKU_DATABASE_URL=URL keikaku init && keikaku synth --scale national``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

SQL_SERVER = Path(__file__).with_name("sql_server.py")


def subjects(url: str) -> dict[str, Any]:
    """The plan, project and issuer asked about, chosen as the SQLite bench chooses them."""
    engine = create_engine(url)
    where = "is_current AND region_code IS NOT NULL AND fiscal_year = (SELECT max(fiscal_year) FROM plans)"
    with engine.connect() as conn:
        count = conn.execute(text(f"SELECT count(*) FROM plans WHERE {where}")).scalar_one()
        plan_id, issuer, year = conn.execute(
            text(f"SELECT id, issuer, fiscal_year FROM plans WHERE {where} ORDER BY id LIMIT 1 OFFSET :o"),
            {"o": count // 3},
        ).one()
        project_id = conn.execute(
            text(
                "SELECT p.id FROM projects p JOIN kpis k ON k.project_id = p.id WHERE p.plan_id = :plan"
                " AND p.parent_id IS NULL GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1"
            ),
            {"plan": plan_id},
        ).scalar_one()
    engine.dispose()
    return {"plan_id": plan_id, "issuer": issuer, "year": year, "project_id": project_id}


def search_sql(word: str, cap: int) -> tuple[str, dict[str, Any]]:
    """The count of entries holding ``word`` in a title or a body, capped as keikaku caps it, through the
    index keikaku's PostgreSQL search reads."""
    from keikaku.services.search.query import _PG_TERMS, _pg_tsquery, query_words

    words = query_words(word)
    exact = " AND ".join(f"strpos(folded, :w{i}) > 0" for i in range(len(words)))
    sql = (
        "SELECT count(*) AS n FROM (SELECT 1 FROM search_entries"
        f" WHERE {_PG_TERMS} @@ CAST(:q AS tsquery) AND {exact} LIMIT :cap) AS found"
    )
    params: dict[str, Any] = {"q": _pg_tsquery(words, []), "cap": str(cap + 1)}
    params.update({f"w{i}": w for i, w in enumerate(words)})
    return sql, params


def sql_server(url: str) -> Callable[[int], list[str]]:
    """The command line of the SQL server for ``url`` on a port (the partner of ``bench_vs_datasette.Servers``)."""
    return lambda port: [sys.executable, str(SQL_SERVER), "--url", url, "--port", str(port)]


def sql_floor(url: str, sql: tuple[str, dict[str, Any]], n: int) -> float:
    """p50 of the same SQL in-process on one connection (ms)."""
    engine = create_engine(url)
    statement = text(sql[0])
    times = []
    with engine.connect() as conn:
        for _ in range(n):
            started = time.perf_counter()
            conn.execute(statement, sql[1]).fetchall()
            times.append(time.perf_counter() - started)
    engine.dispose()
    ordered = sorted(times)
    return ordered[len(ordered) // 2] * 1000
