"""What a suite run returns: plain dataclasses, free of Great Expectations types, so the
orchestration (Dagster asset checks) and the CLI can report them without importing GX."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARN = "warn"


def format_sample(sample: list[Any], limit: int = 3) -> str:
    """``[{'id': 'te-1', 'user_id': 'u-9'}]`` → ``id=te-1 user_id=u-9`` (first ``limit``)."""
    parts = []
    for item in sample[:limit]:
        if isinstance(item, dict):
            parts.append(" ".join(f"{k}={_show(v)}" for k, v in item.items()))
        else:
            parts.append(_show(item))
    more = f" (+{len(sample) - limit} more in the sample)" if len(sample) > limit else ""
    return "; ".join(parts) + more


def pct(share: float) -> str:
    """0.005 → ``0.5 %``, 0.0297 → ``2.97 %``, 0.01 → ``1 %``."""
    return f"{share * 100:.2f}".rstrip("0").rstrip(".") + " %"


def _show(value: Any) -> str:
    if value is None:
        return "NULL"
    text = str(value)
    return f'"{text}"' if (" " in text or text == "") else text


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # e.g. "expect_column_values_to_not_be_null(id)"
    severity: str  # "error" | "warn"
    passed: bool
    unexpected_count: int
    unexpected_sample: list  # a few failing values / rows (<= 10): dicts {key: .., column: ..}
    details: str  # one human sentence: what failed and how many rows

    def line(self, suite: str) -> str:
        """One actionable line, e.g. ``raw_kantata.time_entries: 3 of 1200 rows failed
        "user_id must be a known Kantata user" (error) — e.g. id=te-9001 user_id=u-999``."""
        text = f"{suite}: {self.details} ({self.severity})"
        if self.unexpected_sample:
            text += f" — e.g. {format_sample(self.unexpected_sample)}"
        return text


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str  # e.g. "raw_kantata.time_entries"
    table: str
    row_count: int
    expectations: list[ExpectationOutcome]
    # rows judged by the row-level expectations when not all: "1,204 loaded since ..."
    scope: str | None = None

    @property
    def failures(self) -> list[ExpectationOutcome]:
        """Failed expectations, errors first."""
        failed = [e for e in self.expectations if not e.passed]
        return sorted(failed, key=lambda e: e.severity != ERROR)

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.passed and e.severity == ERROR]

    @property
    def passed(self) -> bool:
        """True when no error-severity expectation failed (warnings do not block)."""
        return not self.errors

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.passed and e.severity == WARN]

    def summary(self) -> str:
        """First line: the verdict; then one line per failed check with counts and sample."""
        n_checks = len(self.expectations)
        scope = f"{n_checks} checks on {self.row_count} rows"
        if self.scope:
            scope += f" (row rules on {self.scope})"
        errors, warnings = len(self.errors), len(self.warnings)
        if not self.passed:
            head = (
                f"{self.suite}: FAILED (blocking) — {errors} error(s), {warnings} warning(s); "
                f"{scope}"
            )
        elif warnings:
            head = f"{self.suite}: passed with {warnings} warning(s); {scope}"
        else:
            head = f"{self.suite}: passed; {scope}"
        return "\n".join([head] + [e.line(self.suite) for e in self.failures])
