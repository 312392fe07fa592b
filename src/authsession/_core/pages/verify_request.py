"""The built-in page shown after an email sign-in link was sent (``GET <base>/verify-request``)."""

from __future__ import annotations

from authsession._core.pages.layout import display_host, escape, render_document, safe_url
from authsession.theme import Theme


def render_verify_request(*, site_url: str, theme: Theme) -> str:
    """The "check your email" page, with a link back to ``site_url``."""
    content = (
        "<h1>Check your email</h1>\n"
        "<p>A sign in link has been sent to your email address.</p>\n"
        f'<p><a href="{safe_url(site_url)}">{escape(display_host(site_url))}</a></p>'
    )
    return render_document(title="Verify Request", content=content, theme=theme, centered=True)
