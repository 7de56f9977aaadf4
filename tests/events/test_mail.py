"""Mail: the outbox is the embedded default; with KEIKAKU_SMTP_URL a real local SMTP server (aiosmtpd)
receives the confirmation, which is read back from it."""

import pytest
from sqlalchemy import Engine, select
from tests.smtp_server import Inbox

from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import PermissionDeniedError
from keikaku.services.events.mail import list_outbox
from keikaku.services.events.registrations import PersonForm, RegistrationForm, cancel_registration, register
from keikaku.storage import events as store
from keikaku.storage.uow import read_session

from .conftest import BEFORE, COUNCIL, OTHER, Forum, add_event


def _person(i: int) -> RegistrationForm:
    return RegistrationForm(PersonForm(f"山田{i}", "やまだ", f"yamada{i}@example.jp"))


def test_without_smtp_mail_waits_in_the_outbox_for_staff(
    sqlite_loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import forum_project

    monkeypatch.delenv("KEIKAKU_SMTP_URL", raising=False)
    forum = forum_project(sqlite_loaded_engine)
    event = add_event(sqlite_loaded_engine, forum, capacity="1")
    register(event.id, _person(1), actor=PUBLIC, now=BEFORE, engine=sqlite_loaded_engine)
    outbox = list_outbox(event.id, actor=forum.editor, engine=sqlite_loaded_engine)
    assert [(m.recipient, m.subject, m.sent_at) for m in outbox] == [
        ("yamada1@example.jp", "【受付完了】カーボンニュートラルフォーラム", None)
    ]
    for outsider in (PUBLIC, COUNCIL, OTHER):
        with pytest.raises(PermissionDeniedError):
            list_outbox(event.id, actor=outsider, engine=sqlite_loaded_engine)


def test_confirmation_waitlist_and_promotion_reach_a_real_smtp_server(
    sqlite_loaded_engine: Engine, smtp: Inbox
) -> None:
    from .conftest import forum_project

    forum: Forum = forum_project(sqlite_loaded_engine)
    event = add_event(sqlite_loaded_engine, forum, capacity="1")
    first = register(
        event.id, _person(1), actor=PUBLIC, now=BEFORE, link_base="http://keikaku.test", engine=sqlite_loaded_engine
    )
    register(event.id, _person(2), actor=PUBLIC, now=BEFORE, engine=sqlite_loaded_engine)
    cancel_registration(first.token, actor=PUBLIC, now=BEFORE, engine=sqlite_loaded_engine)
    got = [(m["To"], m["Subject"]) for m in smtp.messages]
    assert got == [
        ("yamada1@example.jp", "【受付完了】カーボンニュートラルフォーラム"),
        ("yamada2@example.jp", "【キャンセル待ち】カーボンニュートラルフォーラム"),
        ("yamada2@example.jp", "【繰上げのご案内】カーボンニュートラルフォーラム"),
    ]
    body = smtp.messages[0].get_content()
    assert f"http://keikaku.test/r/{first.token}" in body and "受け付けました" in body
    with read_session(sqlite_loaded_engine) as s:
        assert all(s.scalars(select(store.OutboxMail.sent_at)).all())
