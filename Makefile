# Refugee Learner Access Portal — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed ## Install everything into .venv

# The portal's one public origin follows the address `make run` serves (links in e-mails, share
# links, QR codes, PDF certificates and signed credentials); set SITE_URL to override it.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install ## Migrate, load demo data, serve on HOST:PORT (127.0.0.1:8000) with the periodic jobs
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	@echo "Serving $$SITE_URL/ (the periodic jobs run beside it: manage.py run_schedules)"
	$(PY) manage.py run_schedules & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# The independent credential verifier (Digital Bazaar's libraries), installed from its lockfile.
vc-verifier/node_modules/.installed: vc-verifier/package.json vc-verifier/package-lock.json
	cd vc-verifier && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The wallet played by an OpenID4VCI client library (@openid4vc/openid4vci), from its lockfile.
wallet-client/node_modules/.installed: wallet-client/package.json wallet-client/package-lock.json
	cd wallet-client && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: install vc-verifier/node_modules/.installed wallet-client/node_modules/.installed ## Run the whole suite (on PostgreSQL and Redis when they are reachable)
	$(PY) scripts/with_services.py $(PY) -m pytest $(PYTEST_ARGS)

# The README's default set-up: SQLite (no DATABASE_URL), jobs in-process (no broker), no Redis.
# The permission matrix, every browser journey, the reporting and the review-queue tests; the
# tests that need PostgreSQL, Redis or a worker are marked postgres_only and left out.
DEFAULT_SETUP_TESTS := tests/matrix tests/browser tests/reporting tests/partners/test_review.py \
	tests/partners/test_queue_both_databases.py tests/partners/test_queue_counts_cache.py \
	tests/partners/test_retention.py tests/portal/test_schedules.py tests/portal/test_site_origin.py
test-default: install vc-verifier/node_modules/.installed wallet-client/node_modules/.installed ## The suite's default-set-up part on SQLite, in-process jobs, no Redis
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u REQUIRE_SERVICES DEFAULT_SETUP=1 \
	  $(PY) -m pytest -m "not postgres_only" $(DEFAULT_SETUP_TESTS) $(PYTEST_ARGS)

test-nojs: install ## The browser journeys again, with JavaScript disabled in Chromium
	BROWSER_JAVASCRIPT=off $(PY) scripts/with_services.py $(PY) -m pytest -m "browser and not needs_javascript" $(PYTEST_ARGS)

lint: install ## ruff check and format check, then the import contracts (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

format: install ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install ## Extract strings into locale/*/LC_MESSAGES/django.po and compile them
	$(PY) manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=node_modules
	$(PY) scripts/compile_messages.py

stack: install ## Full stack on PostgreSQL + Redis: gunicorn, Celery worker and beat (Procfile)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) scripts/with_services.py bash -c '\
	  python manage.py migrate --noinput && \
	  python manage.py collectstatic --noinput --verbosity 0 && \
	  python manage.py seed_demo && \
	  exec honcho start'

bench: install ## Run the benchmarks in bench/ (on demand, ~20 min; one `name: value` line per figure)
	$(PY) scripts/with_services.py $(PY) -m bench $(BENCH_ARGS)

load: install ## wrk, 64 connections for 60 s, against the three busiest pages; fails on any error
	$(PY) scripts/with_services.py $(PY) -m bench.load

.PHONY: help install run test test-default test-nojs lint format messages stack bench load
