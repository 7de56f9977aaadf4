"""The documented error answers the API's write routes share (for the OpenAPI description).

What each status means is the same everywhere: 403 a refusal (the role, or a form without its CSRF token),
409 a stale state token or a locked year, 422 invalid input with ``details.fields``.
"""

from __future__ import annotations

from keikaku.api.schemas.common import ErrorPublic

FORBIDDEN: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorPublic, "description": "権限がない、またはフォームの確認用トークン（CSRF）がない"}
}
STALE: dict[int | str, dict[str, object]] = {
    409: {
        "model": ErrorPublic,
        "description": "表示後にほかの人が変更した（state が古い。details.state に現在のトークン）、または年度が確定済み",
    }
}
INVALID: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorPublic, "description": "入力値が不正（details.fields に項目ごとの理由）、理由がない"}
}
EDIT_RESPONSES = {**FORBIDDEN, **STALE, **INVALID}
