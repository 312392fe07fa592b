"""The one stylesheet of the built-in pages, coloured by the user's :class:`~authsession.theme.Theme`.

Protocol: ``docs/protocol.md`` §4.2 (the body carries ``__next-auth-theme-<scheme>``).
The theme's values were checked when it was created, so they go into the CSS as they are.
"""

from __future__ import annotations

from authsession.theme import Theme

DEFAULT_BRAND_COLOR = "#2f5bd3"
DEFAULT_BUTTON_TEXT = "#ffffff"


def theme_variables(theme: Theme) -> str:
    """The CSS rule that sets the theme's colours; its values were validated by :class:`Theme`."""
    brand = theme.brand_color or DEFAULT_BRAND_COLOR
    text = theme.button_text or DEFAULT_BUTTON_TEXT
    return f":root{{--brand-color:{brand};--button-text-color:{text}}}"


# The dark colours, once: the dark theme and the auto theme under a dark system preference.
_DARK = """\
    color-scheme: dark;
    --page-bg: #0e1014;
    --card-bg: #171a20;
    --card-border: #262a33;
    --card-shadow: 0 1px 2px rgb(0 0 0 / 0.3), 0 8px 24px rgb(0 0 0 / 0.35);
    --text: #e8eaef;
    --text-muted: #9aa2b1;
    --input-bg: #0e1014;
    --input-border: #353b46;
    --divider: #2a2f38;
    --button-edge: rgb(255 255 255 / 0.14);
    --alert-bg: #2e1618;
    --alert-border: #5a2629;
    --alert-text: #ffc2c2;
    --link-color: color-mix(in srgb, var(--brand-color) 55%, #ffffff);
"""


STYLESHEET = (
    """\
:root {
  --brand-color: #2f5bd3;
  --button-text-color: #ffffff;
}
.__next-auth-theme-auto,
.__next-auth-theme-light {
  color-scheme: light;
  --page-bg: #f3f4f7;
  --card-bg: #ffffff;
  --card-border: #e2e5eb;
  --card-shadow: 0 1px 2px rgb(16 24 40 / 0.04), 0 8px 24px rgb(16 24 40 / 0.06);
  --text: #171a21;
  --text-muted: #5a6272;
  --input-bg: #ffffff;
  --input-border: #c9ced8;
  --divider: #e2e5eb;
  --button-edge: rgb(16 24 40 / 0.10);
  --alert-bg: #fdf0f0;
  --alert-border: #f3c4c4;
  --alert-text: #8c1d1d;
  --link-color: var(--brand-color);
}
.__next-auth-theme-dark {
"""
    + _DARK
    + """}
@media (prefers-color-scheme: dark) {
  .__next-auth-theme-auto {
"""
    + _DARK
    + """  }
}
*,
*::before,
*::after {
  box-sizing: border-box;
}
html {
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}
body {
  margin: 0;
  min-height: 100vh;
  background: var(--page-bg);
  color: var(--text);
  font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", sans-serif;
  font-size: 1rem;
  line-height: 1.5;
}
.page {
  display: flex;
  min-height: 100vh;
  flex-direction: column;
  align-items: center;
  justify-content: center;
  padding: 2rem 1rem;
}
.logo {
  display: block;
  max-width: 160px;
  max-height: 64px;
  margin: 0 auto 1.5rem;
  object-fit: contain;
}
.card {
  width: 100%;
  max-width: 380px;
  padding: 2rem;
  background: var(--card-bg);
  border: 1px solid var(--card-border);
  border-radius: 12px;
  box-shadow: var(--card-shadow);
}
.card--center {
  text-align: center;
}
h1 {
  margin: 0 0 1.25rem;
  font-size: 1.375rem;
  font-weight: 600;
  line-height: 1.3;
  letter-spacing: -0.01em;
}
p {
  margin: 0 0 0.75rem;
  color: var(--text-muted);
}
.card--center p:last-child {
  margin-bottom: 0;
}
a {
  color: var(--link-color);
  text-underline-offset: 2px;
}
a:hover {
  text-decoration-thickness: 2px;
}
.alert {
  margin: 0 0 1.25rem;
  padding: 0.75rem 1rem;
  border: 1px solid var(--alert-border);
  border-radius: 8px;
  background: var(--alert-bg);
  color: var(--alert-text);
  font-size: 0.9375rem;
}
.alert p {
  margin: 0;
  color: inherit;
}
form {
  margin: 0;
}
.provider-group {
  display: flex;
  flex-direction: column;
  gap: 0.75rem;
}
.provider-link {
  margin: 0;
  font-size: 0.875rem;
  text-align: center;
}
.field {
  margin: 0 0 1rem;
}
label {
  display: block;
  margin: 0 0 0.375rem;
  font-size: 0.875rem;
  font-weight: 500;
}
input {
  display: block;
  width: 100%;
  padding: 0.625rem 0.75rem;
  border: 1px solid var(--input-border);
  border-radius: 8px;
  background: var(--input-bg);
  color: var(--text);
  font: inherit;
}
input::placeholder {
  color: var(--text-muted);
  opacity: 0.7;
}
input:focus {
  border-color: var(--brand-color);
  outline: 2px solid color-mix(in srgb, var(--brand-color) 35%, transparent);
  outline-offset: 0;
}
.button {
  display: flex;
  width: 100%;
  align-items: center;
  justify-content: center;
  gap: 0.75rem;
  min-height: 2.75rem;
  padding: 0.625rem 1rem;
  border: 1px solid var(--button-edge);
  border-radius: 8px;
  background: var(--provider-bg, var(--brand-color));
  color: var(--provider-text, var(--button-text-color));
  font: inherit;
  font-weight: 500;
  text-decoration: none;
  cursor: pointer;
  transition: filter 0.15s ease;
}
.button:hover {
  filter: brightness(1.08);
}
.button:active {
  filter: brightness(0.95);
}
.button:focus-visible,
a:focus-visible {
  outline: 2px solid var(--brand-color);
  outline-offset: 2px;
}
.button__logo {
  width: 20px;
  height: 20px;
  flex: none;
  object-fit: contain;
}
.divider {
  display: flex;
  align-items: center;
  gap: 0.75rem;
  margin: 1.5rem 0;
  color: var(--text-muted);
  font-size: 0.8125rem;
  text-transform: uppercase;
  letter-spacing: 0.06em;
}
.divider::before,
.divider::after {
  content: "";
  flex: 1;
  border-top: 1px solid var(--divider);
}
.actions {
  margin-top: 1.5rem;
}
@media (prefers-reduced-motion: reduce) {
  .button {
    transition: none;
  }
}"""
)
