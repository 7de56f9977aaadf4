"""The query's words marked in a result's text: the title cut into matched and unmatched segments, and a
snippet of the body around its first match.  Matching is on the search fold (see
:func:`keikaku.normalize.text.fold_for_search`), positions stay those of the displayed text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

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
        self._irregular_pattern = re.compile("(?!)")  # matches nothing until an irregular character is seen

    def __missing__(self, code: int) -> str:
        folded = fold_for_search(chr(code))
        if len(folded) != 1:
            self.irregular.add(chr(code))
            self._irregular_pattern = re.compile("[" + re.escape("".join(sorted(self.irregular))) + "]")
        self[code] = folded
        return folded

    def origins(self, display: str) -> Sequence[int]:
        """For each character of ``display``'s fold (by this table), the position in ``display`` of the character
        it comes from: runs of regular characters are ranges, only the irregular ones are looked at one by one."""
        if self.irregular.isdisjoint(display):  # every character folded to one (nearly always): same positions
            return range(len(display))
        origin: list[int] = []
        done = 0
        for found in self._irregular_pattern.finditer(display):
            at = found.start()
            origin.extend(range(done, at))
            origin.extend([at] * len(self[ord(display[at])]))
            done = at + 1
        origin.extend(range(done, len(display)))
        return origin


_FOLDS = _FoldTable()
#: Marks that NFKC puts onto the character before them (half-width ﾞ ﾟ, combining voiced marks and accents):
#: folded alone they would not compose, so a text with one is folded a cluster at a time.
_COMPOSING = "\u0300-\u036f\u3099\u309a\uff9e\uff9f"
_HAS_COMPOSING = re.compile(f"[{_COMPOSING}]")
_CLUSTER = re.compile(f".[{_COMPOSING}]*", re.DOTALL)


def _fold_with_positions(display: str) -> tuple[str, Sequence[int], Sequence[int] | None]:
    """``display``'s search fold, the position in ``display`` where each of its characters starts, and where it
    ends (None: one after its start)."""
    if _HAS_COMPOSING.search(display) is None:
        return display.translate(_FOLDS), _FOLDS.origins(display), None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for cluster in _CLUSTER.finditer(display):  # ﾌﾟ folds to ぷ as one: both characters are its place
        folded = fold_for_search(cluster.group())
        pieces.append(folded)
        starts.extend([cluster.start()] * len(folded))
        ends.extend([cluster.end()] * len(folded))
    return "".join(pieces), starts, ends


@lru_cache(maxsize=256)
def _pattern(word: str) -> re.Pattern[str]:
    """A (folded) query word as a literal pattern, compiled once: a search marks it in forty texts."""
    return re.compile(re.escape(word))


def mark(display: str, words: list[str]) -> list[Segment]:
    """``display`` cut into segments with the (folded) query words marked."""
    flat, starts, ends = _fold_with_positions(display)
    spans: list[tuple[int, int]] = []
    for word in words:
        for found in _pattern(word).finditer(flat):
            last = found.end() - 1
            spans.append((starts[found.start()], starts[last] + 1 if ends is None else ends[last]))
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
