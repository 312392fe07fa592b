"""A real SMTP server for tests: ``aiosmtpd`` on a free 127.0.0.1 port that keeps every message.

Email sign-in (``tests/email``) and the demo's password mails (``tests/demo``) are sent to it by
authsession's own SMTP sender, and the tests read the links out of what it received.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SMTPPeer:
    port: int
    mailbox: Mailbox


@contextmanager
def smtp_sink() -> Iterator[SMTPPeer]:
    """An SMTP server on 127.0.0.1 until the block ends."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SMTPPeer(port=controller.port, mailbox=mailbox)
    finally:
        controller.stop()
