"""Every source psops ingests, in the order a refresh extracts them."""

from __future__ import annotations

from sources.common.source import Source


def all_sources() -> list[Source]:
    from sources.jira import SOURCE as JIRA
    from sources.kantata import SOURCE as KANTATA
    from sources.salesforce import SOURCE as SALESFORCE

    return [KANTATA, JIRA, SALESFORCE]
