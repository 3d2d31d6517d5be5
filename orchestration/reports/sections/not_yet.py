"""What a section of the issue-14 marts (coverage, partner share, pre-sales, timesheets)
says while its mart is not in the published warehouse (an older refresh): that it is not
yet available, never invented numbers."""

from __future__ import annotations

from orchestration.reports.sections.context import Ctx, has_table

NOT_YET = "Not yet available: {what} lands with the coverage marts ({marts} not published)"


def not_yet(ctx: Ctx, what: str, *marts: str) -> str | None:
    """The "not yet available" message when any of ``marts`` is missing; None when every
    one is published."""
    missing = [mart for mart in marts if not has_table(ctx.con, mart)]
    if not missing:
        return None
    return NOT_YET.format(what=what, marts=", ".join(missing))
