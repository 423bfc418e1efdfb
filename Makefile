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

run: install ## Migrate, load demo data and serve the portal on http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# The independent credential verifier (Digital Bazaar's libraries), installed from its lockfile.
vc-verifier/node_modules/.installed: vc-verifier/package.json vc-verifier/package-lock.json
	cd vc-verifier && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: install vc-verifier/node_modules/.installed ## Run the whole suite (on PostgreSQL and Redis when they are reachable)
	$(PY) scripts/with_services.py $(PY) -m pytest $(PYTEST_ARGS)

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

.PHONY: help install run test test-nojs lint format messages stack bench load
