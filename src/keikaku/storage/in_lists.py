"""Long ``IN (…)`` lists in chunks: a query over many ids runs once a chunk, so that no statement's list of
bound parameters comes near a database driver's limit."""

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: How many values one ``IN`` list holds at the most.
IN_LIST_SIZE = 500


def in_chunks(values: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of ``size`` (the last one shorter), each one ``IN`` list's worth."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
