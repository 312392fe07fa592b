"""``python -m examples.litestar_app``: serve the example with uvicorn on ``HOST``:``PORT``."""

from __future__ import annotations

import os
import sys

import uvicorn

from . import create_app


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("PORT", "8000"))
    except ValueError:
        sys.exit(f"PORT must be a number, not {os.environ['PORT']!r}")
    app = create_app()
    account = os.environ.get("DEMO_EMAIL", "demo@example.com")
    print(f"authsession on Litestar: http://{host}:{port}/  (sign in as {account})", flush=True)
    uvicorn.run(app, host=host, port=port)


if __name__ == "__main__":
    main()
