"""The HTML shell every built-in page shares, and the escaping helpers the pages use.

Every value that reaches the markup goes through :func:`escape`; every URL placed in an
``href`` or ``action`` goes through :func:`safe_url` as well, since escaping does not stop a
``javascript:`` URL.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from authsession._core.pages.theme import STYLESHEET, theme_variables
from authsession.theme import Theme


def escape(value: str) -> str:
    """Escape text for an element body or a double-quoted attribute."""
    return html.escape(value, quote=True)


def safe_url(url: str) -> str:
    """``url`` escaped if it is http(s) or a relative reference, else ``"#"``."""
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return "#"
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return "#"
    if scheme in ("http", "https") or (not scheme and url.startswith(("/", "?"))):
        return escape(url)
    return "#"


def display_host(url: str) -> str:
    """The host (and port) of ``url`` for link text, or the URL itself when it has none."""
    try:
        host = urlsplit(url).netloc
    except ValueError:
        host = ""
    return host.rpartition("@")[2] or url


def render_document(*, title: str, content: str, theme: Theme, centered: bool = False) -> str:
    """A full HTML5 document around ``content``, which must already be safe markup."""
    logo = f'<img class="logo" src="{escape(theme.logo)}" alt="">' if theme.logo else ""
    card_class = "card card--center" if centered else "card"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(title)}</title>\n"
        f"<style>\n{STYLESHEET}\n{theme_variables(theme)}\n</style>\n"
        "</head>\n"
        f'<body class="__next-auth-theme-{escape(theme.color_scheme)}">\n'
        '<main class="page">\n'
        f"{logo}"
        f'<div class="{card_class}">\n{content}\n</div>\n'
        "</main>\n"
        "</body>\n"
        "</html>\n"
    )
