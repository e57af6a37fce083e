# Two commands on a fresh machine: `make run` and `make test`. Each creates or updates .venv from
# the pinned requirements first, so nothing has to be installed by hand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench package clean

$(STAMP): requirements.txt requirements-dev.txt edge-agent/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip < 26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt -e ./edge-agent
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local.run

# The browser tests and the schema fuzz run (schemathesis, about 3 minutes) each run the whole local
# stack in their own process: the other suites bind the app's tables and AWS clients to in-process
# moto, these two to a moto server.
test: test-fast
	bash tests/browser/ensure-chromium.sh
	$(PY) -m pytest tests/browser
	$(PY) -m pytest tests/fuzz

# Everything but the browser and the fuzz run, for a quick loop while coding. Each test module has
# its own moto backend, so modules run on two workers side by side.
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile --ignore=tests/browser --ignore=tests/fuzz

bench: $(STAMP)
	$(PY) -m bench

package: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" infra/package.sh build/package

clean:
	rm -rf $(VENV) build .pytest_cache
