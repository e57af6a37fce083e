# Two commands on a fresh machine: `make run` and `make test`. Each creates or updates .venv from
# the pinned requirements first, so nothing has to be installed by hand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench package clean

$(STAMP): requirements.txt requirements-dev.txt edge-agent/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -e ./edge-agent
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local.run

test: $(STAMP)
	bash tests/browser/ensure-chromium.sh
	$(PY) -m pytest

# Everything but the browser, for a quick loop while coding.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser"

bench: $(STAMP)
	$(PY) -m bench

package: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" infra/package.sh build/package

clean:
	rm -rf $(VENV) build .pytest_cache
