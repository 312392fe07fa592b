"""The demo's pages as small Python string templates.

Every value that comes from a user, a query string or the session goes through
:func:`html.escape` (``e`` below) before it reaches the page; nothing else is interpolated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, NamedTuple

from authsession.providers.passkey import PASSKEY_SCRIPT, passkey_form


def e(value: object) -> str:
    return escape(str(value), quote=True)


CSS = """
:root { color-scheme: light dark; --accent: #3b5bdb; --muted: #6b7280; --danger: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; padding: .75rem 1.5rem;
  border-bottom: 1px solid rgba(127,127,127,.3); }
header strong { margin-right: auto; }
main { max-width: 34rem; margin: 2rem auto; padding: 0 1.25rem; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
.muted { color: var(--muted); }
.card { border: 1px solid rgba(127,127,127,.3); border-radius: .5rem; padding: 1.25rem; margin: 1rem 0; }
.card > :first-child { margin-top: 0; }
.card > :last-child { margin-bottom: 0; }
.stack { display: grid; gap: .75rem; }
label { display: grid; gap: .25rem; font-weight: 600; }
input[type=text], input[type=email], input[type=password] { font: inherit; padding: .5rem .6rem;
  border: 1px solid rgba(127,127,127,.6); border-radius: .375rem; }
button { font: inherit; padding: .5rem 1rem; border: 0; border-radius: .375rem; background: var(--accent);
  color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.alert { padding: .75rem 1rem; border-radius: .375rem; border-left: 4px solid var(--danger); margin: 1rem 0;
  background: rgba(201,42,42,.08); }
.alert ul { margin: 0; padding-left: 1.2rem; }
.or { text-align: center; margin: 1rem 0; }
"""


class OAuthButton(NamedTuple):
    id: str
    name: str


def layout(title: str, body: str, *, base_path: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · authsession demo</title>
<style>{CSS}</style>
</head>
<body>
<header>
<strong>authsession demo</strong>
<nav aria-label="Main">
<a href="/">Home</a> · <a href="/profile">Profile</a> · <a href="/dashboard">Dashboard</a> ·
<a href="{e(base_path)}/sessions">Your sessions</a> · <a href="/api/me">/api/me</a>
</nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{e(name)}" value="{e(value)}">'


def sign_out_form(*, base_path: str, csrf_token: str) -> str:
    return f"""<form method="post" action="{e(base_path)}/signout">
{_hidden("csrfToken", csrf_token)}
{_hidden("callbackUrl", "/")}
<button type="submit" class="secondary">Sign out</button>
</form>"""


def display_name(user: Mapping[str, Any]) -> str:
    """The user's name, or their email when they have none (email sign-in asks for no name)."""
    return str(user.get("name") or user.get("email") or "")


def home_page(user: Mapping[str, Any] | None, *, base_path: str, csrf_token: str | None, passkeys: bool = True) -> str:
    if user is None or csrf_token is None:
        who = f"""<p>You are not signed in.</p>
<p><a href="/login">Sign in</a> or <a href="{e(base_path)}/password/sign-up">create an account</a>.</p>"""
    else:
        email = user.get("email") or ""
        also = f' <span class="muted">({e(email)})</span>' if email and user.get("name") else ""
        add_passkey = ""
        if passkeys:  # Auth.js 5's format only (next-auth 4 has no passkeys)
            add_passkey = f"""<p class="muted">Add a passkey to sign in next time with your fingerprint, face
or device PIN.</p>
{passkey_form(action="register", button="Add a passkey", base_path=base_path, callback_url="/")}
<script>{PASSKEY_SCRIPT}</script>"""
        who = f"""<p>Signed in as <strong>{e(display_name(user))}</strong>{also}.</p>
<p><a href="{e(base_path)}/sessions">Your sessions</a>: every browser signed in as you, each with a
button to sign it out. · <a href="{e(base_path)}/password/change">Change your password</a></p>
{add_passkey}
{sign_out_form(base_path=base_path, csrf_token=csrf_token)}"""
    body = f"""<h1>Welcome to the authsession demo</h1>
<section class="card" aria-label="Who is signed in">
{who}
</section>
<p>Pages that ask for the session on the server before they render:</p>
<ul>
<li><a href="/profile">Profile</a>: shows who you are, or asks you to sign in.</li>
<li><a href="/dashboard">Dashboard</a>: sends anonymous visitors to the sign-in page.</li>
<li><a href="/api/me">/api/me</a>: the same question as JSON.</li>
<li><a href="{e(base_path)}/sessions">Your sessions</a>: where you are signed in; sign out the others.</li>
<li><a href="/login">Sign in</a> · <a href="{e(base_path)}/password/sign-up">Sign up</a></li>
</ul>"""
    return layout("Home", body, base_path=base_path)


def profile_page(user: Mapping[str, Any] | None, *, base_path: str) -> str:
    if user is None:
        body = """<h1>Profile</h1>
<p>You must be logged in to view this page.</p>
<p><a href="/login?callbackUrl=%2Fprofile">Sign in</a></p>"""
    else:
        body = f"""<h1>Welcome, {e(display_name(user))}!</h1>
<p>Your email is {e(user.get("email") or "")}</p>
<p><a href="/">Back home</a></p>"""
    return layout("Profile", body, base_path=base_path)


def dashboard_page(user: Mapping[str, Any], *, expires: str, two_factor_url: str, base_path: str) -> str:
    body = f"""<h1>Dashboard</h1>
<p>Only signed-in users get here, {e(display_name(user))}.</p>
<p class="muted">Your session expires at {e(expires)} unless you come back before then.</p>
<p><a href="{e(two_factor_url)}">Set up two-factor</a>: after that, signing in also asks for a code from an
authenticator app.</p>
<p><a href="{e(base_path)}/sessions">Your sessions</a>: see where else you are signed in, and sign out there.</p>
<p><a href="/">Back home</a></p>"""
    return layout("Dashboard", body, base_path=base_path)


def _alert(message: str) -> str:
    return f'<div class="alert" role="alert">{e(message)}</div>'


def login_page(
    *,
    base_path: str,
    csrf_token: str,
    callback_url: str,
    error_message: str | None,
    password_provider_id: str,
    oauth: Sequence[OAuthButton],
    email_provider_id: str | None,
    link_in_console: bool,
    passkeys: bool = True,
) -> str:
    notices = _alert(error_message) if error_message else ""
    buttons = "".join(
        f"""<form method="post" action="{e(base_path)}/signin/{e(provider.id)}">
{_hidden("csrfToken", csrf_token)}
{_hidden("callbackUrl", callback_url)}
<button type="submit" class="secondary">Sign in with {e(provider.name)}</button>
</form>
"""
        for provider in oauth
    )
    if buttons:
        buttons = f'<div class="stack">{buttons}</div><p class="or muted">or</p>'
    body = f"""<h1>Sign in</h1>
{notices}
{buttons}
<form class="stack card" method="post" action="{e(base_path)}/callback/{e(password_provider_id)}">
{_hidden("csrfToken", csrf_token)}
{_hidden("callbackUrl", callback_url)}
<label for="email">Email
<input id="email" name="email" type="email" autocomplete="username" required></label>
<label for="password">Password
<input id="password" name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
<a href="{e(base_path)}/password/forgot">Forgot your password?</a>
</form>
{_email_link_form(base_path=base_path, provider_id=email_provider_id, csrf_token=csrf_token, callback_url=callback_url)}
{_passkey_sign_in(base_path=base_path, callback_url=callback_url) if passkeys else ""}
<p>No account yet? <a href="{e(base_path)}/password/sign-up">Sign up</a>.</p>
{_CONSOLE_NOTE if link_in_console else ""}"""
    return layout("Sign in", body, base_path=base_path)


_CONSOLE_NOTE = """<p class="muted">This demo has no SMTP server configured: the links it would mail (sign-in,
sign-up confirmation, password reset) are printed in the server console.</p>"""


def _passkey_sign_in(*, base_path: str, callback_url: str) -> str:
    button = passkey_form(
        action="authenticate", button="Sign in with a passkey", base_path=base_path, callback_url=callback_url
    )
    return f"""<p class="or muted">or, with a passkey you added</p>
<div class="stack card">
{button}
</div>
<script>{PASSKEY_SCRIPT}</script>"""


def _email_link_form(*, base_path: str, provider_id: str | None, csrf_token: str, callback_url: str) -> str:
    if provider_id is None:
        return ""
    return f"""<p class="or muted">or, without a password</p>
<form class="stack card" method="post" action="{e(base_path)}/signin/{e(provider_id)}">
{_hidden("csrfToken", csrf_token)}
{_hidden("callbackUrl", callback_url)}
<label for="link-email">Email address
<input id="link-email" name="email" type="email" autocomplete="email" required></label>
<button type="submit" class="secondary">Email me a sign-in link</button>
</form>"""


def check_email_page(*, link_in_console: bool, base_path: str) -> str:
    if link_in_console:
        where = """<p>This demo has no SMTP server configured, so instead of mailing the link
<strong>the link was printed in the server console</strong>: copy it from the terminal that runs
the demo into this browser.</p>
<p class="muted">The link works once.</p>"""
    else:
        where = """<p>A sign-in link has been sent to your email address. Open it in this browser.</p>
<p class="muted">The link works once. If nothing arrives, wait a minute and ask for another one.</p>"""
    body = f"""<h1>Check your email</h1>
<section class="card">
{where}
</section>
<p><a href="/login">Back to sign in</a></p>"""
    return layout("Check your email", body, base_path=base_path)
