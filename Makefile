# One venv, made from pyproject.toml; every target below installs what it needs into it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: test test-fast test-compat lint fuzz bench loadtest demo docs clean messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,demo,lint,docs,release]'
	touch $(STAMP)

## Lint first (ruff, ruff format, mypy --strict), then the whole suite under branch coverage
## (fails below 95%): SQLite first, then the same suite on PostgreSQL when it is reachable (the
## service tests skip with a message otherwise), the compatibility run and the docs build. Every
## test pass runs even if one fails; the last line sums them all up and fails if any test did.
RESULTS ?= artifacts/test-results
test: $(STAMP)
	$(MAKE) --no-print-directory lint
	rm -rf .coverage .coverage.* $(RESULTS)
	-$(PY) -m coverage run --parallel-mode -m pytest --junitxml=$(RESULTS)/sqlite.xml
	-DJWTO_TEST_DATABASE=postgres $(PY) -m coverage run --parallel-mode -m pytest -m "not e2e and not browser" -q --junitxml=$(RESULTS)/postgres.xml
	$(PY) -m coverage combine -q
	$(PY) -m coverage report
	-$(MAKE) --no-print-directory test-compat
	$(MAKE) --no-print-directory docs
	@$(PY) tests/support/summary.py $(RESULTS) sqlite postgres compat

## The suite (no e2e, no coverage) on the newest Python 3.12+ found, with the newest Django
## (6.x): pip picks it there, so it must work. Skipped, saying so, where no such Python exists.
COMPAT_VENV ?= .venv-compat
test-compat:
	@py=""; for c in python3.14 python3.13 python3.12 \
	    $$(ls -d /root/.pyenv/versions/3.1[234]*/bin/python3.1[234] 2>/dev/null | sort -r); do \
	    if $$c -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "test-compat: no Python 3.12+ here; skipped (install one to run it)"; \
	    mkdir -p $(RESULTS) && echo "no Python 3.12+ here" > $(RESULTS)/compat.skipped; exit 0; fi; \
	test -x $(COMPAT_VENV)/bin/python || $$py -m venv $(COMPAT_VENV); \
	$(COMPAT_VENV)/bin/python -m pip install --quiet --upgrade pip && \
	$(COMPAT_VENV)/bin/python -m pip install --quiet --upgrade -e '.[test]' 'Django>=6' && \
	$(COMPAT_VENV)/bin/python -c 'import sys, django; print("test-compat: Python", sys.version.split()[0], "Django", django.get_version())' && \
	$(COMPAT_VENV)/bin/python -m pytest -q -m "not e2e and not browser" -p no:cacheprovider --junitxml=$(RESULTS)/compat.xml

## ruff (rules in pyproject.toml), ruff's formatter, and mypy --strict with django-stubs on djwto/.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

## Quick loop: the suite on SQLite, no coverage.
test-fast: $(STAMP)
	$(PY) -m pytest -x -q

## The fuzz properties with many more examples (see tests/security/test_fuzz.py).
fuzz: $(STAMP)
	DJWTO_FUZZ_EXAMPLES=$${DJWTO_FUZZ_EXAMPLES:-20000} $(PY) -m pytest tests/security/test_fuzz.py -q -p no:cacheprovider --hypothesis-show-statistics

## Side-by-side benchmark against djangorestframework-simplejwt; prints a table, writes bench-results.json;
## then DRF and the middleware (adapters.py), three keys against one (keys_bench.py) and the cost of
## session records (sessions_bench.py), each printing its figures, ratios and targets.
BENCH_QUICK = $(if $(findstring --quick,$(BENCH_ARGS)),--quick,)
bench: $(STAMP)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)
	$(PY) benchmarks/adapters.py $(BENCH_QUICK)
	$(PY) benchmarks/keys_bench.py $(BENCH_QUICK)
	$(PY) benchmarks/sessions_bench.py $(BENCH_QUICK)

## The same comparison behind a server: gunicorn (-w 2, sync) on PostgreSQL, driven by wrk on
## 127.0.0.1 (under 10 min); writes loadtest-results.json. Installs wrk with apt-get if missing (root).
loadtest: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	    if [ "$$(id -u)" = 0 ]; then apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; \
	    else echo "loadtest: wrk is missing; install it as root: apt-get install -y wrk"; exit 1; fi; }
	$(PY) benchmarks/loadtest.py $(LOADTEST_ARGS)

## The demo project on $(DEMO_ADDR), in its own virtualenv holding only what the demo needs
## (the `demo` extra; DEMO_EXTRAS=demo,postgres,redis adds the drivers DATABASE_URL=postgres://...
## and REDIS_URL need): migrate, create alice and bob, serve. Settings: docs/demo.md.
comma       := ,
DEMO_VENV   ?= .venv-demo
DEMO_EXTRAS ?= demo
DEMO_PY     := $(DEMO_VENV)/bin/python
DEMO_STAMP  := $(DEMO_VENV)/.installed-$(subst $(comma),-,$(DEMO_EXTRAS))

$(DEMO_STAMP): pyproject.toml
	test -x $(DEMO_PY) || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_PY) -m pip install --quiet -e '.[$(DEMO_EXTRAS)]'
	touch $@

demo: $(DEMO_STAMP)
	$(DEMO_PY) demo/manage.py migrate --noinput
	$(DEMO_PY) demo/manage.py demo_users
	$(DEMO_PY) demo/manage.py serve $(DEMO_ADDR)

## Refresh djwto/locale's catalogues from the source (new messages appear untranslated, gone
## ones are dropped) and compile them; needs GNU gettext. Run again after translating.
messages: $(STAMP)
	cd djwto && $(abspath $(VENV))/bin/django-admin makemessages --all --add-location=file --no-obsolete
	cd djwto && $(abspath $(VENV))/bin/django-admin compilemessages

## The documentation site (Sphinx + myst-parser) into docs/_build/html; any warning fails it.
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(COMPAT_VENV) $(DEMO_VENV) .coverage .coverage.* htmlcov *.egg-info demo/db.sqlite3 artifacts docs/_build dist build
