"""``/api/v1/docs``: the API's documentation, rendered on the server from its OpenAPI document (no CDN).

The OpenAPI document is the machine's reference; the page speaks the reader's language.  An operation's
summary and description on the page come from the locale catalogue, ``apidocs.op.<operationId>.summary``
and ``.description`` (Markdown), in Japanese and in English; the introduction is ``apidocs.overview``.
A test holds every operation to having both in both languages.  The Markdown is rendered by markdown-it-py
(CommonMark) with raw HTML off, so a description can never put markup of its own on the page, and with
headings off, so it cannot break the page's heading order.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup

from keikaku.api.deps import ActorDep
from keikaku.web.i18n import Translator
from keikaku.web.render import render, translator

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # "html": False escapes raw HTML as text; markdown-it's link check refuses javascript:, vbscript: and data:.
    return MarkdownIt("commonmark", {"html": False}).disable(["heading", "lheading"])


def markdown_html(text: str) -> Markup:
    """Markdown as HTML, without any raw HTML of the source (it is shown as text)."""
    return Markup(_markdown().render(text))  # markdown-it escaped the source (html off)


def markdown_inline(text: str) -> Markup:
    """One line of Markdown (code spans, emphasis, links) as HTML without a paragraph around it."""
    return Markup(_markdown().renderInline(text))


def operation_key(operation_id: str, part: str) -> str:
    """The catalogue key of an operation's ``summary`` or ``description`` on the page."""
    return f"apidocs.op.{operation_id}.{part}"


def _text(t: Translator, op: dict[str, Any], part: str) -> str:
    # An operation added without its texts still shows the OpenAPI's own (and the catalogue test fails).
    key = operation_key(str(op.get("operationId", "")), part)
    return t(key) if t.has(key) else str(op.get(part, ""))


def _operations(spec: dict[str, Any], t: Translator) -> list[dict[str, Any]]:
    out = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                {
                    "name": p.get("name"),
                    "in": p.get("in"),
                    "required": p.get("required", False),
                    "description": p.get("description") or p.get("schema", {}).get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": markdown_inline(_text(t, op, "summary")),
                    "description": markdown_html(_text(t, op, "description")),
                    "tag": (op.get("tags") or [""])[0],
                    "params": params,
                    "body": str(body.get("$ref", "")).rsplit("/", 1)[-1],
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return out


@router.get("/api/v1/docs", response_class=HTMLResponse)
def api_docs(request: Request, actor: ActorDep) -> HTMLResponse:
    """Every endpoint with its parameters and responses, and the link to the OpenAPI document."""
    spec = request.app.openapi()
    t = translator(request)
    context = {"overview": markdown_html(t("apidocs.overview")), "operations": _operations(spec, t)}
    return render(request, actor, "api_docs.html", context, json_url="/api/v1/openapi.json")
