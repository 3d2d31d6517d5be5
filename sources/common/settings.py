"""Every numeric ``PSOPS_*`` setting and every source URL, read and validated in one place.

A value that is not a number, or out of range, is a configuration error
(``SourceConfigError`` naming the variable, exit 2) raised by ``read_run_settings``, which
each source's ``from_env(environ)`` calls, so ``psops refresh``'s preflight rejects it before
anything is written.  The values land in the source's config (``config.run``, a
``RunSettings``); the readers (``sources.common.runner``, ``sources.common.http``, the
connectors) read them from there.  Nothing here reads the process environment: the caller
passes the mapping (``orchestration.settings.Settings.environ``).

=============================  =======  ===========================================
variable                       default  meaning
=============================  =======  ===========================================
``PSOPS_MAX_WORKERS``          4        streams of one source fetched at once (>= 1)
``PSOPS_COMMIT_EVERY``         5000     records per ingest transaction (>= 1)
``PSOPS_RETRY_BUDGET``         300      retries a source may spend in a run, plus
                                        what its successes earn (>= 0, see ``http``)
``PSOPS_RETRY_BACKOFF``        0.5      seconds before the first retry (>= 0)
``PSOPS_<SOURCE>_RATE_LIMIT``  none     ceiling, requests/second of one source (> 0;
                                        0 or unset: no ceiling, the adaptive limit only)
``PSOPS_JIRA_OVERLAP_MINUTES`` 5        minutes an incremental Jira search re-reads (>= 0)
=============================  =======  ===========================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sources.common.errors import SourceConfigError
from sources.common.loader import COMMIT_EVERY_RECORDS

SOURCE_NAMES = ("jira", "salesforce", "kantata")


@dataclass(frozen=True)
class NumberSetting:
    """One numeric variable: ``integer`` or not, the least value it may take, its default."""

    variable: str
    default: float | None
    integer: bool = True
    minimum: float = 0
    source: str = "psops"  # who is misconfigured, for the message

    def read(self, environ: Mapping[str, str]) -> float | None:
        """The value in ``environ`` (``default`` when unset or blank); ``SourceConfigError``
        naming the variable when it is not a number of the right kind or is below ``minimum``."""
        raw = (environ.get(self.variable) or "").strip()
        if not raw:
            return self.default
        kind = "a whole number" if self.integer else "a number"
        try:
            value: float = int(raw) if self.integer else float(raw)
        except ValueError:
            raise SourceConfigError(self.source, self.variable, f"'{raw}' is not {kind}") from None
        if not math.isfinite(value) or value < self.minimum:
            at_least = int(self.minimum) if float(self.minimum).is_integer() else self.minimum
            problem = f"'{raw}' is not {kind} >= {at_least}"
            raise SourceConfigError(self.source, self.variable, problem)
        return value


MAX_WORKERS = NumberSetting("PSOPS_MAX_WORKERS", 4, minimum=1)
COMMIT_EVERY = NumberSetting("PSOPS_COMMIT_EVERY", COMMIT_EVERY_RECORDS, minimum=1)
RETRY_BUDGET = NumberSetting("PSOPS_RETRY_BUDGET", 300)
RETRY_BACKOFF = NumberSetting("PSOPS_RETRY_BACKOFF", 0.5, integer=False)
JIRA_OVERLAP_MINUTES = NumberSetting("PSOPS_JIRA_OVERLAP_MINUTES", 5, source="jira")


def rate_limit_setting(source: str) -> NumberSetting:
    """``PSOPS_<SOURCE>_RATE_LIMIT``: requests/second (0 or unset: no configured ceiling)."""
    return NumberSetting(f"PSOPS_{source.upper()}_RATE_LIMIT", None, integer=False, source=source)


@dataclass(frozen=True)
class RunSettings:
    """The numeric settings one run of a source reads (defaults: the table above)."""

    max_workers: int = int(MAX_WORKERS.default or 1)
    commit_every: int = int(COMMIT_EVERY.default or 1)
    retry_budget: int = int(RETRY_BUDGET.default or 0)
    retry_backoff: float = float(RETRY_BACKOFF.default or 0.0)
    rate_limit: float | None = None  # requests/second; None: no configured ceiling
    jira_overlap_minutes: int = int(JIRA_OVERLAP_MINUTES.default or 0)


def run_settings(source: str) -> list[NumberSetting]:
    """The numeric settings a run of ``source`` reads."""
    shared = [MAX_WORKERS, COMMIT_EVERY, RETRY_BUDGET, RETRY_BACKOFF]
    own = [JIRA_OVERLAP_MINUTES] if source == "jira" else []
    return [*shared, rate_limit_setting(source), *own]


def read_run_settings(environ: Mapping[str, str], source: str) -> RunSettings:
    """Every numeric setting a run of ``source`` uses, from ``environ``: ``SourceConfigError``
    names the first invalid one (each source's ``from_env`` calls this, so the preflight
    does)."""
    for setting in run_settings(source):
        setting.read(environ)
    return RunSettings(
        max_workers=int(MAX_WORKERS.read(environ) or MAX_WORKERS.default or 1),
        commit_every=int(COMMIT_EVERY.read(environ) or COMMIT_EVERY.default or 1),
        retry_budget=int(RETRY_BUDGET.read(environ) or 0),
        retry_backoff=float(RETRY_BACKOFF.read(environ) or 0.0),
        rate_limit=rate_limit_setting(source).read(environ) or None,
        jira_overlap_minutes=int(JIRA_OVERLAP_MINUTES.read(environ) or 0),
    )


def validated_url(source: str, variable: str, value: str, schemes: tuple[str, ...] = ()) -> str:
    """``value`` if it is an absolute ``http(s)://host...`` URL (or one of ``schemes``),
    else ``SourceConfigError`` naming ``variable`` (``htp://x``, ``example.com``, ``https://``)."""
    allowed = schemes or ("http", "https")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise SourceConfigError(source, variable, f"'{value}' is not a URL") from None
    if parts.scheme.lower() not in allowed:
        wanted = " or ".join(f"{s}://" for s in allowed)
        problem = f"'{value}' is not a {wanted} URL"
        raise SourceConfigError(source, variable, problem)
    if not parts.hostname:
        raise SourceConfigError(source, variable, f"'{value}' names no host")
    return value
