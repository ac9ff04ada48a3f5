# Two commands do all set-up on a fresh Debian machine with Python 3.11:
#   make site   builds monographs/ into _site/
#   make test   runs every check: ruff, mypy --strict and the whole pytest suite (browser tests too)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
BUILD_FLAGS ?=

.PHONY: site test check serve clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

site: $(STAMP)
	$(PY) build.py $(BUILD_FLAGS)

check: $(STAMP)
	$(VENV)/bin/clincalc-site check

serve: $(STAMP)
	$(VENV)/bin/clincalc-site serve

test: $(STAMP) node_modules/.package-lock.json
	bash scripts/ensure-system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

clean:
	rm -rf _site ._site.spare ._site.lock .clincalc-cache .pytest_cache .mypy_cache .ruff_cache
