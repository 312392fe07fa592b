"""``authsession`` on the command line: ``authsession secret`` prints a fresh AUTH_SECRET."""

from __future__ import annotations

import argparse
import base64
import secrets
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="authsession", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    secret = commands.add_parser("secret", help="print a random secret for AUTH_SECRET (32 bytes, base64)")
    secret.add_argument("--bytes", type=int, default=32, help="how many random bytes (default 32)")
    args = parser.parse_args(argv)
    if args.command == "secret":
        if args.bytes < 32:
            parser.error("use at least 32 bytes")
        sys.stdout.write(base64.b64encode(secrets.token_bytes(args.bytes)).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
