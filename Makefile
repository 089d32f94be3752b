# Observe: `make run` starts the app with a demo school; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := observe

.PHONY: help install oidc-provider run test test-only test-dates test-postgres chromium webkit translations messages migration bench clean

help:
	@echo "make run    - set up everything and serve Observe with a demo school on http://$(HOST):$(PORT)"
	@echo "make test   - set up everything and run the whole test suite (needs Chromium and WebKitGTK; installs them on Debian as root)"
	@echo "make bench  - run the benchmarks in bench/ and print their figures"
	@echo "make test-dates - the whole suite with the clock moved to each of TEST_DATES (docs/testing.md)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Observe needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP) translations

translations: $(STAMP)
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel -q compile -d translations; fi

# Collect every marked string (babel.cfg) and merge it into the catalogs; then translate the
# empty msgstr entries in translations/sv/LC_MESSAGES/messages.po (docs/i18n.md).
messages: $(STAMP)
	@mkdir -p instance
	$(BIN)/pybabel -q extract -F babel.cfg --no-wrap --sort-by-file --add-location=file --project Observe --copyright-holder "Observe contributors" -o instance/messages.pot .
	$(BIN)/pybabel -q update -i instance/messages.pot -d translations --no-wrap --no-fuzzy-matching --ignore-obsolete

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo
	@echo "  Observe is running on http://$(HOST):$(PORT)"
	@echo "  Demo accounts (password demo1234): rektor@demo.observe, rektor2@demo.observe,"
	@echo "  larare1@demo.observe ... larare8@demo.observe, admin@demo.observe, skolchef@demo.observe"
	@echo
	OBSERVE_DEMO=1 $(BIN)/flask run --host $(HOST) --port $(PORT) --with-threads

chromium:
	@bash .ci/ensure-chromium

# WebKitGTK's driver, Xvfb and PyGObject for tests/webkit/ (Safari's engine family).
webkit:
	@bash .ci/ensure-webkit

# The real OpenID provider the sign-in tests start (tests/oidc_provider/, npm's oidc-provider; node_modules is
# git-ignored like .venv). Exact versions from its package-lock.json.
OIDC_PROVIDER := tests/oidc_provider/node_modules/.installed-stamp
$(OIDC_PROVIDER): tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	npm ci --prefix tests/oidc_provider --no-audit --no-fund --loglevel=error
	@touch $@

oidc-provider: $(OIDC_PROVIDER)

test: install chromium webkit oidc-provider test-only

test-only:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite with the clock moved to other days (docs/testing.md): OBSERVE_TEST_TODAY moves the
# tests' process clock (time-machine) and the browsers' clock (Playwright) to that day, at the
# current Stockholm time of day. Term and school-year boundaries by default; for one day and
# the tests without a browser: make test-dates TEST_DATES=2027-06-20 PYTEST_ARGS="--ignore=tests/e2e --ignore=tests/webkit"
TEST_DATES ?= 2027-01-07 2027-06-20 2028-08-15
test-dates: install chromium webkit oidc-provider
	@failed=""; for day in $(TEST_DATES); do \
	  echo "== clock at $$day"; OBSERVE_TEST_TODAY=$$day $(BIN)/python -m pytest $(PYTEST_ARGS) || failed="$$failed $$day"; \
	done; if [ -n "$$failed" ]; then echo "failed with the clock at:$$failed"; exit 1; fi

# Regenerate migrations/ from the models (before the first release only: one initial migration).
migration: install
	rm -f migrations/versions/*.py instance/migration-check.sqlite
	OBSERVE_DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-check.sqlite $(BIN)/flask db upgrade
	OBSERVE_DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-check.sqlite $(BIN)/flask db migrate -m "initial schema"
	rm -f instance/migration-check.sqlite

# Every script makes its own data and prints its figures (docs/performance.md; bench/make_icons.py
# draws the app icons and is not a benchmark); a script that
# misses its budget exits 1, the others still run, and make reports them at the end.
bench: install chromium
	@failed=""; \
	for script in bench/[!_]*.py; do \
	  case $$script in bench/make_icons.py) continue;; esac; \
	  echo "== $$script"; $(BIN)/python $$script || failed="$$failed $$script"; done; \
	if pg_isready -q -h 127.0.0.1 2>/dev/null; then echo "== bench/sync_load.py --db postgres"; \
	  $(BIN)/python bench/sync_load.py --db postgres || failed="$$failed sync_load.py--postgres"; fi; \
	if [ -f bench/lighthouse.sh ]; then echo "== bench/lighthouse.sh"; bash bench/lighthouse.sh || failed="$$failed bench/lighthouse.sh"; fi; \
	if [ -n "$$failed" ]; then echo "missed a budget or failed:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .pytest_cache
