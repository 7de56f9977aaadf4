"""Mail: every message is written to the outbox in the transaction of the change it reports; after the
commit it is sent through SMTP when ``KEIKAKU_SMTP_URL`` is set, else staff read it in the outbox.

``KEIKAKU_SMTP_URL``: ``smtp://[user:password@]host[:port]`` (STARTTLS when the server offers it) or
``smtps://…`` (TLS from the start).  ``KEIKAKU_MAIL_FROM`` is the sender (default ``noreply@localhost``).
A failed delivery stays in the outbox with its error and is tried again by :func:`deliver_pending`.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.storage import events as store
from keikaku.storage.uow import read_session, unit_of_work

SMTP_ENV = "KEIKAKU_SMTP_URL"
FROM_ENV = "KEIKAKU_MAIL_FROM"
TIMEOUT = 10
#: Messages one :func:`deliver_pending` call sends at most.
BATCH = 500


@dataclass(frozen=True)
class MailPublic:
    """A message of the outbox."""

    id: int
    recipient: str | None
    subject: str
    body: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    error: str | None


def queue_mail(
    session: Session,
    recipient: str | None,
    subject: str,
    body: str,
    *,
    event_id: int | None,
    registration_id: int | None = None,
) -> None:
    """Add a message to the outbox in the caller's transaction (``event_id`` None: mail of no event, such as
    the call for actuals' reminders)."""
    session.add(
        store.OutboxMail(
            event_id=event_id, registration_id=registration_id, recipient=recipient, subject=subject[:400], body=body
        )
    )


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send: host, port, TLS from the start or not, and the login if any."""

    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def smtp_target(url: str | None = None) -> SmtpTarget | None:
    """The configured SMTP server (``url`` or ``KEIKAKU_SMTP_URL``), None when mail stays in the outbox."""
    text = (url if url is not None else os.environ.get(SMTP_ENV, "")).strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValidationError(f"{SMTP_ENV} は smtp://host:port または smtps://host:port の形で指定してください")
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _send(target: SmtpTarget, row: store.OutboxMail, sender: str) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient or ""
    message["Subject"] = row.subject
    message.set_content(row.body or "")
    client: smtplib.SMTP = (
        smtplib.SMTP_SSL(target.host, target.port, timeout=TIMEOUT)
        if target.tls
        else smtplib.SMTP(target.host, target.port, timeout=TIMEOUT)
    )
    with client:
        if not target.tls:
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls()
                client.ehlo()
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


def deliver_pending(*, engine: Engine | None = None, smtp_url: str | None = None) -> int:
    """Send the unsent messages of the outbox through SMTP (when configured); the number sent.

    Each message is marked in its own transaction, so a failure leaves the others sent and itself queued.
    """
    target = smtp_target(smtp_url)
    if target is None:
        return 0
    eng = ensure_schema(engine)
    sender = os.environ.get(FROM_ENV, "noreply@localhost")
    with read_session(eng) as session:
        ids = session.scalars(
            select(store.OutboxMail.id)
            .where(store.OutboxMail.sent_at.is_(None), store.OutboxMail.recipient.is_not(None))
            .order_by(store.OutboxMail.id)
            .limit(BATCH)
        ).all()
    sent = 0
    for mail_id in ids:
        with unit_of_work(eng) as session:
            row = session.get(store.OutboxMail, mail_id)
            if row is None or row.sent_at is not None:
                continue
            try:
                _send(target, row, sender)
            except (OSError, smtplib.SMTPException) as exc:
                row.error = f"{type(exc).__name__}: {exc}"[:2000]
                continue
            row.sent_at, row.error = dt.datetime.now(dt.UTC), None
            sent += 1
    return sent


def list_outbox(event_id: int, *, actor: Actor, engine: Engine | None = None) -> list[MailPublic]:
    """The messages of an event, newest first (personal data: the owning department and administrators)."""
    with read_session(ensure_schema(engine)) as session:
        event = session.get(store.ManagedEvent, event_id)
        require(actor, Permission.VIEW_PERSONAL_DATA, departments=[event.department] if event else ["-"])
        rows = session.scalars(
            select(store.OutboxMail).where(store.OutboxMail.event_id == event_id).order_by(store.OutboxMail.id.desc())
        ).all()
        return [MailPublic(r.id, r.recipient, r.subject, r.body, r.created_at, r.sent_at, r.error) for r in rows]
