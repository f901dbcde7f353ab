# encours — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint messages clean venv venv-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Runtime dependencies, pinned by requirements.lock (regenerate with `make lock`).
$(VENV)/.run-installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install -q -c requirements.lock -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed
	$(BIN)/pip install -q -c requirements.lock -e ".[test,dev]"
	touch $@

venv: $(VENV)/.run-installed
venv-test: $(VENV)/.test-installed

# `make run` says what it does and how long each step usually takes (2-core machine, fresh clone).
# The payment model trains beside the server (1-2 min): the forecast pages fill in when it is done.
run:
	@echo "==> 1/5 Python environment in $(VENV) (first run: pip installs the pinned dependencies, 1-2 min; then instant)"
	@$(MAKE) --no-print-directory venv
	@echo "==> 2/5 Translations (a few seconds)"
	@scripts/compile_messages.sh $(BIN)/python
	@echo "==> 3/5 Database schema (first run: about 10 s)"
	$(BIN)/python manage.py migrate --noinput -v0
	@echo "==> 4/5 Demo portfolio: 3 entities, 1 000 customers, 2 years of ledger (first run: about 30 s, a line per stage)"
	$(BIN)/python manage.py seed_demo --if-empty --skip forecast
	@mkdir -p var
	@echo "    the payment model trains in the background (1-2 min, log in var/seed_demo_forecast.log)"
	@$(BIN)/python manage.py seed_demo_forecast --if-missing > var/seed_demo_forecast.log 2>&1 &
	@echo ""
	@echo "==> 5/5 encours is served on http://127.0.0.1:8000  (log in with a demo login above; Ctrl-C stops it)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: venv-test
	@scripts/compile_messages.sh $(BIN)/python
	@PG_URL="$(PG_URL)" BIN="$(BIN)" scripts/test.sh

bench: venv-test
	@PG_URL="$(PG_URL)" BIN="$(BIN)" SMALL="$(SMALL)" scripts/bench.sh

lint: venv-test
	$(BIN)/ruff check encours tests
	$(BIN)/ruff format --check encours tests
	$(BIN)/lint-imports
	$(BIN)/mypy

messages: venv-test
	scripts/makemessages.sh $(BIN)/python
	@scripts/compile_messages.sh $(BIN)/python

lock: venv-test
	$(BIN)/pip freeze --exclude-editable | grep -v '^encours' > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .hypothesis
