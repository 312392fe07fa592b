"""Passkeys through the core: Auth.js 5's routes, shapes and cookie, registration and sign-in
verified by py_webauthn against a software authenticator, and every forgery refused."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from authsession import AuthOptions
from authsession.adapters import MemoryAdapter
from authsession.errors import ConfigurationError
from authsession.providers import Passkey
from authsession.providers.passkey import PASSKEY_SCRIPT, PASSKEY_SCRIPT_HASH, passkey_form
from helpers import SECRET, USER, CoreClient, NodeOracle, json_body, make_credentials, make_options, response_cookies
from webauthn_device import SoftPasskey

ORIGIN = "http://localhost:3000"
CHALLENGE_COOKIE = "authjs.challenge"


@pytest.fixture(params=["jwt", "database"])
def client(request: pytest.FixtureRequest) -> CoreClient:
    adapter = MemoryAdapter()
    options = make_options(providers=[Passkey()], adapter=adapter, session={"strategy": request.param})
    return CoreClient(options)


def adapter_of(client: CoreClient) -> MemoryAdapter:
    adapter: MemoryAdapter = client.options.adapter
    return adapter


async def options_for(client: CoreClient, **query: str) -> dict[str, Any]:
    response = await client.request("GET", "webauthn-options/passkey", query=query)
    assert response.status == 200, response.body
    body: dict[str, Any] = json_body(response)
    return body


async def finish(client: CoreClient, action: str, data: dict[str, Any] | str) -> str:
    """POST the browser's answer as next-auth/webauthn does; the URL it is sent on to."""
    body = {"action": action, "data": data if isinstance(data, str) else json.dumps(data), "callbackUrl": "/profile"}
    response = await client.request("POST", "callback/passkey", body=body, headers={"X-Auth-Return-Redirect": "1"})
    assert response.status == 200, response.body
    url: str = json_body(response)["url"]
    return url


def error_of(url: str) -> str | None:
    return parse_qs(urlsplit(url).query).get("error", [None])[0]


async def register_new(client: CoreClient, device: SoftPasskey, email: str = "grace@example.com") -> str:
    offered = await options_for(client, action="register", email=email)
    assert offered["action"] == "register"
    return await finish(client, "register", device.register(offered["options"]))


async def sign_in_with(client: CoreClient, device: SoftPasskey, **forge: Any) -> str:
    offered = await options_for(client, action="authenticate")
    assert offered["action"] == "authenticate"
    return await finish(client, "authenticate", device.sign_in(offered["options"], **forge))


async def signed_out(client: CoreClient) -> CoreClient:
    return CoreClient(client.options)


# --- the wire -------------------------------------------------------------------------------


async def test_providers_lists_the_passkey_provider(client: CoreClient) -> None:
    listed = json_body(await client.request("GET", "providers"))["passkey"]
    assert listed == {
        "id": "passkey",
        "name": "Passkey",
        "type": "webauthn",
        "signinUrl": f"{ORIGIN}/api/auth/signin/passkey",
        "callbackUrl": f"{ORIGIN}/api/auth/callback/passkey",
    }


async def test_registration_options_have_auth_js_shape(client: CoreClient) -> None:
    response = await client.request("GET", "webauthn-options/passkey", query={"action": "register", "email": "g@x.io"})
    body = json_body(response)
    options = body["options"]
    assert body["action"] == "register"
    assert options["rp"] == {"name": "localhost:3000", "id": "localhost"}
    assert options["user"]["name"] == "g@x.io"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["timeout"] == 300_000
    assert options["attestation"] == "none"
    assert {p["alg"] for p in options["pubKeyCredParams"]} >= {-7, -257}
    assert options["extensions"] == {"credProps": True}
    cookie = response_cookies(response)[CHALLENGE_COOKIE]
    assert (cookie.http_only, cookie.same_site, cookie.path, cookie.max_age) == (True, "lax", "/", 900)


async def test_the_challenge_cookie_is_what_auth_js_reads(client: CoreClient, node_v5: NodeOracle) -> None:
    client.now = time.time()  # the oracle checks exp against its own clock
    response = await client.request("GET", "webauthn-options/passkey", query={"action": "register", "email": "g@x.io"})
    challenge = json_body(response)["options"]["challenge"]
    sealed = response_cookies(response)[CHALLENGE_COOKIE].value
    outer = node_v5.call("decode", token=sealed, secret=SECRET, salt=CHALLENGE_COOKIE)
    assert outer["provider"] == "passkey"
    inner = node_v5.call("decode", token=outer["value"], secret=SECRET, salt="encodedWebauthnChallenge")
    assert inner["challenge"] == challenge
    assert inner["registerData"] == {"email": "g@x.io"}


async def test_invalid_action_and_undecidable_requests(client: CoreClient) -> None:
    bad = await client.request("GET", "webauthn-options/passkey", query={"action": "steal"})
    assert (bad.status, json_body(bad)) == (400, {"error": "Invalid action"})
    # Register needs a user: nobody signed in and no email is no request Auth.js can decide.
    none = await client.request("GET", "webauthn-options/passkey", query={"action": "register"})
    assert (none.status, json_body(none)) == (400, {"error": "Invalid request"})


async def test_inferred_actions(client: CoreClient) -> None:
    assert (await options_for(client))["action"] == "authenticate"
    assert (await options_for(client, email="new@example.com"))["action"] == "register"
    await register_new(client, SoftPasskey(ORIGIN), email="known@example.com")
    anonymous = await signed_out(client)
    known = await options_for(anonymous, email="known@example.com")
    assert known["action"] == "authenticate"
    assert len(known["options"]["allowCredentials"]) == 1
    # Someone else's email cannot be registered to: that would take over their account.
    taken = await anonymous.request(
        "GET", "webauthn-options/passkey", query={"action": "register", "email": "known@example.com"}
    )
    assert taken.status == 400


# --- the flows --------------------------------------------------------------------------------


async def test_register_a_new_user_sign_out_and_sign_in_again(client: CoreClient) -> None:
    device = SoftPasskey(ORIGIN)
    assert await register_new(client, device) == f"{ORIGIN}/profile"
    assert (await client.session())["user"]["email"] == "grace@example.com"
    store = adapter_of(client)
    (stored,) = store.authenticators.values()
    assert stored["counter"] == 0
    assert (stored["credentialDeviceType"], stored["credentialBackedUp"]) == ("multiDevice", True)
    assert stored["transports"] == "hybrid,internal"
    user = await store.get_user_by_account("passkey", stored["credentialID"])
    assert user is not None
    assert user["email"] == "grace@example.com"
    assert stored["userId"] == user["id"]

    again = await signed_out(client)
    assert await again.session() is None
    assert await sign_in_with(again, device) == f"{ORIGIN}/profile"
    assert (await again.session())["user"]["email"] == "grace@example.com"
    assert store.authenticators[stored["credentialID"]]["counter"] == 1


async def test_a_signed_in_user_adds_a_passkey(client: CoreClient) -> None:
    await register_new(client, SoftPasskey(ORIGIN))
    second = SoftPasskey(ORIGIN, backup_eligible=False)
    offered = await options_for(client, action="register")
    assert len(offered["options"]["excludeCredentials"]) == 1  # the one the user has
    assert await finish(client, "register", second.register(offered["options"])) == f"{ORIGIN}/profile"
    store = adapter_of(client)
    (user_id,) = {a["userId"] for a in store.authenticators.values()}
    assert len(await store.list_authenticators_by_user_id(user_id)) == 2
    assert len(store.users) == 1
    assert await sign_in_with(await signed_out(client), second) == f"{ORIGIN}/profile"


@pytest.mark.parametrize("strategy", ["jwt", "database"])
async def test_a_credentials_user_adds_a_passkey_and_signs_in_with_it(strategy: str) -> None:
    adapter = MemoryAdapter()
    await adapter.create_user({**USER, "emailVerified": None})  # type: ignore[typeddict-item]
    options = make_options(providers=[make_credentials(), Passkey()], adapter=adapter, session={"strategy": strategy})
    client = CoreClient(options)
    await client.sign_in()
    device = SoftPasskey(ORIGIN)
    offered = await options_for(client, action="register")
    assert offered["options"]["user"]["name"] == "ada@example.com"
    await finish(client, "register", device.register(offered["options"]))
    (stored,) = adapter.authenticators.values()
    assert stored["userId"] == USER["id"]
    again = CoreClient(options)
    await sign_in_with(again, device)
    assert (await again.session())["user"]["email"] == "ada@example.com"


# --- what signs nobody in -----------------------------------------------------------------------


async def refused(client: CoreClient, url: str, error: str) -> None:
    assert error_of(url) == error, url
    assert await client.session() is None


async def test_a_replayed_assertion_is_refused(client: CoreClient) -> None:
    device = SoftPasskey(ORIGIN, counter_step=0)  # a synced passkey: the counter stays 0
    await register_new(client, device)
    thief = await signed_out(client)
    offered = await options_for(thief, action="authenticate")
    assert thief.jar is not None
    captured_cookies = dict(thief.jar)
    answer = device.sign_in(offered["options"])
    assert await finish(thief, "authenticate", answer) == f"{ORIGIN}/profile"
    replay = CoreClient(client.options, jar=captured_cookies)
    await refused(replay, await finish(replay, "authenticate", answer), "WebAuthnVerificationError")


async def test_a_wrong_origin_is_refused(client: CoreClient) -> None:
    device = SoftPasskey(ORIGIN)
    await register_new(client, device)
    phished = await signed_out(client)
    url = await sign_in_with(phished, device, origin="http://evil.example:3000")
    await refused(phished, url, "WebAuthnVerificationError")


async def test_a_wrong_rp_id_is_refused(client: CoreClient) -> None:
    device = SoftPasskey(ORIGIN)
    await register_new(client, device)
    other = await signed_out(client)
    await refused(other, await sign_in_with(other, device, rp_id="evil.example"), "WebAuthnVerificationError")


async def test_a_registration_for_another_site_is_refused(client: CoreClient) -> None:
    offered = await options_for(client, action="register", email="grace@example.com")
    answer = SoftPasskey(ORIGIN).register(offered["options"], origin="http://evil.example")
    await refused(client, await finish(client, "register", answer), "WebAuthnVerificationError")
    assert adapter_of(client).authenticators == {}
    assert adapter_of(client).users == {}


async def test_a_wrong_challenge_is_refused(client: CoreClient) -> None:
    device = SoftPasskey(ORIGIN)
    await register_new(client, device)
    other = await signed_out(client)
    stale = (await options_for(other, action="authenticate"))["options"]["challenge"]
    url = await sign_in_with(other, device, challenge=stale)  # signs the first, sends the second
    await refused(other, url, "WebAuthnVerificationError")


async def test_a_cloned_authenticator_is_refused(client: CoreClient) -> None:
    device = SoftPasskey(ORIGIN)
    await register_new(client, device)
    await sign_in_with(await signed_out(client), device)
    await sign_in_with(await signed_out(client), device)
    clone = SoftPasskey(ORIGIN, credential_id=device.credential_id, key=device.key, user_handle=device.user_handle)
    clone.counter = 1  # the copy's counter lags: 2 was seen already
    other = await signed_out(client)
    await refused(other, await sign_in_with(other, clone), "WebAuthnVerificationError")


async def test_an_unknown_credential_is_refused(client: CoreClient) -> None:
    await register_new(client, SoftPasskey(ORIGIN))
    stranger = await signed_out(client)
    # Auth.js reports it as a plain AuthError, so the browser sees Configuration.
    await refused(stranger, await sign_in_with(stranger, SoftPasskey(ORIGIN)), "Configuration")


async def test_user_verification_is_required(client: CoreClient) -> None:
    offered = await options_for(client, action="register", email="grace@example.com")
    answer = SoftPasskey(ORIGIN, user_verified=False).register(offered["options"])
    await refused(client, await finish(client, "register", answer), "WebAuthnVerificationError")


async def test_another_users_passkey_while_signed_in(client: CoreClient) -> None:
    bob = SoftPasskey(ORIGIN)
    await register_new(client, bob, email="bob@example.com")
    ada = CoreClient(client.options)
    await register_new(ada, SoftPasskey(ORIGIN), email="ada@example.com")
    url = await sign_in_with(ada, bob)
    assert error_of(url) == "AccountNotLinked"
    assert (await ada.session())["user"]["email"] == "ada@example.com"


@pytest.mark.parametrize(
    "data",
    ["not json", "[]", '{"id": 5}', json.dumps({"id": "AAAA", "pad": "x" * 40_000}), '{"id": "%%%"}'],
)
async def test_garbage_is_refused_without_a_500(client: CoreClient, data: str) -> None:
    await options_for(client, action="authenticate")
    await refused(client, await finish(client, "authenticate", data), "Configuration")


async def test_an_unknown_callback_action_is_refused(client: CoreClient) -> None:
    await refused(client, await finish(client, "delete", {"id": "AAAA"}), "Configuration")


async def test_no_challenge_cookie_no_sign_in(client: CoreClient) -> None:
    device = SoftPasskey(ORIGIN)
    await register_new(client, device)
    other = await signed_out(client)
    answer = device.sign_in((await options_for(other, action="authenticate"))["options"])
    assert other.jar is not None
    other.jar.pop(CHALLENGE_COOKIE)
    await refused(other, await finish(other, "authenticate", answer), "Configuration")


# --- configuration ------------------------------------------------------------------------------


def test_passkeys_need_an_adapter_with_authenticators_and_v5() -> None:
    with pytest.raises(ConfigurationError, match="adapter"):
        AuthOptions(secret=SECRET, providers=[Passkey()])
    with pytest.raises(ConfigurationError, match="v5"):
        AuthOptions(secret=SECRET, providers=[Passkey()], adapter=MemoryAdapter(), format="v4")

    class NoPasskeys(MemoryAdapter):
        create_authenticator = None  # type: ignore[assignment]

    with pytest.raises(ConfigurationError, match="create_authenticator"):
        AuthOptions(secret=SECRET, providers=[Passkey()], adapter=NoPasskeys())


def test_relying_party_defaults_and_overrides() -> None:
    derived = Passkey().relying_party("https://app.example.com:8443")
    assert (derived.id, derived.name, derived.origin) == (
        "app.example.com",
        "app.example.com:8443",
        "https://app.example.com:8443",
    )
    fixed = Passkey(rp_id="example.com", rp_name="Example", origin="https://example.com").relying_party("http://x")
    assert (fixed.id, fixed.name, fixed.origin) == ("example.com", "Example", "https://example.com")


# --- the sign-in page ---------------------------------------------------------------------------


async def test_the_sign_in_page_runs_only_the_passkey_script(client: CoreClient) -> None:
    page = await client.request("GET", "signin")
    csp = page.headers["Content-Security-Policy"]
    (script,) = re.findall(r"<script>(.*?)</script>", page.body, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "connect-src 'self'" in csp
    assert 'data-passkey="passkey"' in page.body
    assert f'data-base="{ORIGIN}/api/auth"' in page.body
    plain = await CoreClient(make_options()).request("GET", "signin")
    assert "<script" not in plain.body
    assert "script-src" not in plain.headers["Content-Security-Policy"]


async def test_new_users_false_keeps_registration_to_signed_in_users() -> None:
    adapter = MemoryAdapter()
    await adapter.create_user({**USER, "emailVerified": None})  # type: ignore[typeddict-item]
    options = make_options(providers=[make_credentials(), Passkey(new_users=False)], adapter=adapter)
    stranger = CoreClient(options)
    refused_options = await stranger.request(
        "GET", "webauthn-options/passkey", query={"action": "register", "email": "new@example.com"}
    )
    assert refused_options.status == 400
    # A registration begun while signed in cannot be finished by a visitor who is not.
    member = CoreClient(options)
    await member.sign_in()
    offered = await options_for(member, action="register")
    answer = SoftPasskey(ORIGIN).register(offered["options"])
    assert member.jar is not None
    visitor = CoreClient(options, jar={k: v for k, v in member.jar.items() if "session-token" not in k})
    await refused(visitor, await finish(visitor, "register", answer), "AccessDenied")
    assert adapter.authenticators == {}
    assert await finish(member, "register", answer) == f"{ORIGIN}/profile"
    assert len(adapter.authenticators) == 1


def test_passkey_form_for_your_own_pages() -> None:
    html = passkey_form(action="register", button="Add a passkey", callback_url="/profile")
    assert 'action="/api/auth/callback/passkey"' in html
    assert 'data-base="/api/auth"' in html
    assert 'data-action="register"' in html
    assert 'name="callbackUrl" value="/profile"' in html
    assert PASSKEY_SCRIPT_HASH.startswith("sha256-")
    assert "webauthn-options" in PASSKEY_SCRIPT
