"""The examples in docs/testing.md that use ``authsession.testing`` run as they are written."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

DOC = Path(__file__).parent.parent.parent / "docs" / "testing.md"
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL) if "authsession.testing" in b]


def test_the_examples_are_found() -> None:
    assert len(BLOCKS) == 3


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
async def test_an_example_passes(source: str) -> None:
    module = ModuleType("docs_testing_example")
    exec(compile(source, str(DOC), "exec"), module.__dict__)  # noqa: S102 - our own docs
    tests = [value for name, value in vars(module).items() if name.startswith("test_") and callable(value)]
    assert tests
    for test in tests:
        result = test()
        if inspect.isawaitable(result):
            await result
