# The two commands a newcomer needs: `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements/dev.lock
NODE_DIRS := tests/node/v4 tests/node/v5 tests/node/nextjs tests/node/nextjs15 tests/node/oidc tests/node/pg-adapter tests/node/passkey tests/node/react
NODE_STAMPS := $(addsuffix /node_modules/.installed,$(NODE_DIRS))

.PHONY: demo test docs bench bench-http fuzz soak lint typecheck gates check lock node clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# The dev/CI environment comes from the hash-pinned lock, so every machine tests the same versions;
# then the project itself, editable, without letting pip pick anything the lock did not.
$(STAMP): pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Re-resolve $(LOCK) after changing a dependency in pyproject.toml (tests/test_packaging.py fails
# until you do). uv keeps every pin that still fits; `make lock UPGRADE=1` moves all to the newest.
# --universal: one lock for Linux, macOS and Windows, Python 3.11 and later.
lock: | $(PY)
	$(PY) -m pip install --quiet uv
	echo "-e ." | $(VENV)/bin/uv pip compile - --group pyproject.toml:dev --universal --python-version 3.11 \
		--generate-hashes --no-emit-package authsession --custom-compile-command "make lock" \
		$(if $(UPGRADE),--upgrade) -o $(LOCK)

# npm packages the interop tests use as the oracle. Without Node the tests skip (and fail under CI=true).
tests/node/%/node_modules/.installed: tests/node/%/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/node/$* && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the Node interop tests will be skipped"; fi

node: $(NODE_STAMPS)

demo: $(STAMP) tests/node/oidc/node_modules/.installed
	$(PY) -m examples.demo

test: $(STAMP) node
	$(PY) -m pytest

# The documentation site, built strictly (a broken link, anchor or API reference fails) into
# site/, which git ignores. `.venv/bin/mkdocs serve` previews it while you write.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

# In-process: get_server_session against the crypto floor and the peers; then database
# sessions with a million sessions in SQLite, PostgreSQL and Redis.
bench: $(STAMP) node
	$(PY) -m bench
	$(PY) -m bench.database --sessions 1000000

# Over HTTP with wrk (apt-get install wrk): the demo and a twin app against Next.js + next-auth.
bench-http: $(STAMP) node
	$(PY) -m bench http

# The fuzz properties of tests/fuzz (also in `make test`, with a short budget) with a long random
# budget: FUZZ_EXAMPLES inputs per property. The statistics report the inputs each property tried.
FUZZ_EXAMPLES ?= 20000
fuzz: $(STAMP)
	AUTHSESSION_FUZZ=long AUTHSESSION_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/fuzz -q -p no:cacheprovider --hypothesis-show-statistics

# The demo app under mixed sign-ins, reads and sign-outs on loopback for SOAK_SECONDS:
# fails on any error or on memory that grows after warm-up.
SOAK_SECONDS ?= 600
soak: $(STAMP)
	$(PY) -m bench.soak --duration $(SOAK_SECONDS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Every gate besides the tests; CI (.ci/run) runs `make gates` then `make test`.
# A new gate (the docs build, say) goes here and nowhere else.
gates: lint typecheck

check: gates test

clean:
	rm -rf $(VENV) $(addsuffix /node_modules,$(NODE_DIRS)) .pytest_cache .mypy_cache .ruff_cache
