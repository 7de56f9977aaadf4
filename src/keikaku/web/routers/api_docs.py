"""``/api/v1/docs``: the API's documentation, rendered on the server from its OpenAPI document (no CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keikaku.api.deps import ActorDep
from keikaku.web.render import render

router = APIRouter(include_in_schema=False)


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
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
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
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
    context = {"info": spec.get("info", {}), "operations": _operations(spec)}
    return render(request, actor, "api_docs.html", context, json_url="/api/v1/openapi.json")
