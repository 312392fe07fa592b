"""Helpers for testing authsession adapters and the apps that use authsession.

* :func:`sign_in_as` / :func:`asign_in_as` put a signed-in session cookie on a test client, and
  :func:`session_cookies` / :func:`asession_cookies` make one (:mod:`.session_cookies`).
* :class:`InProcessOIDCProvider` is an OpenID Provider served as an httpx2 transport, for whole
  OIDC sign-ins without a network (:mod:`.oidc_provider`).
* :class:`AdapterConformanceSuite` is the test suite every adapter passes: subclass it in your
  tests and override its ``adapter`` fixture to check your own adapter::

    from authsession.testing import AdapterConformanceSuite

    class TestMyAdapter(AdapterConformanceSuite):
        @pytest.fixture
        async def adapter(self):
            adapter = MyAdapter(...)
            yield adapter
            await adapter.close()

The conformance suite needs ``pytest`` and ``pytest-asyncio`` (with ``asyncio_mode = "auto"``),
test dependencies rather than dependencies of authsession; the other helpers need neither, so
the suite is imported only when you ask for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authsession.testing.oidc_provider import AuthorizationRefused, InProcessOIDCProvider
from authsession.testing.session_cookies import (
    SessionCookies,
    asession_cookies,
    asign_in_as,
    session_cookies,
    sign_in_as,
)

if TYPE_CHECKING:
    from authsession.testing.adapter_suite import AdapterConformanceSuite


def __getattr__(name: str) -> Any:
    if name == "AdapterConformanceSuite":
        from authsession.testing.adapter_suite import AdapterConformanceSuite

        return AdapterConformanceSuite
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AdapterConformanceSuite",
    "AuthorizationRefused",
    "InProcessOIDCProvider",
    "SessionCookies",
    "asession_cookies",
    "asign_in_as",
    "session_cookies",
    "sign_in_as",
]
