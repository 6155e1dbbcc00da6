# Two commands for a fresh machine: `make demo` runs the product, `make test` runs every test.
# Each creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Debian packages the tests run for real (Kannel, Chromium, a Hangul font); the demo needs none.
SYSTEM := $(VENV)/.system

.PHONY: demo test lint unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

$(SYSTEM): scripts/install-system-packages.sh
	bash scripts/install-system-packages.sh
	mkdir -p $(VENV)
	touch $(SYSTEM)

demo: $(STAMP)
	$(BIN)/anbu demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint $(SYSTEM)
	$(BIN)/pytest -n 2 --dist loadgroup

unit: $(STAMP)
	$(BIN)/pytest tests/unit

# Speed, against the local PostgreSQL; results are recorded in BENCHMARKS.md by hand.
bench: $(STAMP)
	$(BIN)/python benchmarks/sweep_due.py
	$(BIN)/python benchmarks/ingest_throughput.py --events 200000

clean:
	rm -rf $(VENV) artifacts .mypy_cache .ruff_cache .pytest_cache .hypothesis
