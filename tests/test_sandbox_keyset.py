"""Keyset pagination of the sandbox servers (``sources/sandbox/keyset.py``, issue 16): the
seek predicate against OFFSET on a tiny table (mixed directions, ties, NULLs), and each
server's pages against the plain ORDER BY of the sandbox database (same ids, same order)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from sources.sandbox import jira_api, kantata_api, salesforce_api
from sources.sandbox.credentials import (
    JIRA_API_TOKEN,
    JIRA_USER,
    KANTATA_TOKEN,
    SFDC_ACCESS_TOKEN,
)
from sources.sandbox.keyset import (
    SeekCache,
    SortTerm,
    decode_token,
    encode_token,
    key_columns,
    key_of,
    order_sql,
    seek_sql,
    total_order,
)

ROWS = [
    (1, 3, "b", datetime(2026, 1, 1)),
    (2, None, "a", datetime(2026, 1, 2)),
    (3, 3, None, datetime(2026, 1, 1)),
    (4, 1, "a", None),
    (5, None, None, datetime(2026, 1, 3)),
    (6, 3, "b", datetime(2026, 1, 1)),
    (7, 1, "c", datetime(2026, 1, 2)),
    (8, 2, "a", None),
    (9, None, "b", datetime(2026, 1, 1)),
    (10, 2, None, datetime(2026, 1, 2)),
]


@pytest.fixture(scope="module")
def tiny() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER, a INTEGER, b VARCHAR, ts TIMESTAMP)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS)
    yield con
    con.close()


def _ids(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return con.execute(sql, params).fetchall()


ORDERS = [
    [SortTerm(c, d) for c, d in zip(columns, directions, strict=True)]
    for n in (1, 2, 3)
    for columns in itertools.permutations(["a", "b", "ts"], n)
    for directions in itertools.product([False, True], repeat=n)
]


@pytest.mark.parametrize("terms", ORDERS, ids=lambda terms: order_sql(terms))
@pytest.mark.parametrize("size", [1, 3, 4])
def test_seek_pages_equal_offset_pages(
    tiny: duckdb.DuckDBPyConnection, terms: list[SortTerm], size: int
) -> None:
    sort = total_order(terms, "id")
    select = f"SELECT id, {key_columns(sort)} FROM t"
    plain = " ".join(f"{t.expr} {'DESC' if t.descending else 'ASC'}," for t in terms)
    expected = [r[0] for r in _ids(tiny, f"SELECT id FROM t ORDER BY {plain} id", [])]
    seen: list[int] = []
    last: tuple[Any, ...] | None = None
    for page in itertools.count():
        offset_rows = _ids(
            tiny,
            f"SELECT id FROM t ORDER BY {order_sql(sort)} LIMIT ? OFFSET ?",
            [size, page * size],
        )
        if last is None:
            cur = tiny.execute(f"{select} ORDER BY {order_sql(sort)} LIMIT ?", [size])
        else:
            seek, params = seek_sql(sort, last)
            cur = tiny.execute(
                f"{select} WHERE {seek} ORDER BY {order_sql(sort)} LIMIT ?", [*params, size]
            )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        assert [r["id"] for r in rows] == [r[0] for r in offset_rows]
        if not rows:
            break
        seen += [r["id"] for r in rows]
        last = decode_token(encode_token({"k": key_of(rows[-1], sort)}))["k"]  # a round trip
    assert seen == expected


def test_total_order_appends_or_stops_at_the_unique_column() -> None:
    assert total_order([SortTerm("a", True)], "id") == [SortTerm("a", True), SortTerm("id")]
    assert total_order([SortTerm("id", True), SortTerm("a")], "id") == [SortTerm("id", True)]


def test_seek_after_all_nulls_is_empty() -> None:
    assert seek_sql([SortTerm("a"), SortTerm("id")], [None, None]) == ("FALSE", [])


def test_token_round_trip_and_garbage() -> None:
    key = (datetime(2026, 3, 2, 14, 5, 11, 123456), date(2026, 3, 2), Decimal("1.50"), None, 7)
    payload = decode_token(encode_token({"k": key, "q": "project = A"}))
    assert payload == {"k": key, "q": "project = A"}
    unknown_tag, bad_time = "eyJrIjogW3sieCI6ICIxIn1dfQ", "eyJrIjogW3sidHMiOiAibm8ifV19"
    for garbage in ("not a token!", "W10", unknown_tag, bad_time):  # W10: a list, not a dict
        with pytest.raises(ValueError):
            decode_token(garbage)


def test_seek_cache_forgets_the_least_recently_used() -> None:
    cache = SeekCache(size=2)
    cache.put("a", (1,))
    cache.put("b", (2,))
    assert cache.get("a") == (1,)
    cache.put("c", (3,))
    assert cache.get("b") is None and cache.get("a") == (1,) and cache.get("c") == (3,)


# --- the servers against the plain ORDER BY of the sandbox database -----------------------


def _column(db: Path, sql: str, params: list[Any] | None = None) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [str(r[0]) for r in con.execute(sql, params or []).fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("order", "sql_order"),
    [("updated", "updated ASC, id ASC"), ("created DESC", "created DESC, id ASC")],
)
def test_jira_search_pages_in_the_plain_order(sandbox_db: Path, order: str, sql_order: str) -> None:
    jql = f'updated >= "2000-01-01" ORDER BY {order}'
    expected = _column(
        sandbox_db,
        f"SELECT id FROM jira_issues WHERE updated >= TIMESTAMP '2000-01-01' ORDER BY {sql_order}",
    )
    auth = (JIRA_USER, JIRA_API_TOKEN)
    with jira_api.start(sandbox_db) as server:
        url = f"{server.url}/rest/api/3/search/jql"
        seen: list[str] = []
        body: dict[str, Any] = {"jql": jql, "maxResults": 97}
        while True:
            page = requests.post(url, json=body, auth=auth, timeout=30).json()
            seen += [issue["id"] for issue in page["issues"]]
            if page["isLast"]:
                break
            body["nextPageToken"] = page["nextPageToken"]
        other = {"jql": 'updated >= "2000-01-02"', "nextPageToken": body["nextPageToken"]}
        assert requests.post(url, json=other, auth=auth, timeout=30).status_code == 400
        bad = {"jql": jql, "nextPageToken": "bm90IGEgdG9rZW4"}
        assert requests.post(url, json=bad, auth=auth, timeout=30).status_code == 400
    assert seen == expected and len(expected) > 97 * 3


def _kantata_pages(url: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {KANTATA_TOKEN}"}
    page = 1
    while True:
        body = requests.get(url, params={**params, "page": page}, headers=headers, timeout=30)
        body.raise_for_status()
        yield body.json()
        if page >= body.json()["meta"]["page_count"]:
            return
        page += 1


def _count_page_queries(api: kantata_api.KantataApi) -> list[str]:
    """The page queries ``api`` runs from now on (each ends in ``LIMIT ?``), collected."""
    seen: list[str] = []
    query = api.query

    def counting(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        if "LIMIT ?" in sql:
            seen.append(sql)
        return query(sql, params)

    api.query = counting  # type: ignore[method-assign]
    return seen


def test_kantata_pages_in_the_plain_order(sandbox_db: Path) -> None:
    archived = "SELECT id FROM kantata_workspaces WHERE coalesce(archived, false)"
    entries = _column(
        sandbox_db,
        "SELECT id FROM kantata_time_entries WHERE workspace_id IS NULL OR workspace_id NOT IN "
        f"({archived}) ORDER BY date_performed DESC, id ASC",
    )
    since = datetime(2026, 6, 1)
    updated = _column(
        sandbox_db,
        "SELECT id FROM kantata_time_entries WHERE updated_at > ? ORDER BY updated_at ASC, id ASC",
        [since],
    )
    with kantata_api.start(sandbox_db) as server:
        page_queries = _count_page_queries(server.api)
        url = f"{server.url}/api/v1/time_entries.json"
        pages = list(_kantata_pages(url, {"per_page": 200}))
        assert [r["id"] for p in pages for r in p["results"]] == entries
        assert {p["count"] for p in pages} == {len(entries)}
        # one query reads five pages ahead: the pages after it come from the read-ahead
        assert len(page_queries) == math.ceil(len(pages) / kantata_api.READ_AHEAD_PAGES)
        filtered = {
            "per_page": 150,
            "order": "updated_at:asc",
            "updated_after": since.isoformat() + "Z",
            "from_archived_workspaces": "true",
        }
        pages = list(_kantata_pages(url, filtered))
        assert [r["id"] for p in pages for r in p["results"]] == updated
        # a jump to a page the server has no key for (OFFSET) serves the same records
        jumped = requests.get(
            url,
            params={"per_page": 200, "page": 7, "order": "date_performed:desc"},
            headers={"Authorization": f"Bearer {KANTATA_TOKEN}"},
            timeout=30,
        ).json()
        assert [r["id"] for r in jumped["results"]] == entries[1200:1400]
    assert len(entries) > 200 * 3 and len(updated) > 150 * 3


def test_salesforce_query_pages_in_the_plain_order(sandbox_db: Path, tmp_path: Path) -> None:
    expected = _column(
        sandbox_db,
        'SELECT "Id" FROM salesforce_opportunity WHERE NOT coalesce("IsDeleted", false) '
        'ORDER BY "StageName" DESC, "CloseDate" ASC, "Id" ASC',
    )
    server = salesforce_api.start(sandbox_db, page_size=50, cert_dir=tmp_path / "tls")
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {SFDC_ACCESS_TOKEN}"
        tls = {"verify": server.env["SFDC_CA_BUNDLE"], "timeout": 30}  # over REQUESTS_CA_BUNDLE
        soql = "SELECT Id, Name FROM Opportunity ORDER BY StageName DESC, CloseDate"
        body = session.get(
            f"{server.url}/services/data/v59.0/query/", params={"q": soql}, **tls
        ).json()
        seen = [r["Id"] for r in body["records"]]
        while not body["done"]:
            body = session.get(server.url + body["nextRecordsUrl"], **tls).json()
            seen += [r["Id"] for r in body["records"]]
    finally:
        server.stop()
    assert seen == expected and len(expected) > 50 * 3
