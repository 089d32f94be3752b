"""Sending e-mail through the configured backend (reminders, invitations).

`OBSERVE_MAIL_BACKEND` is "console" (default: written to the log, nothing leaves the machine)
or "smtp" (`OBSERVE_SMTP_HOST`, `OBSERVE_SMTP_PORT`, `OBSERVE_MAIL_FROM`).
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    backend = config.get("MAIL_BACKEND", "console")
    if backend == "smtp":
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            smtp.send_message(message)
    else:
        current_app.logger.info("mail (console backend)\n%s", message.as_string())
