# Launchbay developer tasks (GNU make). Works on a fresh machine: the first target
# that needs Python creates .venv and installs requirements-dev.txt; it reinstalls
# only when a requirements*.txt file changes.
#
#   make run       API + Celery workers + beat + Redis + AWS sandbox (scripts/dev.py)
#   make test      every Python test with the real parts (Redis via scripts/with_redis.py, moto, workers), then UI tests if ui/ exists
#   make ui        build the web UI (ui/dist, served by the API at /) when its sources changed
#   make ui-dev    Vite dev server with hot reload on :5173, proxying /v1 to `make run`'s API
#   make ui-types  regenerate ui/src/api/schema.d.ts from the API's OpenAPI document (make test fails when stale)
#   make test-ui   UI unit tests (Vitest), the stale-types check, then the browser e2e (chromium)
#   make test-fast the fast tier only: API and domain tests that need no Redis, moto or worker process (pytest -m "not slow")
#   make bench     bench/api_throughput.py and bench/cold_import.py
#   make reindex   rebuild the search index (python -m chalicelib.search.reindex)
#   make infra-test synthesize infra/ (CDK, offline) and check the templates: assertions, cfn-lint, settings coverage
#   make lint      ruff, mypy (typed ports), bandit and hadolint; `make test` runs it first
#   make clean     caches and build output (keeps .venv and .launchbay data)
#   make distclean clean + .venv + .launchbay

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
REQS   := requirements.txt requirements-dev.txt requirements-cli.txt requirements-worker.txt
INFRA_STAMP := $(VENV)/.infra-installed
# the browser e2e runs in test-ui, after the UI is built
PYTEST_ARGS ?= tests/ --ignore-glob=tests/e2e/test_ui_*.py --ignore=tests/infra
# The fast tier: tests/conftest.py marks `slow` every test whose fixtures bring up Redis or moto.
FAST_ARGS   ?= -m "not slow" tests/ --ignore=tests/infra

.PHONY: help venv run test infra-test test-fast test-python test-ui ui ui-dev ui-types chromium bench reindex lint clean distclean

help:
	@sed -n 's/^#   make /  make /p' $(MAKEFILE_LIST)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(REQS) | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) scripts/install_cli.py $(VENV)
	@touch $@

venv: $(STAMP)

run: $(STAMP) $(if $(shell command -v npm),ui)
	$(PY) scripts/dev.py $(ARGS)

# pytest exit code 5 means "no tests collected": a failure here, not a pass.
# Lint first: CI (`.ci/run` -> make test) enforces ruff, mypy, bandit and hadolint too.
test: lint test-ui infra-test test-python

# aws-cdk-lib (about 430 MB) only for the infra tests, installed once into the same venv.
$(INFRA_STAMP): requirements-infra.txt | $(STAMP)
	$(PY) -m pip install --quiet -r requirements-infra.txt
	@touch $@

# `cdk synth` without the CLI: the tests call infra/app.py's build() and App.synth(), which write
# the same cloud assembly; no AWS credentials or network (region and zones pinned in cdk.json).
infra-test: $(INFRA_STAMP)
	@rc=0; JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 $(PY) -m pytest -q -p no:cacheprovider tests/infra || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make infra-test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

test-python: $(STAMP)
	@rc=0; $(PY) scripts/with_redis.py -- $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# No Redis needed, so no with_redis.py; exit 5 (nothing collected) is a failure here too.
test-fast: $(STAMP)
	@rc=0; $(PY) -m pytest -q -p no:cacheprovider $(FAST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-fast: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# --- the web UI (ui/, docs/ui.md) -------------------------------------------------------
UI_SRC := $(shell find ui/src ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package.json -type f 2>/dev/null)

# A worktree whose ui/node_modules links to another checkout's must not `npm ci`: npm replaces the
# link and empties the directory it pointed to, the other checkout's modules included.
ui/node_modules/.installed: ui/package.json ui/package-lock.json
	@if [ -L ui/node_modules ]; then \
	  echo "ui/node_modules links to $$(readlink ui/node_modules): not reinstalling it here (a clean install would empty it there)"; \
	else cd ui && npm ci --no-audit --no-fund; fi
	@touch $@

# Rebuilt only when a source changed; WhiteNoise serves the .gz files it finds next to each asset.
ui/dist/index.html: ui/node_modules/.installed $(UI_SRC) | $(STAMP)
	cd ui && npm run build
	$(PY) -m whitenoise.compress -q --no-brotli ui/dist

ui: ui/dist/index.html

ui-dev: ui/node_modules/.installed
	cd ui && npm run dev

ui-types: ui/node_modules/.installed | $(STAMP)
	cd ui && PYTHON=$(abspath $(PY)) npm run gen:api

# CI runs as root on Debian: chromium from apt when missing (never `playwright install`).
chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

test-ui: ui chromium
	cd ui && PYTHON=$(abspath $(PY)) npm test
	@rc=0; $(PY) scripts/with_redis.py -- $(PY) -m pytest -q -p no:cacheprovider tests/e2e/test_ui_*.py || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-ui: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

bench: $(STAMP)
	$(PY) scripts/with_redis.py -- $(PY) bench/api_throughput.py $(BENCH_ARGS)
	$(PY) bench/cold_import.py

reindex: $(STAMP)
	$(PY) scripts/with_redis.py -- $(PY) -m chalicelib.search.reindex $(ARGS)

# ruff and mypy read pyproject.toml; bandit's deliberate exceptions are explained in place (# nosec).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/bandit -q -r app.py chalicelib worker scripts -ll 2>/dev/null && echo "bandit: ok"
	$(VENV)/bin/hadolint Dockerfile Dockerfile.worker && echo "hadolint: ok"

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache chalice.out infra/cdk.out dist build *.egg-info ui/dist

distclean: clean
	rm -rf $(VENV) .launchbay
