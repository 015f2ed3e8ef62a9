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
import threading
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
    already written by this call stay: the caller writes into a staging folder)."""
    with Printer(at_once) as printer:
        for page in pages:
            printer.submit(page)
        return printer.wait()


class Printer:
    """One headless Chromium printing pages while the caller renders more: `submit(page)` queues
    a page (at most `at_once` print at the same time), `wait()` returns the PDFs in submission
    order or raises the first PdfError. The browser runs on an event loop in a thread of its own,
    so the caller's rendering (one core) overlaps Chromium's printing (the other), and an event
    loop of the caller (or Playwright's sync API in a test) does not meet this one."""

    def __init__(self, at_once: int = PAGES_AT_ONCE):
        self.executable = chromium_path()
        self.at_once = max(1, at_once)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pdf-printer", daemon=True)
        self.futures: list = []
        self.browser = None
        self.playwright = None

    def __enter__(self) -> "Printer":
        self.thread.start()
        try:
            self._call(self._start())
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        for future in self.futures:
            future.cancel()
        try:
            self._call(self._close())
        finally:
            self._stop()

    def submit(self, page: Path) -> None:
        self.futures.append(asyncio.run_coroutine_threadsafe(self._print(page), self.loop))

    def wait(self) -> list[Path]:
        return [future.result() for future in self.futures]

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def _stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    async def _start(self) -> None:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        self.slots = asyncio.Semaphore(self.at_once)
        try:
            self.playwright = await async_playwright().start()
            self.browser = await self.playwright.chromium.launch(
                executable_path=self.executable, args=LAUNCH_FLAGS, headless=True, timeout=TIMEOUT_SECONDS * 1000
            )
        except PlaywrightError as error:
            await self._close()
            raise PdfError(f"Chromium could not start: {str(error).strip()[:500]}") from error

    async def _close(self) -> None:
        if self.browser is not None:
            await self.browser.close()
            self.browser = None
        if self.playwright is not None:
            await self.playwright.stop()
            self.playwright = None

    async def _print(self, page: Path) -> Path:
        from playwright.async_api import Error as PlaywrightError

        async with self.slots:
            try:
                return await _print_one(self.browser, page)
            except PlaywrightError as error:
                raise PdfError(f"Chromium could not print {page}: {str(error).strip()[:500]}") from error


def footer(synthetic: bool) -> str:
    """The printed footer of every page (in the bottom margin): the page number, and on a page
    from the synthetic sample the warning the page shows at its top."""
    warning = (
        '<span style="color:#8a1c1c;font-weight:bold">Syntetiske data – ikke rigtige besvarelser</span> · '
        if synthetic
        else ""
    )
    return (
        '<div style="width:100%;font-size:8pt;font-family:Helvetica,Arial,sans-serif;text-align:center;color:#5b636e">'
        f'{warning}Side <span class="pageNumber"></span> af <span class="totalPages"></span></div>'
    )


async def _print_one(browser, page_file: Path) -> Path:
    target = pdf_path(page_file)
    tmp = target.with_name(f".{target.name}.tmp")
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(page_file.resolve().as_uri(), wait_until="load", timeout=TIMEOUT_SECONDS * 1000)
        await page.evaluate(OPEN_FOR_PRINT)
        synthetic = await page.locator("[data-field=synthetic]").count() > 0
        await page.pdf(
            path=str(tmp),
            format="A4",
            prefer_css_page_size=True,
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=footer(synthetic),
        )
    finally:
        await context.close()
    if not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"Chromium wrote no PDF for {page_file}")
    tmp.replace(target)
    return target
