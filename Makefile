# Everything a fresh machine needs is installed by these targets: `make run`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS_STAMP := $(VENV)/.deps-installed
NODE_STAMP := node_modules/.deps-installed
CONSOLE_STAMP := backend/console/dist/.built
CONSOLE_SOURCES := $(shell find backend/console/web graphql/operations/console -type f 2>/dev/null) \
	content/areas/hanoi.geojson content/reports/departments.json

export NO_GCE_CHECK := true

.PHONY: run test faults bench soak lint format schema migrate audit clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools

$(DEPS_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The moderator console (Vite + TypeScript), rebuilt when its sources change.
$(CONSOLE_STAMP): $(NODE_STAMP) $(CONSOLE_SOURCES)
	npm run build:console --silent
	touch $@

run: $(DEPS_STAMP) $(NODE_STAMP) $(CONSOLE_STAMP)
	$(PY) -m backend.devserver

test: $(DEPS_STAMP) $(NODE_STAMP) $(CONSOLE_STAMP)
	@# The console's browser tests drive Debian's chromium.
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	$(VENV)/bin/ruff check backend notifications tests bench
	$(VENV)/bin/ruff format --check backend notifications tests bench
	$(VENV)/bin/mypy
	@# Two workers (pytest-xdist), each with its own database, certificate server and emulator on
	@# free ports: the session database is the bottleneck (a core), so two of them use both cores.
	@# The fault tests time outages and kill servers: after, in a process of their own, alone.
	$(PY) -m pytest --ignore=tests/faults -n 2
	$(PY) -m pytest tests/faults

# The fault tests, then 40 cycles of SIGKILL of the database under 16 writers (about 3 minutes):
# each must fail fast, recover and lose no acknowledged write.
faults: $(DEPS_STAMP)
	$(PY) -m pytest tests/faults
	$(PY) bench/fault_cycles.py --cycles 40

bench: $(DEPS_STAMP) $(NODE_STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Mixed workload for SOAK_SECONDS (10 minutes by default) with error rate, p95/p99 and memory.
SOAK_SECONDS ?= 600
soak: $(DEPS_STAMP)
	$(PY) bench/soak.py --duration $(SOAK_SECONDS)

# Published vulnerabilities in every installed distribution (PyPI's advisory feed; see .ci/audit.py).
audit: $(DEPS_STAMP)
	$(PY) .ci/audit.py

lint: $(DEPS_STAMP)
	$(VENV)/bin/ruff check backend notifications tests bench
	$(VENV)/bin/ruff format --check backend notifications tests bench
	$(VENV)/bin/mypy

format: $(DEPS_STAMP)
	$(VENV)/bin/ruff format backend notifications tests bench
	$(VENV)/bin/ruff check --fix backend notifications tests bench

schema: $(DEPS_STAMP)
	$(PY) -m backend.cli export-schema

migrate: $(DEPS_STAMP)
	$(PY) -m backend.cli migrate

clean:
	rm -rf $(VENV) node_modules var
