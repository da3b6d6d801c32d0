# The two commands: `make demo` and `make test`. Each builds its own .venv from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: demo test bench lint up down clean ui

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

LINTER := tools/cypher-lint/node_modules/.installed

$(LINTER): tools/cypher-lint/package.json tools/cypher-lint/package-lock.json
	cd tools/cypher-lint && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The workspace UI's front-end packages (ui/package-lock.json), vendored as static files: no CDN.
UI_VENDOR := engine/api/static/vendor/cytoscape.min.js

$(UI_VENDOR): ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p engine/api/static/vendor
	cp ui/node_modules/cytoscape/dist/cytoscape.min.js $@
	cp ui/node_modules/cytoscape/LICENSE engine/api/static/vendor/cytoscape.LICENSE

ui: $(UI_VENDOR)

# The browser test drives Debian's Chromium (test tools' own browser downloads cannot work here).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update && apt-get install -y chromium

demo: $(STAMP) $(UI_VENDOR)
	$(BIN)/python -m devtools.demo --data $(SHARED)/data

test: $(STAMP) $(LINTER) $(UI_VENDOR) $(CHROMIUM)
	$(BIN)/ruff check engine streams tests devtools bench
	$(BIN)/python -m pytest -q

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench --data $(SHARED)/data --out bench

lint: $(STAMP)
	$(BIN)/ruff check engine streams tests devtools bench
	$(BIN)/mypy

up: $(STAMP)
	$(BIN)/vinculo up

down: $(STAMP)
	$(BIN)/vinculo down

clean:
	-$(BIN)/vinculo down
	rm -rf $(VENV) tools/cypher-lint/node_modules ui/node_modules engine/api/static/vendor .vinculo
