"""The test Redis fixture the adapter tests use (skips without Redis, fails under CI=true)."""

from adapters.conftest import redis_url

__all__ = ["redis_url"]
