# Launchbay developer tasks (GNU make). Works on a fresh machine: the first target
# that needs Python creates .venv and installs requirements-dev.txt; it reinstalls
# only when a requirements*.txt file changes.
#
#   make run       API + Celery workers + beat + Redis + AWS sandbox (scripts/dev.py)
#   make test      every Python test with the real parts (Redis via scripts/with_redis.py, moto, workers), then UI tests if ui/ exists
#   make test-fast the fast tier only: API and domain tests that need no Redis, moto or worker process (pytest -m "not slow")
#   make bench     bench/api_throughput.py and bench/cold_import.py
#   make reindex   rebuild the search index (python -m chalicelib.search.reindex)
#   make lint      ruff, mypy (typed ports), bandit and hadolint; `make test` runs it first
#   make clean     caches and build output (keeps .venv and .launchbay data)
#   make distclean clean + .venv + .launchbay

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
REQS   := $(wildcard requirements*.txt)
PYTEST_ARGS ?= tests/
# The fast tier: tests/conftest.py marks `slow` every test whose fixtures bring up Redis or moto.
FAST_ARGS   ?= -m "not slow" tests/

.PHONY: help venv run test test-fast test-python test-ui bench reindex lint clean distclean

help:
	@sed -n 's/^#   make /  make /p' $(MAKEFILE_LIST)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(REQS) | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) scripts/install_cli.py $(VENV)
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	$(PY) scripts/dev.py $(ARGS)

# pytest exit code 5 means "no tests collected": a failure here, not a pass.
# Lint first: CI (`.ci/run` -> make test) enforces ruff, mypy, bandit and hadolint too.
test: lint test-python test-ui

test-python: $(STAMP)
	@rc=0; $(PY) scripts/with_redis.py -- $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# No Redis needed, so no with_redis.py; exit 5 (nothing collected) is a failure here too.
test-fast: $(STAMP)
	@rc=0; $(PY) -m pytest -q -p no:cacheprovider $(FAST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-fast: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

test-ui:
	@if [ -f ui/package.json ]; then \
		cd ui && { [ -d node_modules ] || { if [ -f package-lock.json ]; then npm ci; else npm install; fi; }; } && npm test; \
	else \
		echo "make test: no ui/package.json, skipping UI tests"; \
	fi

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
	rm -rf .pytest_cache chalice.out dist build *.egg-info

distclean: clean
	rm -rf $(VENV) .launchbay
