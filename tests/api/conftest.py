"""Fixtures of the API tests: the same app over the bundled Kansai data, and the same clients, as the web tests."""

from tests.web.conftest import (  # noqa: F401  (fixtures are found by name)
    EDITOR,
    Ids,
    both_client,
    client,
    find_ids,
    ids,
    make_client,
    public_client,
)
