"""What the interop tests share with their fixtures: the secret both apps use, and the OIDC stack."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from oidc_provider import OpenIDProvider

#: The secret of both the Next.js app and the Python app.
SECRET = "interop-secret-4f0c2b8e9d1a7c3e5b6f8a0d2c4e6a8b"


@dataclass(frozen=True)
class OIDCInterop:
    """A running OpenID Provider, and a Next.js app that signs in through it as ``local``.

    ``python_socket`` is bound (not yet serving) for the Python app, whose
    ``/api/auth/callback/local`` the provider accepts too; the provider's confidential client
    is the one both apps use.
    """

    op: OpenIDProvider
    nextjs_url: str
    python_socket: socket.socket

    @property
    def python_url(self) -> str:
        return f"http://127.0.0.1:{self.python_socket.getsockname()[1]}"
