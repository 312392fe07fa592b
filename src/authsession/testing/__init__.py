"""Helpers for testing authsession adapters and apps.

:class:`AdapterConformanceSuite` is the test suite every adapter passes: subclass it in your
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

__all__ = ["AdapterConformanceSuite"]
