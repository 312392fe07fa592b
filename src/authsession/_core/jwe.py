"""Compact JWE with ``alg: dir``, and the key derivation NextAuth and Auth.js put in front of it.

Protocol: ``docs/protocol.md`` §1. Standards: RFC 7516 (JWE compact serialisation),
RFC 7518 §5.2 (A256CBC-HS512) and §5.3 (A256GCM), RFC 5869 (HKDF), RFC 7638 (JWK thumbprint).

Only what the two token formats use is implemented, so the parser can refuse everything else:

* v4 (``next-auth@4``): header ``{"alg":"dir","enc":"A256GCM"}``, a 32-byte HKDF-SHA256 key
  with info ``NextAuth.js Generated Encryption Key[ (<salt>)]``.
* v5 (``@auth/core``): header ``{"alg":"dir","enc":"A256CBC-HS512","kid":<thumbprint>}``, a
  64-byte key (32 for A256GCM) with salt = the cookie name and info
  ``Auth.js Generated Encryption Key (<salt>)``.

This runs on every request, so derived keys, key ids, encoded headers and cipher objects are
cached, and nothing but :class:`JWEError` leaves :func:`parse_compact` or :func:`decrypt` on bad
input. No message carries key material or token text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from authsession._core.limits import MAX_JWE_HEADER_LENGTH, MAX_TOKEN_LENGTH
from authsession.errors import TokenError

Enc = Literal["A256GCM", "A256CBC-HS512"]
TokenErrorReason = Literal[
    "malformed",
    "unsupported",
    "decryption_failed",
    "no_matching_secret",
    "invalid_claims",
    "expired",
    "not_yet_valid",
]

KEY_LENGTHS: dict[str, int] = {"A256GCM": 32, "A256CBC-HS512": 64}
_IV_LENGTHS = {"A256GCM": 12, "A256CBC-HS512": 16}
_TAG_LENGTHS = {"A256GCM": 16, "A256CBC-HS512": 32}
_V4_INFO = "NextAuth.js Generated Encryption Key"
_V5_INFO = "Auth.js Generated Encryption Key"
_B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Bits a canonical encoder leaves zero in the last character, by ``len(part) % 4``.
_UNUSED_BITS = {2: 0x0F, 3: 0x03}
_CACHE_SIZE = 256
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


class TokenDecodeError(TokenError):
    """A token could not be used. ``reason`` says why, in a word fit for a log line."""

    def __init__(self, reason: TokenErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason: TokenErrorReason = reason


class JWEError(TokenDecodeError):
    """The JWE layer refused the token: bad structure, unsupported header, or failed decryption."""


# --- key derivation ---------------------------------------------------------------------------


def _hkdf(secret: str, salt: str, info: str, length: int) -> bytes:
    return HKDF(algorithm=SHA256(), length=length, salt=salt.encode(), info=info.encode()).derive(secret.encode())


@lru_cache(maxsize=_CACHE_SIZE)
def derive_v4_key(secret: str, salt: str) -> bytes:
    """next-auth@4's 32-byte A256GCM key. ``salt`` is ``""`` for session tokens."""
    info = f"{_V4_INFO} ({salt})" if salt else _V4_INFO
    return _hkdf(secret, salt, info, 32)


@lru_cache(maxsize=_CACHE_SIZE)
def derive_v5_key(secret: str, salt: str, enc: Enc = "A256CBC-HS512") -> bytes:
    """@auth/core's key: 64 bytes for A256CBC-HS512, 32 for A256GCM. ``salt`` is the cookie name."""
    return _hkdf(secret, salt, f"{_V5_INFO} ({salt})", KEY_LENGTHS[enc])


@lru_cache(maxsize=_CACHE_SIZE)
def key_id(key: bytes) -> str:
    """RFC 7638 thumbprint of the ``oct`` JWK for ``key``, hashed with SHA-(key bits) as Auth.js does."""
    jwk = f'{{"k":"{b64url_encode(key)}","kty":"oct"}}'.encode()
    return b64url_encode(hashlib.new(f"sha{len(key) * 8}", jwk).digest())


# --- base64url --------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(part: str) -> bytes:
    """Strict, unpadded, canonical base64url; raises :class:`JWEError` otherwise."""
    rem = len(part) % 4
    # "+", "/" and "=" are base64 but not unpadded base64url. Once "-_" read as "+/", strict
    # a2b_base64 refuses every other character outside the alphabet, and non-ASCII fails to encode.
    if rem == 1 or "+" in part or "/" in part or "=" in part:
        raise JWEError("malformed", "JWE part is not base64url")
    try:
        standard = (part + "=" * (-rem % 4)).encode("ascii").translate(_URLSAFE_TO_STANDARD)
        data = binascii.a2b_base64(standard, strict_mode=True)
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        raise JWEError("malformed", "JWE part is not base64url") from None
    if rem and _B64URL_ALPHABET.index(part[-1]) & _UNUSED_BITS[rem]:
        raise JWEError("malformed", "JWE part is not canonical base64url")
    return data


# --- ciphers ----------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def _aesgcm(key: bytes) -> AESGCM:
    return AESGCM(key)


def _cbc_hs512_tag(mac_key: bytes, aad: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    al = (len(aad) * 8).to_bytes(8, "big")
    return hmac.digest(mac_key, aad + iv + ciphertext + al, "sha512")[:32]  # one C call


def _check_key(key: bytes, enc: str) -> None:
    if len(key) != KEY_LENGTHS[enc]:
        raise ValueError(f"{enc} needs a {KEY_LENGTHS[enc]}-byte key, got {len(key)} bytes")


@lru_cache(maxsize=_CACHE_SIZE)
def encoded_header(enc: Enc, kid: str | None = None) -> str:
    """The base64url protected header, exactly as next-auth / @auth/core write it."""
    header: dict[str, str] = {"alg": "dir", "enc": enc}
    if kid is not None:
        header["kid"] = kid
    return b64url_encode(json.dumps(header, separators=(",", ":")).encode())


def encrypt(plaintext: bytes, key: bytes, enc: Enc, kid: str | None = None) -> str:
    """Encrypt ``plaintext`` into a compact JWE (``alg: dir``) under ``key``."""
    _check_key(key, enc)
    protected = encoded_header(enc, kid)
    aad = protected.encode("ascii")
    iv = os.urandom(_IV_LENGTHS[enc])
    if enc == "A256GCM":
        sealed = _aesgcm(key).encrypt(iv, plaintext, aad)
        ciphertext, tag = sealed[:-16], sealed[-16:]
    else:
        mac_key, enc_key = key[:32], key[32:]
        pad = 16 - len(plaintext) % 16
        encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(plaintext + bytes([pad]) * pad) + encryptor.finalize()
        tag = _cbc_hs512_tag(mac_key, aad, iv, ciphertext)
    return ".".join((protected, "", b64url_encode(iv), b64url_encode(ciphertext), b64url_encode(tag)))


# --- decryption -------------------------------------------------------------------------------


@dataclass(slots=True)
class CompactJWE:
    """A structurally valid compact JWE whose header passed the checks; not yet authenticated.

    Not frozen: one is built on every session read, and a frozen dataclass takes several times
    as long to build (each field set through ``object.__setattr__``). Nothing changes it.
    """

    header: Mapping[str, Any]
    enc: Enc
    aad: bytes
    iv: bytes
    ciphertext: bytes
    tag: bytes

    @property
    def kid(self) -> object:
        """The header's ``kid`` as sent (any JSON type; only a matching string is ever useful)."""
        return self.header.get("kid")


def _reject_constant(name: str) -> Any:
    # JSON.parse has no NaN or Infinity; refusing them keeps claims JavaScript-shaped.
    raise ValueError(f"invalid JSON constant {name}")


_JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_json_object(data: bytes) -> dict[str, Any] | None:
    """``JSON.parse`` of UTF-8 ``data`` when it is a top-level object, else ``None``."""
    try:
        value = _JSON_DECODER.decode(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return value if isinstance(value, dict) else None


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_header(protected: str) -> Mapping[str, Any]:
    # Cached because every token of one app shares its header; exceptions are never cached.
    header = parse_json_object(b64url_decode(protected))
    if header is None:
        raise JWEError("malformed", "JWE protected header is not a JSON object")
    if header.get("alg") != "dir":
        raise JWEError("unsupported", "JWE alg must be dir")
    if "zip" in header or "crit" in header:
        raise JWEError("unsupported", "JWE zip and crit are not supported")
    return MappingProxyType(header)


def parse_compact(token: str, allowed_enc: tuple[Enc, ...]) -> CompactJWE:
    """Split and check a compact JWE before any key is involved.

    Refuses a part count other than 5, an encrypted key (``dir`` has none), a header that is not
    a JSON object, ``alg`` other than ``dir``, an ``enc`` outside ``allowed_enc``, ``zip``,
    ``crit``, bad base64url and IV or tag lengths that do not fit ``enc``.
    """
    if not isinstance(token, str):
        raise JWEError("malformed", "token is not a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise JWEError("malformed", "token is longer than MAX_TOKEN_LENGTH")
    parts = token.split(".")
    if len(parts) != 5:
        raise JWEError("malformed", "compact JWE must have 5 parts")
    protected, encrypted_key, iv_part, ciphertext_part, tag_part = parts
    if encrypted_key:
        raise JWEError("unsupported", "alg dir takes no encrypted key")
    if len(protected) > MAX_JWE_HEADER_LENGTH:
        # Checked before the header cache, whose keys would otherwise be attacker-sized.
        raise JWEError("malformed", "JWE protected header is too long")
    header = _parse_header(protected)
    enc = header.get("enc")
    if enc not in allowed_enc:
        raise JWEError("unsupported", "JWE enc is not accepted here")
    iv = b64url_decode(iv_part)
    tag = b64url_decode(tag_part)
    if len(iv) != _IV_LENGTHS[enc] or len(tag) != _TAG_LENGTHS[enc]:
        raise JWEError("malformed", "JWE IV or tag has the wrong length")
    ciphertext = b64url_decode(ciphertext_part)
    return CompactJWE(header, enc, protected.encode("ascii"), iv, ciphertext, tag)


def decrypt(jwe: CompactJWE, key: bytes) -> bytes:
    """Authenticate and decrypt; raises :class:`JWEError` (``decryption_failed``) on a bad tag."""
    if len(key) != KEY_LENGTHS[jwe.enc]:
        raise JWEError("decryption_failed", "key length does not fit JWE enc")
    if jwe.enc == "A256GCM":
        try:
            return _aesgcm(key).decrypt(jwe.iv, jwe.ciphertext + jwe.tag, jwe.aad)
        except InvalidTag:
            raise JWEError("decryption_failed", "JWE decryption failed") from None
    mac_key, enc_key = key[:32], key[32:]
    expected = _cbc_hs512_tag(mac_key, jwe.aad, jwe.iv, jwe.ciphertext)
    if not hmac.compare_digest(expected, jwe.tag) or not jwe.ciphertext or len(jwe.ciphertext) % 16:
        raise JWEError("decryption_failed", "JWE decryption failed")
    decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(jwe.iv)).decryptor()
    padded = decryptor.update(jwe.ciphertext) + decryptor.finalize()
    pad = padded[-1]
    # The tag already proved who wrote this, so a padding check here is no oracle.
    if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
        raise JWEError("decryption_failed", "JWE decryption failed")
    return padded[:-pad]
