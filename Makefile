# Two commands do everything on a fresh machine: `make plan` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STACK  ?= dev
# pytest-xdist workers; the suite is sized for 2 cores.
WORKERS ?= 2

.PHONY: setup plan test typecheck bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

plan: $(STAMP)
	$(BIN)/aifactory plan --stack $(STACK)

# Types first (mypy, configured in pyproject.toml), then every test.
test: typecheck
	$(BIN)/python -m pytest -n $(WORKERS)

typecheck: $(STAMP)
	$(BIN)/python -m mypy

# Figures, not tests: see benchmarks/README.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/plan_scale.py
	$(BIN)/python benchmarks/plan_vs_floor.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache
