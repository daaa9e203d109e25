# The workbook's front door. `make report` sets everything up and renders the default market's PDF;
# `make test` runs every test. See README.md.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
MARKET ?= DE
REPORT_LANG ?= zh-TW
JOBS   ?= 2

.PHONY: setup system venv report reports test lint bench lab clean

setup: system venv ## system packages (Chromium, CJK font, poppler) + virtual environment with the package

system:
	@scripts/setup-system.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

report: setup ## render reports/$(MARKET)/$(MARKET)-$(REPORT_LANG).pdf
	$(BIN)/crossborder report $(MARKET) --lang $(REPORT_LANG)

reports: setup ## every example market, both languages
	$(BIN)/crossborder report --lang zh-TW,en --jobs $(JOBS)

test: setup lint ## lint and types, then unit tests, notebook execution, a PDF read back
	$(BIN)/python -m pytest

lint: venv ## ruff (lint), mypy (types of core, scenario, notebook helpers, report)
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/mypy

bench: setup ## start-up, rendering all example markets, and the pilot pack cold / after a change / unchanged
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_reports.py
	$(BIN)/python benchmarks/bench_pack.py

# JupyterLab refuses to run as root unless told to (containers, classroom servers); a normal user needs nothing
LAB_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/ $(LAB_ROOT)

clean: ## remove rendered reports (never your saved scenarios in data/local/)
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
