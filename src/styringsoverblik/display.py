"""Values from input files shown safely in messages (a terminal, a log, the build log).

A value read from a response file (a cell, a header, a sheet name, a file name, a line DuckDB
could not parse) may hold terminal control sequences (``\\x1b[2J`` clears the screen) or be
megabytes long. Every message of the loader and the wide reader shows such a value through
:func:`show` (quoted) or :func:`show_bare` (unquoted, for a line of the file quoted in
parentheses):

- characters that are not printable are escaped as Python's ``repr`` escapes them (``\\n``,
  ``\\x1b``, ``\\u202e``), and so are the backslash and the quote, so every shown value is one
  line and means one text;
- a value whose shown form would pass :data:`MAX_SHOWN_CHARS` characters is cut there, ends in
  ``…`` and states its full length: ``'abcd…' (100000 characters)``.

A short, printable value is shown exactly as ``repr`` shows it (``'Q 1'``), so messages keep
their familiar form. The SQL side does the same with the macro ``display_value``.
"""

from __future__ import annotations

MAX_SHOWN_CHARS = 200

_NAMED_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str, quote: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if char == quote:
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escaped(text: str, quote: str, limit: int) -> tuple[str, bool]:
    """The escaped text, cut to at most ``limit`` characters (escapes are never split); and
    whether it was cut."""
    pieces: list[str] = []
    length = 0
    for char in text[: limit + 1]:  # escaping only lengthens: more is never needed
        piece = _escape_char(char, quote)
        if length + len(piece) > limit:
            return "".join(pieces), True
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces), len(text) > len(pieces)


def show(value: object, limit: int = MAX_SHOWN_CHARS, length: int | None = None) -> str:
    """A value quoted for a message: ``'abc'``; escaped, and cut with its length stated when long.
    ``length``: the full length when ``value`` is already a prefix of a longer text (read cut)."""
    text = "" if value is None else str(value)
    length = len(text) if length is None else max(length, len(text))
    head = text[: limit + 1]
    quote = '"' if "'" in head and '"' not in head else "'"
    body, cut = _escaped(text, quote, limit)
    if cut or length > len(text):
        return f"{quote}{body}…{quote} ({length} characters)"
    return f"{quote}{body}{quote}"


def show_bare(value: object, limit: int = MAX_SHOWN_CHARS, length: int | None = None) -> str:
    """A value for a message without quotes (a line of a file, a header as read): escaped, and
    cut with its length stated when long (``abcd… (100000 characters)``)."""
    text = "" if value is None else str(value)
    length = len(text) if length is None else max(length, len(text))
    body, cut = _escaped(text, "", limit)
    if cut or length > len(text):
        return f"{body}… ({length} characters)"
    return body


def year_ranges(years) -> list[str]:
    """Survey years as ranges for a message: [2023, 2024, 2025, 2027] -> ['2023-2025', '2027']."""
    ranges: list[list[int]] = []
    for year in sorted(years):
        if ranges and year == ranges[-1][1] + 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    return [str(a) if a == b else f"{a}-{b}" for a, b in ranges]
