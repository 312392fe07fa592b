"""Framework integrations, tested through each framework's own test client."""

import pytest

# The shared suite lives outside a test_*.py module; keep pytest's assertion messages there too.
pytest.register_assert_rewrite("integrations.session_suite")
