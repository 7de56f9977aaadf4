"""Registrations: the public page's and staff's registrations, cancellation, waitlist promotion and offers.

Transitions (CiviCRM's, in the bureau's words)::

    受付済            → キャンセル | 欠席
    キャンセル待ち    → 繰上げ（回答待ち） | キャンセル
    繰上げ（回答待ち）→ 受付済 | キャンセル (declined, or the reply deadline passed)

Seats are taken and given back only by conditional ``UPDATE`` statements (see :mod:`keikaku.storage.events`),
so capacity holds under any number of concurrent registrations.  A cancelled seat passes straight to the
first person on the waitlist, who has ``reply_hours`` to accept it; an offer not accepted in time passes on.
Every change is one transaction with an audit record; audit records name registrations by id only, since
council members read the audit trail and personal data is not theirs to see.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session

from keikaku.services.core.actors import SYSTEM, Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text
from keikaku.services.events import mail
from keikaku.services.events.identities import link_people, normalise_email
from keikaku.services.events.manage import load_event
from keikaku.services.events.organisations import find_or_add_organisation
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.follow import REGISTRATIONS, follow_records
from keikaku.storage import events as store
from keikaku.storage.base import as_utc
from keikaku.storage.uow import unit_of_work

MAX_COMPANIONS = 9
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


@dataclass(frozen=True)
class PersonForm:
    """A person as typed into a form."""

    name: str
    kana: str = ""
    email: str = ""


@dataclass(frozen=True)
class RegistrationForm:
    """A registration: the registrant, their organisation, and companions registered with them (group)."""

    person: PersonForm
    organisation: str = ""
    corporate_number: str = ""
    companions: tuple[PersonForm, ...] = ()
    role: str = store.COUNTED_ROLE


@dataclass(frozen=True)
class RegistrationResult:
    """What a registration did: the registrant's token and status, and those of companions."""

    event_id: int
    token: str
    status: str
    companion_statuses: tuple[str, ...] = field(default_factory=tuple)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _person(session: Session, form: PersonForm, organisation_id: int | None, index: int) -> store.Person:
    prefix = "" if index == 0 else f"同行者{index}の"
    name = clean_text(form.name, f"{prefix}氏名", limit=200, field="name")
    if not name:
        raise ValidationError(f"{prefix}氏名を入力してください", details={"fields": {"name": "必須です"}})
    kana = clean_text(form.kana, f"{prefix}ふりがな", limit=200, field="kana")
    email = clean_name(form.email, f"{prefix}メールアドレス", limit=320, field="email")
    if index == 0 and not email:
        raise ValidationError("メールアドレスを入力してください", details={"fields": {"email": "必須です"}})
    if email and not _EMAIL.match(email):
        raise ValidationError(
            f"{prefix}メールアドレス「{email}」の形式が正しくありません", details={"fields": {"email": "形式"}}
        )
    row = store.Person(
        name=name, kana=kana, email=normalise_email(email) if email else None, organisation_id=organisation_id
    )
    session.add(row)
    return row


def take_seats(session: Session, event_id: int, seats: int) -> bool:
    """Take ``seats`` seats of the event if they are free; the one statement that decides capacity."""
    result = session.execute(
        update(store.ManagedEvent)
        .where(
            store.ManagedEvent.id == event_id,
            or_(
                store.ManagedEvent.capacity.is_(None),
                store.ManagedEvent.seats_taken + seats <= store.ManagedEvent.capacity,
            ),
        )
        .values(seats_taken=store.ManagedEvent.seats_taken + seats)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _give_back_seat(session: Session, event_id: int) -> None:
    session.execute(
        update(store.ManagedEvent)
        .where(store.ManagedEvent.id == event_id, store.ManagedEvent.seats_taken > 0)
        .values(seats_taken=store.ManagedEvent.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _move(session: Session, registration_id: int, from_: tuple[str, ...], to: str, **values: object) -> bool:
    """Change a registration's status if it is still one of ``from_`` (a concurrent change loses)."""
    result = session.execute(
        update(store.Registration)
        .where(store.Registration.id == registration_id, store.Registration.status.in_(from_))
        .values(status=to, updated_at=dt.datetime.now(dt.UTC), **values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _link(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/r/{token}"


def _mail_for(
    session: Session, event: store.ManagedEvent, reg: store.Registration, email: str | None, base: str
) -> None:
    if not email:
        return
    when = event.start_date.isoformat() + ("" if event.end_date == event.start_date else f"〜{event.end_date}")
    if reg.status == store.REGISTERED:
        subject = f"【受付完了】{event.name}"
        text = f"{event.name}（{when}）のお申し込みを受け付けました。\n当日は受付票のQRコードをご提示ください。"
    elif reg.status == store.WAITLISTED:
        subject = f"【キャンセル待ち】{event.name}"
        text = f"{event.name}（{when}）は満席のため、キャンセル待ちとして受け付けました。席が空きしだいご連絡します。"
    else:
        deadline = as_utc(reg.offer_expires_at)
        due = deadline.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d %H:%M") if deadline else ""
        subject = f"【繰上げのご案内】{event.name}"
        text = (
            f"{event.name}（{when}）に空きが出ました。{due}（日本時間）までに下記のページで参加を確定してください。"
            "期限を過ぎると次の方にご案内します。"
        )
    body = f"{text}\n\n受付票・キャンセル: {_link(base, reg.token)}\n\n関西広域連合 広域産業振興局"
    mail.queue_mail(session, email, subject, body, event_id=event.id, registration_id=reg.id)


def _check_window(event: store.ManagedEvent, now: dt.datetime) -> None:
    opens, closes = as_utc(event.registration_opens_at), as_utc(event.registration_closes_at)
    if opens and now < opens:
        raise ValidationError("このイベントの申込受付はまだ始まっていません", code="registration_not_open")
    if (closes and now > closes) or now.date() > event.end_date:
        raise ValidationError("このイベントの申込受付は終了しました", code="registration_closed")


def _promote_next(session: Session, event: store.ManagedEvent, now: dt.datetime, base: str) -> int | None:
    """Offer the freed seat to the first waitlisted person; their registration id, or None (seat given back)."""
    deadline = now + dt.timedelta(hours=event.reply_hours)
    candidates = session.scalars(
        select(store.Registration.id)
        .where(store.Registration.event_id == event.id, store.Registration.status == store.WAITLISTED)
        .order_by(store.Registration.id)
        .limit(20)
    ).all()
    for candidate in candidates:
        if _move(session, candidate, (store.WAITLISTED,), store.OFFERED, offer_expires_at=deadline):
            reg = session.get(store.Registration, candidate)
            assert reg is not None
            session.refresh(reg)
            _mail_for(session, event, reg, reg.person.email, base)
            _audit_status(
                session,
                SYSTEM,
                AuditAction.REGISTRATION_OFFER,
                candidate,
                store.WAITLISTED,
                store.OFFERED,
                offer_expires_at=deadline,
            )
            return candidate
    _give_back_seat(session, event.id)
    return None


def _audit_status(  # noqa: PLR0917 - who moved which registration from what to what, and why
    session: Session,
    actor: Actor,
    action: AuditAction,
    registration_id: int,
    before: str,
    after: str,
    reason: str | None = None,
    **changed: object,
) -> None:
    """Record a registration's change of status in the audit trail (``changed``: what else changed with it)."""
    old, new = {"status": before}, {"status": after, **changed}
    audit.record(session, actor, action, "registration", registration_id, old, new, reason)


def _expire_offers(session: Session, event: store.ManagedEvent, now: dt.datetime, base: str) -> int:
    expired = session.scalars(
        select(store.Registration.id).where(
            store.Registration.event_id == event.id,
            store.Registration.status == store.OFFERED,
            store.Registration.offer_expires_at < now,
        )
    ).all()
    count = 0
    for reg_id in expired:
        if _move(session, reg_id, (store.OFFERED,), store.CANCELLED):
            _audit_status(
                session,
                SYSTEM,
                AuditAction.REGISTRATION_OFFER_EXPIRED,
                reg_id,
                store.OFFERED,
                store.CANCELLED,
                "繰上げの回答期限切れ",
            )
            _promote_next(session, event, now, base)
            count += 1
    return count


def register(
    event_id: int,
    form: RegistrationForm,
    *,
    actor: Actor,
    channel: str = "public",
    link_base: str = "http://localhost:8000",
    now: dt.datetime | None = None,
    engine: Engine | None = None,
) -> RegistrationResult:
    """Register a person (and companions) for an event: 受付済 while seats last, else キャンセル待ち.

    The public may register for a published event within its registration window; staff who manage the
    event may register anyone at any time (channel ``staff``), including roles that take no seat.
    """
    moment = _now(now)
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        event, _year = load_event(session, event_id)
        staff = actor.can(Permission.MANAGE_EVENTS, departments=[event.department])
        if channel == "staff":
            require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
        elif not event.published:
            raise NotFoundError(f"イベント {event_id} は見つかりません", code="event_not_found")
        if channel != "staff" or not staff:
            _check_window(event, moment)
        if form.role not in store.ROLES or (form.role != store.COUNTED_ROLE and channel != "staff"):
            raise ValidationError("参加区分が正しくありません", details={"fields": {"role": "参加区分"}})
        if len(form.companions) > MAX_COMPANIONS:
            raise ValidationError(f"同行者は {MAX_COMPANIONS} 人までです", details={"fields": {"companions": "人数"}})
        _expire_offers(session, event, moment, link_base)
        org = find_or_add_organisation(session, form.organisation, form.corporate_number)
        people = [
            _person(session, p, org.id if org else None, i) for i, p in enumerate((form.person, *form.companions))
        ]
        session.flush()
        email = people[0].email
        duplicate = session.scalar(
            select(func.count())
            .select_from(store.Registration)
            .join(store.Person, store.Person.id == store.Registration.person_id)
            .where(
                store.Registration.event_id == event_id,
                store.Person.email == email,
                store.Registration.status.in_((store.REGISTERED, store.WAITLISTED, store.OFFERED)),
            )
        )
        if duplicate:
            raise ConflictError(
                "このメールアドレスでは既にお申し込みいただいています。受付確認メールをご確認ください",
                code="already_registered",
            )
        takes_seat = form.role == store.COUNTED_ROLE
        seated = not takes_seat or take_seats(session, event_id, len(people))
        status = store.REGISTERED if seated else store.WAITLISTED
        regs: list[store.Registration] = []
        for person in people:
            reg = store.Registration(
                event_id=event_id,
                person_id=person.id,
                registered_by_id=regs[0].id if regs else None,
                status=status,
                role=form.role,
                takes_seat=takes_seat,
                token=secrets.token_urlsafe(24),
                channel="staff" if channel == "staff" else "public",
                created_at=moment,
                updated_at=moment,
            )
            session.add(reg)
            session.flush()
            regs.append(reg)
            audit.record(
                session,
                actor,
                AuditAction.REGISTRATION_CREATE,
                "registration",
                reg.id,
                None,
                {
                    "event": event_id,
                    "status": status,
                    "role": form.role,
                    "channel": reg.channel,
                    "registered_by": reg.registered_by_id,
                },
            )
        link_people(session, [r.id for r in regs])
        session.refresh(event)
        _mail_for(session, event, regs[0], email, link_base)
        follow_records(session, REGISTRATIONS, event_ids=[event_id])
        result = RegistrationResult(event_id, regs[0].token, status, tuple(r.status for r in regs[1:]))
    mail.deliver_pending(engine=eng)
    return result


def _by_token(session: Session, token: str) -> store.Registration:
    reg = session.scalar(select(store.Registration).where(store.Registration.token == token)) if token else None
    if reg is None:
        raise NotFoundError("受付票が見つかりません。メールのリンクをご確認ください", code="registration_not_found")
    return reg


def cancel_registration(
    token: str,
    *,
    actor: Actor,
    reason: str | None = None,
    link_base: str = "http://localhost:8000",
    now: dt.datetime | None = None,
    engine: Engine | None = None,
) -> str:
    """Cancel by the registration's token (the person themself, or staff); a freed seat goes to the waitlist.

    Returns the new status.  Cancelling twice changes nothing the second time.
    """
    moment = _now(now)
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        reg = _by_token(session, token)
        event, _year = load_event(session, reg.event_id)
        before = reg.status
        if not _move(session, reg.id, (store.REGISTERED, store.WAITLISTED, store.OFFERED), store.CANCELLED):
            return store.CANCELLED if before == store.CANCELLED else before
        _audit_status(session, actor, AuditAction.REGISTRATION_CANCEL, reg.id, before, store.CANCELLED, reason)
        if reg.takes_seat and before in store.SEATED:
            _promote_next(session, event, moment, link_base)
        _expire_offers(session, event, moment, link_base)
        follow_records(session, REGISTRATIONS, event_ids=[event.id])
    mail.deliver_pending(engine=eng)
    return store.CANCELLED


def accept_offer(
    token: str,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
    link_base: str = "http://localhost:8000",
    engine: Engine | None = None,
) -> str:
    """Accept a seat offered from the waitlist before its deadline; returns the status afterwards."""
    moment = _now(now)
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        reg = _by_token(session, token)
        event, _year = load_event(session, reg.event_id)
        if reg.status != store.OFFERED:
            raise ConflictError(f"この申込は「{reg.status}」のため、参加を確定できません", code="not_offered")
        deadline = as_utc(reg.offer_expires_at)
        if deadline is not None and moment > deadline:
            _expire_offers(session, event, moment, link_base)
            status = store.CANCELLED
        elif _move(session, reg.id, (store.OFFERED,), store.REGISTERED, offer_expires_at=None):
            _audit_status(session, actor, AuditAction.REGISTRATION_ACCEPT, reg.id, store.OFFERED, store.REGISTERED)
            session.refresh(reg)
            _mail_for(session, event, reg, reg.person.email, link_base)
            follow_records(session, REGISTRATIONS, event_ids=[event.id])
            status = store.REGISTERED
        else:
            status = reg.status
    mail.deliver_pending(engine=eng)
    if status == store.CANCELLED:
        raise ConflictError("回答期限を過ぎたため、席は次の方にご案内しました", code="offer_expired")
    return status


def expire_offers(*, now: dt.datetime | None = None, engine: Engine | None = None) -> int:
    """Pass on every offer whose reply deadline has passed (all events); the number expired."""
    moment = _now(now)
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        events = session.scalars(
            select(store.ManagedEvent)
            .join(store.Registration, store.Registration.event_id == store.ManagedEvent.id)
            .where(store.Registration.status == store.OFFERED, store.Registration.offer_expires_at < moment)
            .distinct()
        ).all()
        count = sum(_expire_offers(session, event, moment, "http://localhost:8000") for event in events)
        follow_records(session, REGISTRATIONS, event_ids=[e.id for e in events])
    mail.deliver_pending(engine=eng)
    return count


def mark_no_show(registration_id: int, *, actor: Actor, engine: Engine | None = None) -> None:
    """Mark a confirmed registration as 欠席 (no-show); its seat no longer counts."""
    with unit_of_work(ensure_schema(engine)) as session:
        reg = session.get(store.Registration, registration_id)
        if reg is None:
            raise NotFoundError(f"申込 {registration_id} は見つかりません", code="registration_not_found")
        event, _year = load_event(session, reg.event_id)
        require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
        if not _move(session, reg.id, (store.REGISTERED,), store.NO_SHOW):
            raise ConflictError(f"「{reg.status}」の申込は欠席にできません", code="invalid_transition")
        if reg.takes_seat:
            _give_back_seat(session, event.id)
        _audit_status(session, actor, AuditAction.REGISTRATION_NO_SHOW, reg.id, store.REGISTERED, store.NO_SHOW)
        follow_records(session, REGISTRATIONS, event_ids=[event.id])
