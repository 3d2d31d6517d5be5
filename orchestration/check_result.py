"""One check's result as a row of ``dq.check_results``: the value the data-quality
recording (``orchestration.dq``) writes and the Jira loop (``orchestration.alerts_jira``)
files.  Its own module so both import it and neither imports the other back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CheckResult:
    run_id: str
    checked_at: datetime
    check_name: str
    asset: str
    severity: str
    passed: bool
    failing_count: int
    description: str
    sample: str

    @property
    def blocking_failure(self) -> bool:
        return not self.passed and self.severity == "error"
