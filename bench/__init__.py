"""authsession benchmarks against its peers: `make bench` (python -m bench, in-process) and
`make bench-http` (python -m bench http, servers under wrk). See docs/performance.md."""
