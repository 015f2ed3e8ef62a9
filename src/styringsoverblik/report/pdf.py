"""PDF of every page with headless Chromium (Debian's /usr/bin/chromium through Playwright), A4
from the print CSS.

One browser prints several pages at once (each in a context of its own), which on two cores is
several times faster than one Chromium process per page. Playwright's own browsers are never
downloaded: the browser is the system's Chromium (`CHROMIUM`, default /usr/bin/chromium).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
# Playwright sets --headless itself, and page.pdf() prints no header or footer by default
LAUNCH_FLAGS = [flag for flag in FLAGS if flag not in ("--headless", "--no-pdf-header-footer")]
TIMEOUT_SECONDS = 120
# what the page's own beforeprint handler does (print_open.js), which printing to PDF does not fire
OPEN_FOR_PRINT = "document.querySelectorAll('details[data-print-open]').forEach(d => { d.open = true; })"
PAGES_AT_ONCE = 4  # pages printing at once in the one browser (two cores: rendering and layout overlap)


class PdfError(Exception):
    pass


def chromium_path() -> str:
    path = shutil.which(CHROMIUM)
    if path is None:
        raise PdfError(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path)")
    return path


def pdf_path(page: Path) -> Path:
    return page.with_suffix(".pdf")


def print_all(pages: list[Path], at_once: int = PAGES_AT_ONCE) -> list[Path]:
    """Each page to `<page>.pdf` beside it; a PdfError when Chromium fails or writes nothing (PDFs
    already written by this call stay: the caller writes into a staging folder).

    Runs in a thread of its own, so an event loop of the caller (or Playwright's sync API in a
    test) does not meet this one."""
    executable = chromium_path()
    if not pages:
        return []
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _print_all(executable, pages, at_once)).result()


async def _print_all(executable: str, pages: list[Path], at_once: int) -> list[Path]:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=executable, args=LAUNCH_FLAGS, headless=True, timeout=TIMEOUT_SECONDS * 1000
            )
            try:
                slots = asyncio.Semaphore(max(1, at_once))

                async def print_one(page_file: Path) -> Path:
                    async with slots:
                        return await _print_one(browser, page_file)

                return list(await asyncio.gather(*(print_one(page) for page in pages)))
            finally:
                await browser.close()
    except PlaywrightError as error:
        raise PdfError(f"Chromium could not print the pages: {str(error).strip()[:500]}") from error


async def _print_one(browser, page_file: Path) -> Path:
    target = pdf_path(page_file)
    tmp = target.with_name(f".{target.name}.tmp")
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(page_file.resolve().as_uri(), wait_until="load", timeout=TIMEOUT_SECONDS * 1000)
        await page.evaluate(OPEN_FOR_PRINT)
        await page.pdf(path=str(tmp), format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        await context.close()
    if not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"Chromium wrote no PDF for {page_file}")
    tmp.replace(target)
    return target
