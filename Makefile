# The two commands of the README: `make run` and `make test`; and `make serve`, the shared server.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ADAPTERS := $(sort $(dir $(wildcard adapters/*/pyproject.toml)))
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := webapp

.PHONY: run serve test test-prerequisites lint test-sqlite test-postgresql test-adapters dist test-dist \
	test-minimum

$(STAMP): pyproject.toml $(wildcard adapters/*/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(foreach a,$(ADAPTERS),-e '$(a:/=)[test]') -e '.[test]'
	touch $@

# Beside the web server: the job runner (huey, queue in instance/), a local mail sink that prints the
# invoice e-mails instead of sending them (the server and the runner both send there), and a fake PayFiP for the
# demo's online payments. REGIE_DEMO lets
# `flask demo seed` create the demo accounts, whose password is published.
run: export REGIE_MAIL_SERVER := 127.0.0.1
run: export REGIE_MAIL_PORT := 8025
run: export REGIE_PAYFIP_WSDL_URL := http://127.0.0.1:8099/tpa/services/securite?wsdl
run: export REGIE_PAYFIP_PAYMENT_URL := http://127.0.0.1:8099/tpa/paiementws.web
run: export REGIE_PAYFIP_OFFER_TEST_MODE := true
run: $(STAMP)
	$(BIN)/flask db upgrade
	REGIE_DEMO=1 $(BIN)/flask demo seed
	$(BIN)/huey_consumer webapp.jobs.worker.huey --workers 2 --quiet & jobs=$$!; \
	$(BIN)/python -m aiosmtpd --nosetuid --listen $$REGIE_MAIL_SERVER:$$REGIE_MAIL_PORT & mail=$$!; \
	$(BIN)/python -m tests.fake_payfip --port 8099 & payfip=$$!; \
	trap 'kill $$jobs $$mail $$payfip 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The shared server: PostgreSQL from DATABASE_URL, the job queue in Redis (REGIE_JOBS_REDIS_URL), gunicorn's
# workers and huey's consumer side by side; never the demo. The README's systemd units run the same commands.
BIND ?= 127.0.0.1:8000
WEB_WORKERS ?= 4
WEB_THREADS ?= 4
JOB_WORKERS ?= 2
serve: $(STAMP)
	@case "$$DATABASE_URL" in postgresql*) ;; *) echo "make serve: set DATABASE_URL=postgresql+psycopg://..." >&2; exit 1;; esac
	@test -n "$$REGIE_JOBS_REDIS_URL" || { echo "make serve: set REGIE_JOBS_REDIS_URL=redis://..." >&2; exit 1; }
	$(BIN)/flask db upgrade
	$(BIN)/huey_consumer webapp.jobs.worker.huey --workers $(JOB_WORKERS) & jobs=$$!; \
	trap 'kill $$jobs 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn --workers $(WEB_WORKERS) --threads $(WEB_THREADS) --bind $(BIND) 'webapp:create_app()'

test: test-prerequisites lint test-sqlite test-postgresql test-adapters test-dist test-minimum

# What the tests need beyond Python: Debian's chromium (browser tests), pg_dump and pg_restore (backups),
# redis-server (the shared-server smoke test), each command with its package; and PostgreSQL answering at PG_URL.
# Missing packages are installed when make runs as root with apt-get; otherwise it stops and says what to run.
TEST_COMMANDS := chromium:chromium pg_dump:postgresql-client pg_restore:postgresql-client redis-server:redis-server
test-prerequisites: $(STAMP)
	@missing=$$(for pair in $(TEST_COMMANDS); do command -v $${pair%%:*} >/dev/null || echo $${pair#*:}; done \
	  | sort -u | xargs); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "make test needs Debian packages; run: sudo apt-get install -y $$missing" >&2; exit 1; fi; \
	fi
	@$(BIN)/python -c 'import sqlalchemy as sa; sa.create_engine("$(PG_URL)").connect().close()' 2>/dev/null || \
	  { echo "make test needs PostgreSQL at $(PG_URL) (trust auth; the run empties it): start it, or set PG_URL" >&2; \
	    exit 1; }

# Pyflakes and bugbear: unused names, undefined names, likely bugs.
lint: $(STAMP)
	$(BIN)/ruff check --select F,B --ignore B008 webapp tests benchmarks adapters

# The browser tests serve their own SQLite file, the stack test its own PostgreSQL database: each runs once.
test-sqlite: $(STAMP)
	DATABASE_URL= $(BIN)/pytest tests -m "not stack"

test-postgresql: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest tests -m "not browser"

test-adapters: $(STAMP)
	set -e; for a in $(ADAPTERS); do (cd $$a && ../../$(BIN)/pytest); done

# The five adapters' wheels and sdists, in dist/. Each wheel is built from its sdist (`build`'s default), so an
# sdist that misses a file fails here; the build requirements come from the virtualenv (setuptools is in the
# test extra), which saves an isolated environment per build.
dist: $(STAMP)
	rm -rf dist
	set -e; for a in $(ADAPTERS); do $(BIN)/python -m build --no-isolation --outdir dist $$a >/dev/null; done
	ls dist

# Each wheel installed alone in a fresh virtualenv, its sdist's tests and its README run against it
# (adapters/check_dist.py); then the same with every dependency pinned at the floor it declares.
test-dist: dist
	$(BIN)/python adapters/check_dist.py dist

test-minimum: dist
	$(BIN)/python adapters/check_dist.py --minimum dist
