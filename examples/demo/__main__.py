"""``python -m examples.demo``: run the demo with uvicorn."""

from .app import main

main()
