"""Danish number, rank and date formatting for the report: one place for every displayed number.

Scores are exact in the marts (66.666…); they are rounded only here, for display.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")  # the tzdata package provides it where the OS does not

MISSING = "–"
MINUS = "\u2212"  # typographic minus sign, as in print

MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)


def format_number(value: float | int | None, decimals: int = 1) -> str:
    """A number in Danish notation: decimal comma, thousands point (`1.234,5`); `–` for None."""
    if value is None:
        return MISSING
    text = f"{abs(value):,.{decimals}f}".translate(str.maketrans({",": ".", ".": ","}))
    is_zero = float(text.replace(".", "").replace(",", ".")) == 0
    return text if value >= 0 or is_zero else MINUS + text


def format_score(value: float | None) -> str:
    """A score with one decimal: `format_score(48.66) -> '48,7'`."""
    return format_number(value, 1)


def format_signed(value: float | None) -> str:
    """A difference with its sign and one decimal: `+2,3`, `−1,4`, `0,0`."""
    if value is None:
        return MISSING
    text = format_number(value, 1)
    return text if text.startswith(MINUS) or text == "0,0" else "+" + text


def format_int(value: int | None) -> str:
    """A count with thousands points: `58.247`."""
    return format_number(value, 0)


def format_share(value: float | None) -> str:
    """A share 0-1 as a whole percentage with the Danish space: `0.319 -> '32 %'`."""
    return MISSING if value is None else f"{format_number(value * 100, 0)}\u00a0%"


def format_rank(rank: int | None, of: int | None) -> str:
    """A rank among n: `nr. 5 af 72`."""
    return MISSING if rank is None or of is None else f"nr. {rank} af {of}"


def format_timestamp(value: datetime | None) -> str:
    """A UTC timestamp in Danish: `30. november 2025 kl. 11.11 UTC`."""
    if value is None:
        return MISSING
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year} kl. {value:%H.%M} UTC"


def format_local_time(value: datetime | None) -> str:
    """A timestamp as a Danish reader's clock shows it: `1. december 2026 kl. 14.05`.

    The build log stores UTC without a zone (publish.utc_now); such a value is read as UTC."""
    if value is None:
        return MISSING
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(LOCAL_ZONE)
    return f"{local.day}. {MONTHS[local.month - 1]} {local.year} kl. {local:%H.%M}"


def format_percentile(fraction: float | None) -> str:
    """A percentile given as a fraction 0-1, on the 0-100 scale a reader knows: `0.634 -> '63'`."""
    return MISSING if fraction is None else format_number(fraction * 100, 0)


def format_bytes(size: int | None) -> str:
    """A file size: `1,2 MB`, `830 kB`, `12 byte`."""
    if size is None:
        return MISSING
    for limit, unit, decimals in ((1e9, "GB", 1), (1e6, "MB", 1), (1e3, "kB", 0)):
        if size >= limit:
            return f"{format_number(size / limit, decimals)} {unit}"
    return f"{size} byte"


def format_yes_no(value: bool | None) -> str:
    """`ja` / `nej`."""
    return MISSING if value is None else ("ja" if value else "nej")


def file_name(path: str | None) -> str:
    """The last part of a path as recorded in the build log (`/` or `\\` separated)."""
    return MISSING if not path else path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


FILTERS = {
    "basename": file_name,
    "score": format_score,
    "signed": format_signed,
    "int": format_int,
    "share": format_share,
    "timestamp": format_timestamp,
    "local_time": format_local_time,
    "percentile": format_percentile,
    "bytes": format_bytes,
    "yes_no": format_yes_no,
}
