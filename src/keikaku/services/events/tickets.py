"""A registrant's ticket: what the confirmation page shows to whoever holds the token (their own data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select

from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError
from keikaku.services.events.manage import EventPublic, load_event, public
from keikaku.storage import events as store
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class Ticket:
    """The holder's registration: the event, their name, status and offer deadline."""

    token: str
    event: EventPublic
    name: str | None
    status: str
    offer_expires_at: dt.datetime | None

    @property
    def confirmed(self) -> bool:
        """Whether the holder has a seat (the QR code is shown)."""
        return self.status == store.REGISTERED

    @property
    def offered(self) -> bool:
        """Whether a seat freed by a cancellation awaits the holder's acceptance."""
        return self.status == store.OFFERED

    @property
    def cancellable(self) -> bool:
        """Whether the holder may still cancel."""
        return self.status in (store.REGISTERED, store.WAITLISTED, store.OFFERED)


def ticket(token: str, *, engine: Engine | None = None) -> Ticket:
    """The ticket of a token (the token is the secret; no other permission is asked)."""
    with read_session(ensure_schema(engine)) as session:
        reg = session.scalar(select(store.Registration).where(store.Registration.token == token)) if token else None
        if reg is None:
            raise NotFoundError("受付票が見つかりません。メールのリンクをご確認ください", code="registration_not_found")
        event, year = load_event(session, reg.event_id)
        return Ticket(reg.token, public(event, year), reg.person.name, reg.status, reg.offer_expires_at)
