"""``authsession.testing``'s helpers import without pytest; only the adapter suite needs it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import sys

    class NoPytest:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("pytest", "_pytest", "pytest_asyncio"):
                raise ImportError(f"{name} is blocked")
            return None

    sys.meta_path.insert(0, NoPytest())
    import authsession.testing as testing

    assert callable(testing.sign_in_as) and callable(testing.InProcessOIDCProvider)
    try:
        testing.AdapterConformanceSuite
    except ImportError:
        print("suite needs pytest")
    """
)


def test_the_helpers_need_no_pytest() -> None:
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "suite needs pytest"


def test_the_suite_is_there_with_pytest() -> None:
    from authsession.testing import AdapterConformanceSuite
    from authsession.testing.adapter_suite import AdapterConformanceSuite as defined

    assert AdapterConformanceSuite is defined
