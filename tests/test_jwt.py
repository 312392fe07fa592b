"""authsession.jwt and the JWE core under it (protocol §1), without Node.

Interop with the real npm packages lives in ``test_interop_tokens.py``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import string
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwe as joserfc_jwe
from joserfc.jwk import OctKey

from authsession import errors, jwt
from authsession._core import jwe
from authsession._core.cookies import chunk_size
from authsession._core.limits import MAX_COOKIE_COUNT, MAX_COOKIE_HEADER_LENGTH
from authsession.types import Format

SECRET = "s3cret"
NOW = 1_700_000_000
FORMATS: tuple[Format, ...] = ("v4", "v5")
V5_SALT = "authjs.session-token"
CLAIMS: dict[str, Any] = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "picture": "https://example.com/ada.png",
    "sub": "user-1",
}
B64URL = string.ascii_letters + string.digits + "-_"

no_db = settings(database=None, deadline=None)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def header_of(token: str) -> str:
    return unb64(token.split(".")[0]).decode()


def seal_gcm(header: object, plaintext: bytes, key: bytes) -> str:
    """A256GCM under any header, for tokens our encoder refuses to make."""
    protected = b64(json.dumps(header, separators=(",", ":")).encode())
    iv = os.urandom(12)
    sealed = AESGCM(key).encrypt(iv, plaintext, protected.encode())
    return f"{protected}..{b64(iv)}.{b64(sealed[:-16])}.{b64(sealed[-16:])}"


V4_KEY = jwe.derive_v4_key(SECRET, "")
V5_KEY = jwe.derive_v5_key(SECRET, V5_SALT)


# --- §1.5 test vectors ------------------------------------------------------------------------


def test_v4_session_key_vector() -> None:
    assert V4_KEY.hex() == "7081477973440911006a58532d9d7b407c5f6e29a592f60497fa56fa18f81527"


def test_v5_session_key_and_kid_vector() -> None:
    assert V5_KEY.hex() == (
        "1dc90fd176a58bc12769dde2b0d9163e84f795f32a22add04a8be4a432af37e0"
        "e8960b25d8210aa435d512b839e4103c120de25dde86a128a6bfe0c0ce42e9ca"
    )
    assert (
        jwe.key_id(V5_KEY) == "62dXDHNnWYfJ6CEqNaq4I5IRayLCxmM5HpRX4vnA_dJ8BFP9cZ6ltA_ODj5HKp81w8nmJCtYvkLLO4r155TxvQ"
    )


def test_key_derivation_details() -> None:
    # v4 appends " (<salt>)" to the info only when there is a salt; v5 always does.
    assert jwe.derive_v4_key(SECRET, "next-auth.state") != V4_KEY
    assert len(jwe.derive_v5_key(SECRET, V5_SALT, "A256GCM")) == 32
    # HKDF's output for L=32 is the first block of the L=64 one
    assert jwe.derive_v5_key(SECRET, V5_SALT, "A256GCM") == V5_KEY[:32]
    assert len(jwe.key_id(V5_KEY)) == 86
    assert len(jwe.key_id(V4_KEY)) == 43  # SHA-256 thumbprint for a 32-byte key


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_round_trip(format: Format) -> None:
    token = jwt.encode(token=CLAIMS, secret=SECRET, format=format, now=NOW + 0.9)
    claims = jwt.decode(token=token, secret=SECRET, format=format, now=NOW)
    assert claims is not None
    assert {k: claims[k] for k in CLAIMS} == CLAIMS
    assert claims["iat"] == NOW
    assert claims["exp"] == NOW + jwt.DEFAULT_MAX_AGE
    assert len(claims["jti"]) == 36
    assert list(claims) == [*CLAIMS, "iat", "exp", "jti"]


def test_headers_are_exactly_nextauths() -> None:
    v4 = jwt.encode(token={}, secret=SECRET, format="v4")
    v5 = jwt.encode(token={}, secret=SECRET, format="v5")
    assert header_of(v4) == '{"alg":"dir","enc":"A256GCM"}'
    assert header_of(v5) == f'{{"alg":"dir","enc":"A256CBC-HS512","kid":"{jwe.key_id(V5_KEY)}"}}'
    for token, iv_len, tag_len in ((v4, 12, 16), (v5, 16, 32)):
        _protected, encrypted_key, iv, _, tag = token.split(".")
        assert encrypted_key == ""
        assert (len(unb64(iv)), len(unb64(tag))) == (iv_len, tag_len)


def test_encode_overwrites_registered_claims_and_copies_input() -> None:
    given_claims = {"sub": "1", "iat": 1, "exp": 2, "jti": "old"}
    token = jwt.encode(token=given_claims, secret=SECRET, max_age=60, now=NOW)
    claims = jwt.decode(token=token, secret=SECRET, now=NOW)
    assert claims is not None
    assert (claims["iat"], claims["exp"]) == (NOW, NOW + 60)
    assert claims["jti"] != "old"
    assert given_claims == {"sub": "1", "iat": 1, "exp": 2, "jti": "old"}


def test_jti_is_fresh_and_ciphertexts_differ() -> None:
    a = jwt.encode(token=CLAIMS, secret=SECRET, now=NOW)
    b = jwt.encode(token=CLAIMS, secret=SECRET, now=NOW)
    assert a != b
    ja, jb = (jwt.decode(token=t, secret=SECRET, now=NOW) for t in (a, b))
    assert ja is not None
    assert jb is not None
    assert ja["jti"] != jb["jti"]


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_unicode_and_nested_claims(format: Format) -> None:
    claims_in = {"name": "Zoë 😀 \u2028", "lone": "\ud800", "roles": ["a", {"b": None}], "n": 1.5}
    token = jwt.encode(token=claims_in, secret=SECRET, format=format, now=NOW)
    claims = jwt.decode(token=token, secret=SECRET, format=format, now=NOW)
    assert claims is not None
    assert {k: claims[k] for k in claims_in} == claims_in


def test_unserialisable_claims_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="JSON"):
        jwt.encode(token={"x": float("nan")}, secret=SECRET)
    with pytest.raises(TypeError):
        jwt.encode(token={"x": object()}, secret=SECRET)


@pytest.mark.parametrize("format", ["v4", "v5"])
@pytest.mark.parametrize("cookie", ["state", "pkce.code_verifier", "nonce"])
def test_oauth_check_cookie_jwe(format: Format, cookie: str) -> None:
    # The state/pkce/nonce cookies: salt = the full cookie name, 15 minutes.
    stem = "next-auth" if format == "v4" else "authjs"
    salt = f"__Secure-{stem}.{cookie}"
    token = jwt.encode(
        token={"value": "v", "provider": "github"}, secret=SECRET, salt=salt, max_age=900, format=format, now=NOW
    )
    claims = jwt.decode(token=token, secret=SECRET, salt=salt, format=format, now=NOW + 900 + 14)
    assert claims is not None
    assert claims["value"] == "v"
    assert claims["exp"] == NOW + 900
    assert jwt.decode(token=token, secret=SECRET, salt=salt, format=format, now=NOW + 915) is None
    assert jwt.decode(token=token, secret=SECRET, format=format, now=NOW) is None  # session salt
    assert jwt.decode(token=token, secret=SECRET, salt=salt + "x", format=format, now=NOW) is None


def test_v5_default_salt_is_the_non_secure_session_cookie_name() -> None:
    token = jwt.encode(token={}, secret=SECRET, now=NOW)
    assert jwt.decode(token=token, secret=SECRET, salt=V5_SALT, now=NOW) is not None
    assert jwt.decode(token=token, secret=SECRET, salt="__Secure-" + V5_SALT, now=NOW) is None
    secure = jwt.encode(token={}, secret=SECRET, salt="__Secure-" + V5_SALT, now=NOW)
    assert jwt.decode(token=secure, secret=SECRET, now=NOW) is None
    assert jwt.decode(token=secure, secret=SECRET, salt="__Secure-" + V5_SALT, now=NOW) is not None


# --- secrets and rotation ---------------------------------------------------------------------


def test_v5_rotation_uses_first_secret_and_kid_to_pick() -> None:
    token = jwt.encode(token={"sub": "1"}, secret=["new", "old"], now=NOW)
    assert json.loads(header_of(token))["kid"] == jwe.key_id(jwe.derive_v5_key("new", V5_SALT))
    assert jwt.decode(token=token, secret=["old", "new"], now=NOW) is not None  # kid picks "new"
    assert jwt.decode(token=token, secret="new", now=NOW) is not None
    assert jwt.decode(token=token, secret=["old"], now=NOW) is None
    old_token = jwt.encode(token={"sub": "1"}, secret="old", now=NOW)
    assert jwt.decode(token=old_token, secret=["new", "old"], now=NOW) is not None
    with pytest.raises(jwt.TokenDecodeError) as info:
        jwt.decode_or_raise(token=old_token, secret=["newer", "new"], now=NOW)
    assert info.value.reason == "no_matching_secret"


def test_v5_without_kid_uses_only_the_first_secret() -> None:
    payload = json.dumps({"sub": "1"}).encode()
    token = jwe.encrypt(payload, jwe.derive_v5_key("old", V5_SALT), "A256CBC-HS512")
    assert "kid" not in header_of(token)
    assert jwt.decode(token=token, secret=["old", "new"], now=NOW) == {"sub": "1"}
    assert jwt.decode(token=token, secret=["new", "old"], now=NOW) is None


@pytest.mark.parametrize("with_kid", [True, False])
def test_v5_accepts_a256gcm(with_kid: bool) -> None:
    key = jwe.derive_v5_key(SECRET, V5_SALT, "A256GCM")
    kid = jwe.key_id(key) if with_kid else None
    token = jwe.encrypt(b'{"sub":"1"}', key, "A256GCM", kid)
    assert jwt.decode(token=token, secret=["other", SECRET] if with_kid else SECRET, now=NOW) == {"sub": "1"}


def test_v4_tries_every_secret() -> None:
    token = jwt.encode(token={"sub": "1"}, secret="old", format="v4", now=NOW)
    assert jwt.decode(token=token, secret=["new", "old"], format="v4", now=NOW) is not None
    assert jwt.decode(token=token, secret=["new", "newer"], format="v4", now=NOW) is None
    first = jwt.encode(token={"sub": "1"}, secret=["new", "old"], format="v4", now=NOW)
    assert jwt.decode(token=first, secret="new", format="v4", now=NOW) is not None
    assert jwt.decode(token=first, secret="old", format="v4", now=NOW) is None


@pytest.mark.parametrize("secret", ["", [], [""], ["ok", ""], None, [None]])
def test_missing_secret_is_a_programming_error(secret: Any) -> None:
    with pytest.raises(jwt.MissingSecret):
        jwt.encode(token={}, secret=secret)
    with pytest.raises(jwt.MissingSecret):
        jwt.decode(token="x.y", secret=secret)
    with pytest.raises(jwt.MissingSecret):
        jwt.decode(token=None, secret=secret)


# --- expiry and claims ------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_expiry_has_15_seconds_of_tolerance(format: Format) -> None:
    token = jwt.encode(token={}, secret=SECRET, max_age=60, format=format, now=NOW)
    exp = NOW + 60
    # jose: expired when exp <= floor(now) - 15
    assert jwt.decode(token=token, secret=SECRET, format=format, now=exp + 14.99) is not None
    assert jwt.decode(token=token, secret=SECRET, format=format, now=exp + 15) is None
    with pytest.raises(jwt.TokenDecodeError) as info:
        jwt.decode_or_raise(token=token, secret=SECRET, format=format, now=exp + 15)
    assert info.value.reason == "expired"


def test_nbf_has_15_seconds_of_tolerance() -> None:
    def token_with(claims: dict[str, Any]) -> str:
        return jwe.encrypt(json.dumps(claims).encode(), V5_KEY, "A256CBC-HS512", jwe.key_id(V5_KEY))

    assert jwt.decode(token=token_with({"nbf": NOW + 15}), secret=SECRET, now=NOW) is not None
    with pytest.raises(jwt.TokenDecodeError) as info:
        jwt.decode_or_raise(token=token_with({"nbf": NOW + 16}), secret=SECRET, now=NOW)
    assert info.value.reason == "not_yet_valid"
    # No exp at all is accepted, as jose does; the encoder always sets one.
    assert jwt.decode(token=token_with({"sub": "1"}), secret=SECRET, now=NOW) == {"sub": "1"}


@pytest.mark.parametrize(
    "payload",
    [
        b"[1]",
        b'"text"',
        b"null",
        b"",
        b"\xff\xfe",
        b'{"exp": NaN}',
        b'{"exp": Infinity}',
        b'{"exp": "9999999999"}',
        b'{"exp": true}',
        b'{"iat": null}',
        b'{"nbf": [1]}',
        # Deep enough for a RecursionError, small enough to pass the token length bound.
        b"[" * 40_000,
        b'{"a":' * 8_000,
    ],
)
def test_bad_claims_under_a_valid_key_are_rejected(payload: bytes) -> None:
    token = jwe.encrypt(payload, V5_KEY, "A256CBC-HS512", jwe.key_id(V5_KEY))
    with pytest.raises(jwt.TokenDecodeError) as info:
        jwt.decode_or_raise(token=token, secret=SECRET, now=NOW)
    assert info.value.reason == "invalid_claims"
    assert jwt.decode(token=token, secret=SECRET, now=NOW) is None


# --- bad tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_any_single_character_change_is_rejected(format: Format) -> None:
    token = jwt.encode(token=CLAIMS, secret=SECRET, format=format, now=NOW)
    parts = token.split(".")
    for index in range(len(token)):
        for replacement in {"A", "B", "_", "."} - {token[index]}:
            tampered = token[:index] + replacement + token[index + 1 :]
            assert jwt.decode(token=tampered, secret=SECRET, format=format, now=NOW) is None, (index, replacement)
    # ...and so is a byte flipped in each of the five parts, the empty key part included.
    for i in range(5):
        raw = bytearray(unb64(parts[i]) or b"\x00")
        raw[len(raw) // 2] ^= 0x01
        tampered_parts = [*parts]
        tampered_parts[i] = b64(bytes(raw))
        assert jwt.decode(token=".".join(tampered_parts), secret=SECRET, format=format, now=NOW) is None, i


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_truncated_and_extended_tokens_are_rejected(format: Format) -> None:
    token = jwt.encode(token=CLAIMS, secret=SECRET, format=format, now=NOW)
    for end in range(len(token)):
        assert jwt.decode(token=token[:end], secret=SECRET, format=format, now=NOW) is None, end
    for extra in (".", "A", "=", "==", " ", "\n", ".x"):
        assert jwt.decode(token=token + extra, secret=SECRET, format=format, now=NOW) is None


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_wrong_secret_is_rejected(format: Format) -> None:
    token = jwt.encode(token=CLAIMS, secret=SECRET, format=format, now=NOW)
    assert jwt.decode(token=token, secret="not-" + SECRET, format=format, now=NOW) is None
    with pytest.raises(jwt.TokenDecodeError) as info:
        jwt.decode_or_raise(token=token, secret="not-" + SECRET, format=format, now=NOW)
    assert info.value.reason == ("decryption_failed" if format == "v4" else "no_matching_secret")


def test_wrong_format_is_rejected() -> None:
    v4 = jwt.encode(token=CLAIMS, secret=SECRET, format="v4", now=NOW)
    v5 = jwt.encode(token=CLAIMS, secret=SECRET, format="v5", now=NOW)
    assert jwt.decode(token=v4, secret=SECRET, format="v5", now=NOW) is None
    assert jwt.decode(token=v4, secret=SECRET, format="v5", salt="", now=NOW) is None
    assert jwt.decode(token=v5, secret=SECRET, format="v4", now=NOW) is None
    assert jwt.decode(token=v5, secret=SECRET, format="v4", salt=V5_SALT, now=NOW) is None


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "dir", "enc": "A256GCM"}, None),  # control: the helper makes valid tokens
        ({"alg": "dir", "enc": "A256GCM", "typ": "JWT"}, None),
        ({"alg": "A256KW", "enc": "A256GCM"}, "unsupported"),
        ({"alg": "none", "enc": "A256GCM"}, "unsupported"),
        ({"enc": "A256GCM"}, "unsupported"),
        ({"alg": "dir", "enc": "A128GCM"}, "unsupported"),
        ({"alg": "dir", "enc": "A256CBC-HS512"}, "unsupported"),  # not for v4
        ({"alg": "dir"}, "unsupported"),
        ({"alg": "dir", "enc": ["A256GCM"]}, "unsupported"),
        ({"alg": "dir", "enc": "A256GCM", "zip": "DEF"}, "unsupported"),
        ({"alg": "dir", "enc": "A256GCM", "crit": ["exp"]}, "unsupported"),
        (["dir", "A256GCM"], "malformed"),
        ("dir", "malformed"),
    ],
)
def test_header_checks(header: object, reason: str | None) -> None:
    token = seal_gcm(header, b'{"sub":"1"}', V4_KEY)
    if reason is None:
        assert jwt.decode(token=token, secret=SECRET, format="v4", now=NOW) == {"sub": "1"}
        return
    with pytest.raises(jwe.JWEError) as info:
        jwt.decode_or_raise(token=token, secret=SECRET, format="v4", now=NOW)
    assert info.value.reason == reason


def test_structure_checks() -> None:
    good = jwt.encode(token={}, secret=SECRET, format="v4", now=NOW)
    p = good.split(".")
    bad = {
        "four parts": ".".join(p[:4]),
        "six parts": good + ".",
        "encrypted key": ".".join([p[0], "AAAA", *p[2:]]),
        "short iv": ".".join([*p[:2], b64(os.urandom(11)), *p[3:]]),
        "long iv": ".".join([*p[:2], b64(os.urandom(16)), *p[3:]]),
        "short tag": ".".join([*p[:4], b64(os.urandom(15))]),
        "padded": ".".join([*p[:4], p[4] + "=="]),
        "standard alphabet": ".".join([*p[:3], p[3].replace("-", "+").replace("_", "/") + "+/"]),
        "non-canonical": ".".join([*p[:4], p[4][:-1] + B64URL[B64URL.index(p[4][-1]) + 1]]),
        "impossible length": ".".join([*p[:3], p[3] + "A", p[4]]),
        "non-ascii": ".".join([*p[:3], p[3] + "é", p[4]]),
        "header garbage": ".".join(["e30x", *p[1:]]),
        "header invalid utf8": ".".join([b64(b"\xff"), *p[1:]]),
        "deep header": ".".join([b64(b"[" * 100_000), *p[1:]]),
    }
    for name, token in bad.items():
        with pytest.raises(jwe.JWEError):
            jwt.decode_or_raise(token=token, secret=SECRET, format="v4", now=NOW)
        assert jwt.decode(token=token, secret=SECRET, format="v4", now=NOW) is None, name


@pytest.mark.parametrize("stray", [" ", "\n", "!", "%", "=", "\x00", "é"])
def test_a_stray_character_in_a_part_is_malformed_not_skipped(stray: str) -> None:
    # Four strays keep the length a multiple of 4: a lenient base64 decoder skips them and hands
    # the real ciphertext to AES-GCM, and the token would open.
    p = jwt.encode(token={}, secret=SECRET, format="v4", now=NOW).split(".")
    ciphertext = p[3][:10] + stray * 4 + p[3][10:]
    with pytest.raises(jwe.JWEError) as info:
        jwt.decode_or_raise(token=".".join([*p[:3], ciphertext, p[4]]), secret=SECRET, format="v4", now=NOW)
    assert info.value.reason == "malformed"


def test_errors_belong_to_the_authsession_tree() -> None:
    # The session route catches errors.TokenError; a missing secret is a configuration error.
    assert issubclass(jwe.JWEError, jwt.TokenDecodeError)
    assert issubclass(jwt.TokenDecodeError, errors.TokenError)
    assert jwt.TokenError is errors.TokenError
    assert issubclass(jwt.MissingSecret, errors.ConfigurationError)


@pytest.mark.parametrize("token", [None, ""])
def test_empty_token_is_none(token: str | None) -> None:
    assert jwt.decode(token=token, secret=SECRET) is None
    with pytest.raises(jwt.TokenError):
        jwt.decode_or_raise(token=token or "", secret=SECRET)


def test_token_error_never_contains_token_or_secret() -> None:
    secret = "very-secret-value"
    token = jwt.encode(token={}, secret=secret, now=NOW)
    for attempt in (token, token[:-3], "x" + token, token.replace(".", "..", 1)):
        for fmt in ("v4", "v5"):
            try:
                jwt.decode_or_raise(token=attempt, secret=[secret, "other"], format=fmt, now=NOW + 10**9)
            except jwt.TokenError as exc:
                text = f"{exc!s} {exc!r} {exc.args}"
                assert secret not in text
                assert attempt not in text
                assert attempt[:20] not in text


@no_db
@given(st.text())
def test_garbage_text_never_raises(text: str) -> None:
    for fmt in ("v4", "v5"):
        assert jwt.decode(token=text, secret=SECRET, format=fmt) is None


@no_db
@given(st.lists(st.text(alphabet=B64URL + "=+/", max_size=80), min_size=5, max_size=5))
def test_garbage_five_part_tokens_only_raise_token_errors(parts: list[str]) -> None:
    for fmt in ("v4", "v5"):
        with contextlib.suppress(jwt.TokenError):
            jwt.decode_or_raise(token=".".join(parts), secret=SECRET, format=fmt)


@no_db
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "enc", "kid", "zip", "crit", "x"]), st.none() | st.text(max_size=20) | st.integers()
    ),
    payload=st.binary(max_size=200),
)
def test_arbitrary_headers_and_payloads_under_the_right_key(header: dict[str, Any], payload: bytes) -> None:
    token = seal_gcm(header, payload, V4_KEY)
    try:
        claims = jwt.decode_or_raise(token=token, secret=SECRET, format="v4", now=NOW)
    except jwt.TokenError:
        return
    assert isinstance(claims, dict)
    assert header.get("alg") == "dir"
    assert header.get("enc") == "A256GCM"
    assert "zip" not in header
    assert "crit" not in header


@no_db
@given(st.data())
def test_random_mutations_are_rejected(data: st.DataObject) -> None:
    fmt: Format = data.draw(st.sampled_from(FORMATS))
    token = jwt.encode(token=CLAIMS, secret=SECRET, format=fmt, now=NOW)
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.text(alphabet=B64URL + ".=", min_size=0, max_size=3))
    mutated = token[:index] + replacement + token[index + 1 :]
    if mutated != token:
        assert jwt.decode(token=mutated, secret=SECRET, format=fmt, now=NOW) is None


# --- joserfc cross-check ----------------------------------------------------------------------


@pytest.mark.parametrize(("format", "enc", "key"), [("v4", "A256GCM", V4_KEY), ("v5", "A256CBC-HS512", V5_KEY)])
def test_joserfc_reads_ours_and_we_read_joserfcs(format: Format, enc: str, key: bytes) -> None:
    ours = jwt.encode(token=CLAIMS, secret=SECRET, format=format, now=NOW)
    opened = joserfc_jwe.decrypt_compact(ours, OctKey.import_key(key), algorithms=["dir", enc])
    assert opened.plaintext is not None
    assert json.loads(opened.plaintext)["email"] == CLAIMS["email"]
    protected: dict[str, Any] = {"alg": "dir", "enc": enc}
    if format == "v5":
        protected["kid"] = jwe.key_id(key)
    theirs = joserfc_jwe.encrypt_compact(
        protected, json.dumps({**CLAIMS, "exp": NOW + 60}), OctKey.import_key(key), algorithms=["dir", enc]
    )
    claims = jwt.decode(token=theirs, secret=SECRET, format=format, now=NOW)
    assert claims is not None
    assert claims["email"] == CLAIMS["email"]


# --- get_token --------------------------------------------------------------------------------


def request(headers: dict[str, str] | None = None, cookies: dict[str, str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(headers=headers or {}, cookies=cookies or {})


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTH_SECRET", "NEXTAUTH_SECRET", "NEXTAUTH_URL", "VERCEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("format", ["v4", "v5"])
@pytest.mark.parametrize("secure", [False, True])
def test_get_token_from_cookie_header(format: Format, secure: bool) -> None:
    stem = "next-auth" if format == "v4" else "authjs"
    name = f"{'__Secure-' if secure else ''}{stem}.session-token"
    salt = name if format == "v5" else ""
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, salt=salt, format=format, now=NOW)
    req = request({"Cookie": f"other=1; {name}={token}"})
    got = jwt.get_token(req, secret=SECRET, secure_cookie=secure, format=format, now=NOW)
    assert got is not None
    assert got["sub"] == "1"
    # the other prefix is a different cookie
    assert jwt.get_token(req, secret=SECRET, secure_cookie=not secure, format=format, now=NOW) is None
    assert jwt.get_token(req, secret=SECRET, secure_cookie=secure, format=format, raw=True) == token


def test_get_token_ignores_a_cookie_header_beyond_the_bounds() -> None:
    # The same bounds as a session read: a hostile header is not parsed pair by pair.
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, now=NOW)
    crowded = "; ".join([f"{V5_SALT}={token}", *(f"c{i}=1" for i in range(MAX_COOKIE_COUNT))])
    padded = f"{V5_SALT}={token}; pad=" + "x" * MAX_COOKIE_HEADER_LENGTH
    assert jwt.get_token(request({"cookie": f"{V5_SALT}={token}"}), secret=SECRET, now=NOW) is not None
    assert jwt.get_token(request({"cookie": crowded}), secret=SECRET, now=NOW) is None
    assert jwt.get_token(request({"cookie": padded}), secret=SECRET, now=NOW) is None


def test_get_token_falls_back_to_request_cookies_only_without_cookie_header() -> None:
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, now=NOW)
    got = jwt.get_token(request(cookies={V5_SALT: token}), secret=SECRET, now=NOW)
    assert got is not None
    assert got["sub"] == "1"
    assert jwt.get_token(request({"cookie": "a=b"}, cookies={V5_SALT: token}), secret=SECRET, now=NOW) is None
    assert jwt.get_token(SimpleNamespace(cookies={V5_SALT: token}), secret=SECRET, now=NOW) is not None
    assert jwt.get_token(SimpleNamespace(), secret=SECRET, now=NOW) is None


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_get_token_reassembles_chunks(format: Format) -> None:
    name = "next-auth.session-token" if format == "v4" else V5_SALT
    token = jwt.encode(
        token={"big": "x" * 9000}, secret=SECRET, salt="" if format == "v4" else name, format=format, now=NOW
    )
    size = chunk_size(format)
    chunks = [token[i : i + size] for i in range(0, len(token), size)]
    assert len(chunks) >= 3
    # out of order on purpose: the suffix decides
    header = "; ".join(f"{name}.{i}={c}" for i, c in reversed(list(enumerate(chunks))))
    got = jwt.get_token(request({"cookie": header}), secret=SECRET, format=format, now=NOW)
    assert got is not None
    assert got["big"] == "x" * 9000
    missing_one = "; ".join(f"{name}.{i}={c}" for i, c in enumerate(chunks) if i != 1)
    assert jwt.get_token(request({"cookie": missing_one}), secret=SECRET, format=format, now=NOW) is None


def test_get_token_bearer_only_when_no_cookie() -> None:
    token = jwt.encode(token={"sub": "bearer"}, secret=SECRET, now=NOW)
    cookie_token = jwt.encode(token={"sub": "cookie"}, secret=SECRET, now=NOW)
    got = jwt.get_token(request({"Authorization": f"Bearer {token}"}), secret=SECRET, now=NOW)
    assert got is not None
    assert got["sub"] == "bearer"
    both = request({"authorization": f"Bearer {token}", "cookie": f"{V5_SALT}={cookie_token}"})
    got = jwt.get_token(both, secret=SECRET, now=NOW)
    assert got is not None
    assert got["sub"] == "cookie"
    # a bad cookie still counts as "a cookie was found": no fallback
    bad_cookie = request({"authorization": f"Bearer {token}", "cookie": f"{V5_SALT}=garbage"})
    assert jwt.get_token(bad_cookie, secret=SECRET, now=NOW) is None
    # ...but an empty one does not
    empty_cookie = request({"authorization": f"Bearer {token}", "cookie": f"{V5_SALT}="})
    assert jwt.get_token(empty_cookie, secret=SECRET, now=NOW) is not None


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        ("Bearer {t}", "{t}"),
        ("Bearer {t} trailing", "{t}"),
        ("Bearer t%6Fk", "tok"),  # percent-decoded
        ("bearer {t}", None),
        ("Basic {t}", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Bearer  {t}", None),
        ("Bearer %zz", None),
        ("Bearer %E0%A4%A", None),
        ("Bearer %C3%28", None),  # invalid UTF-8
        ("Bearer %", None),
    ],
)
def test_get_token_bearer_parsing(authorization: str, expected: str | None) -> None:
    req = request({"Authorization": authorization.replace("{t}", "tok")})
    want = expected.replace("{t}", "tok") if expected else None
    assert jwt.get_token(req, raw=True) == want


def test_get_token_bearer_decodes_url_encoded_token() -> None:
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, now=NOW)
    encoded = "".join(f"%{ord(c):02X}" for c in token[:30]) + token[30:]
    got = jwt.get_token(request({"authorization": f"Bearer {encoded}"}), secret=SECRET, now=NOW)
    assert got is not None
    assert got["sub"] == "1"


def test_get_token_secret_and_secure_defaults_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    v5 = jwt.encode(token={"sub": "1"}, secret="auth", now=NOW)
    req = request({"cookie": f"{V5_SALT}={v5}"})
    with pytest.raises(jwt.MissingSecret):
        jwt.get_token(req)
    assert jwt.get_token(req, raw=True) == v5
    monkeypatch.setenv("NEXTAUTH_SECRET", "nextauth")
    monkeypatch.setenv("AUTH_SECRET", "auth")
    assert jwt.get_token(req, now=NOW) is not None  # v5: AUTH_SECRET first

    v4 = jwt.encode(token={"sub": "1"}, secret="nextauth", format="v4", now=NOW)
    assert jwt.get_token(request({"cookie": f"next-auth.session-token={v4}"}), format="v4", now=NOW) is not None
    secure = request({"cookie": f"__Secure-next-auth.session-token={v4}"})
    assert jwt.get_token(secure, format="v4", now=NOW) is None
    monkeypatch.setenv("VERCEL", "1")
    assert jwt.get_token(secure, format="v4", now=NOW) is not None
    monkeypatch.setenv("NEXTAUTH_URL", "http://example.com")  # NEXTAUTH_URL wins over VERCEL
    assert jwt.get_token(secure, format="v4", now=NOW) is None
    monkeypatch.setenv("NEXTAUTH_URL", "https://example.com")
    assert jwt.get_token(secure, format="v4", now=NOW) is not None
    # v5 never sniffs the environment for the prefix
    v5_secure = jwt.encode(token={"sub": "1"}, secret="auth", salt="__Secure-" + V5_SALT, now=NOW)
    assert jwt.get_token(request({"cookie": f"__Secure-{V5_SALT}={v5_secure}"}), now=NOW) is None


def test_get_token_custom_cookie_name_and_salt() -> None:
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, salt="my-cookie", now=NOW)
    req = request({"cookie": f"my-cookie={token}"})
    assert jwt.get_token(req, secret=SECRET, cookie_name="my-cookie", now=NOW) is not None  # salt follows
    assert jwt.get_token(req, secret=SECRET, cookie_name="my-cookie", salt=V5_SALT, now=NOW) is None


def test_get_token_with_starlette_request() -> None:
    starlette_requests = pytest.importorskip("starlette.requests")
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, now=NOW)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"cookie", f"{V5_SALT}={token}".encode())],
    }
    got = jwt.get_token(starlette_requests.Request(scope), secret=SECRET, now=NOW)
    assert got is not None
    assert got["sub"] == "1"
    bearer = {**scope, "headers": [(b"authorization", f"Bearer {token}".encode())]}
    assert jwt.get_token(starlette_requests.Request(bearer), secret=SECRET, now=NOW) is not None


def test_get_token_header_lookup_is_case_insensitive_on_plain_dicts() -> None:
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, now=NOW)
    assert jwt.get_token(request({"COOKIE": f"{V5_SALT}={token}"}), secret=SECRET, now=NOW) is not None
    assert jwt.get_token(request({"AUTHORIZATION": f"Bearer {token}"}), secret=SECRET, now=NOW) is not None
