"""How a message leaves: a small interface and one adapter per channel.

``EmailChannel`` speaks SMTP to ``EMAIL_URL``; ``HttpSmsChannel`` posts to ``SMS_GATEWAY_URL``
with a configurable request shape; ``ShowChannel`` sends nothing and leaves the message for the
staff page (demo and development, when no provider is configured). Another provider (Zalo, a
national SMS brand-name gateway) is one more class registered in ``CHANNEL_ADAPTERS``.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from string import Template
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend


class DeliveryError(Exception):
    """The provider did not take the message; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    body: str
    reference: str  # our idempotency key: providers that deduplicate can use it


class Channel(Protocol):
    shows_only: bool

    def send(self, message: Outgoing) -> str:
        """Hand the message over; return the provider's reference. Raise DeliveryError."""
        ...


class ShowChannel:
    """Nothing leaves the server: the message is shown on the staff messages page."""

    shows_only = True

    def send(self, message: Outgoing) -> str:
        return ""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    use_tls: bool
    use_ssl: bool
    sender: str
    timeout: float


def parse_email_url(url: str) -> SmtpSettings:
    """``smtp://user:password@host:587?tls=1&from=motcua@example.gov.vn`` (``smtps://`` for SSL)."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError("EMAIL_URL must start with smtp:// or smtps://")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return SmtpSettings(
        host=parts.hostname or "localhost",
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=query.get("tls", "0") in {"1", "true", "yes"},
        use_ssl=parts.scheme == "smtps",
        sender=query.get("from", "motcua@localhost"),
        timeout=float(query.get("timeout", "10")),
    )


class EmailChannel:
    shows_only = False

    def __init__(self, url: str) -> None:
        self.settings = parse_email_url(url)

    def send(self, message: Outgoing) -> str:
        s = self.settings
        # A mailer of its own (Django 6.1 mailers), built from EMAIL_URL at send time.
        connection = SmtpBackend(
            alias="notifications",
            host=s.host,
            port=s.port,
            username=s.username or None,
            password=s.password or None,
            use_tls=s.use_tls,
            use_ssl=s.use_ssl,
            timeout=s.timeout,
            fail_silently=False,
        )
        message_id = f"<{message.reference.replace(':', '.')}@motcua>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=s.sender,
            to=[message.recipient],
            headers={"Message-ID": message_id},
        )
        try:
            connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {error.recipients}", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}",
                permanent=error.smtp_code >= 500 and error.smtp_code != 554,
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None
        return message_id


class HttpSmsChannel:
    """POST to an SMS gateway. The body is ``SMS_GATEWAY_BODY`` (a JSON template with
    ``$to``, ``$text`` and ``$reference``) and ``SMS_GATEWAY_HEADERS`` (JSON) adds headers such as
    an API key; a 2xx answer is success, 4xx other than 408/429 is permanent, the rest is retried."""

    shows_only = False
    DEFAULT_BODY = '{"to": "$to", "text": "$text", "reference": "$reference"}'

    def __init__(self, url: str, body: str = "", headers: str = "", timeout: float = 10) -> None:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ValueError("SMS_GATEWAY_URL must be an http:// or https:// URL")
        self.url = url
        self.body = Template(body or self.DEFAULT_BODY)
        self.headers = json.loads(headers) if headers else {}
        self.timeout = timeout

    def send(self, message: Outgoing) -> str:
        def quoted(value: str) -> str:
            return json.dumps(value)[1:-1]  # escaped for a JSON string, without the quotes

        payload = self.body.substitute(
            to=quoted(message.recipient),
            text=quoted(message.body),
            reference=quoted(message.reference),
        )
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            self.url,
            data=payload.encode(),
            headers={"Content-Type": "application/json", **self.headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                answer = response.read(2000).decode(errors="replace")
        except urllib.error.HTTPError as error:
            permanent = 400 <= error.code < 500 and error.code not in {408, 429}
            raise DeliveryError(f"gateway HTTP {error.code}", permanent=permanent) from None
        except (urllib.error.URLError, OSError) as error:
            raise DeliveryError(f"gateway unreachable: {error}") from None
        try:
            return str(json.loads(answer).get("id", ""))[:200]
        except (ValueError, AttributeError):
            return ""


def channel_for(kind: str) -> Channel:
    """The adapter configured for ``email`` or ``sms`` (the show-only one when none is)."""
    if kind == "email" and settings.EMAIL_URL:
        return EmailChannel(settings.EMAIL_URL)
    if kind == "sms" and settings.SMS_GATEWAY_URL:
        return HttpSmsChannel(
            settings.SMS_GATEWAY_URL,
            body=getattr(settings, "SMS_GATEWAY_BODY", ""),
            headers=getattr(settings, "SMS_GATEWAY_HEADERS", ""),
        )
    return ShowChannel()
