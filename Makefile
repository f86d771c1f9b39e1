# The project's commands. `make run` and `make test` create the environment when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared
YEAR   ?= 2020
# The Python versions `make test` passes on in a fresh environment (README: "The two commands"); older ones are
# refused before anything is installed.
PYTHONS := 3.11 3.12 3.13
CHECK_PYTHON = $(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v >= tuple(map(int, "$(firstword $(PYTHONS))".split("."))) else "Python %d.%d ($(PYTHON)) is too old for this project: use Python $(subst $(space),$(comma) ,$(PYTHONS)), e.g. make venv PYTHON=python$(lastword $(PYTHONS))" % v)'
comma := ,
space := $(subst ,, )

.PHONY: venv check-python run data test lint format bench faults clean

# Versions pinned by constraints.txt. An existing .venv is kept: pip installs only what differs from the pins
# (nothing, when the environment already has them).
$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-nodeps.txt constraints.txt
	@$(CHECK_PYTHON)
	test -x $(BIN)/python || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip; }
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python -r requirements-nodeps.txt -c constraints.txt
	touch $@

venv: $(VENV)/.installed

## Whether $(PYTHON) can make the environment (one of $(PYTHONS)), else why not.
check-python:
	@$(CHECK_PYTHON)

## Render the notebooks into notebooks/rendered/ (01 and 02 for ICLR 2020, 03 the trends) from the committed data (no network).
run: venv
	$(BIN)/python iclr_helpers.py render --year $(YEAR)

## Rebuild every recorded year (data/all_tools.csv is ICLR 2020, data/years/), years.csv and trends.csv from ../shared (no network).
data: venv
	$(BIN)/python iclr_helpers.py data --shared $(SHARED)

## Lint, then the whole test suite.
test: venv lint
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Speed, bytes and memory figures (offline, about 10 minutes).
bench: venv
	$(BIN)/python benchmarks/bench.py

## Injected faults, bad inputs and secret canaries, with a tally.
faults: venv
	$(BIN)/python benchmarks/faults.py

clean:
	rm -rf cache .pytest_cache .ruff_cache
