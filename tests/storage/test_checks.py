"""The CHECK conditions the tables are declared with (storage.base.one_of)."""

import sqlite3

import pytest

from keikaku.storage.base import one_of


def test_a_value_set_check_holds_sql_literals_and_refuses_what_is_not_in_it() -> None:
    assert one_of("status", ("予定", "実施")) == "status IN ('予定', '実施')"
    condition = one_of("kind", ("a", "it's"))
    assert condition == "kind IN ('a', 'it''s')"  # a quote is doubled, not escaped the Python way
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE t (kind TEXT CHECK ({condition}))")
    db.execute("INSERT INTO t VALUES ('it''s')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO t VALUES ('its')")
