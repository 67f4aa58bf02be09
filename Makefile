# thamvan — common tasks. `make run` and `make test` are the quick start.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=true DEMO_MODE=true EMAIL_BACKEND=thamvan.notifications.backends.EmlFileBackend
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: install run demo test test-postgres lint format messages check-messages bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py createcachetable
	$(DEV_ENV) $(PY) manage.py demo
	@echo "Serving on http://127.0.0.1:8000 with a task worker and the scheduler (Ctrl-C stops all)."
	@$(DEV_ENV) sh -c 'trap "kill 0" INT TERM EXIT; \
		$(PY) manage.py db_worker --interval 1 --no-startup-delay & \
		$(PY) manage.py scheduler & \
		$(PY) manage.py runserver 127.0.0.1:8000 --noreload'

demo: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py demo

test: install
	$(VENV)/bin/pytest -n 2 -q

test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(VENV)/bin/pytest -n 2 -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	THAMVAN_TESTING=true $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) check-messages

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	THAMVAN_TESTING=true $(PY) manage.py makemessages -l vi -l en --no-obsolete --ignore=.venv --ignore=var --ignore=bench
	THAMVAN_TESTING=true $(PY) manage.py compilemessages --ignore=.venv

check-messages: install
	sh scripts/check-messages.sh

bench: install
	$(PY) bench/matching.py
	$(PY) bench/report.py
	$(PY) bench/candidates.py

clean:
	rm -rf var/static .pytest_cache .mypy_cache .ruff_cache
