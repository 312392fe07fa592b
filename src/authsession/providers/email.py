"""Passwordless sign-in by email ("magic links"), as NextAuth's Email provider (§6.3).

POST /signin/<id> with an ``email`` stores a hashed, single-use token (24 hours by default)
and mails a link to /callback/<id>; following the link signs the user in, creating the user
the first time. Needs an adapter (users and verification tokens live there).

Security: the link is a bearer credential until it is used or expires. Only the hash
``sha256(token + secret)`` is stored, a token works once, and by default one address gets at
most one link per minute (``rate_limit``), so the form cannot be used to flood an inbox.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
import ssl
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlencode, urlsplit

import anyio.to_thread

from authsession._core.csrf import csrf_secret
from authsession._core.user_code import UserFunction, call
from authsession.errors import ConfigurationError, EmailSignInError, Verification
from authsession.providers.base import check_provider_id

if TYPE_CHECKING:
    from authsession._core.context import Context
    from authsession._core.http import AuthResponse
    from authsession.types import Account, User

logger = logging.getLogger("authsession")

DEFAULT_MAX_AGE = 24 * 60 * 60
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
    max_age: int = DEFAULT_MAX_AGE
    rate_limit: int = 60
    secret: str | None = field(default=None, repr=False)
    send_verification_request: SendVerificationRequest | None = field(default=None, repr=False)
    normalize_identifier: Callable[[str], str] | None = field(default=None, repr=False)
    generate_verification_token: Callable[[], str | Awaitable[str]] | None = field(default=None, repr=False)
    style: Any = None

    async def start_sign_in(self, ctx: Context) -> AuthResponse:
        """POST /signin/<id>: store a hashed token and mail the link."""
        from authsession._core.actions.callback import sign_in_callback

        adapter = ctx.options.adapter
        try:
            raw = str(ctx.body.get("email", ""))
            identifier = self.normalize_identifier(raw) if self.normalize_identifier else normalize_email(raw, ctx.v4)
        except ValueError as exc:
            logger.info("EmailSignin: %s", exc)
            return self._fail(ctx, "invalid email address")
        user = await self._user_or_placeholder(ctx, identifier)
        account: Account = {"providerAccountId": identifier, "userId": user["id"], "type": "email", "provider": self.id}
        denied = await sign_in_callback(ctx, user=user, account=account, email={"verificationRequest": True})
        if denied is not None:
            return denied
        now = datetime.fromtimestamp(ctx.now, UTC)
        expires = now + timedelta(seconds=self.max_age)
        if self.rate_limit and await self._recently_sent(ctx, identifier, expires):
            logger.info("EmailSignin: a link was sent to this address less than %s s ago", self.rate_limit)
            return ctx.redirect(ctx.url("verify-request", provider=self.id, type="email"))
        token = await call(self.generate_verification_token) if self.generate_verification_token else None
        token = token or secrets.token_hex(32)
        url = (
            ctx.url(f"callback/{self.id}")
            + "?"
            + urlencode({"callbackUrl": ctx.callback_url, "token": token, "email": identifier})
        )
        hashed = self.hash_token(token, ctx)
        await call(adapter.create_verification_token, {"identifier": identifier, "token": hashed, "expires": expires})
        try:
            await UserFunction(self.send_verification_request or send_with_smtp, blocking=True)(
                identifier=identifier,
                url=url,
                expires=expires,
                provider=self,
                token=token,
                request=ctx.request,
            )
        except Exception:
            logger.exception("EmailSignin: sending the sign-in email failed")
            # Drop the token nobody received, so the rate limit lets the user try again at once.
            try:
                await call(adapter.use_verification_token, identifier, hashed)
            except Exception:
                logger.exception("EmailSignin: could not delete the token of the failed email")
            return self._fail(ctx, "sending failed")
        return ctx.redirect(ctx.url("verify-request", provider=self.id, type="email"))

    async def finish_sign_in(self, ctx: Context) -> AuthResponse:
        """GET /callback/<id>?token=...&email=...: use the token once and sign the user in."""
        from authsession._core.actions.callback import complete_sign_in

        adapter = ctx.options.adapter
        token = ctx.request.query.get("token")
        identifier = ctx.request.query.get("email")
        if not token:
            if ctx.v4:
                return ctx.redirect(ctx.url("error", error="configuration"))
            raise ConfigurationError("Email callback without a token")
        record = await call(adapter.use_verification_token, identifier or "", self.hash_token(token, ctx))
        now = datetime.fromtimestamp(ctx.now, UTC)
        if record is None or record["expires"] < now or (identifier and identifier != record["identifier"]):
            logger.info("Verification: the email link is unknown, used or expired")
            if ctx.v4:
                return ctx.redirect(ctx.url("error", error="Verification"))
            raise Verification("Invalid or expired email link")
        email = record["identifier"]
        # The sign_in callback runs before the user is created or updated (complete_sign_in does that).
        user = await self._user_or_placeholder(ctx, email)
        account: Account = {"providerAccountId": email, "userId": user["id"], "type": "email", "provider": self.id}
        return await complete_sign_in(ctx, user=user, account=account)

    @staticmethod
    async def _user_or_placeholder(ctx: Context, email: str) -> User:
        user: User | None = await call(ctx.options.adapter.get_user_by_email, email)
        if user is not None:
            return user
        return {"id": email if ctx.v4 else str(uuid.uuid4()), "email": email, "emailVerified": None}

    def hash_token(self, token: str, ctx: Context) -> str:
        # JavaScript turns a secret list into "a,b": hash the same string so a Next.js app sharing
        # the database accepts links made here, and the reverse.
        secret = self.secret or csrf_secret(ctx.options.secrets)
        return hashlib.sha256(f"{token}{secret}".encode()).hexdigest()

    async def _recently_sent(self, ctx: Context, identifier: str, expires: datetime) -> bool:
        check = getattr(ctx.options.adapter, "has_verification_token_expiring_after", None)
        if check is None:
            return False
        # A token made within the last ``rate_limit`` seconds expires after this moment.
        return bool(await call(check, identifier, expires - timedelta(seconds=self.rate_limit)))

    def _fail(self, ctx: Context, reason: str) -> AuthResponse:
        if ctx.v4:
            return ctx.redirect(ctx.url("error", error="EmailSignin"))
        raise EmailSignInError(reason)


def normalize_email(value: str, v4: bool = False) -> str:
    """NextAuth's identifier rules: NFKC, trimmed, lower-case, one ``@``, no quotes; the domain is
    cut at its first comma (a header-injection guard); next-auth 4 also wants a dot in it."""
    email = unicodedata.normalize("NFKC", value).strip().lower()
    if '"' in email or email.count("@") != 1 or any(c in email for c in "\r\n\0<>"):
        raise ValueError("not an email address")
    local, domain = email.split("@")
    domain = domain.split(",")[0]
    if not local or not domain or (v4 and "." not in domain) or len(email) > 320:
        raise ValueError("not an email address")
    return f"{local}@{domain}"


async def send_with_smtp(*, identifier: str, url: str, provider: EmailProvider, **_: Any) -> None:
    """The default sender: a plain-text and an HTML part, over SMTP in a worker thread."""
    if provider.server is None:
        raise ConfigurationError("Email(server=...) is needed to send mail, or pass send_verification_request")
    host = urlsplit(url).netloc
    message = EmailMessage()
    message["Subject"] = f"Sign in to {host}"
    message["From"] = provider.from_address
    message["To"] = identifier
    message["Message-ID"] = make_msgid(domain="authsession")
    message.set_content(f"Sign in to {host}\n\n{url}\n\nIf you did not request this email you can ignore it.\n")
    message.add_alternative(_html(url, host), subtype="html")
    await anyio.to_thread.run_sync(_deliver, provider.server, message)


def _deliver(server: SMTPServer, message: EmailMessage) -> None:
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
        refused = smtp.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


def _html(url: str, host: str) -> str:
    link, site = escape(url, quote=True), escape(host)
    return (
        '<!doctype html><html><body style="font-family:system-ui,sans-serif;background:#f6f7f9;padding:24px">'
        '<table role="presentation" style="max-width:480px;margin:auto;background:#fff;border-radius:8px;padding:24px">'
        f'<tr><td><h1 style="font-size:20px">Sign in to <strong>{site}</strong></h1>'
        f'<p><a href="{link}" style="display:inline-block;padding:10px 18px;background:#346df1;color:#fff;'
        'border-radius:6px;text-decoration:none;font-weight:600">Sign in</a></p>'
        '<p style="color:#555;font-size:13px">If you did not request this email you can ignore it.</p>'
        "</td></tr></table></body></html>"
    )


def Email(
    *,
    server: str | SMTPServer | Mapping[str, Any] | None = None,
    from_address: str = "authsession <no-reply@localhost>",
    id: str = "email",
    name: str = "Email",
    max_age: int = DEFAULT_MAX_AGE,
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


__all__ = ["Email", "EmailProvider", "SMTPServer", "normalize_email", "send_with_smtp"]
