"""The built-in sign-out page (``GET <base>/signout``), protocol §4.4.

A confirmation form, because signing out must be a POST carrying the CSRF token.
"""

from __future__ import annotations

from authsession._core.pages.layout import escape, render_document, safe_url
from authsession.theme import Theme


def render_signout(*, csrf_token: str, signout_url: str, callback_url: str, theme: Theme) -> str:
    """The page asking to confirm sign-out; its form POSTs ``csrfToken`` and ``callbackUrl``."""
    content = (
        "<h1>Are you sure you want to sign out?</h1>\n"
        f'<form method="post" action="{safe_url(signout_url)}">'
        f'<input type="hidden" name="csrfToken" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="callbackUrl" value="{escape(callback_url)}">'
        '<button type="submit" class="button">Sign out</button>'
        "</form>"
    )
    return render_document(title="Sign Out", content=content, theme=theme, centered=True)
