"""The read routes' one trip to a worker thread: the service, the response model and its JSON, together.

A synchronous FastAPI route costs two trips to the thread pool (the endpoint, then the validation of what
it returned against ``response_model``) and validates the model it was handed once more before dumping it.
:func:`json_of` runs the service, builds the response model from its read model and dumps it to bytes in
one worker thread, and returns those bytes: the same JSON FastAPI would send (``by_alias``, as FastAPI's
own ``dump_json`` path does), without the second trip and the second validation.  The route keeps its
``response_model`` for the OpenAPI document.

On the embedded SQLite database there is no trip at all: a read there is a function call of a millisecond or
two (the pages' reads are bounded: paged, indexed, their statements prepared), and handing it to a worker
thread and back cost as much again, more when the machine is busy (bench/bench_vs_datasette.py).  On
PostgreSQL a read waits on the network, so it goes to the thread pool and the event loop keeps serving.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from keikaku.services.core.db import resolve_engine


def dump(model: type[BaseModel], value: object) -> bytes:
    """``value`` (a service's read model) as ``model``'s JSON, as FastAPI would send it."""
    return model.model_validate(value).model_dump_json(by_alias=True).encode()


async def json_of(model: type[BaseModel], produce: Callable[[], object], engine: Engine | None) -> Response:
    """A JSON response of ``model`` built from ``produce()``, which reads ``engine`` (None: the configured
    database): in the event loop on SQLite, else in one worker thread (see the module)."""
    if resolve_engine(engine).dialect.name == "sqlite":
        body = dump(model, produce())
    else:
        body = await run_in_threadpool(lambda: dump(model, produce()))
    return Response(body, media_type="application/json")
