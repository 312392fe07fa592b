"""The built-in two-factor pages: the code step of a sign-in, enrolment, recovery codes, turning it off.

Like the other pages: plain forms that work without JavaScript, every value escaped. The QR code
is an ``<svg>`` the server drew (``TwoFactor.qr_svg``) from the ``otpauth://`` URI, so no
request leaves the page for an image.
"""

from __future__ import annotations

from collections.abc import Sequence

from authsession._core.pages.layout import escape, render_document, safe_url
from authsession.theme import Theme

_TITLE = "Two-factor authentication"


def _alert(error: str | None) -> str:
    return f'<div class="alert" role="alert"><p>{escape(error)}</p></div>\n' if error else ""


def _code_form(*, action_url: str, csrf_token: str, button: str, label: str, field_id: str) -> str:
    return (
        f'<form method="post" action="{safe_url(action_url)}">'
        f'<input type="hidden" name="csrfToken" value="{escape(csrf_token)}">'
        f'<div class="field"><label for="{field_id}">{escape(label)}</label>'
        f'<input id="{field_id}" type="text" name="code" autocomplete="one-time-code" '
        'spellcheck="false" autocapitalize="off" maxlength="32" required autofocus></div>'
        f'<button type="submit" class="button">{escape(button)}</button></form>'
    )


def render_challenge(*, csrf_token: str, action_url: str, error: str | None, theme: Theme) -> str:
    """The second step of a sign-in (or a step-up): a TOTP code or a recovery code."""
    content = (
        f"<h1>{_TITLE}</h1>\n{_alert(error)}"
        "<p>Enter the code from your authenticator app, or one of your recovery codes.</p>\n"
        + _code_form(
            action_url=action_url, csrf_token=csrf_token, button="Verify", label="Code", field_id="two-factor-code"
        )
    )
    return render_document(title=_TITLE, content=content, theme=theme)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def render_setup(*, csrf_token: str, action_url: str, qr_svg: str, secret: str, error: str | None, theme: Theme) -> str:
    """Enrolment: the QR code and the key as text, then a first code to confirm.

    ``qr_svg`` is markup the server drew from a URI it built; it is the one value not escaped.
    """
    content = (
        f"<h1>Set up {_TITLE.lower()}</h1>\n{_alert(error)}"
        "<p>Scan this QR code with your authenticator app, or type in the key below.</p>\n"
        f'<div class="qr" style="text-align:center">{qr_svg}</div>\n'
        f'<p><code id="two-factor-secret" data-secret="{escape(secret)}">{escape(_grouped(secret))}</code></p>\n'
        + _code_form(
            action_url=action_url,
            csrf_token=csrf_token,
            button="Turn on",
            label="Code from the app",
            field_id="two-factor-setup-code",
        )
    )
    return render_document(title=f"Set up {_TITLE.lower()}", content=content, theme=theme)


def render_recovery_codes(*, codes: Sequence[str], continue_url: str, theme: Theme) -> str:
    """The recovery codes, shown once after enrolment."""
    items = "".join(f"<li><code>{escape(code)}</code></li>" for code in codes)
    content = (
        f"<h1>{_TITLE} is on</h1>\n"
        "<p>Save these recovery codes somewhere safe. Each one signs you in once if you lose your "
        "authenticator app. They are not shown again.</p>\n"
        f'<ul class="recovery-codes">{items}</ul>\n'
        f'<p><a class="button" href="{safe_url(continue_url)}">Continue</a></p>'
    )
    return render_document(title=_TITLE, content=content, theme=theme)


def render_enabled(*, csrf_token: str, disable_url: str, remaining_codes: int, error: str | None, theme: Theme) -> str:
    """For an enrolled user: how many recovery codes are left, and turning it off with a code."""
    content = (
        f"<h1>{_TITLE} is on</h1>\n{_alert(error)}"
        f"<p>You have {remaining_codes} unused recovery code{'' if remaining_codes == 1 else 's'}.</p>\n"
        "<p>To turn two-factor authentication off, enter a code from your authenticator app.</p>\n"
        + _code_form(
            action_url=disable_url,
            csrf_token=csrf_token,
            button="Turn off",
            label="Code from the app",
            field_id="two-factor-disable-code",
        )
    )
    return render_document(title=_TITLE, content=content, theme=theme)


def render_disabled(*, continue_url: str, theme: Theme) -> str:
    content = (
        f"<h1>{_TITLE} is off</h1>\n"
        "<p>Signing in no longer asks for a code.</p>\n"
        f'<p><a class="button" href="{safe_url(continue_url)}">Continue</a></p>'
    )
    return render_document(title=_TITLE, content=content, theme=theme, centered=True)
