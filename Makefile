# Two commands for a newcomer: `make demo` and `make test` (`make lint` runs before it in CI);
# `make test-fast` while changing code.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
LANDING ?= data/landing
WAREHOUSE ?= data/warehouse.duckdb
PUBLISH ?= data/publish

.PHONY: demo test test-fast lint docs install clean sample refresh dagster benchmark generate

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, every refresh (and its dbt
# subprocess) would otherwise compile Dagster and dbt again each time.
$(BIN)/vawg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.9.30
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test,lint]'
	$(BIN)/python -m compileall -q pipelines schemas >/dev/null
	touch $(BIN)/vawg

install: $(BIN)/vawg

sample: install
	$(BIN)/vawg sample --landing $(LANDING)

refresh: install
	$(BIN)/vawg refresh --landing $(LANDING) --warehouse $(WAREHOUSE) --publish $(PUBLISH)

demo: install
	rm -rf $(LANDING)
	$(BIN)/vawg sample --landing $(LANDING)
	$(BIN)/vawg refresh --landing $(LANDING) --warehouse $(WAREHOUSE) --publish $(PUBLISH); \
	  status=$$?; [ $$status -eq 0 ] || [ $$status -eq 3 ]

# Two workers: most of a refresh waits on one core (dbt, Dagster), so the second core is free.
test: install
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

# The unit tests only (schemas, statistics, code generation, disclosure, the publication's files),
# in under a minute: no refresh, Dagster, Chromium or subprocess (the `slow` mark, tests/conftest.py).
test-fast: install
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

# Quality gates (docs/decisions/0014-quality-gates.md): Python, the dbt models' SQL, the dbt
# project's structure (keys, descriptions, layers, names) read from dbt's manifest; the Dagster
# definitions load (`dg check defs`, from the defs folder as pyproject.toml's [tool.dg] says).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models --disable-progress-bar
	$(BIN)/python -m pipelines.dbt_structure
	$(BIN)/dg check defs

# For developers, after changing indicators.yml or a schema module: the indicator dbt models,
# indicators.schema.json and docs/reference/ (docs/decisions/0031-generated-files-built-by-a-command.md).
generate: install
	$(BIN)/vawg generate

# The dbt documentation site of the warehouse, into $(PUBLISH)/docs/index.html.
docs: install
	$(BIN)/vawg docs --warehouse $(WAREHOUSE) --publish $(PUBLISH)

# On demand, not in `make test`: times the refresh at scale 1, 10 and 30 (about 29 million police
# rows; about 2 hours in all) into docs/performance.md, with the growth between the scales.
benchmark: install
	$(BIN)/python benchmarks/run.py

# The Dagster UI on the same folders; runs and schedules are kept in data/dagster_home, whose
# dagster.yaml (one run at a time) comes from pipelines/defs/dagster_home.yaml.
dagster: install
	mkdir -p data/dagster_home
	test -f data/dagster_home/dagster.yaml || cp pipelines/defs/dagster_home.yaml data/dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/data/dagster_home VAWG_LANDING=$(LANDING) VAWG_WAREHOUSE=$(WAREHOUSE) VAWG_PUBLISH=$(PUBLISH) \
	  $(BIN)/dagster dev -m pipelines.definitions

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
