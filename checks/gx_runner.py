"""Run a suite: read the raw table's live rows from DuckDB into pandas, validate them with
Great Expectations Core 1.x in an ephemeral (in-memory) context, and turn GX's result into
plain ``ExpectationOutcome``s.  Nothing is written to disk and nothing goes over the network.

A suite given ``loaded_since`` (the hourly run: the time its last passing result was
recorded) judges only the rows that can change its verdict: those loaded since then, the
older rows sharing a value with them in a column that must be unique, and the rows holding a
column's newest value (``expect_column_max_to_be_between``), and judges them in DuckDB: its
expectations compiled to SQL (``checks.sql_engine``, the same outcomes as GX gives; no GX or
pandas imported).  Every row loaded since was judged, so a row that failed keeps failing
until it is fixed: a failed suite never moves its ``loaded_since``.  What changes without a
load — a reference table losing a key, the as-of date, the gate config — is judged for older
rows by the full scan (``--full``, the nightly run).

The quarantine share is not a property of the table's rows, so it is measured in DuckDB
(``raw._quarantine``) and judged against ``checks.config`` thresholds here.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import duckdb

from checks import config
from checks import suites as _suites
from checks.judge import (
    KnownValues,
    aggregate_outcome,
    live_rows,
    not_evaluated,
    quote,
    row_outcome,
    rows_to_judge,
    sample_rows,
    table_columns,
)
from checks.outcomes import ERROR, WARN, ExpectationOutcome, SuiteOutcome, pct
from checks.specs import ExpectationSpec, SpecInputs, Suite
from checks.sql_engine import compiles, judge_in_duckdb
from checks.suites import all_suites
from checks.volume import volume_outcome

if TYPE_CHECKING:  # pandas (with GX) loads when a suite runs, not with the definitions
    import pandas as pd


def __getattr__(name: str) -> Any:
    """``SUITES``: the suites of the active gate config (``checks.suites.all_suites``)."""
    if name == "SUITES":
        return _suites.all_suites()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SUITES",  # noqa: F822 - SUITES: the module __getattr__ above
    "ExpectationOutcome",
    "Suite",
    "SuiteOutcome",
    "run_suite",
]

log = logging.getLogger(__name__)
_GX_LOCK = threading.Lock()  # one suite at a time through the process's GX context

QUARANTINE_TABLE = "raw._quarantine"


def run_suite(
    con: duckdb.DuckDBPyConnection,
    table: str,
    as_of: date,
    loaded_since: datetime | None = None,
) -> SuiteOutcome:
    """Validate the live rows (``NOT _deleted``) of raw ``table`` with its suite; with
    ``loaded_since``, the rows that can change the verdict (module docstring).

    ``con`` may be read-only.  Raises ``KeyError`` when ``table`` has no suite.
    """
    suites = all_suites()
    if table not in suites:
        raise KeyError(f"no GX suite for {table!r}; suites exist for: {', '.join(suites)}")
    suite = suites[table]
    started = time.monotonic()
    columns = table_columns(con, table)
    if not columns:
        missing = ExpectationOutcome(
            expectation=f"expect_table_to_exist({table})",
            severity=ERROR,
            passed=False,
            unexpected_count=0,
            unexpected_sample=[],
            details=f"{table} does not exist in the warehouse: run the {suite.system} ingest first",
        )
        return SuiteOutcome(suite.name, table, 0, [missing])

    outcomes: list[ExpectationOutcome] = []
    absent = [c for c in suite.columns if c not in columns]
    for column in absent:
        outcomes.append(
            ExpectationOutcome(
                expectation=f"expect_column_to_exist({column})",
                severity=ERROR,
                passed=False,
                unexpected_count=0,
                unexpected_sample=[],
                details=f"{table} has no column {column}: the raw table and the suite disagree",
            )
        )
    specs = [s for s in suite.expectations if s.column in columns]
    live = live_rows(columns)
    if loaded_since is not None and "_loaded_at" not in columns:
        loaded_since = None  # no load times: every row
    read = [c for c in suite.columns if c in columns]
    where, params = rows_to_judge(table, live, specs, loaded_since)
    if loaded_since is None or not compiles(specs):  # Great Expectations, over pandas
        select = ", ".join(quote(c) for c in read)
        frame = con.execute(f"SELECT {select} FROM {table} WHERE {where}", params).fetchdf()
        judged = len(frame)
        outcomes += _validate(con, suite, specs, frame, as_of)
    else:  # the same expectations in DuckDB SQL (checks.sql_engine)
        judged, judged_outcomes = judge_in_duckdb(con, suite, read, specs, (where, params), as_of)
        outcomes += judged_outcomes
    live_count = (
        judged
        if loaded_since is None
        else con.execute(f"SELECT count(*) FROM {table} WHERE {live}").fetchone()[0]
    )
    if suite.volume:
        outcomes.append(volume_outcome(con, table, live_count))
    if suite.quarantine is not None:
        outcomes.append(_quarantine_outcome(con, suite, table, live_count))

    scope = None
    if loaded_since is not None:
        since = loaded_since.isoformat(sep=" ", timespec="seconds")
        scope = f"{judged} rows: loaded since {since} UTC, or sharing a unique value"
    outcome = SuiteOutcome(suite.name, table, live_count, outcomes, scope)
    log.info(
        "suite %s: %s in %.2fs",
        suite.name,
        outcome.summary().splitlines()[0],
        time.monotonic() - started,
    )
    return outcome


# --- Great Expectations ------------------------------------------------------------------


def _import_gx() -> Any:
    gx_log = logging.getLogger("great_expectations")
    if gx_log.level == logging.NOTSET:  # GX logs its own API registry at INFO on import
        gx_log.setLevel(logging.WARNING)
    import great_expectations as gx
    import great_expectations.expectations  # noqa: F401 - what _validate uses

    return gx


def import_gx_in_background() -> None:
    """Start importing Great Expectations (and pandas) on a daemon thread: ~2 s of a
    refresh that the gate would otherwise wait for, spent while ingest waits on the sources'
    answers.  The gate's own import then finds it done (or waits on Python's import lock for
    the rest)."""
    if "great_expectations.expectations" not in sys.modules:
        threading.Thread(target=_import_gx, name="import-gx", daemon=True).start()


@cache
def _gx_batches() -> tuple[Any, Any]:
    """The process's GX context and the batch definition every suite validates its frame
    through (one pandas dataframe asset).  Made once: each context, data source and asset
    GX adds re-serialises its whole project config (~20 ms a suite, a third of a small
    table's validation)."""
    context = _gx_context()
    asset = context.data_sources.add_pandas("psops").add_dataframe_asset("rows_to_judge")
    return context, asset.add_batch_definition_whole_dataframe("rows")


def _gx_context() -> Any:
    """A fresh in-memory GX context: no ``gx/`` folder, no progress bars, no analytics."""
    gx = _import_gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    project_config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(),
    )
    return gx.get_context(mode="ephemeral", project_config=project_config)


def _fit_bound(value: Any, series: pd.Series) -> Any:
    """DuckDB DATE columns arrive as datetime64: compare them with Timestamps, not dates."""
    import pandas as pd

    if isinstance(value, date) and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return pd.Timestamp(value)
    return value


@contextmanager
def _gx_suite(name: str) -> Iterator[tuple[Any, Any]]:
    """An empty in-memory GX suite ``name`` (it gives its expectations ids) and the batch
    definition to validate through, for one validation at a time."""
    import great_expectations as gx

    with _GX_LOCK:
        context, batches = _gx_batches()
        gx_suite = context.suites.add(gx.ExpectationSuite(name=name))
        try:
            yield gx_suite, batches
        finally:  # the next run in this process adds it again
            context.suites.delete(name)


def _validate(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    specs: list[ExpectationSpec],
    frame: pd.DataFrame,
    as_of: date,
) -> list[ExpectationOutcome]:
    if not specs:
        return []
    import great_expectations.expectations as gxe

    with _gx_suite(suite.name) as (gx_suite, batches):
        known = KnownValues(con)
        inputs = SpecInputs(as_of=as_of, known_values=known)
        by_id: dict[str, ExpectationSpec] = {}
        for spec in specs:
            kwargs = spec.resolve_kwargs(inputs)
            if "value_set" in kwargs:
                kwargs["value_set"] = _values_present(kwargs["value_set"], frame[spec.column])
            for bound in ("min_value", "max_value"):
                if bound in kwargs:
                    kwargs[bound] = _fit_bound(kwargs[bound], frame[spec.column])
            if spec.row_condition:
                kwargs.update(row_condition=spec.row_condition, condition_parser="pandas")
            expectation = getattr(gxe, spec.gx_class_name)(column=spec.column, **kwargs)
            expectation = gx_suite.add_expectation(expectation)
            by_id[str(expectation.id)] = spec
        if len(by_id) != len(specs):  # GX gives each expectation of a stored suite its own id
            raise RuntimeError(f"GX did not assign distinct ids to the {suite.name} expectations")

        batch = batches.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            gx_suite,
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": config.SAMPLE_SIZE,
                "unexpected_index_column_names": [suite.key],
            },
        )
        outcomes_by_id = {
            str(r.expectation_config.id): _outcome(
                by_id[str(r.expectation_config.id)], r, suite.key, len(frame), known.missing
            )
            for r in result.results
        }
        return [outcomes_by_id[i] for i in by_id]


def _values_present(value_set: list[Any], series: pd.Series) -> list[Any]:
    """The allowed values that occur in ``series``: the same verdict for every row, and GX
    copies an expectation's configuration (its value set) hundreds of times per suite — a
    set of 31k issue ids cost 5 s for a handful of changelog rows.  Only for text values
    (ids, names), which compare alike in DuckDB, pandas and Python."""
    if not all(isinstance(v, str) for v in value_set):
        return value_set
    present = {v for v in series.dropna().unique() if isinstance(v, str)}
    return [v for v in value_set if v in present]


def _outcome(
    spec: ExpectationSpec, result: Any, key: str, row_count: int, missing_refs: set[str]
) -> ExpectationOutcome:
    info = result.exception_info or {}
    if info.get("raised_exception") or any(
        isinstance(v, dict) and v.get("raised_exception") for v in info.values()
    ):
        message = info.get("exception_message") or next(
            (v.get("exception_message") for v in info.values() if isinstance(v, dict)), ""
        )
        return not_evaluated(spec, message)
    res = result.result or {}
    if "observed_value" in res:  # an aggregate (e.g. the newest date): no failing rows
        return aggregate_outcome(spec, res["observed_value"], bool(result.success))
    count = int(res.get("unexpected_count") or 0)
    sample = sample_rows(res.get("partial_unexpected_index_list") or [], key, spec.column)
    return row_outcome(spec, bool(result.success), count, sample, row_count, missing_refs)


# --- quarantine share --------------------------------------------------------------------


def _quarantine_outcome(
    con: duckdb.DuckDBPyConnection, suite: Suite, table: str, live_count: int
) -> ExpectationOutcome:
    """Records of this object still in quarantine (not loaded since) ÷ records received."""
    limits = suite.quarantine
    assert limits is not None
    name = f"quarantine_share({suite.object})"
    sample: list[dict[str, Any]] = []
    outstanding = 0
    if table_columns(con, QUARANTINE_TABLE):
        still_bad = (
            f"FROM {QUARANTINE_TABLE} q WHERE q.source = ? AND q.object = ? AND "
            f"(q.record_id IS NULL OR q.record_id NOT IN "
            f"(SELECT CAST({quote(suite.key)} AS VARCHAR) FROM {table} "
            f"WHERE {quote(suite.key)} IS NOT NULL))"
        )
        params = [suite.system, suite.object]
        outstanding = con.execute(
            f"SELECT count(DISTINCT q.record_id) + count(*) FILTER (q.record_id IS NULL) "
            f"{still_bad}",
            params,
        ).fetchone()[0]
        rows = con.execute(
            f"SELECT q.record_id, arg_max(q.reason, q.quarantined_at) {still_bad} "
            f"GROUP BY q.record_id ORDER BY q.record_id NULLS LAST LIMIT {config.SAMPLE_SIZE}",
            params,
        ).fetchall()
        sample = [{"record_id": rid, "reason": reason} for rid, reason in rows]
    received = live_count + outstanding
    share = outstanding / received if received else 0.0
    what = (
        f"{pct(share)} of {suite.object} records ({outstanding} of {received}) "
        f"are in {QUARANTINE_TABLE}"
    )
    if share > limits.error_above:
        severity, passed = ERROR, False
        details = f"{what}, above the {pct(limits.error_above)} error limit"
    elif share > limits.warn_above:
        severity, passed = WARN, False
        details = f"{what}, above the {pct(limits.warn_above)} warning limit"
    else:
        severity, passed = ERROR, True
        details = f"{what}, within the {pct(limits.warn_above)} warning limit"
    return ExpectationOutcome(name, severity, passed, outstanding, sample, details)
