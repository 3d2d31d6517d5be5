# psops: `make demo` and `make test` work on a fresh machine with only Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install browser postgres demo report test test-fast lint ui manifest clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) manifest

# dagster-dbt needs dbt's manifest before the definitions load (outside `dagster dev`)
manifest: $(STAMP)
	cd dbt_project && $(abspath $(BIN))/dbt parse --quiet --profiles-dir .

demo: install
	$(BIN)/psops demo

# the QBR pack of the demo's warehouse (made first if there is none): warehouse/reports/
report: install
	test -f warehouse/analytics.duckdb || $(BIN)/psops demo
	$(BIN)/psops report qbr

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the browser tests drive Debian's chromium (Playwright, no browser download) and check the
# QBR pack's PDF with poppler-utils: installed when missing (root, or sudo)
APT_GET := env DEBIAN_FRONTEND=noninteractive apt-get
BROWSER_PACKAGES := chromium poppler-utils
browser:
	@if ! command -v chromium >/dev/null || ! command -v pdfinfo >/dev/null; then \
	  sudo=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi; \
	  $$sudo $(APT_GET) install -y --no-install-recommends $(BROWSER_PACKAGES) \
	  || { $$sudo $(APT_GET) update && \
	       $$sudo $(APT_GET) install -y --no-install-recommends $(BROWSER_PACKAGES); }; \
	fi

# the PostgreSQL tests (dbt on the postgres target, publish to PostgreSQL) start a
# throw-away cluster of Debian's postgresql (tests/pg_cluster.py), or use PSOPS_TEST_PG_DSN:
# installed when missing (root, or sudo)
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  sudo=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi; \
	  $$sudo $(APT_GET) install -y --no-install-recommends postgresql \
	  || { $$sudo $(APT_GET) update && \
	       $$sudo $(APT_GET) install -y --no-install-recommends postgresql; }; \
	fi

test: install browser postgres lint
	$(BIN)/pytest -q --durations=30

# the fast lane: unit, contract and fixture tests, no e2e or slow ones (markers: pyproject.toml);
# no lint (run `make lint`) and no browser install
test-fast: install
	$(BIN)/pytest -q -m "not e2e and not slow"

# the sandbox APIs in the background (they write .env), then the Dagster UI on :3000
ui: install
	test -f warehouse/sandbox/sandbox.duckdb || $(BIN)/psops sandbox generate
	mkdir -p .dagster_home && cp orchestration/dagster.yaml .dagster_home/dagster.yaml
	$(BIN)/psops sandbox serve & SERVE_PID=$$!; trap 'kill $$SERVE_PID 2>/dev/null' EXIT INT TERM; \
	  sleep 3; DAGSTER_HOME=$(abspath .dagster_home) $(BIN)/dagster dev -w workspace.yaml

# one table: connectors vs plain requests, dbt's utilization path vs the DuckDB floor query,
# incremental vs full refresh (peak RSS of each); SCALE=small|medium|large, ONLY=ingest,dbt,refresh
bench: install
	$(BIN)/python -m bench --scale $(or $(SCALE),medium) $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs .dagster_home
