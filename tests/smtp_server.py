"""A real local SMTP server (aiosmtpd) that keeps every message it receives, for the tests of mail
(the events' confirmations, the cycle's reminders, and the browser test of the yearly cycle).

The ``smtp`` fixture (in ``tests/conftest.py``) starts one and points ``KEIKAKU_SMTP_URL`` at it, so that
both the code under test and a server started as a subprocess afterwards send to it.
"""

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message


class Inbox(Message):
    """Keeps every message the server receives, parsed (``get_content()`` gives the decoded body)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.EmailMessage] = []
        self.url = ""

    def handle_message(self, message: email.message.Message) -> None:
        parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.messages.append(parsed)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages received for ``address``, in the order they came."""
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def running_smtp() -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1 for as long as the block runs; ``Inbox.url`` is its ``smtp://`` URL."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's controller cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}"
    try:
        yield inbox
    finally:
        controller.stop()
