"""``uvicorn --factory bench.apps.demo:create_app``: the project's demo app with a fixed secret.

``BENCH_SECRET`` keeps one session valid across the uvicorn workers; ``BENCH_DEMO_DB`` is a
throw-away SQLite file the benchmark creates (it holds the seeded demo account).
"""

from __future__ import annotations

import os

from examples.demo.app import create_app as create_demo_app
from fastapi import FastAPI


def create_app() -> FastAPI:
    return create_demo_app(os.environ["BENCH_DEMO_DB"], secret=os.environ["BENCH_SECRET"], oauth_providers=[])
