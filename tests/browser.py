"""Real-browser tests' shared helper: Debian's Chromium driven by Playwright (never a
browser download: no ``playwright install``), on a fresh profile, recording what went wrong
in the page; screenshots under ``warehouse/screenshots/``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from orchestration.reports.pdf import CHROMIUM_FLAGS, find_chromium
from tests.conftest import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "warehouse" / "screenshots"
# the pack's PDF printer's flags: one list (--headless is Playwright's headless=True; the
# fresh --user-data-dir is the temporary profile given to launch_persistent_context)
CHROMIUM_ARGS = [flag for flag in CHROMIUM_FLAGS if flag != "--headless"]


def chromium_path() -> str:
    """The Chromium the pack prints with (``PSOPS_CHROMIUM``, else on PATH); fails (never
    skips: CI must run these tests) when there is none."""
    found = find_chromium(os.environ.get("PSOPS_CHROMIUM"))
    if not found:
        pytest.fail("install Debian's chromium: apt-get install chromium (`make test` does)")
    return found


@dataclass
class Browser:
    """A page and what went wrong in it: console errors, uncaught page errors, requests
    that failed or answered >= 400."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


@contextmanager
def browser_page(width: int = 1600, height: int = 1000) -> Iterator[Browser]:
    """A Chromium page on a fresh temporary profile (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="psops-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            seen = Browser(page)
            page.on(
                "console",
                lambda m: (
                    seen.console_errors.append(f"{m.text} ({m.location.get('url')})")
                    if m.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
            page.on(
                "requestfailed",
                lambda r: seen.failed_requests.append(f"{r.method} {r.url}: {r.failure}"),
            )
            page.on(
                "response",
                lambda r: (
                    seen.failed_requests.append(f"{r.request.method} {r.url}: {r.status}")
                    if r.status >= 400
                    else None
                ),
            )
            yield seen
        finally:
            context.close()


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    """Save ``warehouse/screenshots/<name>.png``; its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
