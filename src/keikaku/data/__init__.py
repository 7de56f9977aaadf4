"""Bundled default data sets (JSON in the interchange format) and the interchange schema.

``schema/plan-data.schema.json`` is a copy of ``shared/spec/plan-data.schema.json``, shipped so that
validation works wherever keikaku is installed; a test checks the copy against the shared original.
"""

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def plan_data_schema() -> dict[str, Any]:
    """The interchange format's JSON Schema (draft 2020-12)."""
    text = (resources.files(__name__) / "schema" / "plan-data.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
