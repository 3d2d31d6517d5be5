"""Keyset ("seek") pagination for the sandbox servers: a page starts after the last row of
the previous one (``WHERE <sort key> after <last key> ORDER BY ... LIMIT n``) instead of
skipping ``OFFSET`` rows, which makes DuckDB sort offset + limit rows for every page (a
whole read quadratic in the table's size).

The wire contract stays the vendor's: each server decides how the last key travels (Jira:
inside its opaque ``nextPageToken``; Kantata and Salesforce: remembered by the server in a
``SeekCache`` keyed by page number or record offset, falling back to ``OFFSET`` for a page
it has no key for).

The order is made total (``total_order``: a unique tie-breaker last) and written with an
explicit ``NULLS LAST`` (DuckDB's default for ASC and DESC alike, so the rows come in the
same order as a plain ``ORDER BY``); ``seek_sql`` compares exactly as that order sorts.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

KEY_ALIAS = "_sb_key"  # selected key columns are named _sb_key0, _sb_key1, ...


@dataclass(frozen=True)
class SortTerm:
    """One ORDER BY term: a SQL expression and its direction."""

    expr: str
    descending: bool = False


def total_order(terms: Sequence[SortTerm], unique: str) -> list[SortTerm]:
    """``terms`` ending at the unique column ``unique`` (appended ASC when absent; terms after
    it never decide anything and are dropped)."""
    result: list[SortTerm] = []
    for term in terms:
        result.append(term)
        if term.expr == unique:
            return result
    return [*result, SortTerm(unique)]


def order_sql(terms: Sequence[SortTerm]) -> str:
    """The ORDER BY list (NULLS LAST written out: the order ``seek_sql`` assumes)."""
    return ", ".join(f"{t.expr} {'DESC' if t.descending else 'ASC'} NULLS LAST" for t in terms)


def key_columns(terms: Sequence[SortTerm]) -> str:
    """The SELECT items that carry a row's sort key (``_sb_key0``, ...)."""
    return ", ".join(f'{t.expr} AS "{KEY_ALIAS}{i}"' for i, t in enumerate(terms))


def key_of(row: Mapping[str, Any], terms: Sequence[SortTerm]) -> tuple[Any, ...]:
    """A row's sort key, read from the ``key_columns`` it was selected with."""
    return tuple(row[f"{KEY_ALIAS}{i}"] for i in range(len(terms)))


def seek_sql(terms: Sequence[SortTerm], last: Sequence[Any]) -> tuple[str, list[Any]]:
    """A condition true exactly for the rows ordered after ``last`` by ``order_sql(terms)``:
    ``(t0 after) OR (t0 = AND t1 after) OR ...``, with NULL sorting after every value."""
    if len(last) != len(terms):
        raise ValueError("a sort key per term")
    disjuncts: list[str] = []
    params: list[Any] = []
    equal: list[str] = []
    equal_params: list[Any] = []
    for term, value in zip(terms, last, strict=True):
        if value is not None:  # nothing sorts after NULL (NULLS LAST)
            op = "<" if term.descending else ">"
            after = f"({term.expr} {op} ? OR {term.expr} IS NULL)"
            disjuncts.append(" AND ".join([*equal, after]))
            params += [*equal_params, value]
            equal.append(f"{term.expr} = ?")
            equal_params.append(value)
        else:
            equal.append(f"{term.expr} IS NULL")
    if not disjuncts:
        return "FALSE", []
    return "(" + " OR ".join(f"({d})" for d in disjuncts) + ")", params


def page_query(
    items: str,
    source: str,
    where: str,
    params: Sequence[Any],
    sort: Sequence[SortTerm],
    last: Sequence[Any] | None,
    limit: int,
    offset: int,
) -> tuple[str, list[Any]]:
    """One page's query and its parameters: ``SELECT items, <key columns> FROM source``
    filtered by ``where`` (``""`` or ``" WHERE ..."`` over ``params``), in ``sort``'s order;
    it seeks past ``last`` (the previous page's last key) when there is one, else skips
    ``offset`` rows."""
    select = f"SELECT {items}, {key_columns(sort)} FROM {source}"
    if last is not None:
        seek, seek_params = seek_sql(sort, last)
        where = f"{where} AND {seek}" if where else f" WHERE {seek}"
        return f"{select}{where} ORDER BY {order_sql(sort)} LIMIT ?", [
            *params,
            *seek_params,
            limit,
        ]
    return f"{select}{where} ORDER BY {order_sql(sort)} LIMIT ? OFFSET ?", [*params, limit, offset]


def _tagged(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"ts": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot encode a sort key value of type {type(value).__name__}")


def _untagged(value: Any) -> Any:
    if isinstance(value, dict):
        (tag, text), *_ = value.items()
        return {"ts": datetime.fromisoformat, "d": date.fromisoformat, "n": Decimal}[tag](text)
    return value


def encode_token(payload: Mapping[str, Any]) -> str:
    """``payload`` (sort keys under any name, as tuples) as an opaque URL-safe token."""
    body = {
        name: [_tagged(v) for v in value] if isinstance(value, tuple) else value
        for name, value in payload.items()
    }
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    """The payload of ``encode_token`` (lists of key values back as tuples); ValueError
    for anything that is not such a token."""
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(body, dict):
            raise ValueError("not a token")
        return {
            k: tuple(_untagged(v) for v in val) if isinstance(val, list) else val
            for k, val in body.items()
        }
    except (KeyError, TypeError, ArithmeticError, binascii.Error) as exc:
        raise ValueError("not a token") from exc


class SeekCache:
    """A small, thread-safe LRU of page positions -> what a server keeps of them: the last
    sort key served there, a count, rows read ahead."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._keys: OrderedDict[Hashable, tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, position: Hashable) -> tuple[Any, ...] | None:
        with self._lock:
            key = self._keys.get(position)
            if key is not None:
                self._keys.move_to_end(position)
            return key

    def put(self, position: Hashable, key: tuple[Any, ...]) -> None:
        with self._lock:
            self._keys[position] = key
            self._keys.move_to_end(position)
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)
