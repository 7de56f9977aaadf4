"""A required free-text field: cleaned like any free text, refused with 必須 when empty."""

import pytest

from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import required_text


def test_required_text_is_trimmed_and_refused_when_empty() -> None:
    assert required_text("  シーズ名の例 \n", "シーズ名", limit=400, field="title") == "シーズ名の例"
    for empty in (None, "", " \n "):
        with pytest.raises(ValidationError) as caught:
            required_text(empty, "シーズ名", limit=400, field="title")
        assert caught.value.message == "シーズ名を入力してください"
        assert caught.value.details == {"fields": {"title": "必須"}}
    with pytest.raises(ValidationError, match="400 文字以内"):
        required_text("あ" * 401, "シーズ名", limit=400, field="title")
