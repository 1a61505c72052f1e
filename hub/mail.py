"""Outgoing mail: SMTP when configured, otherwise the message goes to the log.

In development and tests nothing is sent: the log shows links such as password resets, and
``sent_messages()`` keeps a copy for tests.

Messages are written in the recipient's language: callers compose the subject and body inside
``flask_babel.force_locale(mail_language(recipient))``.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import TYPE_CHECKING

from flask import current_app

from .i18n import DEFAULT, current_language, supported

if TYPE_CHECKING:
    from .models import Person

log = logging.getLogger("hub.mail")


def mail_language(recipient: Person | None) -> str:
    """The interface language to write to ``recipient`` in: the one they chose, else English.

    For someone without an account yet (an invitation), pass None: the sender's current
    interface language.
    """
    if recipient is None:
        return current_language().code
    return supported(recipient.interface_language) or DEFAULT


def person_language(person: Person) -> str:
    """The language to write to ``person`` about their school's work (digests, notices): the
    one they chose, else their school's first language of instruction where the hub speaks
    it, else English: a teacher in Dakar who never chose one reads French, not English."""
    chosen = supported(person.interface_language)
    if chosen:
        return chosen
    school = person.school
    first = school.languages[0] if school is not None and school.languages else None
    return supported(first) or DEFAULT


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text message to ``to``; failures are logged, never shown as a 500.

    Whether the message went out: handed to the mail server, or to the log when no server is
    configured (False: the server refused it or could not be reached)."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["HUB_MAIL_SENDER"]
    message["To"] = to
    subject, body = str(subject), str(body)  # lazy strings become text here
    message["Subject"] = subject
    message.set_content(body)
    current_app.extensions.setdefault("hub.sent_mail", []).append(message)
    server = cfg.get("HUB_MAIL_SERVER")
    if not server:
        log.warning(
            "No mail server configured (HUB_MAIL_SERVER); message to %s:\n%s\n%s", to, subject, body
        )
        return True
    try:
        with smtplib.SMTP(server, cfg["HUB_MAIL_PORT"], timeout=10) as smtp:
            if cfg.get("HUB_MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("HUB_MAIL_USERNAME"):
                smtp.login(cfg["HUB_MAIL_USERNAME"], cfg["HUB_MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send mail to %s via %s; message was:\n%s", to, server, body)
        return False
    return True


def queue_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message as a job (``hub.jobs``): by a ``hub worker`` when Redis is
    configured, tried again while the mail server refuses it; otherwise here and now. The
    subject and body become text here, in the language the caller chose."""
    from .jobs import enqueue

    enqueue("mail", to, str(subject), str(body))


def sent_messages() -> list[EmailMessage]:
    """Messages handed to ``send_mail`` by this app (newest last)."""
    messages: list[EmailMessage] = current_app.extensions.setdefault("hub.sent_mail", [])
    return messages
