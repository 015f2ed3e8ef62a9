"""PDF per municipality page with headless Chromium (`--print-to-pdf`), A4 from the print CSS."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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
TIMEOUT_SECONDS = 120


class PdfError(Exception):
    pass


def chromium_path() -> str:
    path = shutil.which(CHROMIUM)
    if path is None:
        raise PdfError(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path)")
    return path


def print_to_pdf(html: Path, pdf: Path) -> Path:
    """One page to one PDF; a PdfError when Chromium fails or writes nothing."""
    with tempfile.TemporaryDirectory(prefix="styringsoverblik-chromium-") as profile:
        tmp_pdf = pdf.with_name(f".{pdf.name}.tmp")
        command = [
            chromium_path(),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp_pdf}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as error:
            raise PdfError(f"Chromium timed out printing {html}") from error
        if proc.returncode != 0 or not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0:
            tmp_pdf.unlink(missing_ok=True)
            raise PdfError(f"Chromium could not print {html} (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        tmp_pdf.replace(pdf)
    return pdf


def print_all(pages: list[Path], workers: int = 2) -> list[Path]:
    """Each page to `<page>.pdf` beside it, a few Chromium processes at a time."""
    chromium_path()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda page: print_to_pdf(page, page.with_suffix(".pdf")), pages))
