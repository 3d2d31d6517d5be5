"""The QBR pack as files: ``reports/qbr-<quarter>[-<region>].html`` (self-contained), the
same as ``.pdf`` (headless Chromium) and a PNG of its first page.  One place that both
``psops report qbr`` and the ``qbr_pack`` Dagster asset call."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.reports.model import Pack
from orchestration.reports.pdf import page_count, preview_png, print_pdf
from orchestration.reports.qbr_data import build_pack
from orchestration.reports.render import render_html


@dataclass(frozen=True)
class PackFiles:
    html: Path
    pdf: Path | None  # None: asked for no PDF
    preview: Path | None  # the first page as PNG (with the PDF)
    pages: int | None


def pack_name(quarter: str, region: str | None) -> str:
    return f"qbr-{quarter}" + (f"-{region}" if region else "")


def _write_atomically(path: Path, text: str) -> None:
    """A reader (a mail job, a shared-drive sync) never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_qbr_pack(
    analytics_db: Path,
    out_dir: Path,
    quarter: str | None = None,
    region: str | None = None,
    pdf: bool = True,
    chromium: str | None = None,
) -> tuple[Pack, PackFiles]:
    """Build the pack from the published ``analytics_db`` and write it to ``out_dir``.
    Raises ``qbr_data.NothingPublished`` / ``ReportInputError`` before writing anything,
    and ``pdf.ChromiumMissing`` after the HTML is written when no browser prints the PDF."""
    pack = build_pack(analytics_db, quarter=quarter, region=region)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = pack_name(pack.quarter, pack.region)
    html = out_dir / f"{name}.html"
    _write_atomically(html, render_html(pack))
    if not pdf:
        return pack, PackFiles(html=html, pdf=None, preview=None, pages=None)
    pdf_path = out_dir / f"{name}.pdf"
    print_pdf(html, pdf_path, chromium=chromium)
    preview = out_dir / f"{name}.png"
    preview_png(pdf_path, preview)
    return pack, PackFiles(html=html, pdf=pdf_path, preview=preview, pages=page_count(pdf_path))
