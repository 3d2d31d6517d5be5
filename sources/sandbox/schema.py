"""The sandbox dataset's tables.  Their columns are the raw tables' columns, which each
source owns (``sources/<system>/tables.py``, built on the vendor contract in
``sources/<system>/contract.py``): the sandbox imports them, never the reverse.

Every table lives in one DuckDB file (``<sandbox dir>/sandbox.duckdb``).  Column names are
the field names of the real API object (Kantata API v1, Jira Cloud REST v3 flattened,
Salesforce sObject API names), so a server renders a row into the wire format by name,
and a connector lands the same names as the typed columns of its raw table
(``raw_kantata.<object>``, ``raw_jira.<object>``, ``raw_salesforce.<object>``).

All timestamps are UTC (naive ``TIMESTAMP``).  All ids are strings, as the APIs send them.
"""

from __future__ import annotations

from sources.common.raw_tables import Columns
from sources.jira.tables import COLUMNS as JIRA_TABLES
from sources.kantata.tables import COLUMNS as KANTATA_TABLES
from sources.salesforce.tables import COLUMNS as SALESFORCE_TABLES
from sources.salesforce.tables import SOBJECT_NAMES as SALESFORCE_OBJECT_NAMES

__all__ = [
    "JIRA_TABLES",
    "KANTATA_TABLES",
    "SALESFORCE_OBJECT_NAMES",
    "SALESFORCE_TABLES",
    "SYSTEMS",
    "create_sandbox_tables_sql",
    "sandbox_table_name",
]

SYSTEMS: dict[str, dict[str, Columns]] = {
    "kantata": KANTATA_TABLES,
    "jira": JIRA_TABLES,
    "salesforce": SALESFORCE_TABLES,
}


def sandbox_table_name(system: str, table: str) -> str:
    """Name of a table in sandbox.duckdb, e.g. ``kantata_time_entries``."""
    return f"{system}_{table}"


def create_sandbox_tables_sql() -> list[str]:
    """DDL for every sandbox table (primary key on the first column)."""
    statements = []
    for system, tables in SYSTEMS.items():
        for table, columns in tables.items():
            cols = ", ".join(f'"{name}" {ctype}' for name, ctype in columns)
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {sandbox_table_name(system, table)} ({cols})"
            )
    return statements
