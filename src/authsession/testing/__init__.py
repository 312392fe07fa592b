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

This package needs ``pytest`` and ``pytest-asyncio`` (with ``asyncio_mode = "auto"``); they
are test dependencies, not dependencies of authsession.
"""

from authsession.testing.adapter_suite import AdapterConformanceSuite
from authsession.testing.oidc_provider import AuthorizationRefused, InProcessOIDCProvider
from authsession.testing.session_cookies import (
    SessionCookies,
    asession_cookies,
    asign_in_as,
    session_cookies,
    sign_in_as,
)

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
