"""``authsession doctor``: why a session cookie does not open.

Given the cookies a browser sends and the secret(s), it finds the session cookie, puts its chunks
back together, and tries each secret with both formats' key derivations and every salt a
next-auth 4 or Auth.js 5 app uses. Which one opens the token names the difference between the
app that set the cookie and the app reading it: the secret, the format, the salt, the cookie's
name or its ``__Secure-`` prefix. A token that opens may still have expired, and a database
session token may have no row. Nothing here prints a secret or a token: only cookie names,
lengths, the token's algorithm and its claims' subject and times.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from authsession._core import jwe
from authsession._core.cookies import cookie_names, parse_cookie_header, read_chunks
from authsession._core.tokens import CLOCK_TOLERANCE, V4_SESSION_SALT
from authsession.types import Format

if TYPE_CHECKING:
    from authsession.adapters.base import Adapter

__all__ = ["Diagnosis", "Finding", "Reader", "diagnose", "parse_cookie_export"]

Problem = Literal[
    "no_session_cookie",
    "stray_cookie",
    "missing_chunk",
    "malformed",
    "wrong_secret",
    "format_mismatch",
    "wrong_salt",
    "cookie_name",
    "secure_prefix_lost",
    "secure_prefix_expected",
    "expired",
    "not_yet_valid",
    "database_not_checked",
    "no_database_row",
]

#: Larger inputs are refused: a real browser's cookies for one site are a few KiB.
MAX_EXPORT_SIZE = 1024 * 1024
_A_TOKEN = {"v4": "a next-auth 4 token (format='v4')", "v5": "an Auth.js 5 token (format='v5')"}
_SECURE = "__Secure-"
_CHUNK_SUFFIX = re.compile(r"\.\d+$")
#: Every session cookie name the packages use, over http and https.
STANDARD_SESSION_COOKIES = tuple(
    cookie_names(format, secure).session_token for format in ("v5", "v4") for secure in (False, True)
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason the session does not open (``problem``), in words a person can act on."""

    problem: Problem
    message: str


@dataclass(frozen=True, slots=True)
class Reader:
    """What the app that reads the cookie expects: its format, whether it sees https (``None``:
    either), its own session cookie name and salt if it sets them, and its secrets."""

    secrets: tuple[str, ...] = field(repr=False)
    format: Format = "v5"
    secure: bool | None = None
    cookie_name: str | None = None
    salt: str | None = None

    def session_cookies(self) -> tuple[str, ...]:
        if self.cookie_name is not None:
            return (self.cookie_name,)
        choices = (False, True) if self.secure is None else (self.secure,)
        return tuple(cookie_names(self.format, secure).session_token for secure in choices)

    def salt_for(self, cookie_name: str) -> str:
        if self.salt is not None:
            return self.salt
        return V4_SESSION_SALT if self.format == "v4" else cookie_name


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What was found (``notes``), what is wrong (``findings``) and whether the session opens
    (``None`` when that depends on a database the doctor was not given)."""

    notes: tuple[str, ...]
    findings: tuple[Finding, ...]
    opens: bool | None


def parse_cookie_export(text: str) -> dict[str, str]:
    """Cookies from a ``Cookie`` header (``Cookie:`` optional), a browser extension's JSON export
    (a list of ``{"name", "value", ...}``, or Playwright's ``{"cookies": [...]}``) or a Netscape
    ``cookies.txt``. The first cookie of a name wins, as in a request.

    :raises ValueError: for text over :data:`MAX_EXPORT_SIZE` or JSON of another shape.
    """
    if len(text) > MAX_EXPORT_SIZE:
        raise ValueError(f"the cookie export is larger than {MAX_EXPORT_SIZE} bytes")
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        data: Any = json.loads(stripped)
        items = data.get("cookies") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("value"), str) for i in items
        ):
            raise ValueError('a JSON cookie export is a list of {"name": ..., "value": ...} objects')
        return _first_wins((i["name"], i["value"]) for i in items)
    rows = [line.split("\t") for line in stripped.splitlines()]
    if rows and any(len(row) == 7 for row in rows):  # domain, subdomains, path, secure, expiry, name, value
        return _first_wins((row[5], row[6]) for row in rows if len(row) == 7 and not row[0].startswith("# "))
    header = stripped.removeprefix("Cookie:").removeprefix("cookie:").strip()
    return dict(parse_cookie_header(header))


def _first_wins(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in pairs:
        cookies.setdefault(name, value)
    return cookies


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _session_cookie_bases(cookies: Mapping[str, str], reader: Reader) -> list[str]:
    """The session cookies present, by their name without a chunk suffix: the reader's first."""
    known = (*reader.session_cookies(), *STANDARD_SESSION_COOKIES)
    present = {_CHUNK_SUFFIX.sub("", name) for name in cookies}
    return [name for name in dict.fromkeys(known) if name in present]


@dataclass(frozen=True, slots=True)
class _Opened:
    format: Format
    secret_index: int
    salt: str
    claims: dict[str, Any]


def _salts(reader: Reader, base: str) -> tuple[str, ...]:
    given = () if reader.salt is None else (reader.salt,)
    return tuple(dict.fromkeys((*given, base, V4_SESSION_SALT, *reader.session_cookies(), *STANDARD_SESSION_COOKIES)))


def _open(parsed: jwe.CompactJWE, reader: Reader, base: str) -> _Opened | None:
    """The first format, secret and salt that decrypt the token (the reader's own first)."""
    formats: tuple[Format, ...] = (reader.format, "v5" if reader.format == "v4" else "v4")
    for format in formats:
        if format == "v4" and parsed.enc != "A256GCM":
            continue
        for index, secret in enumerate(reader.secrets):
            for salt in _salts(reader, base):
                key = jwe.derive_v4_key(secret, salt) if format == "v4" else jwe.derive_v5_key(secret, salt, parsed.enc)
                try:
                    plaintext = jwe.decrypt(parsed, key)
                except jwe.JWEError:
                    continue
                return _Opened(format, index, salt, jwe.parse_json_object(plaintext) or {})
    return None


def _chunk_findings(cookies: Mapping[str, str], base: str, read: Sequence[str]) -> list[Finding]:
    findings = []
    strays = [n for n in read if n != base and not (n.startswith(base + ".") and n[len(base) + 1 :].isdigit())]
    if strays:
        findings.append(
            Finding(
                "stray_cookie",
                f"{', '.join(strays)} starts with {base}, so NextAuth and authsession join it into the token, "
                "which then cannot open: delete that cookie",
            )
        )
    indices = sorted(int(n[len(base) + 1 :]) for n in read if n not in strays and n != base)
    missing = [str(i) for i in range(indices[-1] + 1) if i not in indices] if indices else []
    if missing:
        findings.append(
            Finding(
                "missing_chunk",
                f"chunk(s) {', '.join(missing)} of {base} are missing ({len(indices)} of {indices[-1] + 1} present): "
                "the browser dropped a cookie (over its per-site limit?), or a proxy cut the Cookie header",
            )
        )
    elif indices and base in cookies:
        findings.append(Finding("stray_cookie", f"{base} is there beside its chunks {base}.0...: delete the old one"))
    return findings


def _name_findings(base: str, opened: _Opened, reader: Reader) -> list[Finding]:
    expected = reader.session_cookies()
    if base in expected or opened.format != reader.format:
        return []  # a format mismatch names the cookie too
    if base.startswith(_SECURE) and base.removeprefix(_SECURE) in expected:
        return [
            Finding(
                "secure_prefix_lost",
                f"the browser holds {base}, set over https, but the app sees plain http and reads "
                f"{base.removeprefix(_SECURE)}: behind a TLS-terminating proxy, set url='https://...' (AUTH_URL), "
                "or trust_host=True so X-Forwarded-Proto counts, or use_secure_cookies=True",
            )
        ]
    if _SECURE + base in expected:
        return [
            Finding(
                "secure_prefix_expected",
                f"the app reads {_SECURE}{base} (https), but the browser's cookie {base} was set over http",
            )
        ]
    return [
        Finding(
            "cookie_name",
            f"the app reads {' or '.join(expected)}, but the session is in {base}: "
            f"name the cookie the same on both sides (cookies={{'session_token': {{'name': {base!r}}}}})",
        )
    ]


def _token_findings(base: str, opened: _Opened, reader: Reader, now: float) -> list[Finding]:
    findings: list[Finding] = []
    if opened.format != reader.format:
        findings.append(
            Finding(
                "format_mismatch",
                f"{base} holds {_A_TOKEN[opened.format]}, but the app reads format={reader.format!r}, "
                f"whose session cookie is {' or '.join(reader.session_cookies())}: "
                f"set AuthOptions(format={opened.format!r}) to share the other app's sessions",
            )
        )
    elif opened.salt != reader.salt_for(base):
        findings.append(
            Finding(
                "wrong_salt",
                f"{base} was encrypted with the salt {opened.salt!r}, but the app would decrypt it with "
                f"{reader.salt_for(base)!r} (in v5 the salt is the session cookie's name where the token was made): "
                f"use the same cookie name on both sides, or pass salt={opened.salt!r} to get_token/jwt.decode",
            )
        )
    findings.extend(_name_findings(base, opened, reader))
    exp, nbf = opened.claims.get("exp"), opened.claims.get("nbf")
    if isinstance(exp, int | float) and exp <= now - CLOCK_TOLERANCE:
        findings.append(Finding("expired", f"the token expired at {_time(exp)}: sign in again"))
    if isinstance(nbf, int | float) and nbf > now + CLOCK_TOLERANCE:
        findings.append(Finding("not_yet_valid", f"the token is valid only from {_time(nbf)}: check the clocks"))
    return findings


def _describe(opened: _Opened, parsed: jwe.CompactJWE) -> str:
    claims = opened.claims
    parts = [
        f"{_A_TOKEN[opened.format]}, {parsed.enc}",
        f"opened with secret #{opened.secret_index + 1} and salt {opened.salt!r}",
    ]
    if isinstance(claims.get("sub"), str):
        parts.append(f"sub {claims['sub']!r}")
    for claim, label in (("iat", "issued"), ("exp", "expires")):
        if isinstance(claims.get(claim), int | float):
            parts.append(f"{label} {_time(claims[claim])}")
    return ", ".join(parts)


async def _database_findings(token: str, base: str, adapter: Adapter | None, now: float) -> tuple[list[Finding], str]:
    if adapter is None:
        message = f"{base} is no JWT: it looks like a database session token; pass the database to look it up"
        return [Finding("database_not_checked", message)], "a database session token"
    found = await adapter.get_session_and_user(token)
    if found is None:
        message = (
            f"no row in the sessions table for the token in {base}: the session was signed out or expired "
            "and deleted, or the app that made it uses another database"
        )
        return [Finding("no_database_row", message)], "a database session token with no row"
    session, user = found
    expires = session["expires"].timestamp()
    note = f"a database session of user {user['id']!r}, expires {_time(expires)}"
    if expires <= now:
        return [Finding("expired", f"the database session expired at {_time(expires)}: sign in again")], note
    return [], note


async def _examine(
    cookies: Mapping[str, str], base: str, reader: Reader, adapter: Adapter | None, now: float
) -> tuple[str, list[Finding], bool | None]:
    """A note on the session cookie ``base``, what is wrong with it, and whether it opens."""
    token, read = read_chunks(cookies, base, reader.format)
    size = f"{len(read)} cookie(s), {len(token or '')} characters"
    findings = _chunk_findings(cookies, base, read)
    if not token:
        return f"{base}: empty", [*findings, Finding("malformed", f"{base} is empty")], False
    if any(f.problem == "missing_chunk" for f in findings):
        return f"{base} ({size}): incomplete", findings, False
    if not token.startswith("eyJ"):  # every JWE header is a JSON object in base64url
        more, note = await _database_findings(token, base, adapter, now)
        opens = None if adapter is None else not (findings or more)
        return f"{base} ({size}): {note}", [*findings, *more], opens
    try:
        parsed = jwe.parse_compact(token, ("A256GCM", "A256CBC-HS512"))
    except jwe.JWEError as exc:
        cut = " (it looks cut short: a chunk or the end of the cookie is missing)" if len(read) > 1 else ""
        findings.append(Finding("malformed", f"{base} is no token either package makes: {exc}{cut}"))
        return f"{base} ({size}): not a readable token", findings, False
    opened = _open(parsed, reader, base)
    if opened is None:
        secrets = f"{len(reader.secrets)} secret(s)"
        findings.append(
            Finding(
                "wrong_secret",
                f"none of the {secrets} given decrypts {base} with either format and any salt next-auth 4 or "
                "Auth.js 5 uses: the app that set it has another secret (AUTH_SECRET / NEXTAUTH_SECRET; after "
                "a rotation every older secret must stay in the list), or a salt of its own (pass --salt)",
            )
        )
        return f"{base} ({size}): a {parsed.enc} token", findings, False
    findings.extend(_token_findings(base, opened, reader, now))
    return f"{base} ({size}): {_describe(opened, parsed)}", findings, not findings


async def diagnose(
    cookies: Mapping[str, str], reader: Reader, *, adapter: Adapter | None = None, now: float
) -> Diagnosis:
    """Why the session in ``cookies`` does or does not open for ``reader``.

    Each session cookie present (the reader's own, and every standard name of both formats) is
    examined; the session opens when the one the reader reads does. ``adapter`` looks up a
    database session token.
    """
    names = ", ".join(cookies) or "none"
    notes = [f"{len(cookies)} cookie(s): {names}"]
    expected = reader.session_cookies()
    notes.append(
        f"the app reads {' or '.join(expected)} (format={reader.format!r}) with {len(reader.secrets)} secret(s)"
    )
    bases = _session_cookie_bases(cookies, reader)
    if not bases:
        finding = Finding(
            "no_session_cookie",
            f"no session cookie: none named {' or '.join(dict.fromkeys((*expected, *STANDARD_SESSION_COOKIES)))}. "
            "The browser is not signed in on this site, or the cookie has a name of its own (pass --cookie-name)",
        )
        return Diagnosis(tuple(notes), (finding,), False)
    findings: list[Finding] = []
    opens: bool | None = False
    for base in bases:
        note, more, base_opens = await _examine(cookies, base, reader, adapter, now)
        notes.append(note)
        findings.extend(more)
        if base in expected and base_opens is not False:
            opens = base_opens
    if opens is not False:
        # Another session cookie's trouble does not keep the reader's own from opening.
        findings = [f for f in findings if f.problem == "database_not_checked"]
    return Diagnosis(tuple(notes), tuple(findings), opens)
