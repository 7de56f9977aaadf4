"""Who is the same person across events: a new registration whose person has the e-mail of an earlier
registration's person is the same person, and names that person (``Registration.identity_id``), so that a
measure over several events counts them once.

Each registration keeps its own person record of what was typed (name, kana, organisation), seen only by the
staff of its event, so recognising a person shows no one anything of another event's records, and a
registrant who types someone else's e-mail changes nothing of theirs.  What links registrations is an id,
not personal data: erasure blanks the person records and keeps the link, so a KPI computed before erasure
computes the same after.  An erased record is no longer found by its e-mail (it has none), so the next
registration with it starts a new person.

Two registrations of one event are two people even with one e-mail (a shared office address, a companion
registered with the registrant's): a registration is not linked to a person already registered at its event.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from keikaku.storage import events as store
from keikaku.storage.in_lists import in_chunks


def normalise_email(email: str) -> str:
    """An e-mail as compared and stored: full-width folded (NFKC), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def link_people(session: Session, registration_ids: Iterable[int]) -> int:
    """Give the unlinked registrations among ``registration_ids`` whose person has an e-mail the person of an
    earlier registration with the same e-mail (not erased; the first such person not already at their
    event); the number linked."""
    reg, person = store.Registration, store.Person
    ids = sorted({int(i) for i in registration_ids})
    new: list[tuple[int, int, int, str]] = []  # (person, registration, event, e-mail)
    for chunk in in_chunks(ids):
        rows = session.execute(
            select(reg.person_id, reg.id, reg.event_id, person.email)
            .join(person, person.id == reg.person_id)
            .where(reg.id.in_(chunk), person.email.is_not(None), reg.identity_id.is_(None))
        ).all()
        new.extend((int(p), int(r), int(e), str(m)) for p, r, e, m in rows)
    if not new:
        return 0
    earlier: dict[str, set[tuple[int, int]]] = {}  # e-mail → (person record, the person it counts as)
    at_event: set[tuple[int, int]] = set()  # (event, person counted) registered
    for emails in in_chunks(sorted({email for *_, email in new})):
        for pid, email, key, event_id, status in session.execute(
            select(person.id, person.email, store.person_key(), reg.event_id, reg.status)
            .join(reg, reg.person_id == person.id)
            .where(person.email.in_(emails), person.erased_at.is_(None))
        ).all():
            earlier.setdefault(str(email), set()).add((int(pid), int(key)))
            if status != store.CANCELLED:  # one who cancelled and registered again is still one person
                at_event.add((int(event_id), int(key)))
    links: list[dict[str, int]] = []
    for pid, reg_id, event_id, email in sorted(new):
        candidates = sorted({key for other, key in earlier.get(email, set()) if other < pid})
        chosen = next((key for key in candidates if (event_id, key) not in at_event), None)
        if chosen is not None:
            links.append({"id": reg_id, "identity_id": chosen})
            at_event.add((event_id, chosen))
    if links:
        session.execute(update(reg), links)
    return len(links)
