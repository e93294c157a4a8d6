# motcua — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
MOTCUA := $(VENV)/bin/motcua
# Debian packages the test suite needs: a browser, fonts with Vietnamese, gettext, voice.
TEST_DEBS := chromium fonts-noto-core fonts-dejavu-core gettext espeak-ng libpango-1.0-0 libpangoft2-1.0-0 poppler-utils zbar-tools nginx-core
DEMO_DEBS := gettext fonts-noto-core fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0

.PHONY: demo test lint fmt venv messages clean help bench

help:
	@echo "make demo   install, set up SQLite, load the demo province, serve http://127.0.0.1:8000"
	@echo "make test   install what the tests need and run the whole suite"
	@echo "make lint   ruff + mypy;  make fmt   format the code"
	@echo "make bench  the benchmark on PostgreSQL + Redis (docs/performance.md)"

$(VENV)/.stamp-base: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-base
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(VENV)/.stamp-base

messages:
	cd src/motcua && ../../$(MOTCUA) compilemessages --ignore '.venv' -v 0

demo: $(VENV)/.stamp-base
	@scripts/ensure-debian-packages $(DEMO_DEBS)
	@$(MAKE) --no-print-directory messages
	$(MOTCUA) demo

test: $(VENV)/.stamp-test
	@scripts/ensure-debian-packages $(TEST_DEBS)
	@$(MAKE) --no-print-directory messages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

$(VENV)/.stamp-bench: pyproject.toml $(VENV)/.stamp-base
	$(PY) -m pip install --quiet -e '.[bench]'
	@touch $@

# The benchmark on this machine's PostgreSQL and Redis (DATABASE_URL / REDIS_URL to change
# them): writes bench/results.json and bench/results.md. See docs/performance.md.
bench: $(VENV)/.stamp-bench
	@$(MAKE) --no-print-directory messages
	$(PY) bench/run.py $(BENCH_ARGS)

lint: $(VENV)/.stamp-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(VENV)/.stamp-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/*.sqlite3* var/test.sqlite3* .pytest_cache .mypy_cache .ruff_cache
