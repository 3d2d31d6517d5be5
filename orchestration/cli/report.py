"""``psops report qbr``: the QBR pack."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.cli._common import EXIT_CHECK_FAILED, EXIT_CONFIG, EXIT_OK, _command, _err, _say
from orchestration.settings import Settings


def _write_pack(
    settings: Settings, quarter: str | None, region: str | None, out: Path | None, pdf: bool
) -> int:
    """Write the QBR pack; say where it is (or, in one line, why it is not)."""
    from orchestration.reports.pdf import ChromiumMissing
    from orchestration.reports.qbr import write_qbr_pack
    from orchestration.reports.qbr_data import NothingPublished, ReportInputError

    paths = settings.warehouse
    try:
        pack, files = write_qbr_pack(
            paths.analytics_db,
            out or paths.root / "reports",
            quarter,
            region,
            pdf=pdf,
            chromium=settings.chromium,
        )
    except (NothingPublished, ReportInputError) as exc:
        _err(f"psops report: {exc}")
        return EXIT_CONFIG
    except ChromiumMissing as exc:
        _err(f"psops report: the HTML is written, the PDF is not: {exc} (or pass --no-pdf)")
        return EXIT_CONFIG
    except RuntimeError as exc:  # chromium / poppler failed: the HTML is there
        _err(f"psops report: the HTML is written, the PDF is not: {exc}")
        return EXIT_CHECK_FAILED
    c = pack.cover
    _say(f"QBR pack {pack.quarter} ({pack.region or 'all regions'}), refresh {c.run_id[:8]}")
    _say(f"  as of {c.as_of}, published {c.published_at:%Y-%m-%d %H:%M} UTC; {c.check_summary}")
    _say(f"  {files.html}")
    if files.pdf:
        _say(f"  {files.pdf} ({files.pages} pages)")
    return EXIT_OK


def cmd_report_qbr(args: argparse.Namespace, settings: Settings) -> int:
    out = Path(args.out) if args.out else None
    return _write_pack(settings, args.quarter, args.region, out, args.pdf)


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    """``psops report`` and its ``qbr``."""
    report = _command(sub, "report", help="what leaders look at: the QBR pack")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    qbr = _command(
        report_sub,
        "qbr",
        help="the QBR pack as one HTML file (charts inline) and PDF, from the published marts",
    )
    qbr.add_argument("--quarter", help="YYYY-Qn (default: the quarter of the last publish)")
    qbr.add_argument("--region", help="AMER, EMEA or APAC (default: every region)")
    qbr.add_argument("--out", help="folder (default: warehouse/reports/)")
    qbr.add_argument(
        "--no-pdf", dest="pdf", action="store_false", help="only the HTML (no Chromium needed)"
    )
    qbr.set_defaults(func=cmd_report_qbr)
