# The suite's two commands: `make run` and `make test`. Nothing needs to be installed by hand.
SHELL := /bin/bash
# uv from PATH, else the one pip installs into this Python (`python3 -m uv`).
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := $(UV) run --frozen python

.PHONY: setup run up down demo test test-fast lint compose-config bench clean

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: setup
	@$(PY) -m suite_tools.launcher run

up: setup
	@$(PY) -m suite_tools.launcher up

down: setup
	@$(PY) -m suite_tools.launcher down

# Demo data on the running suite (`make up` first): the shipped n8n workflows, a starter type, an inspiration.
demo: setup
	@$(PY) -m suite_tools.demo

test: setup
	@bash deploy/ci/prepare.sh
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	@$(UV) run --frozen ruff check . && $(UV) run --frozen ruff format --check .

compose-config: setup
	@$(PY) -m suite_tools.compose_config

bench: setup
	@$(PY) bench/http_load.py

clean:
	rm -rf .run
