# One venv, made from pyproject.toml; every target below installs what it needs into it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: test test-fast fuzz bench demo clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,demo]'
	touch $(STAMP)

## The whole suite, under branch coverage (fails below 95%): SQLite first, then the same suite on
## PostgreSQL when it is reachable (the service tests skip with a message otherwise).
test: $(STAMP)
	rm -f .coverage .coverage.*
	$(PY) -m coverage run --parallel-mode -m pytest
	DJWTO_TEST_DATABASE=postgres $(PY) -m coverage run --parallel-mode -m pytest -m "not e2e and not browser" -q
	$(PY) -m coverage combine -q
	$(PY) -m coverage report

## Quick loop: the suite on SQLite, no coverage.
test-fast: $(STAMP)
	$(PY) -m pytest -x -q

## The fuzz properties with many more examples (see tests/security/test_fuzz.py).
fuzz: $(STAMP)
	DJWTO_FUZZ_EXAMPLES=$${DJWTO_FUZZ_EXAMPLES:-20000} $(PY) -m pytest tests/security/test_fuzz.py -q -p no:cacheprovider --hypothesis-show-statistics

## Side-by-side benchmark against djangorestframework-simplejwt; prints a table, writes bench-results.json.
bench: $(STAMP)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

## The demo project on $(DEMO_ADDR): migrate, create alice and bob, serve.
demo: $(STAMP)
	$(PY) demo/manage.py migrate --noinput
	$(PY) demo/manage.py demo_users
	$(PY) demo/manage.py runserver --noreload $(DEMO_ADDR)

clean:
	rm -rf $(VENV) .coverage .coverage.* htmlcov *.egg-info demo/db.sqlite3 artifacts
