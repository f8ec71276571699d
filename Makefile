# socialops — the two commands a newcomer needs: `make run` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

# `make test` talks to real PostgreSQL and Redis; override either in the environment.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
TEST_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/15)
TEST_ENV := DEBUG=1 SECRET_KEY=test-only-secret DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL)

.PHONY: help install run test lint audit-deps format messages migrate seed worker beat clean

help:
	@echo "make run    create .venv, install, migrate, seed the demo once, serve http://127.0.0.1:8000"
	@echo "make test   ruff, import-linter, mypy, makemigrations --check, pytest (PostgreSQL + Redis at DATABASE_URL/REDIS_URL)"
	@echo "make format format the code with ruff"
	@echo "make messages  extract new strings into the it/id catalogues and compile them (needs gettext)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# axe-core (package-lock.json), read by the browser tests; reinstalled when the lock changes.
node_modules/.package-lock.json: package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 (the browser tests need axe-core from package-lock.json)" >&2; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

install: $(STAMP) node_modules/.package-lock.json

# Development server on SQLite with Celery eager: no services needed. REDIS_URL is cleared
# so tasks run in-process even when the shell has one set.
run: $(STAMP)
	DEBUG=1 REDIS_URL= $(BIN)/python manage.py migrate --noinput
	DEBUG=1 REDIS_URL= $(BIN)/python manage.py seed_demo
	DEBUG=1 REDIS_URL= $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=1 SECRET_KEY=type-check-only $(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After marking new strings: extract them, translate the new entries in socialops/catalogues/
# {it,id}/LC_MESSAGES/django.po, run it again to compile (docs/i18n.md).
messages: $(STAMP)
	DEBUG=1 SECRET_KEY=catalogues-only $(BIN)/python manage.py catalogues

# Known vulnerabilities in the installed dependencies (pip-audit, .ci/audit_deps.py): fails on
# one; when the advisory source is unreachable, a WARNING that nothing was checked (exit 0).
audit-deps: install
	$(BIN)/python .ci/audit_deps.py

test: install lint audit-deps
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A socialops worker -l info

beat: install
	$(BIN)/celery -A socialops beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
