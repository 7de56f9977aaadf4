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
import socket
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, Row, insert, select, update
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.storage import events as store
from keikaku.storage.uow import read_session

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


def queue_mails(session: Session, messages: list[tuple[str | None, str, str]]) -> None:
    """Add many messages of no event — (recipient, subject, body) each — to the outbox in one bulk insert of
    the caller's transaction (the call for actuals' reminders)."""
    if messages:
        rows = [{"recipient": r, "subject": subject[:400], "body": body} for r, subject, body in messages]
        session.execute(insert(store.OutboxMail), rows)


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


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    """A connection to the server, encrypted when it can be and logged in when configured."""
    client: smtplib.SMTP = (
        smtplib.SMTP_SSL(target.host, target.port, timeout=TIMEOUT)
        if target.tls
        else smtplib.SMTP(target.host, target.port, timeout=TIMEOUT)
    )
    try:
        # Each command waits for its reply: without TCP_NODELAY, Nagle's algorithm and the peer's delayed
        # ACK hold every small write for tens of milliseconds (2,000 messages took a minute, not seconds).
        if client.sock is not None:
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not target.tls:
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls()
                client.ehlo()
        if target.username:
            client.login(target.username, target.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _message(row: Row[int, str | None, str, str | None], sender: str) -> MIMEText:
    """The message of an outbox row: UTF-8 text, the subject as an encoded word.

    Built with the email package's classic API: its newer ``EmailMessage`` parses every header it is given,
    which cost more than sending (8 ms a message against 1 ms) when a reminder run sends thousands.
    """
    message = MIMEText(row.body or "", "plain", "utf-8")
    message["From"] = sender
    message["To"] = row.recipient or ""
    message["Subject"] = Header(row.subject, "utf-8", header_name="Subject").encode()
    return message


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def deliver_pending(*, engine: Engine | None = None, smtp_url: str | None = None) -> int:
    """Send the unsent messages of the outbox through SMTP (when configured); the number sent.

    One connection carries the batch (a reminder run queues thousands of messages; a connection each made
    2,000 take a minute); after a failure the next message opens a new one.  Each message is marked in its
    own short transaction, so a failure leaves the others sent and itself queued.
    """
    target = smtp_target(smtp_url)
    if target is None:
        return 0
    eng = ensure_schema(engine)
    sender = os.environ.get(FROM_ENV, "noreply@localhost")
    with read_session(eng) as session:
        rows = session.execute(
            select(store.OutboxMail.id, store.OutboxMail.recipient, store.OutboxMail.subject, store.OutboxMail.body)
            .where(store.OutboxMail.sent_at.is_(None), store.OutboxMail.recipient.is_not(None))
            .order_by(store.OutboxMail.id)
            .limit(BATCH)
        ).all()
    sent = 0
    client: smtplib.SMTP | None = None
    try:
        for row in rows:
            try:
                client = client or _connect(target)
                client.send_message(_message(row, sender))
            except (OSError, smtplib.SMTPException) as exc:
                _mark(eng, row.id, error=f"{type(exc).__name__}: {exc}"[:2000])
                _close(client)
                client = None
                continue
            _mark(eng, row.id, error=None)
            sent += 1
    finally:
        _close(client)
    return sent


def _mark(engine: Engine, mail_id: int, *, error: str | None) -> None:
    """Record one message's outcome in its own short transaction: sent, or the error of this try."""
    table = store.OutboxMail
    values = {"error": error} if error else {"sent_at": dt.datetime.now(dt.UTC), "error": None}
    with engine.begin() as conn:
        conn.execute(update(table).where(table.id == mail_id, table.sent_at.is_(None)).values(**values))


def list_outbox(event_id: int, *, actor: Actor, engine: Engine | None = None) -> list[MailPublic]:
    """The messages of an event, newest first (personal data: the owning department and administrators)."""
    with read_session(ensure_schema(engine)) as session:
        event = session.get(store.ManagedEvent, event_id)
        require(actor, Permission.VIEW_PERSONAL_DATA, departments=[event.department] if event else ["-"])
        rows = session.scalars(
            select(store.OutboxMail).where(store.OutboxMail.event_id == event_id).order_by(store.OutboxMail.id.desc())
        ).all()
        return [MailPublic(r.id, r.recipient, r.subject, r.body, r.created_at, r.sent_at, r.error) for r in rows]
