"""The query's words marked in a result's text: the title cut into matched and unmatched segments, and a
snippet of the body around its first match.  Matching is on the search fold (see
:func:`keikaku.normalize.text.fold_for_search`), positions stay those of the displayed text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from keikaku.normalize.text import fold_for_search

#: Characters of a snippet kept either side of its first match.
SNIPPET = 60


@dataclass(frozen=True)
class Segment:
    """A piece of displayed text; ``match`` marks the part that matched the query."""

    text: str
    match: bool = False


class _FoldTable(dict[int, str]):
    """Each character's search fold (:func:`fold_for_search` of it alone), for ``str.translate``: a text is
    folded character by character in one C call, each new character folded once per process.  The
    characters whose fold is not one character (removed spaces and dashes, ``…`` → ``...``) are noted in
    :attr:`irregular`, so that a text without them keeps its positions."""

    def __init__(self) -> None:
        super().__init__()
        self.irregular: set[str] = set()

    def __missing__(self, code: int) -> str:
        folded = fold_for_search(chr(code))
        if len(folded) != 1:
            self.irregular.add(chr(code))
        self[code] = folded
        return folded


_FOLDS = _FoldTable()


def mark(display: str, words: list[str]) -> list[Segment]:
    """``display`` cut into segments with the (folded) query words marked."""
    flat = display.translate(_FOLDS)
    origin: Sequence[int]
    if _FOLDS.irregular.isdisjoint(display):  # every character folded to one (nearly always): same positions
        origin = range(len(display))
    else:
        origin = [i for i, char in enumerate(display) for _ in _FOLDS[ord(char)]]
    spans: list[tuple[int, int]] = []
    for word in words:
        for found in re.finditer(re.escape(word), flat):
            spans.append((origin[found.start()], origin[found.end() - 1] + 1))
    if not spans:
        return [Segment(display)] if display else []
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out: list[Segment] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            out.append(Segment(display[pos:start]))
        out.append(Segment(display[start:end], True))
        pos = end
    if pos < len(display):
        out.append(Segment(display[pos:]))
    return out


def body_snippet(body: str, words: list[str]) -> list[Segment]:
    """The part of ``body`` around its first match, about :data:`SNIPPET` characters either side."""
    flat = " ".join(body.split())
    segments = mark(flat, words)
    first = next((i for i, s in enumerate(segments) if s.match), None)
    if first is None:
        return [Segment(flat[: SNIPPET * 2] + ("…" if len(flat) > SNIPPET * 2 else ""))] if flat else []
    before = "".join(s.text for s in segments[:first])
    lead = ("…" + before[-SNIPPET:]) if len(before) > SNIPPET else before
    out = [Segment(lead)] if lead else []
    length = 0
    for s in segments[first:]:
        if length > SNIPPET * 2:
            out.append(Segment("…"))
            break
        out.append(s)
        length += len(s.text)
    return out
