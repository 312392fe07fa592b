"""How the built-in pages look: :class:`Theme` for the site, :class:`ProviderStyle` for a button.

Colours and logo URLs end up inside a ``<style>`` block or an attribute, where HTML escaping
alone does not stop CSS injection, so they are checked against a strict grammar when the
object is created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["ColorScheme", "ProviderStyle", "Theme", "validate_color", "validate_image_url"]

ColorScheme = Literal["auto", "dark", "light"]

_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
# Only digits, units, separators and keywords such as ``none``/``deg`` between the parentheses:
# no quotes, semicolons, braces or parentheses that could end the declaration.
_FUNCTION_COLOR = re.compile(r"(?:rgba?|hsla?)\([-+0-9a-zA-Z.,%/ ]*\)", re.IGNORECASE)
_NAMED_COLOR = re.compile(r"[a-zA-Z]{3,32}")


def validate_color(value: str, *, option: str) -> str:
    """Return ``value`` if it is a CSS colour of an allowed form, else raise :class:`ValueError`."""
    if _HEX_COLOR.fullmatch(value) or _FUNCTION_COLOR.fullmatch(value) or _NAMED_COLOR.fullmatch(value):
        return value
    raise ValueError(
        f"{option}={value!r} is not an allowed CSS colour: use a hex colour such as '#2f5bd3', "
        "an rgb()/rgba()/hsl()/hsla() value such as 'rgb(47 91 211)', or a plain colour name such as 'teal'"
    )


def validate_image_url(value: str, *, option: str) -> str:
    """Return ``value`` if it is an absolute http(s) URL or a path starting with ``/``."""
    if not any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            return value
        if value.startswith("/") and not value.startswith("//") and not parts.scheme:
            return value
    raise ValueError(
        f"{option}={value!r} is not an allowed image URL: use an absolute https:// (or http://) URL "
        "such as 'https://example.com/logo.png', or a path on your site starting with '/' such as '/logo.svg'"
    )


@dataclass(frozen=True, slots=True)
class Theme:
    """How the built-in sign-in, sign-out, error and verify-request pages look.

    ``color_scheme`` picks light, dark, or ``"auto"`` to follow the visitor's system setting.
    ``brand_color`` colours the buttons and links; ``button_text`` is the text colour on those
    buttons; ``logo`` is shown above each page.

    Colours must be a hex value, an ``rgb()``/``hsl()`` value or a plain colour name, and the logo
    an absolute http(s) URL or a path starting with ``/``; anything else raises
    :class:`ValueError` when the theme is created, because these values are written into the
    page's stylesheet and markup.
    """

    color_scheme: ColorScheme = "auto"
    brand_color: str | None = None
    logo: str | None = None
    button_text: str | None = None

    def __post_init__(self) -> None:
        if self.color_scheme not in ("auto", "dark", "light"):
            raise ValueError(f"color_scheme={self.color_scheme!r} is not allowed: use 'auto', 'dark' or 'light'")
        if self.brand_color is not None:
            validate_color(self.brand_color, option="brand_color")
        if self.button_text is not None:
            validate_color(self.button_text, option="button_text")
        if self.logo is not None:
            validate_image_url(self.logo, option="logo")


@dataclass(frozen=True, slots=True)
class ProviderStyle:
    """A provider's button look: a logo (http(s) URL or ``/`` path), background and text colours.

    Values are validated like :class:`Theme`'s and raise :class:`ValueError` when not allowed.
    """

    logo: str | None = None
    bg: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if self.logo is not None:
            validate_image_url(self.logo, option="style.logo")
        if self.bg is not None:
            validate_color(self.bg, option="style.bg")
        if self.text is not None:
            validate_color(self.text, option="style.text")
