"""Passwordless sign-in by email ("magic links"), as NextAuth's Email provider (§6.3).

POST /signin/<id> with an ``email`` stores a hashed, single-use token (24 hours by default)
and mails a link to /callback/<id>; following the link signs the user in, creating the user
the first time. Needs an adapter (users and verification tokens live there).

This module holds the configuration and the mail delivery; the core makes, stores and checks
the tokens (``authsession._core.verification``, whose security notes apply).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from authsession._core.user_code import UserFunction
from authsession._core.verification import mailbox, normalize_email
from authsession.errors import ConfigurationError
from authsession.providers.base import check_provider_id
from authsession.theme import ProviderStyle

if TYPE_CHECKING:
    from authsession._core.http import AuthRequest

#: How long a sign-in link stays valid by default: 24 hours, as in NextAuth.
LINK_MAX_AGE = 24 * 60 * 60
SendVerificationRequest = Callable[..., "Awaitable[None] | None"]


@dataclass(frozen=True, slots=True)
class SMTPServer:
    """Where the default sender delivers: ``smtp://user:pass@host:587`` (STARTTLS when the server
    offers it), ``smtps://host:465`` (TLS from the start), or plain ``smtp://127.0.0.1:1025``."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: Literal["starttls", "ssl", "none"] = "starttls"
    timeout: float = 10.0

    @classmethod
    def from_url(cls, url: str) -> SMTPServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigurationError("Email server must look like smtp://user:pass@host:587 or smtps://host:465")
        secure = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if secure else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls="ssl" if secure else "starttls",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailProvider:
    id: str = "email"
    name: str = "Email"
    type: Literal["email"] = "email"
    server: SMTPServer | None = None
    from_address: str = "authsession <no-reply@localhost>"
    max_age: int = LINK_MAX_AGE
    rate_limit: int = 60
    secret: str | None = field(default=None, repr=False)
    send_verification_request: SendVerificationRequest | None = field(default=None, repr=False)
    normalize_identifier: Callable[[str], str] | None = field(default=None, repr=False)
    generate_verification_token: Callable[[], str | Awaitable[str]] | None = field(default=None, repr=False)
    style: ProviderStyle | None = None

    async def send_verification(
        self, *, identifier: str, url: str, expires: datetime, token: str, request: AuthRequest
    ) -> None:
        """Mail the link with ``send_verification_request``, else over SMTP; raises when it fails."""
        sender = self.send_verification_request or send_with_smtp
        await UserFunction(sender, blocking=True)(
            identifier=identifier, url=url, expires=expires, provider=self, token=token, request=request
        )


async def send_with_smtp(*, identifier: str, url: str, provider: EmailProvider, **_: Any) -> None:
    """The default sender: a plain-text and an HTML part, over SMTP in a worker thread."""
    if provider.server is None:
        raise ConfigurationError("Email(server=...) is needed to send mail, or pass send_verification_request")
    sign_in = LinkMail(
        subject="Sign in to", button="Sign in", note="If you did not request this email you can ignore it."
    )
    await send_link_mail(sign_in, server=provider.server, from_address=provider.from_address, to=identifier, url=url)


@dataclass(frozen=True, slots=True)
class LinkMail:
    """The words of a mail that carries one link: ``subject`` is followed by the site's host (it
    is also the heading), ``button`` is the link's label, ``note`` the line under it."""

    subject: str
    button: str
    note: str


async def send_link_mail(mail: LinkMail, *, server: SMTPServer, from_address: str, to: str, url: str) -> None:
    """Mail ``url`` to ``to`` with the words of ``mail``: a plain-text and an HTML part, over SMTP
    in a worker thread. Raises when the server refuses it."""
    # A custom ``normalize_identifier`` may return anything: deliver only to one plain mailbox,
    # named explicitly, so the recipients never come from parsing the To: header.
    recipient = mailbox(to)
    host = urlsplit(url).netloc
    message = EmailMessage()
    message["Subject"] = f"{mail.subject} {host}"
    message["From"] = from_address
    message["To"] = recipient
    message["Message-ID"] = make_msgid(domain="authsession")
    message.set_content(f"{mail.subject} {host}\n\n{url}\n\n{mail.note}\n")
    message.add_alternative(_html(mail, url, host), subtype="html")
    await anyio.to_thread.run_sync(_deliver, server, message, recipient)


def _deliver(server: SMTPServer, message: EmailMessage, recipient: str) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.tls == "ssl":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    with smtp:
        if server.tls == "starttls":
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
            elif server.username:
                # Never send a password in the clear because the server (or someone on the path)
                # did not offer STARTTLS.
                raise smtplib.SMTPNotSupportedError("the SMTP server offers no STARTTLS; refusing to log in")
        if server.username:
            smtp.login(server.username, server.password or "")
        refused = smtp.send_message(message, to_addrs=[recipient])
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


def _html(mail: LinkMail, url: str, host: str) -> str:
    link, site = escape(url, quote=True), escape(host)
    return (
        '<!doctype html><html><body style="font-family:system-ui,sans-serif;background:#f6f7f9;padding:24px">'
        '<table role="presentation" style="max-width:480px;margin:auto;background:#fff;border-radius:8px;padding:24px">'
        f'<tr><td><h1 style="font-size:20px">{escape(mail.subject)} <strong>{site}</strong></h1>'
        f'<p><a href="{link}" style="display:inline-block;padding:10px 18px;background:#346df1;color:#fff;'
        f'border-radius:6px;text-decoration:none;font-weight:600">{escape(mail.button)}</a></p>'
        f'<p style="color:#555;font-size:13px">{escape(mail.note)}</p>'
        "</td></tr></table></body></html>"
    )


def Email(
    *,
    server: str | SMTPServer | Mapping[str, Any] | None = None,
    from_address: str = "authsession <no-reply@localhost>",
    id: str = "email",
    name: str = "Email",
    max_age: int = LINK_MAX_AGE,
    rate_limit: int = 60,
    secret: str | None = None,
    send_verification_request: SendVerificationRequest | None = None,
    normalize_identifier: Callable[[str], str] | None = None,
    generate_verification_token: Callable[[], str | Awaitable[str]] | None = None,
) -> EmailProvider:
    """Email magic-link sign-in. Give an SMTP ``server`` or your own
    ``send_verification_request(identifier=, url=, expires=, provider=, token=, request=)``.

    ``rate_limit``: seconds before the same address may get another link (0 turns it off;
    it needs an adapter with ``has_verification_token_expiring_after``, as the bundled ones have).
    """
    if isinstance(server, str):
        server = SMTPServer.from_url(server)
    elif isinstance(server, Mapping):
        server = SMTPServer(**server)
    if server is None and send_verification_request is None:
        raise ConfigurationError("Email(...) needs server='smtp://...' or send_verification_request=...")
    if max_age <= 0 or rate_limit < 0:
        raise ConfigurationError("Email max_age must be positive and rate_limit not negative")
    return EmailProvider(
        id=check_provider_id(id),
        name=name,
        server=server,
        from_address=from_address,
        max_age=max_age,
        rate_limit=rate_limit,
        secret=secret,
        send_verification_request=send_verification_request,
        normalize_identifier=normalize_identifier,
        generate_verification_token=generate_verification_token,
    )


__all__ = [
    "Email",
    "EmailProvider",
    "LinkMail",
    "SMTPServer",
    "mailbox",
    "normalize_email",
    "send_link_mail",
    "send_with_smtp",
]
