"""The published context a read page cites, kept per process until the house's invalidation rule says it changed.

Every plan, project and dashboard page reads the documents' labels (its sources), the current vision's
challenges, and the dashboard the vision with its targets' actuals: a handful of statements per request
over tables that change a few times a year.  All of it is in the ``context`` scope of
:mod:`keikaku.storage.derived`: a write of the vision, a challenge, a document, or an actual value of a
vision target gives ``context`` a new token in its own transaction, and a bulk statement gives ``all`` one.
A :class:`ContextReads` reads those two tokens once (one statement) and serves each value from the cache
while both tokens are the ones it was computed under; a new token, from this process or any other, makes
the next read compute it again.  A database without the tokens' table (an old schema, being migrated) is
read every time.

A :class:`ContextReads` is made per read request, after nothing in its session was written: a session that
writes the context must not use one (its tokens were read before its own writes).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from keikaku.services.context.vision import VisionSummary, challenge_labels, vision_summary
from keikaku.services.core import token_cache
from keikaku.services.core.provenance import DocumentLabel, document_keys
from keikaku.storage import derived
from keikaku.storage.prepared import Prepared

T = TypeVar("T")
#: The scopes whose tokens the context's values are kept under.
_SCOPES = (derived.CONTEXT, derived.ALL)


class ContextReads:
    """The context's values for one read request (see the module); the values are shared: never mutate them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tokens = derived.versions(session, _SCOPES)
        self.url = str(session.connection().engine.url)

    @staticmethod
    def reads(session: Session) -> list[tuple[Prepared, dict[str, Any]]]:
        """The read a new :class:`ContextReads` makes (its tokens), to be read ahead with a page's others."""
        return derived.version_reads(session, _SCOPES)

    def _get(self, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
        return token_cache.cached((self.url, "context", *key), self.tokens, build)

    def document_keys(self) -> dict[int, DocumentLabel]:
        """:func:`keikaku.services.core.provenance.document_keys`."""
        return self._get(("documents",), lambda: document_keys(self.session))

    def challenge_labels(self) -> dict[int, str]:
        """:func:`keikaku.services.context.vision.challenge_labels`."""
        return self._get(("challenges",), lambda: challenge_labels(self.session))

    def vision_summary(self, up_to_year: int) -> VisionSummary | None:
        """:func:`keikaku.services.context.vision.vision_summary` with the documents' labels."""
        return self._get(("vision", up_to_year), lambda: vision_summary(self.session, self.document_keys(), up_to_year))


def forget() -> None:
    """Drop every cached value (tests that replace a database)."""
    token_cache.forget()
