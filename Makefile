# Everything a fresh machine needs is installed by these targets: `make run`, `make test`.
SHELL := /bin/bash
# The newest CPython 3.12+ here: on PATH, else installed by pyenv or in /usr beside an older
# default (pyenv's shims refuse a version that is not the global one, hence the direct paths).
PYTHON ?= $(shell for v in 3.14 3.13 3.12; do \
	for c in python$$v $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v.*/bin/python$$v 2>/dev/null | sort -rV) \
		/usr/local/bin/python$$v /usr/bin/python$$v; do \
		if $$c -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then echo $$c; exit; fi; \
	done; done)
VENV := .venv
PY := $(VENV)/bin/python
DEPS_STAMP := $(VENV)/.deps-installed
NODE_STAMP := node_modules/.deps-installed
CONSOLE_STAMP := backend/console/dist/.built
CONSOLE_SOURCES := $(shell find backend/console/web graphql/operations/console -type f 2>/dev/null) \
	content/areas/units.json content/reports/departments.json \
	graphql/operations/auth/AccountDelete.graphql

export NO_GCE_CHECK := true

.PHONY: run test faults bench soak lint format schema manifest migrate audit lock wheel clean

$(PY):
	@test -n "$(PYTHON)" || { echo "make: no Python 3.12 or newer found (looked for python3.14..python3.12 on PATH, under pyenv and in /usr); install one or run make PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Everything from the lock files, hashes checked; then the project itself, without resolving again.
$(DEPS_STAMP): pyproject.toml requirements/build.txt requirements/dev.txt | $(PY)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { echo "make: $(VENV) runs Python < 3.12: make clean, then make again" >&2; exit 1; }
	$(PY) -m pip install --quiet --require-hashes -r requirements/build.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
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
	@# worksteal: the longest tests start first (tests/conftest.py RUN_FIRST) and an idle worker
	@# takes work from the busy one, so neither finishes alone.
	@# The fault tests time outages and kill servers: after, in a process of their own, alone.
	$(PY) -m pytest --ignore=tests/faults -n 2 --dist worksteal
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

# The deployable wheel, with the moderator console built into it (README: Deployment). setuptools
# reuses build/lib, which can carry deleted modules into a wheel: start from a clean one.
wheel: $(DEPS_STAMP) $(NODE_STAMP) $(CONSOLE_STAMP)
	rm -rf build
	$(PY) -m build --wheel --outdir dist

# Re-resolve the lock files after changing dependencies in pyproject.toml (tests/test_dependencies.py
# fails while they disagree). One universal lock per environment: runtime (what production
# installs), test, dev; build is the build backend.
UV_COMPILE = $(VENV)/bin/uv pip compile --universal --python-version 3.12 --generate-hashes \
	--custom-compile-command "make lock" --quiet
lock: $(DEPS_STAMP)
	$(UV_COMPILE) pyproject.toml -o requirements/runtime.txt
	$(UV_COMPILE) pyproject.toml --extra test -o requirements/test.txt
	$(UV_COMPILE) pyproject.toml --extra dev -o requirements/dev.txt
	$(UV_COMPILE) requirements/build.in -o requirements/build.txt

# The persisted-query manifest (production's allowlist) from graphql/operations/, by Apollo's own
# tool, so its ids are what Apollo Client sends; tests/test_persisted_manifest.py checks it.
manifest: $(NODE_STAMP)
	npm run manifest --silent

migrate: $(DEPS_STAMP)
	$(PY) -m backend.cli migrate

clean:
	rm -rf $(VENV) node_modules var
