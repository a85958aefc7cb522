"""A real SMTP server (aiosmtpd) the app's outbox worker delivers to, and the
links in the messages it received."""
from __future__ import annotations

import email
import email.policy
import re
import socket
from dataclasses import dataclass, field

import pytest

from coordinator.notifications.delivery import deliver_all_due

LINK = re.compile(r"https?://\S+")


@dataclass
class Mailbox:
    """The messages the SMTP server received (after :meth:`deliver`)."""

    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def deliver(self) -> None:
        """Run the outbox worker once (the caller is in an app context)."""
        deliver_all_due()

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]

    def link_to(self, address: str) -> str:
        """The link in the newest message to ``address`` (as a path on the app)."""
        [link] = LINK.findall(self.to(address)[-1].get_content())
        return "/" + link.split("/", 3)[3]


@pytest.fixture
def mailbox(app, monkeypatch):
    from aiosmtpd.controller import Controller

    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    try:
        yield box
    finally:
        controller.stop()
