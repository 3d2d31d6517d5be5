"""The data-quality gate: Great Expectations Core 1.x suites on the raw tables.

``checks.gx_runner.run_suite(con, table, as_of)`` validates one raw table and returns a
``SuiteOutcome``; ``checks.suites.SUITES`` declares one ``Suite`` per raw table.  The hourly
gate (``loaded_since``) runs the same expectations compiled to DuckDB SQL
(``checks.sql_engine``).
"""
