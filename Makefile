# The two commands: `make demo` and `make test`. Each builds its own .venv from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: demo test bench lint up down clean icu chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# System packages, installed with apt only when missing (CI runs as root on a fresh Debian): ICU's
# headers and a C++ compiler to build PyICU, which followthemoney needs; Debian's chromium for the
# screenshot of the journalists' guide (driven by Playwright, never `playwright install`).
icu:
	@pkg-config --exists icu-i18n 2>/dev/null && command -v g++ >/dev/null || \
	  (apt-get update && apt-get install -y --no-install-recommends libicu-dev pkg-config g++)

chromium:
	@[ -x /usr/bin/chromium ] || (apt-get update && apt-get install -y --no-install-recommends chromium)

$(STAMP): pyproject.toml | $(BIN)/python icu
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

LINTER := tools/cypher-lint/node_modules/.installed

$(LINTER): tools/cypher-lint/package.json tools/cypher-lint/package-lock.json
	cd tools/cypher-lint && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(STAMP)
	$(BIN)/python -m engine.demo --data $(SHARED)/data

test: $(STAMP) $(LINTER) | chromium
	$(BIN)/ruff check engine streams tests
	$(BIN)/python -m pytest -q

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench --data $(SHARED)/data --out bench

lint: $(STAMP)
	$(BIN)/ruff check engine streams tests
	$(BIN)/mypy

up: $(STAMP)
	$(BIN)/vinculo up

down: $(STAMP)
	$(BIN)/vinculo down

clean:
	-$(BIN)/vinculo down
	rm -rf $(VENV) tools/cypher-lint/node_modules .vinculo
