"""The gate's knobs: thresholds that decide warn vs. error, in one place."""

from __future__ import annotations

import os
from datetime import date

# Great Expectations must neither phone home nor scaffold a ``gx/`` project folder: the gate
# only ever uses an in-memory (ephemeral) context.  Set before GX is imported anywhere.
os.environ["GX_ANALYTICS_ENABLED"] = "false"

# Share of an object's records sitting in raw._quarantine (quarantined / received).
QUARANTINE_WARN_ABOVE = 0.005  # above 0.5 %: a warning, shown but not blocking
QUARANTINE_ERROR_ABOVE = 0.02  # above 2 %: an error, blocks every downstream asset

# Time entries: one entry can hold at most one day (24 h = 1440 minutes).
MAX_MINUTES_PER_ENTRY = 1440
# Dates before this are typos (e.g. 0202-05-01), not history.
EARLIEST_SANE_DATE = date(2000, 1, 1)
# Dates after as_of + this many days are in the future (time zones allow one day).
FUTURE_TOLERANCE_DAYS = 1

# How many failing rows an outcome keeps as a sample (ExpectationOutcome.unexpected_sample).
SAMPLE_SIZE = 10
