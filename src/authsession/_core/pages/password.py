"""The built-in pages of password accounts: sign-up, forgot, reset, change, and the notes between.

One form renderer serves them all (the fields differ); like the other pages they work without
JavaScript and escape every value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from authsession._core.pages.layout import escape, render_document, safe_url
from authsession.theme import Theme


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    type: str = "text"
    autocomplete: str | None = None
    value: str | None = None
    required: bool = True


def render_form(
    *,
    title: str,
    intro: str | None,
    fields: Sequence[Field],
    hidden: Mapping[str, str],
    action_url: str,
    button: str,
    error: str | None,
    theme: Theme,
    links: Sequence[tuple[str, str]] = (),
) -> str:
    """A form that POSTs ``fields`` and ``hidden`` (the CSRF token among them) to ``action_url``."""
    alert = f'<div class="alert" role="alert"><p>{escape(error)}</p></div>\n' if error else ""
    inputs = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items())
    for field in fields:
        attrs = [f'id="password-{escape(field.name)}"', f'name="{escape(field.name)}"', f'type="{escape(field.type)}"']
        if field.autocomplete:
            attrs.append(f'autocomplete="{escape(field.autocomplete)}"')
        if field.value:
            attrs.append(f'value="{escape(field.value)}"')
        if field.required:
            attrs.append("required")
        inputs += (
            f'<div class="field"><label for="password-{escape(field.name)}">{escape(field.label)}</label>'
            f"<input {' '.join(attrs)}></div>"
        )
    after = "".join(f'<p><a href="{safe_url(url)}">{escape(text)}</a></p>' for text, url in links)
    content = (
        f"<h1>{escape(title)}</h1>\n{alert}"
        + (f"<p>{escape(intro)}</p>\n" if intro else "")
        + f'<form method="post" action="{safe_url(action_url)}">{inputs}'
        f'<button type="submit" class="button">{escape(button)}</button></form>\n{after}'
    )
    return render_document(title=title, content=content, theme=theme)


def render_note(*, title: str, text: str, link: tuple[str, str] | None, theme: Theme) -> str:
    """A page that only says something, with one link on."""
    after = f'<p><a class="button" href="{safe_url(link[1])}">{escape(link[0])}</a></p>' if link else ""
    content = f"<h1>{escape(title)}</h1>\n<p>{escape(text)}</p>\n{after}"
    return render_document(title=title, content=content, theme=theme, centered=True)
