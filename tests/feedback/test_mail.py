"""Reminder e-mails through a real local SMTP server (aiosmtpd), each reminder sent once."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import socket

import pytest
from aiosmtpd.controller import Controller

UTC = dt.timezone.utc


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "observe@skola.example")
    yield inbox
    controller.stop()


def test_reminders_are_mailed_once(app, runner, smtp, principal, teacher, make_planned):
    principal.locale = "en"
    teacher.locale = "en"
    late = make_planned(status="completed", at=dt.datetime.now(UTC) - dt.timedelta(days=4))
    soon = make_planned(at=dt.datetime.now(UTC) + dt.timedelta(days=2))
    result = runner.invoke(args=["feedback", "send-reminders", "--base-url", "https://observe.skola.example"])
    assert result.exit_code == 0, result.output
    assert "sent 2 reminder e-mails" in result.output
    by_rcpt = {tuple(rcpts): message for rcpts, message in smtp.messages}
    to_principal = by_rcpt[("rektor@example.se",)].get_content()
    assert f"https://observe.skola.example/feedback/visit/{late.uuid}" in to_principal
    assert f"https://observe.skola.example/planning/{soon.uuid}" in to_principal
    to_teacher = by_rcpt[("larare@example.se",)]
    assert to_teacher["From"] == "observe@skola.example"
    assert "pre-conference" in to_teacher.get_content() and str(late.uuid) not in to_teacher.get_content()

    again = runner.invoke(args=["feedback", "send-reminders", "--base-url", "https://observe.skola.example"])
    assert "sent 0 reminder e-mails" in again.output
    assert len(smtp.messages) == 2


def test_console_backend_sends_nothing_over_the_network(app, runner, principal, make_planned, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger=app.logger.name)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    monkeypatch.setitem(app.config, "SMTP_HOST", "192.0.2.1")  # unroutable: would fail if used
    make_planned(status="completed", at=dt.datetime.now(UTC) - dt.timedelta(days=4))
    result = runner.invoke(args=["feedback", "send-reminders"])
    assert "sent 1 reminder e-mails" in result.output
    assert "rektor@example.se" in caplog.text
