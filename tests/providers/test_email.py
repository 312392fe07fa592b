"""The Email provider (magic links, protocol §6.3): the request step (normalisation, hashed
token, link, rate limit, the ``sign_in`` callback), the callback step (single use, expiry,
user creation and verification), and the options it needs. Mail is captured, not sent."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest

from authsession import AuthOptions
from authsession._core.csrf import csrf_hash
from authsession._core.handler import handle
from authsession._core.http import AuthResponse
from authsession.adapters.memory import MemoryAdapter
from authsession.errors import ConfigurationError
from authsession.providers import Email, EmailProvider
from authsession.providers.email import normalize_email
from helpers import BASE, DAY, EMPTY, NOW, ORIGIN, SECRET, CoreClient, make_options, make_request

pytestmark = pytest.mark.usefixtures("clean_auth_env")

VERIFY_REQUEST = f"{BASE}/verify-request?provider=email&type=email"
ADA = "ada@example.com"


def at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Outbox:
    """A ``send_verification_request`` that keeps what it was asked to send."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def send(self, **kwargs: Any) -> None:
        if self.fail:
            raise ConnectionError("the mail server is down")
        self.sent.append(kwargs)

    @property
    def link(self) -> str:
        url: str = self.sent[-1]["url"]
        return url


@dataclass
class Events:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def handlers(self) -> dict[str, Any]:
        def make(name: str) -> Any:
            return lambda **kwargs: self.calls.append((name, kwargs))

        return {name: make(name) for name in ("create_user", "update_user", "sign_in")}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def last(self, name: str) -> dict[str, Any]:
        return [kwargs for n, kwargs in self.calls if n == name][-1]


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def adapter() -> MemoryAdapter:
    return MemoryAdapter()


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture(params=["jwt", "database"])
def strategy(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def email_options(
    format: str, adapter: Any, outbox: Outbox, *, provider: EmailProvider | None = None, **overrides: Any
) -> AuthOptions:
    params: dict[str, Any] = {
        "format": format,
        "adapter": adapter,
        "providers": [provider or Email(send_verification_request=outbox.send)],
        "url": ORIGIN,
    }
    params.update(overrides)
    return make_options(**params)


async def request_link(browser: CoreClient, email: str = ADA, callback_url: str = "/dash") -> AuthResponse:
    body = {"csrfToken": await browser.csrf_token(), "email": email, "callbackUrl": callback_url}
    return await browser.request("POST", "signin/email", body=body)


async def follow(browser: CoreClient, link: str) -> AuthResponse:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/callback/email"
    return await browser.request("GET", "callback/email", query=dict(parse_qsl(parts.query)))


def link_query(link: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(link).query))


# --- the request step --------------------------------------------------------------------------------------


async def test_the_request_mails_a_link_and_stores_only_a_hash(
    format: str, adapter: MemoryAdapter, outbox: Outbox
) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    response = await request_link(browser, "  Ada@Example.COM ")
    assert response.status == 302
    assert response.redirect == VERIFY_REQUEST

    (message,) = outbox.sent
    raw = message["token"]
    assert len(raw) == 64
    int(raw, 16)  # 32 random bytes, hex
    assert message["identifier"] == ADA
    assert message["expires"] == at(NOW + DAY)
    assert message["provider"].id == "email"
    assert message["url"] == f"{BASE}/callback/email?" + urlencode(
        {"callbackUrl": f"{ORIGIN}/dash", "token": raw, "email": ADA}
    )

    (stored,) = adapter.tokens.values()
    assert stored == {"identifier": ADA, "token": sha256(raw + SECRET), "expires": at(NOW + DAY)}
    assert raw not in {t["token"] for t in adapter.tokens.values()}


async def test_the_provider_secret_and_token_generator_are_used(
    format: str, adapter: MemoryAdapter, outbox: Outbox
) -> None:
    provider = Email(
        send_verification_request=outbox.send,
        secret="email-only-secret",
        generate_verification_token=lambda: "123456",
        max_age=600,
    )
    browser = CoreClient(email_options(format, adapter, outbox, provider=provider))
    await request_link(browser)
    assert outbox.sent[0]["token"] == "123456"
    (stored,) = adapter.tokens.values()
    assert stored["token"] == sha256("123456email-only-secret")
    assert stored["expires"] == at(NOW + 600)
    response = await follow(browser, outbox.link)
    assert response.redirect == f"{ORIGIN}/dash"


async def test_the_sender_gets_the_request(format: str, adapter: MemoryAdapter) -> None:
    seen: list[dict[str, Any]] = []

    async def send(*, identifier: str, url: str, expires: datetime, provider: Any, token: str, request: Any) -> None:
        seen.append({"identifier": identifier, "request": request})

    provider = Email(send_verification_request=send)
    browser = CoreClient(email_options(format, adapter, Outbox(), provider=provider))
    await request_link(browser)
    assert seen[0]["identifier"] == ADA
    assert seen[0]["request"].url == f"{BASE}/signin/email"


async def test_the_request_needs_csrf(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    response = await browser.request("POST", "signin/email", body={"email": ADA, "csrfToken": "forged"})
    if format == "v4":
        assert response.redirect == f"{BASE}/signin?csrf=true"
    else:
        assert response.redirect == f"{BASE}/signin?error=MissingCSRF"
    assert outbox.sent == []
    assert adapter.tokens == {}


async def test_a_configured_url_keeps_a_forged_host_out_of_the_link(
    format: str, adapter: MemoryAdapter, outbox: Outbox
) -> None:
    # The link is a bearer credential: it must point at the site, whatever Host the request carried.
    options = email_options(format, adapter, outbox, url="http://app.example.com")
    csrf = "c0ffee" * 10 + "c0fe"
    cookie = "next-auth.csrf-token" if format == "v4" else "authjs.csrf-token"
    request = make_request(
        "POST",
        "signin/email",
        host="attacker.example",
        cookies={cookie: f"{csrf}|{csrf_hash(csrf, SECRET)}"},
        body={"csrfToken": csrf, "email": ADA},
    )
    response = await handle(request, options, now=NOW)
    assert response.redirect == "http://app.example.com/api/auth/verify-request?provider=email&type=email"
    assert outbox.link.startswith("http://app.example.com/api/auth/callback/email?")


# --- following the link ------------------------------------------------------------------------------------


async def test_following_the_link_creates_and_signs_in_a_new_user(
    format: str, strategy: str, adapter: MemoryAdapter, outbox: Outbox, events: Events
) -> None:
    options = email_options(format, adapter, outbox, session={"strategy": strategy}, events=events.handlers())
    await request_link(CoreClient(options))
    browser = CoreClient(options, now=NOW + 120)  # the link is often opened in another browser
    response = await follow(browser, outbox.link)
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/dash"

    (user,) = adapter.users.values()
    assert user["email"] == ADA
    assert user["emailVerified"] == at(NOW + 120)
    assert user["id"] != ADA  # next-auth 4's placeholder id is the address; the stored user gets a real one
    assert events.names() == ["create_user", "sign_in"]
    signed_in = events.last("sign_in")
    assert signed_in["is_new_user"] is True
    assert signed_in["user"]["id"] == user["id"]
    assert signed_in["account"] == {
        "providerAccountId": ADA,
        "userId": user["id"],
        "type": "email",
        "provider": "email",
    }
    assert adapter.tokens == {}
    assert adapter.accounts == {}  # an email sign-in links no account
    if strategy == "database":
        (row,) = adapter.sessions.values()
        assert row["userId"] == user["id"]

    session = await browser.session()
    assert session["user"]["email"] == ADA
    assert session["user"].get("name") is None


async def test_the_jwt_of_an_email_sign_in_names_the_stored_user(
    format: str, adapter: MemoryAdapter, outbox: Outbox
) -> None:
    calls: list[dict[str, Any]] = []

    def jwt(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        token: dict[str, Any] = kwargs["token"]
        return token

    options = email_options(format, adapter, outbox, session={"strategy": "jwt"}, callbacks={"jwt": jwt})
    browser = CoreClient(options)
    await request_link(browser)
    await follow(browser, outbox.link)
    (user,) = adapter.users.values()
    assert calls[0]["token"]["sub"] == user["id"]
    assert calls[0]["trigger"] == "signUp"
    assert calls[0]["account"]["type"] == "email"


async def test_an_existing_user_gets_email_verified_updated(
    format: str, adapter: MemoryAdapter, outbox: Outbox, events: Events
) -> None:
    await adapter.create_user({"id": "u-ada", "name": "Ada", "email": ADA, "emailVerified": None})
    options = email_options(format, adapter, outbox, events=events.handlers(), pages={"new_user": "/welcome"})
    browser = CoreClient(options)
    for click_at in (NOW + 60, NOW + 5 * DAY):
        browser.now = click_at - 30
        await request_link(browser)
        browser.now = click_at
        response = await follow(browser, outbox.link)
        assert response.redirect == f"{ORIGIN}/dash"  # not a new user: no new-user page
        assert adapter.users["u-ada"]["emailVerified"] == at(click_at)
        assert events.last("update_user")["user"]["emailVerified"] == at(click_at)
        assert events.last("sign_in")["is_new_user"] is False
    assert "create_user" not in events.names()
    assert events.names().count("update_user") == 2
    assert list(adapter.users) == ["u-ada"]
    assert (await browser.session())["user"]["name"] == "Ada"


async def test_a_new_user_goes_to_the_new_user_page(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox, pages={"new_user": "/welcome"}))
    await request_link(browser)
    response = await follow(browser, outbox.link)
    assert response.redirect == f"{ORIGIN}/welcome?callbackUrl={quote(ORIGIN + '/dash', safe='')}"


async def test_a_link_works_once(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    options = email_options(format, adapter, outbox)
    await request_link(CoreClient(options))
    assert (await follow(CoreClient(options), outbox.link)).redirect == f"{ORIGIN}/dash"

    second = CoreClient(options)
    response = await follow(second, outbox.link)
    assert response.status == 302
    assert response.redirect == f"{BASE}/error?error=Verification"
    assert second.session_cookie_names() == []
    page = await second.request("GET", "error", query={"error": "Verification"})
    assert page.status == 403
    assert "Unable to sign in" in page.body


async def test_an_expired_link_is_refused(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    options = email_options(format, adapter, outbox)
    await request_link(CoreClient(options))
    first_link = outbox.link
    browser = CoreClient(options, now=NOW + DAY + 1)
    response = await follow(browser, first_link)
    assert response.redirect == f"{BASE}/error?error=Verification"
    assert browser.session_cookie_names() == []
    assert adapter.users == {}

    # Up to the second it expires, a link still works (NextAuth compares with `<`).
    await request_link(CoreClient(options, now=NOW + 2 * DAY))
    response = await follow(CoreClient(options, now=NOW + 3 * DAY), outbox.link)
    assert response.redirect == f"{ORIGIN}/dash"


async def test_a_link_with_another_email_is_refused(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    options = email_options(format, adapter, outbox)
    await request_link(CoreClient(options))
    query = link_query(outbox.link)
    browser = CoreClient(options)
    response = await browser.request("GET", "callback/email", query={**query, "email": "eve@example.com"})
    assert response.redirect == f"{BASE}/error?error=Verification"
    assert browser.session_cookie_names() == []
    assert adapter.users == {}
    # The real link still works: the wrong address did not use it up.
    assert (await follow(browser, outbox.link)).redirect == f"{ORIGIN}/dash"


async def test_a_made_up_token_is_refused(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    response = await browser.request("GET", "callback/email", query={"token": "0" * 64, "email": ADA})
    assert response.redirect == f"{BASE}/error?error=Verification"


async def test_a_link_without_a_token(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    response = await browser.request("GET", "callback/email", query={"email": ADA})
    assert response.status == 302
    expected = "configuration" if format == "v4" else "Configuration"  # next-auth 4 writes it in lower case
    assert response.redirect == f"{BASE}/error?error={expected}"


# --- identifier normalisation ------------------------------------------------------------------------------

FULLWIDTH_AT = "\uff20"


def fullwidth(text: str) -> str:
    """``text`` in fullwidth forms (U+FF01..U+FF5E), which NFKC maps back to ASCII."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


NORMALISED = [
    ("ada@example.com", "ada@example.com"),
    ("  Ada@Example.COM\t", "ada@example.com"),
    (f"{fullwidth('ada')}@{fullwidth('example')}.com", "ada@example.com"),  # fullwidth letters: NFKC
    (f"ada{FULLWIDTH_AT}example.com", "ada@example.com"),  # a fullwidth @ is a real @ after NFKC
    ("ada@example.com,evil.com", "ada@example.com"),  # the domain is cut at its first comma
    ("ada+tag@sub.example.co.uk", "ada+tag@sub.example.co.uk"),
]
REJECTED = [
    "",
    "ada",
    "ada@",
    "@example.com",
    "a@b@example.com",
    f"ada{FULLWIDTH_AT}evil.com@example.com",  # two @ once normalised
    '"ada@evil.com"@example.com',
    'ada"@example.com',
    "ada@,example.com",
    "ada@example.com\r\nBcc: eve@example.com",
    "ada@example.com>",
    # NextAuth keeps these in the local part; as an address they name other recipients (issue 9).
    "ada,bob@example.com",
    "alice:evil@attacker.com;",
    "x1:victim@example.com;",
    "ada bob@example.com",
    "ada;@example.com",
    "(comment)ada@example.com",
    "ada.@example.com",
    "ada..bob@example.com",
    "ada@exa_mple.com",
    "ada@-example.com",
    "ada@example..com",
    f"{'a' * 65}@example.com",
]


@pytest.mark.parametrize(("given", "expected"), NORMALISED)
def test_normalisation(given: str, expected: str) -> None:
    assert normalize_email(given, v4=False) == expected
    assert normalize_email(given, v4=True) == expected


@pytest.mark.parametrize("given", REJECTED)
def test_rejected_addresses(given: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        normalize_email(given, v4=False)
    with pytest.raises(ValueError, match="not an email address"):
        normalize_email(given, v4=True)


def test_next_auth_4_wants_a_dot_in_the_domain() -> None:
    assert normalize_email("root@localhost", v4=False) == "root@localhost"
    with pytest.raises(ValueError, match="not an email address"):
        normalize_email("root@localhost", v4=True)


@pytest.mark.parametrize("given", ["a@b@example.com", '"ada@evil.com"@example.com', "nope", "root@localhost"])
async def test_a_bad_address_sends_nothing(
    format: str, given: str, adapter: MemoryAdapter, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    with caplog.at_level(logging.INFO, logger="authsession"):
        response = await request_link(browser, given)
    assert response.status == 302
    if format == "v4":
        assert response.redirect == f"{BASE}/error?error=EmailSignin"
        bounce = await browser.request("GET", "error", query={"error": "EmailSignin"})
        assert bounce.redirect == f"{BASE}/signin?error=EmailSignin"
    elif given == "root@localhost":  # Auth.js does not ask for a dot
        assert response.redirect == VERIFY_REQUEST
        return
    else:
        assert response.redirect == f"{BASE}/signin?error=Configuration"
    assert outbox.sent == []
    assert adapter.tokens == {}
    assert any("EmailSignin" in r.getMessage() for r in caplog.records)


async def test_a_custom_normaliser_replaces_the_rules(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    provider = Email(send_verification_request=outbox.send, normalize_identifier=lambda value: value.upper())
    browser = CoreClient(email_options(format, adapter, outbox, provider=provider))
    assert (await request_link(browser, "Ada@Host")).redirect == VERIFY_REQUEST
    assert outbox.sent[0]["identifier"] == "ADA@HOST"


# --- rate limit and failures -------------------------------------------------------------------------------


async def test_one_link_per_address_per_minute(
    format: str, adapter: MemoryAdapter, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    await request_link(browser)
    browser.now = NOW + 30
    with caplog.at_level(logging.INFO, logger="authsession"):
        response = await request_link(browser)
    assert response.redirect == VERIFY_REQUEST  # the page does not tell whether mail went out
    assert len(outbox.sent) == 1
    assert len(adapter.tokens) == 1
    assert any("less than 60 s ago" in r.getMessage() for r in caplog.records)

    # another address is not held back
    await request_link(browser, "bob@example.com")
    assert [m["identifier"] for m in outbox.sent] == [ADA, "bob@example.com"]

    browser.now = NOW + 61
    assert (await request_link(browser)).redirect == VERIFY_REQUEST
    assert [m["identifier"] for m in outbox.sent] == [ADA, "bob@example.com", ADA]
    # both links to Ada work (each once)
    assert (await follow(CoreClient(browser.options, now=NOW + 62), outbox.sent[0]["url"])).status == 302
    assert (await follow(CoreClient(browser.options, now=NOW + 62), outbox.link)).redirect == f"{ORIGIN}/dash"


async def test_rate_limit_can_be_turned_off(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    provider = Email(send_verification_request=outbox.send, rate_limit=0)
    browser = CoreClient(email_options(format, adapter, outbox, provider=provider))
    await request_link(browser)
    await request_link(browser)
    assert len(outbox.sent) == 2


async def test_a_sending_failure(
    format: str, adapter: MemoryAdapter, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    outbox.fail = True
    with caplog.at_level(logging.ERROR, logger="authsession"):
        response = await request_link(browser)
    assert response.status == 302
    if format == "v4":
        assert response.redirect == f"{BASE}/error?error=EmailSignin"
    else:
        assert response.redirect == f"{BASE}/signin?error=Configuration"
    record = next(r for r in caplog.records if "sending the sign-in email failed" in r.getMessage())
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert browser.session_cookie_names() == []

    # The user tries again at once: the failed attempt does not count against the rate limit.
    outbox.fail = False
    browser.now = NOW + 5
    assert (await request_link(browser)).redirect == VERIFY_REQUEST
    assert len(outbox.sent) == 1
    assert len(adapter.tokens) == 1


# --- the sign_in callback ----------------------------------------------------------------------------------


async def test_the_sign_in_callback_can_refuse_the_request(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    seen: list[dict[str, Any]] = []

    def sign_in(**kwargs: Any) -> bool:
        seen.append(kwargs)
        return not kwargs["user"]["email"].endswith("@blocked.example")

    browser = CoreClient(email_options(format, adapter, outbox, callbacks={"sign_in": sign_in}))
    response = await request_link(browser, "mallory@blocked.example")
    assert response.status == 302
    assert response.redirect == f"{BASE}/error?error=AccessDenied"
    assert outbox.sent == []
    assert adapter.tokens == {}
    (call,) = seen
    assert call["email"] == {"verificationRequest": True}
    assert call["user"]["email"] == "mallory@blocked.example"
    assert call["user"]["emailVerified"] is None
    assert call["user"]["id"] == ("mallory@blocked.example" if format == "v4" else call["user"]["id"])
    assert call["account"] == {
        "providerAccountId": "mallory@blocked.example",
        "userId": call["user"]["id"],
        "type": "email",
        "provider": "email",
    }

    assert (await request_link(browser)).redirect == VERIFY_REQUEST
    assert seen[-1]["email"] == {"verificationRequest": True}


async def test_the_sign_in_callback_raising_on_the_request_step(
    format: str, adapter: MemoryAdapter, outbox: Outbox
) -> None:
    def sign_in(**kwargs: Any) -> bool:
        raise RuntimeError("policy service unreachable")

    browser = CoreClient(email_options(format, adapter, outbox, callbacks={"sign_in": sign_in}))
    response = await request_link(browser)
    # next-auth 4 shows the message only of an AuthError; Auth.js says AccessDenied
    expected = "Configuration" if format == "v4" else "AccessDenied"
    assert response.redirect == f"{BASE}/error?error={expected}"
    assert outbox.sent == []


async def test_the_sign_in_callback_refusing_on_the_callback_step_creates_no_user(
    format: str, adapter: MemoryAdapter, outbox: Outbox, events: Events
) -> None:
    def sign_in(**kwargs: Any) -> bool:
        return "email" in kwargs  # the request step only

    options = email_options(
        format, adapter, outbox, callbacks={"sign_in": sign_in}, events=events.handlers(), session={"strategy": "jwt"}
    )
    browser = CoreClient(options)
    await request_link(browser)
    response = await follow(browser, outbox.link)
    assert response.redirect == f"{BASE}/error?error=AccessDenied"
    assert adapter.users == {}
    assert events.names() == []
    assert browser.session_cookie_names() == []


async def test_the_sign_in_callback_may_redirect_elsewhere(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox, callbacks={"sign_in": lambda: "/sorry"}))
    response = await request_link(browser)
    # next-auth 4 redirects to the string as given; Auth.js passes it through the redirect callback
    assert response.redirect == ("/sorry" if format == "v4" else f"{ORIGIN}/sorry")
    assert outbox.sent == []


# --- options and pages -------------------------------------------------------------------------------------


def test_email_needs_an_adapter(format: str, outbox: Outbox) -> None:
    with pytest.raises(ConfigurationError, match="adapter"):
        make_options(format=format, providers=[Email(send_verification_request=outbox.send)])


def test_email_needs_the_site_url(format: str, outbox: Outbox, monkeypatch: pytest.MonkeyPatch) -> None:
    params: dict[str, Any] = {
        "format": format,
        "adapter": MemoryAdapter(),
        "providers": [Email(send_verification_request=outbox.send)],
    }
    with pytest.raises(ConfigurationError, match="url"):
        make_options(**params)
    assert make_options(**params, url="https://app.example.com").origin == "https://app.example.com"
    assert make_options(**params, trust_host=True).trust_host is True
    monkeypatch.setenv("AUTH_URL", "https://app.example.com")
    assert make_options(**params).origin == "https://app.example.com"


def test_email_needs_the_token_methods(format: str, outbox: Outbox) -> None:
    class UsersOnly:
        async def get_user_by_email(self, email: str) -> None:
            return None

    with pytest.raises(ConfigurationError, match="create_verification_token") as info:
        make_options(format=format, adapter=UsersOnly(), providers=[Email(send_verification_request=outbox.send)])
    assert "use_verification_token" in str(info.value)
    assert "get_user_by_email" not in str(info.value).split("missing")[-1]


def test_email_needs_a_way_to_send() -> None:
    with pytest.raises(ConfigurationError, match="server"):
        Email()
    with pytest.raises(ConfigurationError, match="smtp://"):
        Email(server="http://mail.example.com")
    with pytest.raises(ConfigurationError, match="max_age"):
        Email(server="smtp://127.0.0.1:25", max_age=0)


def test_the_smtp_url_is_parsed() -> None:
    provider = Email(server="smtps://me%40example.com:p%40ss@mail.example.com")
    assert provider.server is not None
    assert (provider.server.host, provider.server.port, provider.server.tls) == ("mail.example.com", 465, "ssl")
    assert (provider.server.username, provider.server.password) == ("me@example.com", "p@ss")
    assert "p@ss" not in repr(provider)
    plain = Email(server="smtp://127.0.0.1:1025").server
    assert plain is not None
    assert (plain.port, plain.tls, plain.username) == (1025, "starttls", None)


async def test_the_providers_list_shows_email(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    providers = (await browser.request("GET", "providers")).body
    assert '"type": "email"' in providers
    page = await browser.request("GET", "signin")
    assert page.status == 200
    assert 'name="email"' in page.body
    assert f'action="{BASE}/signin/email"' in page.body


async def test_the_verify_request_page(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    response = await browser.request("GET", "verify-request", query={"provider": "email", "type": "email"})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html"
    assert "Check your email" in response.body
    assert "A sign in link has been sent to your email address." in response.body


async def test_a_custom_verify_request_page(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    options = email_options(format, adapter, outbox, pages={"verify_request": "/check-your-email"})
    browser = CoreClient(options)
    response = await request_link(browser)
    assert response.redirect == VERIFY_REQUEST
    response = await browser.request("GET", "verify-request", query={"provider": "email", "type": "email"})
    assert response.status == 302
    if format == "v4":
        assert response.redirect == f"{ORIGIN}/check-your-email"
    else:  # Auth.js keeps the query
        assert response.redirect == f"{ORIGIN}/check-your-email?provider=email&type=email"


async def test_a_user_signed_in_by_email_can_sign_out(format: str, adapter: MemoryAdapter, outbox: Outbox) -> None:
    browser = CoreClient(email_options(format, adapter, outbox))
    await request_link(browser)
    await follow(browser, outbox.link)
    assert (await browser.session())["user"]["email"] == ADA
    await browser.request("POST", "signout", body={"csrfToken": await browser.csrf_token()})
    assert await browser.session() == EMPTY[format]
    assert adapter.sessions == {}
