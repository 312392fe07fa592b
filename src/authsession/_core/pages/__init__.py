"""The built-in HTML pages: sign-in, sign-out, error and verify-request.

Pure functions from data to an HTML string (no I/O, no templates; JavaScript only for passkeys);
every interpolated value is escaped, and theme values are validated when the
:class:`~authsession.theme.Theme` is created.
"""

from authsession._core.pages.error import render_error
from authsession._core.pages.signin import (
    DEFAULT_SIGNIN_ERROR_MESSAGE,
    SIGNIN_ERROR_MESSAGES,
    CredentialField,
    PageProvider,
    render_signin,
)
from authsession._core.pages.signout import render_signout
from authsession._core.pages.verify_request import render_verify_request
from authsession.theme import ProviderStyle, Theme

__all__ = [
    "DEFAULT_SIGNIN_ERROR_MESSAGE",
    "SIGNIN_ERROR_MESSAGES",
    "CredentialField",
    "PageProvider",
    "ProviderStyle",
    "Theme",
    "render_error",
    "render_signin",
    "render_signout",
    "render_verify_request",
]
