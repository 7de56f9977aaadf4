"""A Datasette-equivalent for a database Datasette cannot open: SQL over HTTP, answered as a JSON array.

Datasette serves SQLite only.  To compare keikaku on PostgreSQL with the same kind of server, this one does
what Datasette does for ``/db.json?sql=…&_shape=array``: it takes the SQL and its named parameters from the
query string, runs the statement on a pooled connection in a worker thread, and answers the rows as a JSON
array of objects.  Nothing else (no pages, no facets, no permissions): it is the floor an HTTP server of SQL
costs, so that keikaku is measured against the question and not against a missing server.

Usage (the bench starts it itself):
  python bench/sql_server.py --url postgresql+psycopg://postgres@127.0.0.1:5432/nat --port 8002
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
from typing import Any

import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def app_for(engine: Engine) -> Starlette:
    """The app: ``GET /sql.json?sql=…&name=value…`` runs the SQL with the other parameters bound by name."""

    def run(sql: str, params: dict[str, str]) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            result = conn.execute(text(sql), params)
            keys = list(result.keys())
            return [{k: _plain(v) for k, v in zip(keys, row, strict=True)} for row in result]

    async def sql_json(request: Request) -> Response:
        params = dict(request.query_params)
        sql = params.pop("sql", "")
        params.pop("_shape", None)
        if not sql:
            return JSONResponse({"error": "sql is required"}, status_code=400)
        rows = await run_in_threadpool(run, sql, params)
        return Response(json.dumps(rows, ensure_ascii=False), media_type="application/json")

    async def versions(_: Request) -> Response:
        return JSONResponse({"server": "sql_server"})

    return Starlette(routes=[Route("/sql.json", sql_json), Route("/-/versions.json", versions)])


def main() -> None:
    """Serve ``--url`` on ``--port`` until stopped."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    opts = parser.parse_args()
    engine = create_engine(opts.url, pool_size=8, max_overflow=32)
    uvicorn.run(app_for(engine), host="127.0.0.1", port=opts.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
