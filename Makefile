# Two commands matter: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint install clean bench serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,web]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/calloff demo --dir demo-output

# The team's workspace in the browser on the demo database (`make demo` first: it prints
# the demo officers' passwords), at http://127.0.0.1:8080.
serve: $(STAMP)
	@test -f demo-output/demo.db || $(BIN)/calloff demo --dir demo-output
	$(BIN)/calloff --db demo-output/demo.db serve --no-scheduler

test: $(STAMP)
	$(BIN)/ruff check framework cli.py tests bench
	$(BIN)/ruff format --check --quiet framework cli.py tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

# What each command costs at 0, 1k, 10k and 100k call-offs, at 48 and 5,000 providers
# (with a spend import beside eight officers), and the workspace under 16 signed-in
# clients at 10k and 100k (docs/performance.md). The
# databases are built once into bench-output/ and reused; pandas is installed for the
# comparison if the package index can be reached.
bench: $(STAMP)
	-$(BIN)/python -m pip install --quiet pandas
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/providers.py
	$(BIN)/python bench/web.py

lint: $(STAMP)
	$(BIN)/ruff check framework cli.py tests bench
	$(BIN)/ruff format --check framework cli.py tests bench

clean:
	rm -rf $(VENV) demo-output bench-output build dist .pytest_cache .hypothesis .ruff_cache
