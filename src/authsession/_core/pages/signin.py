"""The built-in sign-in page (``GET <base>/signin``), protocol §4.4 and the error texts of §8.

Each provider gets a plain HTML form, so the page works without JavaScript: OAuth and OIDC
providers a button posting to ``<base>/signin/<id>``, the email provider an address field posting
there too, and a credentials provider its fields posting to ``<base>/callback/<id>``. A passkey
provider is the exception: WebAuthn needs the browser's API, so its form comes with the one
script of ``pages/passkey.py``, allowed by hash (:data:`SIGNIN_HEADERS_WITH_PASSKEYS`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from authsession._core.pages.headers import CONTENT_SECURITY_POLICY, PAGE_HEADERS
from authsession._core.pages.layout import escape, render_document, safe_url
from authsession._core.pages.passkey import PASSKEY_SCRIPT, SCRIPT_HASH, passkey_form
from authsession.theme import ProviderStyle, Theme
from authsession.types import Format, ProviderType

_TRY_ANOTHER_ACCOUNT = "Try signing in with a different account."
_BOTH_DIALECTS = {
    "Signin": _TRY_ANOTHER_ACCOUNT,
    "OAuthSignin": _TRY_ANOTHER_ACCOUNT,
    "OAuthCreateAccount": _TRY_ANOTHER_ACCOUNT,
    "EmailCreateAccount": _TRY_ANOTHER_ACCOUNT,
    "Callback": _TRY_ANOTHER_ACCOUNT,
    "OAuthAccountNotLinked": "To confirm your identity, sign in with the same account you used originally.",
    "EmailSignin": "The e-mail could not be sent.",
    "CredentialsSignin": "Sign in failed. Check the details you provided are correct.",
    "SessionRequired": "Please sign in to access this page.",
}

#: The message shown for each sign-in error code (``?error=<code>``), per format; other codes get
#: :data:`DEFAULT_SIGNIN_ERROR_MESSAGE`. Each table is its package's own (next-auth 4's
#: ``core/pages/signin``, Auth.js 5's ``lib/pages/signin``): they differ only in the OAuth callback
#: failure's name, so the other dialect's name, like ``MissingCSRF``, gets the default text there too.
SIGNIN_ERROR_MESSAGES: Mapping[Format, Mapping[str, str]] = MappingProxyType(
    {
        "v4": MappingProxyType({**_BOTH_DIALECTS, "OAuthCallback": _TRY_ANOTHER_ACCOUNT}),
        "v5": MappingProxyType({**_BOTH_DIALECTS, "OAuthCallbackError": _TRY_ANOTHER_ACCOUNT}),
    }
)
DEFAULT_SIGNIN_ERROR_MESSAGE = "Unable to sign in."

_BUTTON_ONLY_TYPES = frozenset({"oauth", "oidc"})
#: The sign-in page's headers when it holds a passkey form: its script, and fetch to the site.
SIGNIN_HEADERS_WITH_PASSKEYS = MappingProxyType(
    {
        **PAGE_HEADERS,
        "Content-Security-Policy": f"{CONTENT_SECURITY_POLICY}; script-src '{SCRIPT_HASH}'; connect-src 'self'",
    }
)
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One input of a credentials provider's form; ``name`` is the form field it posts."""

    name: str
    label: str
    type: str = "text"
    placeholder: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class PageProvider:
    """What the sign-in page needs to know about one configured provider."""

    id: str
    name: str
    type: ProviderType
    signin_url: str
    callback_url: str
    fields: tuple[CredentialField, ...] = ()
    style: ProviderStyle | None = None
    #: ``<base>``, where a passkey form asks for its options.
    base_url: str = ""
    #: ``(text, url)`` links shown under the provider's form: a ``Password`` provider's sign-up
    #: and forgot-password pages.
    links: tuple[tuple[str, str], ...] = ()


class _IdMaker:
    """Unique, attribute-safe element ids, so each ``<label for>`` finds its input."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, *parts: str) -> str:
        base = "-".join(_ID_UNSAFE.sub("-", part).strip("-") or "x" for part in ("input", *parts))
        candidate, n = base, 1
        while candidate in self._used:
            n += 1
            candidate = f"{base}-{n}"
        self._used.add(candidate)
        return candidate


def _hidden_inputs(csrf_token: str, callback_url: str) -> str:
    return (
        f'<input type="hidden" name="csrfToken" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="callbackUrl" value="{escape(callback_url)}">'
    )


def _submit_button(provider: PageProvider) -> str:
    style = provider.style
    css_vars = []
    logo = ""
    if style is not None:
        if style.bg:
            css_vars.append(f"--provider-bg:{style.bg}")
        if style.text:
            css_vars.append(f"--provider-text:{style.text}")
        if style.logo:
            logo = f'<img class="button__logo" src="{escape(style.logo)}" alt="" width="20" height="20">'
    style_attr = f' style="{escape(";".join(css_vars))}"' if css_vars else ""
    return (
        f'<button type="submit" class="button"{style_attr}>'
        f"{logo}<span>Sign in with {escape(provider.name)}</span></button>"
    )


def _autocomplete(field: CredentialField) -> str | None:
    if field.type == "password":
        return "current-password"
    if field.type == "email":
        return "email"
    if field.name.lower() == "username":
        return "username"
    return None


def _button_form(provider: PageProvider, csrf_token: str, callback_url: str) -> str:
    return (
        f'<form method="post" action="{safe_url(provider.signin_url)}">'
        f"{_hidden_inputs(csrf_token, callback_url)}{_submit_button(provider)}</form>"
    )


def _email_form(provider: PageProvider, csrf_token: str, callback_url: str, email: str | None, ids: _IdMaker) -> str:
    input_id = ids.make(provider.id, "email")
    value = f' value="{escape(email)}"' if email else ""
    return (
        f'<form method="post" action="{safe_url(provider.signin_url)}">'
        f"{_hidden_inputs(csrf_token, callback_url)}"
        f'<div class="field"><label for="{input_id}">Email</label>'
        f'<input id="{input_id}" type="email" name="email" autocomplete="email" '
        f'placeholder="email@example.com" required{value}></div>'
        f"{_submit_button(provider)}</form>"
    )


def _credentials_form(provider: PageProvider, csrf_token: str, callback_url: str, ids: _IdMaker) -> str:
    inputs = []
    for field in provider.fields:
        input_id = ids.make(provider.id, field.name)
        attrs = [f'id="{input_id}"', f'name="{escape(field.name)}"', f'type="{escape(field.type)}"']
        if field.placeholder:
            attrs.append(f'placeholder="{escape(field.placeholder)}"')
        autocomplete = _autocomplete(field)
        if autocomplete:
            attrs.append(f'autocomplete="{autocomplete}"')
        if field.required:
            attrs.append("required")
        inputs.append(
            f'<div class="field"><label for="{input_id}">{escape(field.label)}</label><input {" ".join(attrs)}></div>'
        )
    links = "".join(
        f'<p class="provider-link"><a href="{safe_url(url)}">{escape(text)}</a></p>' for text, url in provider.links
    )
    return (
        f'<form method="post" action="{safe_url(provider.callback_url)}">'
        f"{_hidden_inputs(csrf_token, callback_url)}{''.join(inputs)}"
        f"{_submit_button(provider)}</form>{links}"
    )


def render_signin(
    *,
    providers: Sequence[PageProvider],
    csrf_token: str,
    callback_url: str,
    error: str | None,
    theme: Theme,
    format: Format,
    email: str | None = None,
) -> str:
    """The sign-in page: one form per provider, and the message for ``error`` when it is set.

    ``error`` comes from the query string, so it only selects one of
    ``format``'s table in :data:`SIGNIN_ERROR_MESSAGES`; the code itself is never written into the page.
    ``email`` pre-fills the email provider's address field.
    """
    ids = _IdMaker()
    # Adjacent button-only providers share one stack; a divider sets off each form with inputs.
    blocks: list[list[str]] = []
    previous_was_button = False
    for provider in providers:
        if provider.type in _BUTTON_ONLY_TYPES:
            form = _button_form(provider, csrf_token, callback_url)
            if previous_was_button:
                blocks[-1].append(form)
            else:
                blocks.append([form])
            previous_was_button = True
            continue
        if provider.type == "email":
            form = _email_form(provider, csrf_token, callback_url, email, ids)
        elif provider.type == "webauthn":
            form = passkey_form(
                provider_id=provider.id,
                base_url=provider.base_url,
                callback_url=provider.callback_url,
                csrf_token=csrf_token,
                redirect_to=callback_url,
                button=f"Sign in with {provider.name}",
                email_input_id=ids.make(provider.id, "email"),
            )
        else:
            form = _credentials_form(provider, csrf_token, callback_url, ids)
        blocks.append([form])
        previous_was_button = False

    divider = '\n<div class="divider"><span>or</span></div>\n'
    body = divider.join(f'<div class="provider-group">{"".join(forms)}</div>' for forms in blocks)
    alert = ""
    if error:
        message = SIGNIN_ERROR_MESSAGES[format].get(error, DEFAULT_SIGNIN_ERROR_MESSAGE)
        alert = f'<div class="alert" role="alert"><p>{escape(message)}</p></div>\n'
    script = f"\n<script>{PASSKEY_SCRIPT}</script>" if any(p.type == "webauthn" for p in providers) else ""
    content = f"<h1>Sign in</h1>\n{alert}{body}{script}"
    return render_document(title="Sign In", content=content, theme=theme)
