"""The built-in "Your sessions" page (``GET <base>/sessions``): each session with a button to end it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from authsession._core.pages.layout import display_host, escape, render_document, safe_url
from authsession.theme import Theme


def _button(*, action_url: str, csrf_token: str, value: str, label: str) -> str:
    return (
        f'<form method="post" action="{safe_url(action_url)}">'
        f'<input type="hidden" name="csrfToken" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="revoke" value="{escape(value)}">'
        f'<button type="submit" class="button">{escape(label)}</button></form>'
    )


def _browser(user_agent: str | None) -> str:
    """A short name for a ``User-Agent``: the last product token is usually the browser."""
    if not user_agent:
        return "Unknown browser"
    for name in ("Edg", "OPR", "Firefox", "Chrome", "Safari", "curl"):
        if f"{name}/" in user_agent:
            return {"Edg": "Edge", "OPR": "Opera"}.get(name, name)
    return user_agent[:40]


def _when(iso: str) -> str:
    """An ISO time as a reader sees it, "29 Nov 2026, 16:20 UTC", in a ``<time>`` that keeps the
    exact value. The server does not know the reader's time zone, so it says UTC."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return escape(iso)
    return f'<time datetime="{escape(iso)}">{moment.day} {moment:%b %Y, %H:%M} UTC</time>'


def _row(session: Mapping[str, Any], *, action_url: str, csrf_token: str) -> str:
    facts = []
    if session.get("createdAt"):
        facts.append(f"signed in {_when(session['createdAt'])}")
    if session.get("lastSeenAt"):
        facts.append(f"last seen {_when(session['lastSeenAt'])}")
    if session.get("ip"):
        facts.append(f"from {escape(session['ip'])}")
    title = escape(_browser(session.get("userAgent")))
    if session.get("current"):
        return (
            f'<li class="session session--current"><strong>{title}</strong> (this browser)<br>{", ".join(facts)}</li>'
        )
    end = _button(action_url=action_url, csrf_token=csrf_token, value=str(session["id"]), label="Sign out")
    return f'<li class="session"><strong>{title}</strong><br>{", ".join(facts)}{end}</li>'


def render_sessions(
    *,
    sessions: Sequence[Mapping[str, Any]],
    csrf_token: str,
    action_url: str,
    can_end_one: bool,
    can_end_groups: bool,
    notice: str | None,
    site_url: str,
    theme: Theme,
) -> str:
    """The list, and the buttons the strategy allows: end one (database sessions), and end all
    others or all (database sessions, or JWT sessions with session generations); then a link
    back to the site."""
    alert = f'<div class="alert" role="status"><p>{escape(notice)}</p></div>\n' if notice else ""
    items = "".join(
        _row(s, action_url=action_url, csrf_token=csrf_token) if can_end_one or s.get("current") else ""
        for s in sessions
    )
    buttons = ""
    if can_end_groups:
        buttons += _button(
            action_url=action_url, csrf_token=csrf_token, value="others", label="Sign out everywhere else"
        )
        buttons += _button(action_url=action_url, csrf_token=csrf_token, value="all", label="Sign out everywhere")
    back = f'<p><a href="{safe_url(site_url)}">Back to {escape(display_host(site_url))}</a></p>'
    content = f'<h1>Your sessions</h1>\n{alert}<ul class="sessions">{items}</ul>\n{buttons}{back}'
    return render_document(title="Your sessions", content=content, theme=theme)
