"""Schemathesis drives the API from its OpenAPI document and finds no server error (SQLite and PostgreSQL).

The operations are run one by one with Hypothesis directly: schemathesis' pytest plugin (``from_fixture``)
does not work with this pytest version, and the app needs the per-test database fixture.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import Engine

from keikaku.web import create_app
from keikaku.web.settings import WebSettings

from .conftest import EDITOR

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_no_server_error(loaded_engine: Engine) -> None:
    app = create_app(WebSettings(engine=loaded_engine, actor=EDITOR))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    calls: dict[int, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call_and_validate(checks=CHECKS)
            calls[response.status_code] = calls.get(response.status_code, 0) + 1

        run()
    assert sum(calls.values()) >= 10 * len(operations)
    assert 200 in calls and 422 in calls and 404 in calls  # valid, invalid and unknown inputs were all tried
