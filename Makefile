# CareCase: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Development defaults; production sets its own environment (see .env.example).
DEV_ENV := DEBUG=$${DEBUG:-true}

.PHONY: run test install messages compile-messages lint check-messages serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) compile-messages

# Compiled catalogues are built here with Babel (no system gettext needed).
compile-messages: $(STAMP)
	$(BIN)/pybabel compile --domain django --directory locale

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --verbosity 0
	$(DEV_ENV) $(BIN)/python manage.py demo
	@echo
	@echo "CareCase is at http://127.0.0.1:8000/  (Ctrl-C stops it)"
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# Production serving in the foreground: migrate, collectstatic, gunicorn on 127.0.0.1:8000.
# Takes the production environment (DEBUG off, SECRET_KEY, ALLOWED_HOSTS, a PostgreSQL
# DATABASE_URL; see .env.example and docs/deploy.md), never the development defaults.
serve: install
	tools/serve.sh

test: install
	$(DEV_ENV) $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Developers: refresh the catalogue after changing strings (needs GNU gettext).
messages: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --no-location --ignore ".venv/*"

check-messages: $(STAMP)
	$(BIN)/python -m carecase.check_messages locale/zh_Hans/LC_MESSAGES/django.po
