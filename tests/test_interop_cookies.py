"""Which routes set which cookies, against next-auth@4.24.15 and @auth/core@0.41.3 (protocol §2.2).

Every route runs the CSRF and callback-url logic, but the packages send those cookies only with
the routes that use them: none on ``GET /providers``, ``POST /_log``, a v4 callback for an unknown
provider, or a v5 ``POST /session`` without a CSRF token. Each case is sent by a browser holding
no cookie, to the real package and to :func:`handle`, and the status and cookie names must match.
"""

from __future__ import annotations

from typing import Any

import pytest

from authsession._core.handler import handle
from authsession.types import Format
from helpers import SECRET, NodeOracle, make_options, make_request

pytestmark = pytest.mark.node

#: (method, action, provider id or extra segment, form body)
CASES: list[tuple[str, str, str | None, dict[str, str] | None]] = [
    ("GET", "providers", None, None),
    ("GET", "providers", "extra", None),
    ("POST", "_log", None, {"level": "error", "code": "CLIENT_FETCH_ERROR"}),
    ("GET", "callback", "unknown", None),
    ("POST", "callback", "unknown", {}),
    ("POST", "session", None, {}),
    ("POST", "session", None, {"csrfToken": "forged"}),
    # The routes that do set them, so the fix above cannot drop them where they belong.
    ("GET", "session", None, None),
    ("GET", "csrf", None, None),
    ("GET", "signin", None, None),
    ("POST", "signin", "unknown", {}),
    ("GET", "signout", None, None),
    ("POST", "signout", None, {}),
    ("GET", "error", None, None),
    ("GET", "verify-request", None, None),
]
IDS = [f"{method} {action}" + (f"/{extra}" if extra else "") for method, action, extra, _ in CASES]


def oracle_op(format: Format, method: str, action: str, extra: str | None, form: dict[str, str] | None) -> Any:
    if format == "v4":
        return {
            "op": "handler",
            "action": action,
            "method": method,
            "providerId": extra,
            "body": form or {},
            "secret": SECRET,
            "headers": {"host": "localhost:3000"},
            "env": {"NEXTAUTH_URL": "http://localhost:3000"},
        }
    op: dict[str, Any] = {"op": "auth", "url": f"http://localhost:3000/auth/{action}", "method": method}
    if extra:
        op["url"] += f"/{extra}"
    if form is not None:
        op["form"] = form
    return {**op, "secret": SECRET}


def status_and_cookie_names(format: Format, result: Any) -> tuple[int, list[str]]:
    if format == "v4":
        return result["status"], sorted(cookie["name"] for cookie in result["cookies"])
    return result["status"], sorted(line.split("=", 1)[0] for line in result["setCookies"])


@pytest.fixture(scope="module")
def theirs(node_v4: NodeOracle, node_v5: NodeOracle) -> dict[Format, list[tuple[int, list[str]]]]:
    """Every case answered by each package, one Node process per format."""
    answers: dict[Format, list[tuple[int, list[str]]]] = {}
    oracles: tuple[tuple[Format, NodeOracle], ...] = (("v4", node_v4), ("v5", node_v5))
    for format, oracle in oracles:
        results = oracle.run([oracle_op(format, *case) for case in CASES])
        answers[format] = [status_and_cookie_names(format, result) for result in results]
    return answers


@pytest.mark.parametrize("format", ["v4", "v5"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=IDS)
async def test_cookies_are_set_where_the_packages_set_them(
    theirs: dict[Format, list[tuple[int, list[str]]]], format: Format, case: int, clean_auth_env: None
) -> None:
    method, action, extra, form = CASES[case]
    path = action + (f"/{extra}" if extra else "")
    response = await handle(make_request(method, path, body=form), make_options(format=format))
    assert (response.status, sorted(cookie.name for cookie in response.cookies)) == theirs[format][case]
