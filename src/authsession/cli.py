"""``authsession`` on the command line.

``authsession secret`` prints a fresh AUTH_SECRET; ``authsession doctor`` says why a session cookie
does not open (see docs/sessions.md, "When a session does not open").
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import secrets
import sys
import time
from typing import TYPE_CHECKING

from authsession._doctor import Diagnosis, Reader, diagnose, parse_cookie_export
from authsession.errors import MissingSecret
from authsession.options import _resolve_secrets

if TYPE_CHECKING:
    from authsession.adapters.redis import RedisAdapter
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

_VERDICT = {
    True: "The session opens.",
    False: "The session does not open.",
    None: "Whether the session opens depends on the database: pass --database-url.",
}


def _add_doctor(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="say why a session cookie does not open",
        description="Read a browser's cookies as your app would, and say why its session does or does not open.",
    )
    source = doctor.add_mutually_exclusive_group(required=True)
    source.add_argument("--cookie", metavar="HEADER", help="the Cookie header as the browser sends it")
    source.add_argument(
        "--cookie-file",
        metavar="PATH",
        help="a browser's cookie export (JSON, or a Netscape cookies.txt) or a Cookie header; - reads stdin",
    )
    doctor.add_argument(
        "--secret",
        action="append",
        help="a secret of your app; repeat for several, newest first "
        "(default: AUTH_SECRET_3.._1, AUTH_SECRET, NEXTAUTH_SECRET as AuthOptions reads them)",
    )
    doctor.add_argument("--format", choices=("v4", "v5"), default="v5", help="your app's format (default v5)")
    doctor.add_argument(
        "--url", help="the URL your app sees for itself: https means __Secure- cookies (default: either prefix)"
    )
    doctor.add_argument("--cookie-name", help="your app's session cookie name, if it renames it")
    doctor.add_argument("--salt", help="the salt your app decrypts with, if not the format's default")
    doctor.add_argument("--database-url", help="look database session tokens up: a SQLAlchemy URL or redis://...")
    doctor.add_argument("--redis-prefix", default="authsession", help="the RedisAdapter prefix (default authsession)")


def _adapter(url: str, redis_prefix: str) -> RedisAdapter | SQLAlchemyAdapter:
    if url.startswith(("redis://", "rediss://", "unix://")):
        from authsession.adapters.redis import RedisAdapter

        return RedisAdapter(url, prefix=redis_prefix)
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

    return SQLAlchemyAdapter(url)


async def _run_doctor(args: argparse.Namespace, reader: Reader, cookies: dict[str, str]) -> Diagnosis:
    if args.database_url is None:
        return await diagnose(cookies, reader, now=time.time())
    adapter = _adapter(args.database_url, args.redis_prefix)
    try:
        return await diagnose(cookies, reader, adapter=adapter, now=time.time())
    finally:
        await adapter.close()


def _doctor(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.cookie is not None:
        text = args.cookie
    elif args.cookie_file == "-":
        text = sys.stdin.read()
    else:
        with open(args.cookie_file, encoding="utf-8") as file:
            text = file.read()
    try:
        cookies = parse_cookie_export(text)
        secrets_ = _resolve_secrets(args.secret, args.format)
    except (ValueError, MissingSecret) as exc:
        parser.error(str(exc))
    secure = None if args.url is None else args.url.startswith("https://")
    reader = Reader(secrets_, args.format, secure, args.cookie_name, args.salt)
    diagnosis = asyncio.run(_run_doctor(args, reader, cookies))
    out = sys.stdout
    for note in diagnosis.notes:
        out.write(f"found: {note}\n")
    for finding in diagnosis.findings:
        out.write(f"problem [{finding.problem}]: {finding.message}\n")
    out.write(_VERDICT[diagnosis.opens] + "\n")
    return 0 if diagnosis.opens else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="authsession", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    secret = commands.add_parser("secret", help="print a random secret for AUTH_SECRET (32 bytes, base64)")
    secret.add_argument("--bytes", type=int, default=32, help="how many random bytes (default 32)")
    _add_doctor(commands)
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return _doctor(commands.choices["doctor"], args)
    if args.bytes < 32:
        parser.error("use at least 32 bytes")
    sys.stdout.write(base64.b64encode(secrets.token_bytes(args.bytes)).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
