"""Who is the same person across events: a new participant record with the e-mail of an earlier one is the
same person, and names the earlier record's identity (``Person.identity_id``), so that a measure over
several events counts them once.

Each registration keeps its own record of what was typed (name, kana, organisation), seen only by the staff
of its event, so recognising a person shows no one anything of another event's records, and a registrant
who types someone else's e-mail changes nothing of theirs.  What links records is an id, not personal
data: erasure blanks the records and keeps the link, so a KPI computed before erasure computes the same
after.  An erased record is no longer found by its e-mail (it has none), so the next registration with it
starts a new person.

Two records of one event are two people even with one e-mail (a shared office address, a companion
registered with the registrant's): a record is not linked to an identity already registered at its event.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from keikaku.storage import events as store

_CHUNK = 500


def normalise_email(email: str) -> str:
    """An e-mail as compared and stored: full-width folded (NFKC), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def _chunks(values: Sequence[object]) -> Iterable[list[object]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def link_people(session: Session, person_ids: Iterable[int]) -> int:
    """Give the unlinked records among ``person_ids`` that have an e-mail the identity of an earlier, not
    erased record with the same e-mail (the first such identity not already at their event); the number
    linked."""
    person = store.Person
    ids = sorted({int(i) for i in person_ids})
    new: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(person.id, person.email).where(
                person.id.in_(chunk), person.email.is_not(None), person.identity_id.is_(None)
            )
        ).all()
        new.update((int(pid), str(email)) for pid, email in rows)
    if not new:
        return 0
    key = store.person_key()
    earlier: dict[str, list[tuple[int, int]]] = {}  # e-mail → (record id, identity), of every record with it
    at_event: set[tuple[int, int]] = set()  # (event, identity) registered
    events_of: dict[int, set[int]] = {}
    for chunk in _chunks(sorted(set(new.values()))):
        for pid, email, identity, event_id in session.execute(
            select(person.id, person.email, key, store.Registration.event_id)
            .outerjoin(store.Registration, store.Registration.person_id == person.id)
            .where(person.email.in_(chunk), person.erased_at.is_(None))
        ).all():
            earlier.setdefault(str(email), []).append((int(pid), int(identity)))
            if event_id is not None:
                at_event.add((int(event_id), int(identity)))
                events_of.setdefault(int(pid), set()).add(int(event_id))
    links: list[dict[str, int]] = []
    for pid, email in sorted(new.items()):
        mine = events_of.get(pid, set())
        candidates = sorted({identity for other, identity in earlier.get(email, []) if other < pid})
        for identity in candidates:
            if not any((event_id, identity) in at_event for event_id in mine):
                links.append({"id": pid, "identity_id": identity})
                at_event |= {(event_id, identity) for event_id in mine}
                break
    if links:
        session.execute(update(person), links)
    return len(links)
