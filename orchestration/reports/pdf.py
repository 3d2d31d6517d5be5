"""The pack as PDF (headless Chromium's ``--print-to-pdf``) and its first page as PNG
(poppler's ``pdftoppm``).  Chromium starts with a fresh profile, no sync, no background
network and no component updates; it only opens the local HTML file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_VARIABLE = "PSOPS_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class ChromiumMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "no Chromium to print the PDF with: install it (Debian/Ubuntu: "
            "`apt-get install chromium`) or set PSOPS_CHROMIUM to a Chromium/Chrome binary; "
            "the HTML pack is complete without it"
        )


class PrintFailed(RuntimeError):
    """Chromium or poppler ran and failed; the message ends with their stderr."""


class PopplerMissing(RuntimeError):
    def __init__(self, tool: str) -> None:
        super().__init__(
            f"`{tool}` not found: install poppler-utils (Debian/Ubuntu: "
            "`apt-get install poppler-utils`)"
        )


def find_chromium(configured: str | None = None) -> str | None:
    """The browser to print with: ``configured`` ($PSOPS_CHROMIUM, ``Settings.chromium``),
    else chromium, chromium-browser or google-chrome on PATH."""
    if configured:
        found = shutil.which(configured)
        return found or (configured if os.access(configured, os.X_OK) else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _tail(text: bytes | str | None, lines: int = 15) -> str:
    if not text:
        return "(no output)"
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "\n".join(text.strip().splitlines()[-lines:])


def _run(argv: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` in its own process group; on timeout the whole group (Chromium's renderer
    and GPU children too) is killed."""
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as timed_out:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        raise PrintFailed(
            f"{what} did not finish in {timeout:g} s; its stderr:\n{_tail(err)}"
        ) from timed_out
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def print_pdf(html: Path, pdf: Path, timeout: float = 120, chromium: str | None = None) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium.  The PDF appears whole or not at all
    (written beside it under a temporary name, then renamed).  Raises ``ChromiumMissing``,
    or ``PrintFailed`` with Chromium's stderr tail.  ``chromium``: $PSOPS_CHROMIUM."""
    browser = find_chromium(chromium)
    if browser is None:
        raise ChromiumMissing()
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    if not html.is_file():
        raise FileNotFoundError(f"no HTML to print: {html}")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_name(f".{pdf.name}.{os.getpid()}.partial.pdf")
    profile = tempfile.mkdtemp(prefix="psops-chromium-")
    try:
        argv = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={partial}",
            html.as_uri(),
        ]
        done = _run(argv, timeout, "Chromium (printing the PDF)")
        ok = partial.is_file() and partial.stat().st_size > 0
        if done.returncode != 0 or not ok or not _is_pdf(partial):
            raise PrintFailed(
                f"Chromium could not print {html} (exit {done.returncode}"
                f"{'' if ok else ', no PDF written'}); its stderr:\n{_tail(done.stderr)}"
            )
        os.replace(partial, pdf)
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(5) == b"%PDF-"


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise PopplerMissing(tool)
    return found


def preview_png(pdf: Path, png: Path, width_px: int = 600) -> None:
    """The first page of ``pdf`` as a PNG ``width_px`` wide (poppler's pdftoppm)."""
    pdf, png = Path(pdf).resolve(), Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".psops-preview-", dir=png.parent) as tmp:
        prefix = Path(tmp) / "page"
        argv = [
            _poppler("pdftoppm"),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-scale-to-x",
            str(width_px),
            "-scale-to-y",
            "-1",
            "-singlefile",
            str(pdf),
            str(prefix),
        ]
        done = _run(argv, 60, "pdftoppm")
        out = prefix.with_suffix(".png")
        if done.returncode != 0 or not out.is_file():
            raise PrintFailed(
                f"pdftoppm could not draw page 1 of {pdf} (exit {done.returncode}); "
                f"its stderr:\n{_tail(done.stderr)}"
            )
        os.replace(out, png)


def page_count(pdf: Path) -> int:
    """The number of pages of ``pdf`` (poppler's pdfinfo)."""
    done = _run([_poppler("pdfinfo"), str(pdf)], 60, "pdfinfo")
    if done.returncode == 0:
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Pages":
                return int(value.strip())
    raise PrintFailed(f"pdfinfo could not read {pdf}; its stderr:\n{_tail(done.stderr)}")
