"""ASGI middleware of the web app: request size limit, security headers, ETags, and time spent in the app.

* Requests larger than :attr:`max_body` bytes (by ``Content-Length`` or as they stream in) are refused with
  413 before any route runs, as JSON under ``/api/`` and as a short page elsewhere.  A ``POST`` to one of
  the :data:`UPLOAD_PATHS` (file uploads) may be as large as an upload (``KEIKAKU_MAX_UPLOAD_BYTES``, see
  :mod:`keikaku.services.actuals.upload_safety`) plus :data:`MULTIPART_OVERHEAD`; every other request keeps
  :attr:`max_body`.
* Every response gets a Content-Security-Policy that allows nothing from another origin (no CDN, no inline
  script), ``nosniff``, a same-origin referrer policy and no framing.  A request that came over HTTPS (the
  scheme uvicorn sets from ``X-Forwarded-Proto`` only for the ``--trusted-proxy``) also gets
  ``Strict-Transport-Security``; a plain-HTTP one never does (a browser ignores it there anyway).
* A successful ``GET`` of a page or of JSON gets a strong ``ETag`` (a hash of the body); a request whose
  ``If-None-Match`` names it gets ``304 Not Modified``.  Downloads (with ``Content-Disposition``) are left
  alone: they stream.
* ``Server-Timing: app;dur=…`` says how long the app took, which the benchmark reads.
* Every request has an id (``X-Request-ID``: the client's if well-formed, else a new one), echoed in the
  response and recorded with any audit entry the request causes.
* Empty query parameters (``?fiscal_year=&q=水素`` from a form with an empty field) are dropped, so that
  an empty field means "not given" rather than an invalid number.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from keikaku.services.actuals.upload_safety import max_upload_bytes
from keikaku.services.governance.audit import request_context

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
#: One year, subdomains included; sent only on responses to HTTPS requests.
#: What a response to a signed-in user says to caches (pages and JSON alike).
PRIVATE = (b"cache-control", b"no-store, private")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_ETAG_TYPES = (b"application/json", b"text/html")
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
#: The routes that take an uploaded file (exact paths, POST only): the only ones with the upload limit.
UPLOAD_PATHS = frozenset(
    {
        "/actuals/import",
        "/api/v1/actuals/import",
        "/admin/ingest",
        "/api/v1/ingest",
        "/communications/analytics",
        "/communications/entries",
        "/communications/entries/import",
        "/communications/directories/import",
    }
)
#: Upload routes with an id in their path (the imports of events and surveys, a registry entry's evidence, an
#: institution's equipment list):
#: matched whole.
UPLOAD_PATTERN = re.compile(
    r"^/(events/\d+/imports/(participants|meetings)|surveys/\d+/import|communications/entries/\d+/evidence"
    r"|(api/v1/)?platform/institutions/\d+/imports)$"
)
#: Room for the multipart envelope around an upload: boundaries, part headers, the CSRF and reason fields.
MULTIPART_OVERHEAD = 64 * 1024


class _TooLarge(Exception):
    pass


def _refusal(scope: Scope, status: int, code: str, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    if str(scope.get("path", "")).startswith("/api/"):
        body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
        ctype = b"application/json"
    else:
        body = (
            f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{status}</title></head>'
            f"<body><main><h1>{status}</h1><p>{message}</p></main></body></html>"
        ).encode()
        ctype = b"text/html; charset=utf-8"
    return status, [(b"content-type", ctype), (b"content-length", str(len(body)).encode())], body


def _too_large(scope: Scope, limit: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return _refusal(scope, 413, "request_too_large", f"リクエストが大きすぎます（上限 {limit:,} バイト）")


def _without_empty_values(query: bytes) -> bytes:
    """The query string without ``name=`` pairs: a form's empty field means "not given", not "invalid"."""
    if not query:
        return query
    kept = [pair for pair in query.split(b"&") if pair and not pair.endswith(b"=")]
    return b"&".join(kept)


def _has_nul(scope: Scope) -> bool:
    """A NUL in the address: no keikaku parameter holds one, and PostgreSQL cannot even compare with one."""
    query = scope.get("query_string") or b""
    return "\x00" in str(scope.get("path", "")) or b"\x00" in unquote_to_bytes(query.replace(b"+", b" "))


class WebMiddleware:
    """The size limit, security headers, ETags and timing, in one pass over each HTTP request."""

    def __init__(self, app: ASGIApp, *, max_body: int = 1024 * 1024, max_upload: int | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = (max_upload_bytes() if max_upload is None else max_upload) + MULTIPART_OVERHEAD

    def limit_for(self, scope: Scope) -> int:
        """The largest body accepted for this request: the upload limit on an upload route, else :attr:`max_body`."""
        path = str(scope.get("path", ""))
        if scope.get("method") == "POST" and (path in UPLOAD_PATHS or UPLOAD_PATTERN.match(path)):
            return max(self.max_body, self.max_upload)
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        if scope.get("scheme") == "https":
            send = self._with_hsts(send)
        send = self._private_when_signed_in(scope, send)
        headers = dict(scope.get("headers") or [])
        limit = self.limit_for(scope)
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._send_whole(send, *_too_large(scope, limit), started=started)
            return
        if _has_nul(scope):
            refusal = _refusal(scope, 422, "invalid_input", "アドレスに使用できない文字（NUL）が含まれています")
            await self._send_whole(send, *refusal, started=started)
            return
        scope = {**scope, "query_string": _without_empty_values(scope.get("query_string") or b"")}
        given = headers.get(b"x-request-id", b"")
        request_id = given.decode() if _REQUEST_ID.match(given) else uuid.uuid4().hex
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True  # whatever the app answers (it may turn this into a 400), 413 is sent
                    raise _TooLarge
            return message

        etag_wanted = scope.get("method") == "GET"
        if_none_match = headers.get(b"if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        passthrough = False

        async def wrapped_send(message: Message) -> None:
            nonlocal start, passthrough
            if too_large:
                if message["type"] == "http.response.start":
                    start = message
                    await self._send_whole(send, *_too_large(scope, limit), started=started)
                return
            if message["type"] == "http.response.start":
                start = message
                response_headers = dict(message.get("headers") or [])
                ctype = response_headers.get(b"content-type", b"")
                buffer = (
                    etag_wanted
                    and message["status"] == 200
                    and ctype.startswith(_ETAG_TYPES)
                    and b"content-disposition" not in response_headers
                )
                if not buffer:
                    passthrough = True
                    await send(self._decorate(message, started))
                return
            if message["type"] != "http.response.body" or passthrough:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            assert start is not None
            body = b"".join(chunks)
            etag = b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
            kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"etag", b"content-length")]
            if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(b",")]:
                kept = [(k, v) for k, v in kept if k.lower() != b"content-type"]
                await send(self._decorate({**start, "status": 304, "headers": [*kept, (b"etag", etag)]}, started))
                await send({"type": "http.response.body", "body": b""})
                return
            kept += [(b"etag", etag), (b"content-length", str(len(body)).encode())]
            if not any(k.lower() == b"cache-control" for k, _ in kept):
                kept.append((b"cache-control", b"no-cache"))
            await send(self._decorate({**start, "headers": kept}, started))
            await send({"type": "http.response.body", "body": body})

        try:
            with request_context(request_id):
                await self.app(scope, limited_receive, self._with_id(wrapped_send, request_id))
        except _TooLarge:
            if start is None:
                await self._send_whole(send, *_too_large(scope, limit), started=started)

    @staticmethod
    def _with_id(send: Send, request_id: str) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            await send(message)

        return sending

    @staticmethod
    def _private_when_signed_in(scope: Scope, send: Send) -> Send:
        """A response to a signed-in user (session or API token) is theirs alone: no cache may keep it."""

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                auth = (scope.get("state") or {}).get("auth")
                if getattr(auth, "session", None) is not None or getattr(auth, "bearer", False):
                    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                    message = {**message, "headers": [*kept, PRIVATE]}
            await send(message)

        return sending

    @staticmethod
    def _with_hsts(send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != HSTS[0]]
                message = {**message, "headers": [*kept, HSTS]}
            await send(message)

        return sending

    @staticmethod
    def _decorate(message: Message, started: float) -> Message:
        names = {k.lower() for k, _ in message.get("headers", [])}
        extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
        timing = (b"server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}".encode())
        return {**message, "headers": [*message.get("headers", []), *extra, timing]}

    async def _send_whole(
        self, send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, started: float
    ) -> None:
        await send(self._decorate({"type": "http.response.start", "status": status, "headers": headers}, started))
        await send({"type": "http.response.body", "body": body})
