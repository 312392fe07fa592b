"""The in-memory adapter against the conformance suite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from authsession.adapters import MemoryAdapter
from authsession.testing import AdapterConformanceSuite


class TestMemoryAdapter(AdapterConformanceSuite):
    returns_utc = False  # it hands back the datetime objects it was given

    @pytest.fixture
    def adapter(self) -> MemoryAdapter:
        return MemoryAdapter()

    async def leftovers(self, adapter: Any) -> Sequence[str] | None:
        return [
            *(f"user:{key}" for key in adapter.users),
            *(f"account:{key}" for key in adapter.accounts),
            *(f"session:{key}" for key in adapter.sessions),
            *(f"verification_token:{key}" for key in adapter.tokens),
            *(f"authenticator:{key}" for key in adapter.authenticators),
        ]
