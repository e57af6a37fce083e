# Two commands on a fresh machine: `make run` and `make test`. Each creates or updates .venv from
# the locked requirements first, so nothing has to be installed by hand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench package clean site lock lint typecheck routes

# Exactly the locked set, every file checked against its hash (pip itself included: chalice 1.34
# requires pip < 26.3); the agent from its source tree, its one dependency (pyserial) being in the lock.
$(STAMP): requirements-dev.lock edge-agent/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e ./edge-agent
	touch $(STAMP)

# requirements*.txt are what we edit; the locks pin the whole transitive set with hashes. The runtime
# set takes the development set's versions, so the package holds what the tests ran against.
UV_COMPILE := --generate-hashes --python-version 3.11 --custom-compile-command "make lock" --quiet
lock: $(STAMP)
	$(VENV)/bin/uv pip compile requirements-dev.txt $(UV_COMPILE) --universal -o requirements-dev.lock
	$(VENV)/bin/uv pip compile requirements.txt $(UV_COMPILE) --python-platform x86_64-manylinux2014 \
		-c requirements-dev.lock -o requirements.lock

# The served site, build/site: static-site/ bundled by esbuild for the browsers of seed 004 (node and
# npm are the only prerequisites). `npm ci` runs when the lock file changed, the build when a source did.
NODE_STAMP := static-site/node_modules/.installed
SITE_STAMP := build/.site-built
$(NODE_STAMP): static-site/package-lock.json
	cd static-site && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(SITE_STAMP): $(NODE_STAMP) $(shell find static-site -path static-site/node_modules -prune -o -type f -print)
	node static-site/build.mjs
	touch $(SITE_STAMP)

site: $(SITE_STAMP)

run: $(STAMP) site
	$(PY) -m infra.local.run

# The browser tests and the schema fuzz run (schemathesis, about 3 minutes) each run the whole local
# stack in their own process: the other suites bind the app's tables and AWS clients to in-process
# moto, these two to a moto server.
test: lint typecheck test-fast site
	static-site/node_modules/.bin/eslint --config static-site/eslint.config.js static-site build/site
	bash tests/browser/ensure-chromium.sh
	$(PY) -m pytest tests/browser
	$(PY) -m pytest tests/fuzz

# ruff over the Python code (ruff.toml): the lint rules and the formatting, checked, not applied
# (`.venv/bin/ruff format . && .venv/bin/ruff check --fix .` applies them).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy, strict: the API (mypy.ini) and the edge agent, its own distribution for Python 3.9 with its own
# settings (edge-agent/pyproject.toml).
typecheck: $(STAMP)
	$(VENV)/bin/mypy
	cd edge-agent && ../$(VENV)/bin/mypy

# Everything but the browser and the fuzz run, for a quick loop while coding. Each test module has
# its own moto backend, so modules run on two workers side by side. The built site: the rules parity
# test runs its modules under node (tests/unit/test_rules_parity.py), the package test packs build/site.
test-fast: $(STAMP) site
	$(PY) -m pytest -n 2 --dist loadfile --ignore=tests/browser --ignore=tests/fuzz

bench: $(STAMP) site
	$(PY) -m bench

# The API is served from chalicelib/route_manifest.py (app.py imports no capability module at a cold
# start): regenerate it after adding, removing or moving a route; tests/unit/test_route_manifest.py
# fails while it is stale.
routes: $(STAMP)
	$(PY) -m infra.routes

package: $(STAMP) site
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" infra/package.sh build/package

clean:
	rm -rf $(VENV) build .pytest_cache
