# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ADAPTERS := $(sort $(dir $(wildcard adapters/*/pyproject.toml)))
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := webapp

.PHONY: run test lint test-sqlite test-postgresql test-adapters

$(STAMP): pyproject.toml $(wildcard adapters/*/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(foreach a,$(ADAPTERS),-e '$(a:/=)[test]') -e '.[test]'
	touch $@

# Beside the web server: the job runner (huey, queue in instance/) and a local mail sink on port 8025
# that prints the invoice e-mails instead of sending them.
run: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	$(BIN)/huey_consumer webapp.jobs.queue.huey --workers 2 --quiet & \
	$(BIN)/python -m aiosmtpd --nosetuid --listen 127.0.0.1:8025 & \
	trap 'kill %1 %2' EXIT; REGIE_MAIL_PORT=8025 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: lint test-sqlite test-postgresql test-adapters

# Pyflakes and bugbear: unused names, undefined names, likely bugs.
lint: $(STAMP)
	$(BIN)/ruff check --select F,B --ignore B008 webapp tests benchmarks adapters

test-sqlite: $(STAMP)
	DATABASE_URL= $(BIN)/pytest tests

# The browser tests serve their own SQLite file; running them once is enough.
test-postgresql: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest tests -m "not browser"

test-adapters: $(STAMP)
	set -e; for a in $(ADAPTERS); do (cd $$a && ../../$(BIN)/pytest); done
