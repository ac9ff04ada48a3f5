# Two commands do all set-up on a fresh Debian machine with Python 3.11:
#   make site   builds monographs/ into _site/
#   make test   runs every check: ruff, mypy --strict and the whole pytest suite (browser tests too)
# Each first installs the system packages it needs (scripts/ensure-system-deps.sh), then makes
# .venv/ and installs the locked dependencies: requirements/build.txt for the site,
# requirements/test.txt for the tests (see "Dependencies" in the README to update them).
VENV ?= .venv
PY := $(VENV)/bin/python
BUILD_STAMP := $(VENV)/.build-stamp
TEST_STAMP := $(VENV)/.test-stamp
BUILD_FLAGS ?=

.PHONY: site test check serve clean system-deps-site system-deps-test lock

system-deps-site:
	bash scripts/ensure-system-deps.sh site

system-deps-test:
	bash scripts/ensure-system-deps.sh test

# The system packages come first: on a fresh Debian machine `python3 -m venv` needs
# python3-venv.
$(PY): | system-deps-site
	python3 -m venv $(VENV)

$(BUILD_STAMP): requirements/build.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements/build.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(TEST_STAMP): requirements/test.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements/test.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json | system-deps-test
	npm ci --no-audit --no-fund --loglevel=error

site: $(BUILD_STAMP)
	$(PY) build.py $(BUILD_FLAGS)

check: $(BUILD_STAMP)
	$(VENV)/bin/clincalc-site check

serve: $(BUILD_STAMP)
	$(VENV)/bin/clincalc-site serve

test: system-deps-test $(TEST_STAMP) node_modules/.package-lock.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

# Re-resolve the locked dependencies after changing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --universal -o requirements/build.txt
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes --universal -o requirements/test.txt
	uv pip compile pyproject.toml --extra mutation --python-version 3.11 --generate-hashes --universal -o requirements/mutation.txt

clean:
	rm -rf _site .clincalc ._site.spare ._site.lock .clincalc-cache .pytest_cache .mypy_cache .ruff_cache mutants
