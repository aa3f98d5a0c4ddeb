"""Sending quotes and notifications over SMTP with smtplib.

A send is not retried here: SMTP has no idempotency key, so a retry after a lost
reply could deliver twice. The caller (the hub) records the ``message_id`` before
sending and decides; a ``RetriableError`` says it is worth trying again.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid

from connectors.email.config import EmailConfig
from connectors.email.models import OutgoingEmail, SentEmail
from hub.errors import AuthError, FatalError, RetriableError

log = logging.getLogger(__name__)


def sender_domain(address: str) -> str:
    """The domain of a From: address, for Message-IDs the hub derives."""
    return _domain(address)


def _domain(address: str) -> str:
    pairs = getaddresses([address])
    spec = pairs[0][1] if pairs else ""
    return spec.rpartition("@")[2] or "tradehub.invalid"


def build_message(mail: OutgoingEmail, *, sender: str, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    if mail.cc:
        msg["Cc"] = ", ".join(mail.cc)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = mail.message_id or make_msgid(domain=_domain(sender))
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    references = list(mail.references)
    if mail.in_reply_to and mail.in_reply_to not in references:
        references.append(mail.in_reply_to)
    if references:
        msg["References"] = " ".join(references)
    msg.set_content(mail.text)
    if mail.html is not None:
        msg.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        msg.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                           filename=attachment.filename)
    return msg


def send_mail(config: EmailConfig, mail: OutgoingEmail, *, system: str) -> SentEmail:
    """Send one message; the result carries the Message-ID the hub logs on the customer."""
    if config.smtp_host is None or config.from_address is None:
        raise FatalError(f"{system} has no smtp_host/from_address configured", system=system)
    now = datetime.now(timezone.utc)
    msg = build_message(mail, sender=config.from_address, now=now)
    recipients = [addr for _, addr in getaddresses(mail.to + mail.cc) if addr]
    user = config.smtp_username or config.username
    password = config.smtp_password or config.password
    try:
        if config.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.smtp_host, config.smtp_port,
                                                    timeout=config.timeout_seconds,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.smtp_host, config.smtp_port,
                                  timeout=config.timeout_seconds)
        with client:
            if config.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            client.ehlo_or_helo_if_needed()
            if user and password is not None and client.has_extn("auth"):
                client.login(user, password.get_secret_value())
            elif user and password is not None:   # a relay that takes no logins (LAN, tests)
                log.info("smtp server offers no AUTH; sending without login",
                         extra={"system": system})
            refused = client.send_message(msg, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthError(f"{system}: SMTP login refused for {user}", system=system,
                        remote_code=str(exc.smtp_code)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise FatalError(f"{system}: every recipient was refused: {', '.join(exc.recipients)}",
                         system=system) from exc
    except smtplib.SMTPResponseException as exc:
        error = RetriableError if 400 <= exc.smtp_code < 500 else FatalError
        raise error(f"{system}: SMTP server answered {exc.smtp_code}: "
                    f"{exc.smtp_error.decode('utf-8', 'replace')}", system=system,
                    remote_code=str(exc.smtp_code)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise RetriableError(f"{system}: SMTP server unreachable: {type(exc).__name__}",
                             system=system) from exc
    message_id = str(msg["Message-ID"])
    log.info("mail sent", extra={"system": system, "message_id": message_id,
                                 "recipients": len(recipients), "refused": len(refused)})
    return SentEmail(
        message_id=message_id, sent_at=now, sender=_spec(config.from_address),
        recipients=[r for r in recipients if r not in refused],
        refused={addr: f"{code} {text.decode('utf-8', 'replace')}"
                 for addr, (code, text) in refused.items()},
        subject=mail.subject)


def _spec(address: str) -> str:
    pairs = getaddresses([address])
    return pairs[0][1] if pairs and pairs[0][1] else address
