"""authsession benchmarks: `make bench` (python -m bench)."""
