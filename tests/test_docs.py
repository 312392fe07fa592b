"""The docs are true: the site builds strictly, and every code example type-checks and runs.

Every ```python block of README.md and docs/*.md is type-checked by mypy (strict enough to catch a
misspelt name, import or keyword argument) and, unless marked ``no-run``, executed: as a module,
or with pytest when it is a test file. ``tests/doc_blocks.py`` says how blocks are grouped.
docs/protocol.md names the tests that prove each part of the protocol; those tests must exist.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from mypy import api as mypy_api

from doc_blocks import PAGES, ROOT, Program, all_programs

PROGRAMS = all_programs()
RUNNABLE = [p for p in PROGRAMS if "no-run" not in p.flags]

#: What the examples read from the environment, as a reader would set it.
EXAMPLE_ENV = {
    "AUTH_SECRET": "docs-example-secret-0123456789abcdef0123456789",
    "NEXTAUTH_SECRET": "docs-example-secret-0123456789abcdef0123456789",
    "AUTH_URL": "http://testserver",
    "DATABASE_URL": "sqlite://",
    "EMAIL_SERVER": "smtp://127.0.0.1:1025",
    "MAIL_API_KEY": "docs-example-key",
    **{
        f"{name}_{part}": f"docs-{name.lower()}-{part.lower()}"
        for name in ("GITHUB", "GOOGLE", "SSO")
        for part in ("ID", "SECRET")
    },
}


def test_every_example_is_found() -> None:
    # A fence the extractor misses would escape both checks below.
    for page in PAGES:
        fences = len(re.findall(r"^[ \t]*```python[ \t]*$", page.read_text(encoding="utf-8"), re.MULTILINE))
        blocks = sum(len(p.origins) for p in PROGRAMS if p.page == page)
        assert blocks == fences, page


# --- mypy -------------------------------------------------------------------------------------


def module_name(program: Program) -> str:
    return "docs_" + re.sub(r"\W", "_", program.id).lower()


def test_examples_type_check(tmp_path: Path) -> None:
    files = {module_name(p): p for p in PROGRAMS}
    for name, program in files.items():
        (tmp_path / f"{name}.py").write_text(program.source, encoding="utf-8")
    config = tmp_path / "mypy.ini"
    # Examples are untyped like most users' code, so check inside untyped functions; a name,
    # an import or a keyword that does not exist is an error. myapp stands for the reader's code.
    config.write_text(
        "[mypy]\ncheck_untyped_defs = True\nstrict_equality = True\nimplicit_reexport = False\n"
        "warn_redundant_casts = True\npython_version = 3.11\n\n[mypy-myapp.*]\nignore_missing_imports = True\n",
        encoding="utf-8",
    )
    stdout, stderr, status = mypy_api.run(
        [
            "--config-file",
            str(config),
            "--cache-dir",
            str(ROOT / ".mypy_cache" / "docs"),
            "--no-error-summary",
            "--show-error-codes",
            *(str(tmp_path / f"{name}.py") for name in files),
        ]
    )
    errors = []
    for line in stdout.splitlines():
        match = re.match(r"^.*?(docs_\w+)\.py:(\d+): (.*)$", line)
        if match is None:
            errors.append(line)
            continue
        program = files[match[1]]
        errors.append(f"{program.page.relative_to(ROOT)}:{program.page_line(int(match[2]))}: {match[3]}")
    assert not errors, "\n".join(errors)
    assert status == 0, stderr


# --- running ----------------------------------------------------------------------------------


@pytest.fixture
def example_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith(("AUTH_", "NEXTAUTH_")):
            monkeypatch.delenv(key)
    for key, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("program", RUNNABLE, ids=[p.id for p in RUNNABLE])
def test_example_runs(program: Program, example_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if "pytest" in program.flags:
        run_with_pytest(program, example_env)
        return
    module = ModuleType(module_name(program))
    # As an imported module is: Litestar resolves a handler's annotations through sys.modules.
    monkeypatch.setitem(sys.modules, module.__name__, module)
    code = compile(program.source, f"{program.page}:{program.first_line}", "exec")
    exec(code, module.__dict__)  # noqa: S102 - our own docs


def run_with_pytest(program: Program, directory: Path) -> None:
    test_file = directory / f"test_{module_name(program)}.py"
    test_file.write_text(program.source, encoding="utf-8")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(directory)),
            *("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"),
            *("-W", "error", str(test_file)),
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{program.id}\n{result.stdout}\n{result.stderr}"
    assert re.search(r"\d+ passed", result.stdout), result.stdout


# --- the site and its references ----------------------------------------------------------------


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    # --strict turns every warning into a failure: a broken link or anchor, a page missing from
    # the nav, an API reference to a name that does not exist, a docstring mkdocstrings cannot read.
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "protocol" / "index.html").exists()
    assert (tmp_path / "site" / "reference" / "jwt" / "index.html").exists()


#: Public modules without a reference page, and why.
NOT_IN_REFERENCE = {
    "authsession.cli": "the command line; index.md describes it",
    "authsession.integrations": "a package docstring; its modules have pages",
    "authsession.sessions": "the strategies AuthOptions picks; nothing in it is called by apps",
}


def test_every_public_module_is_in_the_api_reference() -> None:
    reference = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "reference").glob("*.md"))
    documented = set(re.findall(r"^::: ([\w.]+)", reference, re.MULTILINE))
    package = ROOT / "src"
    public = {
        ".".join(path.relative_to(package).with_suffix("").parts).removesuffix(".__init__")
        for path in (package / "authsession").rglob("*.py")
        if not any(part.startswith("_") and part != "__init__.py" for part in path.relative_to(package).parts)
    }
    # A module inside a documented subpackage is covered by the subpackage's page (providers.github);
    # the integrations are documented one by one.
    packages = (documented | {"authsession.sessions"}) - {"authsession"}
    covered = {m for m in public if any(m.startswith(d + ".") for d in packages)}
    missing = public - documented - covered - set(NOT_IN_REFERENCE)
    assert not missing, f"add these modules to a page under docs/reference/: {sorted(missing)}"


def defined_tests(path: Path) -> dict[str, set[str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.ClassDef):
            names[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    return names


def test_the_tests_the_docs_name_exist() -> None:
    pattern = re.compile(r"`((?:tests|src)/[\w/.]+\.py)(?:::(\w+))?(?:::(\w+))?`")
    missing = []
    for page in PAGES:
        for path, first, second in pattern.findall(page.read_text(encoding="utf-8")):
            source = ROOT / path
            if not source.exists():
                missing.append(f"{page.name}: {path}")
                continue
            names = defined_tests(source) if first else {}
            if first and (first not in names or (second and second not in names[first])):
                missing.append(f"{page.name}: {path}::{first}" + (f"::{second}" if second else ""))
    assert not missing, "\n".join(missing)
