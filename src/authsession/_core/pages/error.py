"""The built-in error page (``GET <base>/error?error=<key>``), protocol §4.4, §4.5 and §8.

Only three keys have their own wording: ``Configuration``, ``AccessDenied`` and ``Verification``.
v4 matches them ignoring case, v5 exactly; any other value gets the generic page, and the
value itself (attacker-controlled, from the query string) never appears in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from authsession._core.pages.layout import display_host, escape, render_document, safe_url
from authsession.theme import Theme


@dataclass(frozen=True, slots=True)
class _ErrorView:
    status: int
    heading: str
    paragraphs: tuple[str, ...]
    link: Literal["signin", "site"]


_VIEWS = {
    "Configuration": _ErrorView(
        500,
        "Server error",
        ("There is a problem with the server configuration.", "Check the server logs for more information."),
        "site",
    ),
    "AccessDenied": _ErrorView(403, "Access Denied", ("You do not have permission to sign in.",), "signin"),
    "Verification": _ErrorView(
        403,
        "Unable to sign in",
        ("The sign in link is no longer valid.", "It may have been used already or it may have expired."),
        "signin",
    ),
}
_DEFAULT_VIEW = _ErrorView(200, "Error", ("Something went wrong.",), "site")
_VIEWS_BY_LOWER = {key.lower(): view for key, view in _VIEWS.items()}


def _view_for(error: str | None, format: Literal["v4", "v5"]) -> _ErrorView:
    if not error:
        return _DEFAULT_VIEW
    if format == "v4":
        return _VIEWS_BY_LOWER.get(error.lower(), _DEFAULT_VIEW)
    return _VIEWS.get(error, _DEFAULT_VIEW)


def render_error(
    *,
    error: str | None,
    signin_url: str,
    site_url: str,
    theme: Theme,
    format: Literal["v4", "v5"],
) -> tuple[int, str]:
    """The HTTP status and HTML of the error page for ``error``.

    ``format="v4"`` looks the key up ignoring case, as next-auth 4 does; ``"v5"`` exactly.
    """
    view = _view_for(error, format)
    if view.link == "signin":
        link = f'<a href="{safe_url(signin_url)}">Sign in</a>'
    else:
        link = f'<a href="{safe_url(site_url)}">{escape(display_host(site_url))}</a>'
    paragraphs = "".join(f"<p>{escape(text)}</p>\n" for text in view.paragraphs)
    content = f"<h1>{escape(view.heading)}</h1>\n{paragraphs}<p>{link}</p>"
    return view.status, render_document(title="Error", content=content, theme=theme, centered=True)
