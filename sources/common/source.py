"""What a connector hands to the orchestration: one ``Source`` per system.

Every connector package (``sources/jira``, ``sources/salesforce``, ``sources/kantata``) has
the same parts: ``contract.py`` (what the vendor documents, cited), ``tables.py`` (``SYSTEM``
and the raw tables), ``extract.py`` (``config_from_env(environ)``, the client, the paged fetchers;
errors through ``sources.common.errors.status_error``, timestamps through
``sources.common.raw_tables.to_timestamp``), and an ``__init__`` holding ``from_env``,
``check`` and ``streams`` and exporting ``SOURCE: Source``.  The orchestration builds one Dagster
asset per raw table from ``tables``, calls ``from_env`` and ``check`` before anything is
written (``psops refresh`` exits 2 on ``SourceConfigError``), then runs every stream of
``streams(config)`` through ``sources.common.loader.ingest``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sources.common.loader import Stream
from sources.common.raw_tables import RawTable


@dataclass(frozen=True)
class Source:
    name: str  # 'jira' | 'salesforce' | 'kantata'
    tables: list[RawTable]
    # (environ) -> config, run settings included (``config.run``); SourceConfigError names
    # the missing or invalid variable
    from_env: Callable[[Mapping[str, str]], Any]
    check: Callable[[Any], None]  # one cheap authenticated call; SourceConfigError on 401/403
    streams: Callable[[Any], list[Stream]]
