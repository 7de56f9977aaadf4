"""The context a read page cites is served from the per-process cache until a write changes it.

A write of a challenge, a document or a vision target's actual gives the ``context`` scope a new token in its
own transaction (keikaku.storage.derived); the next :class:`ContextReads` must then compute the value again,
whichever process made the write.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, update

from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.plans.context_cache import ContextReads, forget
from keikaku.storage import models as m
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session, unit_of_work


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """The bundled Kansai data (a vision with its challenges, source documents)."""
    eng = make_engine(sqlite_url)
    initialize_database(engine=eng)
    forget()
    yield eng
    forget()
    eng.dispose()


def _labels(engine: Engine) -> dict[int, str]:
    with read_session(engine) as session:
        return ContextReads(session).challenge_labels()


def test_a_value_is_computed_once_then_served_until_a_write_of_the_context(engine: Engine) -> None:
    first = _labels(engine)
    assert first, "the bundled vision has challenges"
    assert _labels(engine) is first  # the same object: served from the cache, not read again
    number = min(first)
    with unit_of_work(engine) as session:  # an ORM write: the flush hook gives `context` a new token
        challenge = session.scalars(select(m.Challenge).where(m.Challenge.number == number)).first()
        assert challenge is not None
        challenge.name = "改名したチャレンジ"
    after = _labels(engine)
    assert after is not first
    assert after[number] == "改名したチャレンジ"


def test_a_bulk_statement_invalidates_too(engine: Engine) -> None:
    with read_session(engine) as session:
        before = ContextReads(session).document_keys()
    doc_id = next(iter(before))
    with unit_of_work(engine) as session:  # a bulk UPDATE: the hook cannot see its rows and bumps `all`
        session.execute(update(m.Document).where(m.Document.id == doc_id).values(title="差し替えた題名"))
    with read_session(engine) as session:
        after = ContextReads(session).document_keys()
    assert after[doc_id].title == "差し替えた題名"
    assert before[doc_id].title != "差し替えた題名"
