"""The JQL the sandbox Jira understands (only what the connector sends), parsed into SQL
over ``jira_issues i``, and the opaque ``nextPageToken`` of its search pages::

    [project = KEY | project in (K1, K2)] [AND] [updated >=|>|<=|< "yyyy-MM-dd[ HH:mm]"]
    [ORDER BY updated|created|key|id [ASC|DESC], ...]

(clauses joined by ``AND``; times in the searching user's time zone, UTC here, with
minute precision as in Jira).  Anything else or a bad page token is Jira's 400.

The order is made total with the issue id last (``keyset.total_order``), so a page can start
after the previous page's last issue: the token carries that issue's sort key (``keyset``)
and the JQL it belongs to (a token of another query is Jira's 400, as in Jira, where the
token is opaque and bound to its query).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sources.sandbox import keyset
from sources.sandbox.jira_wire import jira_error
from sources.sandbox.keyset import SortTerm
from sources.sandbox.server_base import ApiError

_ORDER_COLUMNS = {"updated": "i.updated", "created": "i.created", "key": "i.key", "id": "i.id"}
_ORDER_BY = re.compile(r"\s+ORDER\s+BY\s+(?P<order>.+)$", re.IGNORECASE | re.DOTALL)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)
_KEY = r'"?(?P<{name}>[A-Z][A-Z0-9_]*)"?'
_PROJECT_EQ = re.compile(r"^project\s*=\s*" + _KEY.format(name="key") + r"$", re.IGNORECASE)
_PROJECT_IN = re.compile(r"^project\s+in\s*\((?P<keys>[^)]*)\)$", re.IGNORECASE)
_TIME_CLAUSE = re.compile(
    r"^(?P<field>updated|updatedDate|created|createdDate)\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<q>[\"']?)(?P<value>\d{4}[-/]\d{2}[-/]\d{2}(?: \d{2}:\d{2})?)(?P=q)$",
    re.IGNORECASE,
)
_ORDER_ITEM = re.compile(r"^(?P<field>\w+)(?:\s+(?P<dir>ASC|DESC))?$", re.IGNORECASE)


class Jql:
    """The parsed subset of JQL: SQL conditions and order over ``jira_issues i``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.where: list[str] = []
        self.params: list[Any] = []
        self.order: list[SortTerm] = []
        self._parse(text.strip())

    def _parse(self, text: str) -> None:
        order_match = _ORDER_BY.search(" " + text)
        where_text = text
        if order_match:
            where_text = (" " + text)[: order_match.start()].strip()
            for item in order_match.group("order").split(","):
                self._order_item(item.strip())
        if not where_text:
            raise jira_error(
                400,
                "Unbounded JQL queries are not allowed here. "
                "Please add a search restriction to your query.",
            )
        for clause in _AND.split(where_text):
            self._clause(clause.strip())

    def _order_item(self, item: str) -> None:
        match = _ORDER_ITEM.match(item)
        column = _ORDER_COLUMNS.get(match.group("field").lower()) if match else None
        if column is None:
            raise self._unsupported(f"ORDER BY {item}")
        descending = (match.group("dir") or "ASC").upper() == "DESC"
        self.order.append(SortTerm(column, descending))

    def _clause(self, clause: str) -> None:
        if match := _PROJECT_EQ.match(clause):
            self.where.append("i.project_key = ?")
            self.params.append(match.group("key").upper())
        elif match := _PROJECT_IN.match(clause):
            keys = [k.strip().strip("\"'").upper() for k in match.group("keys").split(",")]
            if not keys or not all(re.fullmatch(r"[A-Z][A-Z0-9_]*", k) for k in keys):
                raise self._unsupported(clause)
            self.where.append(f"i.project_key IN ({', '.join('?' for _ in keys)})")
            self.params.extend(keys)
        elif match := _TIME_CLAUSE.match(clause):
            column = "i.updated" if match.group("field").lower().startswith("u") else "i.created"
            value = match.group("value").replace("/", "-")
            moment = datetime.strptime(value, "%Y-%m-%d %H:%M" if " " in value else "%Y-%m-%d")
            self.where.append(f"{column} {match.group('op')} ?")
            self.params.append(moment)
        else:
            raise self._unsupported(clause)

    def _unsupported(self, part: str) -> ApiError:
        return jira_error(
            400,
            f"Error in the JQL Query: the sandbox Jira does not support '{part}'. "
            "It understands project = KEY, project in (...), updated/created >= "
            '"yyyy-MM-dd HH:mm" joined by AND, and ORDER BY updated|created|key|id.',
        )

    @property
    def sort(self) -> list[SortTerm]:
        """The query's order, then the issue id (unique): a total order."""
        return keyset.total_order(self.order, "i.id")

    def order_sql(self) -> str:
        return keyset.order_sql(self.sort)


def encode_page_token(last_key: tuple[Any, ...], jql: str) -> str:
    """The opaque ``nextPageToken``: the last issue's sort key, bound to its JQL."""
    return keyset.encode_token({"k": last_key, "q": jql})


def decode_page_token(token: str, jql: str, width: int) -> tuple[Any, ...]:
    """The sort key a token resumes after (``width`` values); Jira's 400 for a bad token or
    a token of another query."""
    try:
        payload = keyset.decode_token(token)
        key = payload["k"]
        if payload["q"] != jql or not isinstance(key, tuple) or len(key) != width:
            raise ValueError("token of another query")
        return key
    except (ValueError, KeyError, TypeError):
        raise jira_error(400, "The provided next page token is invalid or expired.") from None
