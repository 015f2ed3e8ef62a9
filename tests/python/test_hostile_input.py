"""Hostile and careless input reaches neither SQL nor a terminal raw (issue 16, items 2, 4, 6, 7).

The readers are tested directly (an in-memory DuckDB connection, as in test_loader.py): a
crafted header, sheet name or file name on every read path (long CSV fast path, long CSV
per-record path, wide CSV, XLSX), exact file discovery, workbooks read as the user sees them,
and messages that show input values escaped and cut. test_hostile_builds.py runs the same
files through `dbt build` and `dbt run`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from conftest import FIXTURES, PROJECT_ROOT
from styringsoverblik import wide
from styringsoverblik.display import MAX_SHOWN_CHARS, show, show_bare
from styringsoverblik.loader import LoadError, load_responses, resolve_files

SECRET = "SECRET-MARKER-4711"
LONG_HEADER = ["municipality_code", "survey_year", "question_no", "item", "answer"]
LONG_ROWS = [["825", "2023", "1", "", "Ja"], ["825", "2023", "2", "", "Nej"], ["825", "2023", "4", "§ 95", "Ja, ved alle sager"]]


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file of the machine's that a crafted header would like to read."""
    path = tmp_path / "secret.txt"
    path.write_text(f"{SECRET}\n{SECRET},{SECRET}\n", encoding="utf-8")
    return path


def hostile_names(secret: Path) -> list[str]:
    """Header names that, pasted into SQL, would read the secret file or break the statement."""
    target = str(secret)
    return [
        f"q\"'{{}}[]*?;\x1b]0;title\x07",
        f'answer", (select string_agg(content) from read_text(\'{target}\')), "answer',
        f"x') ; select * from read_csv('{target}') --",
        f'"; select * from read_text(\'{target}\'); --',
        f"{{'line': 'VARCHAR'}}, (from read_text('{target}'))",
    ]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def raw_table_text(con) -> str:
    rows = con.execute("select * from raw.raw_responses").fetchall()
    return repr(rows)


def assert_clean(message: str) -> None:
    """No secret, no raw control character, and a bounded length."""
    assert SECRET not in message
    assert "\x1b" not in message and "\x07" not in message
    assert len(message) < 4000, len(message)


# --------------------------------------------------------------------------------------------
# display: one helper for every Python message


def test_show_is_repr_for_plain_values():
    for value in ("Q 1", "Ja, ved alle sager", "§ 95 æøå", "it's", 'say "hi"', "a\\b", ""):
        assert show(value) == repr(value)
    assert show_bare("municipality_code,question") == "municipality_code,question"


def test_show_escapes_control_characters():
    assert show("a\x1b[2J\nb\r\t\x07\x9b\u202e\u2028") == "'a\\x1b[2J\\nb\\r\\t\\x07\\x9b\\u202e\\u2028'"
    assert show_bare("x\x00y") == "x\\x00y"


def test_show_cuts_long_values_and_states_the_length():
    assert show("a" * 100_000) == "'" + "a" * MAX_SHOWN_CHARS + "…' (100000 characters)"
    assert show_bare("b" * 201) == "b" * 200 + "… (201 characters)"
    assert show("c" * 200) == "'" + "c" * 200 + "'"
    # escapes count towards the limit and are never split
    shown = show("\x1b" * 100)
    assert shown == "'" + "\\x1b" * 50 + "…' (100 characters)"
    # a value read cut short says how long it really was
    assert show_bare("abc", length=5_000_000) == "abc… (5000000 characters)"


# --------------------------------------------------------------------------------------------
# item 2: no header, file or sheet name reaches SQL


def test_crafted_header_on_the_long_fast_path(con, tmp_path, secret):
    path = tmp_path / "long.csv"
    path.write_text(csv_text([LONG_HEADER + hostile_names(secret), *(r + ["1"] * 5 for r in LONG_ROWS)]),
                    encoding="utf-8")

    (loaded,) = load_responses(con, str(path), PROJECT_ROOT)

    assert loaded.raw_rows == 3
    assert con.execute("select source_line_number, question_no, item, answer from raw.raw_responses order by 1").fetchall() == [
        (2, "1", None, "Ja"), (3, "2", None, "Nej"), (4, "4", "§ 95", "Ja, ved alle sager")
    ]
    assert SECRET not in raw_table_text(con)


def test_crafted_header_on_the_long_per_record_path(con, tmp_path, secret):
    """A blank line and a quoted line break make the loader map records to lines (a second pass
    that once pasted every header name into SQL)."""
    path = tmp_path / "long.csv"
    rows = csv_text([LONG_HEADER + hostile_names(secret), LONG_ROWS[0] + ["1"] * 5])
    rows += "\n" + csv_text([["825", "2023", "2", "", "Nej", "two\nlines", "", "", "", ""], LONG_ROWS[2] + ["x"] * 5])
    path.write_text(rows, encoding="utf-8")

    (loaded,) = load_responses(con, str(path), PROJECT_ROOT)

    assert loaded.raw_rows == 3
    assert con.execute("select source_line_number, source_line_span, question_no, answer from raw.raw_responses order by 1").fetchall() == [
        (2, 1, "1", "Ja"), (4, 2, "2", "Nej"), (6, 1, "4", "Ja, ved alle sager")
    ]
    assert SECRET not in raw_table_text(con)


@pytest.mark.parametrize("blank_line", [False, True], ids=["fast", "per-record"])
def test_crafted_header_without_the_required_columns_gets_a_clean_message(con, tmp_path, secret, blank_line):
    path = tmp_path / "long.csv"
    header = ["municipality_code", "survey_year", "question_no", "item"] + hostile_names(secret)
    path.write_text(csv_text([header, LONG_ROWS[0] + ["1"] * 4]) + ("\n" if blank_line else ""), encoding="utf-8")

    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)

    message = str(error.value)
    assert message.startswith(f"Response file '{path}' lacks the required column(s) answer; its header (delimiter ',') is: ")
    assert "\\x1b]0;title\\x07" in message
    assert_clean(message)


def test_a_required_column_named_twice_is_refused(con, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(csv_text([LONG_HEADER + ["Answer "], LONG_ROWS[0] + ["Nej"]]), encoding="utf-8")
    with pytest.raises(LoadError, match=r"names a required column more than once: answer \(columns 5, 6\)"):
        load_responses(con, str(path), PROJECT_ROOT)


def test_crafted_header_on_a_wide_csv(con, tmp_path, secret):
    for number, name in enumerate(hostile_names(secret)):
        path = tmp_path / f"wide{number}.csv"
        path.write_text(csv_text([["municipality_code", "survey_year", "Q1", name], ["101", "2023", "Ja", "x"]]),
                        encoding="utf-8")
        with pytest.raises(LoadError) as error:
            load_responses(con, str(path), PROJECT_ROOT)
        message = str(error.value)
        assert message.startswith(f"Response file '{path}': line 1, column 4: unknown column ")
        assert_clean(message)


def workbook(path: Path, sheets: list[tuple[str, list[list[object]], str]]) -> Path:
    """A workbook of (title, rows, state) sheets; state 'visible', 'hidden' or 'veryHidden'."""
    book = Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    visible = [i for i, (_, _, state) in enumerate(sheets) if state == "visible"]
    book.active = visible[0] if visible else 0
    book.save(path)
    return path


WIDE_ROWS = [["municipality_code", "survey_year", "Q1", "Q2"], [101, 2023, "Ja", "Nej"]]


def test_crafted_header_in_a_workbook(con, tmp_path, secret):
    # a cell cannot hold control characters (neither Excel nor openpyxl writes them)
    for number, name in enumerate(name for name in hostile_names(secret) if "\x1b" not in name):
        path = workbook(tmp_path / f"wide{number}.xlsx", [("Svar", [[*WIDE_ROWS[0], name], [*WIDE_ROWS[1], "x"]], "visible")])
        with pytest.raises(LoadError) as error:
            load_responses(con, str(path), PROJECT_ROOT)
        message = str(error.value)
        assert message.startswith(f"Response file '{path}' [sheet 'Svar']: row 1, column E: unknown column ")
        assert_clean(message)


def test_crafted_sheet_name_var(con, tmp_path, secret):
    path = workbook(tmp_path / "wide.xlsx", [("Svar", WIDE_ROWS, "visible")])
    for sheet in hostile_names(secret):
        with pytest.raises(LoadError) as error:
            load_responses(con, str(path), PROJECT_ROOT, sheet=sheet)
        message = str(error.value)
        assert message.startswith(f"Response file '{path}': no sheet ")
        assert message.endswith("the workbook's sheets are 'Svar'")
        assert_clean(message)


def test_crafted_sheet_title_is_shown_escaped(con, tmp_path):
    path = workbook(tmp_path / "wide.xlsx", [("Svar", [["municipality_code", "survey_year", "Q99"]], "visible")])
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["xl/workbook.xml"] = entries["xl/workbook.xml"].replace(b'name="Svar"', b'name="S&#x202E;\');--var"')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    assert f"Response file '{path}' [sheet \"S\\u202e');--var\"]: row 1, column C: unknown column 'Q99'" in str(error.value)
    assert_clean(str(error.value))


@pytest.mark.parametrize("name", [
    "it's \"quoted\".csv",
    "x'); select * from read_text('etc-passwd') --.csv",
    "answers [2023] (*) ?.csv",
    "tab\there.csv",
])
def test_file_names_with_quotes_and_sql_pieces_load_as_named(con, tmp_path, name):
    folder = tmp_path / "inbox"
    folder.mkdir()
    long_path = folder / name
    long_path.write_text(csv_text([LONG_HEADER, *LONG_ROWS]), encoding="utf-8")
    per_record = folder / ("blank " + name)
    per_record.write_text(csv_text([LONG_HEADER, *LONG_ROWS]) + "\n", encoding="utf-8")
    wide_csv = folder / ("wide " + name)
    wide_csv.write_text(csv_text([WIDE_ROWS[0], [str(v) for v in WIDE_ROWS[1]]]), encoding="utf-8")
    xlsx = workbook(folder / (name[:-4] + ".xlsx"), [("Svar", WIDE_ROWS, "visible")])

    for path, rows in ((long_path, 3), (per_record, 3), (wide_csv, 2), (xlsx, 2)):
        (loaded,) = load_responses(con, str(path), PROJECT_ROOT)
        assert loaded.path == str(path) and loaded.raw_rows == rows
        assert con.execute("select distinct source_file from raw.raw_responses").fetchall() == [(str(path),)]


# --------------------------------------------------------------------------------------------
# item 7: exact file discovery


def test_an_existing_path_is_that_file_whatever_its_characters(con, tmp_path):
    exact = tmp_path / "answers[1].csv"
    exact.write_text(csv_text([LONG_HEADER, *LONG_ROWS]), encoding="utf-8")
    # the same name read as a glob would match this one instead
    (tmp_path / "answers1.csv").write_text(csv_text([LONG_HEADER, LONG_ROWS[0]]), encoding="utf-8")
    (loaded,) = load_responses(con, str(exact), PROJECT_ROOT)
    assert (loaded.path, loaded.raw_rows) == (str(exact), 3)
    star = tmp_path / "*.csv"
    star.write_text(csv_text([LONG_HEADER, LONG_ROWS[1]]), encoding="utf-8")
    assert resolve_files(str(star), PROJECT_ROOT) == [(str(star), star)]


def test_a_glob_follows_no_symlink_loop_and_reads_each_file_once(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "a.csv").write_text("x\n", encoding="utf-8")
    (inbox / "sub" / "b.csv").write_text("x\n", encoding="utf-8")
    (inbox / "loop").symlink_to(inbox, target_is_directory=True)
    (inbox / "sub" / "up").symlink_to(inbox, target_is_directory=True)
    (inbox / "same.csv").symlink_to(inbox / "a.csv")

    started = time.monotonic()
    files = resolve_files(str(inbox / "**" / "*.csv"), PROJECT_ROOT)
    assert time.monotonic() - started < 10  # two loops: glob.glob would walk 2^40 paths

    assert [name for name, _ in files] == [str(inbox / "a.csv"), str(inbox / "sub" / "b.csv")]
    relative = resolve_files(os.path.relpath(inbox, PROJECT_ROOT) + "/**/*.csv", PROJECT_ROOT)
    assert [path.resolve() for _, path in relative] == [(inbox / "a.csv").resolve(), (inbox / "sub" / "b.csv").resolve()]


def test_a_glob_skips_hidden_files_as_glob_does(tmp_path):
    (tmp_path / ".draft.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    assert [name for name, _ in resolve_files(str(tmp_path / "*.csv"), PROJECT_ROOT)] == [str(tmp_path / "a.csv")]


def test_a_folder_gets_its_own_message(con, tmp_path):
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    with pytest.raises(LoadError, match=rf"Response file '{folder}' is a folder, not a file; name the files in it, "
                                        rf"e.g. '{folder}/\*.csv'"):
        load_responses(con, str(folder), PROJECT_ROOT)
    with pytest.raises(LoadError, match=r"matches 1 folder\(s\) but no file"):
        load_responses(con, str(folder / "*"), PROJECT_ROOT)


def test_broken_and_looping_links_get_their_own_message(con, tmp_path):
    broken = tmp_path / "gone.csv"
    broken.symlink_to(tmp_path / "missing.csv")
    with pytest.raises(LoadError, match=r"is a symbolic link to a file that does not exist"):
        load_responses(con, str(broken), PROJECT_ROOT)
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(LoadError, match=r"is a symbolic link that points back to itself \(a loop\)"):
        load_responses(con, str(loop), PROJECT_ROOT)


def test_a_pipe_is_refused_without_reading_it(con, tmp_path):
    pipe = tmp_path / "answers.csv"
    os.mkfifo(pipe)
    with pytest.raises(LoadError, match=r"is not a regular file \(a device, pipe or socket\)"):
        load_responses(con, str(pipe), PROJECT_ROOT)


def test_an_unreadable_file_gets_its_own_message():
    """A file the build's user may not read. Root reads everything, so as root the check runs in a
    forked child that has become `nobody` (the interpreter lives where nobody may not go, so the
    child does not start a new one), on a file in a folder of its own that nobody can search."""
    folder = Path(tempfile.mkdtemp(prefix="styringsoverblik-unreadable-"))
    try:
        folder.chmod(0o711)
        path = folder / "answers.csv"
        path.write_text(csv_text([LONG_HEADER, *LONG_ROWS]), encoding="utf-8")
        path.chmod(0o200)
        message = _as_unprivileged_user(lambda: resolve_files(str(path), PROJECT_ROOT))
        assert message == (
            f"Response file '{path}' cannot be opened for reading (Permission denied); give the user running the "
            "build read access to it (or copy it to a folder that user can read)."
        )
    finally:
        shutil.rmtree(folder)


def _as_unprivileged_user(call) -> str:
    """The LoadError message of call(), run as `nobody` when the tests run as root."""
    if os.geteuid() != 0:
        try:
            call()
        except LoadError as error:
            return str(error)
        return "no error"
    import pwd

    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, report, and leave without pytest's clean-up
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            try:
                call()
                text = "no error"
            except LoadError as error:
                text = str(error)
            os.write(write_end, text.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        text = reader.read().decode()
    os.waitpid(pid, 0)
    return text


@pytest.mark.parametrize("encoding, bom, expected", [
    ("utf-16-le", codecs.BOM_UTF16_LE, "is UTF-16 text (it starts with a UTF-16 byte order mark)"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "is UTF-16 text (it starts with a UTF-16 byte order mark)"),
    ("utf-32-le", codecs.BOM_UTF32_LE, "is UTF-32 text (it starts with a UTF-32 byte order mark)"),
    ("utf-16-le", b"", "looks like UTF-16 text without a byte order mark (every second byte is NUL)"),
    ("utf-32-be", b"", "looks like UTF-32 text without a byte order mark (every fourth byte is NUL)"),
])
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_utf16_and_utf32_files_get_their_own_message(con, tmp_path, encoding, bom, expected, layout):
    rows = [LONG_HEADER, *LONG_ROWS] if layout == "long" else [WIDE_ROWS[0], [str(v) for v in WIDE_ROWS[1]]]
    path = tmp_path / "answers.csv"
    path.write_bytes(bom + csv_text(rows).encode(encoding))
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    assert str(error.value).startswith(f"Response file '{path}' {expected}")
    assert "Save it as UTF-8" in str(error.value)


def test_nul_bytes_in_a_csv_get_their_own_message(con, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(csv_text([LONG_HEADER, *LONG_ROWS]).encode() + b"\x00garbage")
    with pytest.raises(LoadError, match=r"holds NUL bytes \(0x00\) in its first \d+ bytes, so it is not a text"):
        load_responses(con, str(path), PROJECT_ROOT)


# --------------------------------------------------------------------------------------------
# item 4: workbooks read as the user sees them


DRAFT = [["municipality_code", "survey_year", "Q1", "Q2"], [147, 2023, "Nej", "Nej"]]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_never_read(con, tmp_path, state):
    path = workbook(tmp_path / "answers.xlsx", [("Kladde", DRAFT, state), ("Svar", WIDE_ROWS, "visible")])

    (loaded,) = load_responses(con, str(path), PROJECT_ROOT)

    assert loaded.sheet_name == "Svar"
    assert con.execute("select distinct municipality_code from raw.raw_responses").fetchall() == [("101",)]
    state_name = {"hidden": "hidden", "veryHidden": "very hidden"}[state]
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT, sheet="Kladde")
    assert str(error.value) == (
        f"Response file '{path}': the sheet 'Kladde' is {state_name}; hidden sheets are never read (the answers are "
        "what the user sees). Unhide the sheet in Excel (right-click a sheet tab, Unhide) and save, or name a visible "
        "sheet (the visible sheets are 'Svar')"
    )


def test_the_sheet_read_is_recorded(con, tmp_path):
    csv_path = tmp_path / "long.csv"
    csv_path.write_text(csv_text([LONG_HEADER, *LONG_ROWS]), encoding="utf-8")
    workbook(tmp_path / "wide.xlsx", [("Svar", WIDE_ROWS, "visible")])
    files = load_responses(con, str(tmp_path / "*"), PROJECT_ROOT)
    assert [(Path(f.path).name, f.file_format, f.sheet_name) for f in files] == [
        ("long.csv", "long", None), ("wide.xlsx", "wide_xlsx", "Svar")
    ]


def with_sheet_xml(path: Path, edit) -> Path:
    """Rewrite the first worksheet's XML of a workbook."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["xl/worksheets/sheet1.xml"] = edit(entries["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_formula_without_a_cached_value_is_rejected_naming_the_cell(con, tmp_path):
    path = workbook(tmp_path / "answers.xlsx", [("Svar", [WIDE_ROWS[0], [101, 2023, "Ja", '=IF(1=1,"Nej","Ja")']], "visible")])
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    assert str(error.value) == (
        f"Response file '{path}' [sheet 'Svar']: cell D2 holds a formula without a stored value (the workbook was "
        "written by a program that does not calculate formulas); open the workbook in Excel and save it (Excel then "
        "stores each formula's value), or replace the formula by its value"
    )


def test_a_formula_with_its_cached_value_reads_the_value(con, tmp_path):
    path = workbook(tmp_path / "answers.xlsx", [("Svar", [WIDE_ROWS[0], [101, 2023, "Ja", '=IF(1=1,"Nej","Ja")']], "visible")])
    # as Excel saves it: the result in <v>, a text result typed t="str"
    with_sheet_xml(path, lambda xml: xml.replace(b'<c r="D2"><f>IF(1=1,"Nej","Ja")</f><v /></c>',
                                                 b'<c r="D2" t="str"><f>IF(1=1,"Nej","Ja")</f><v>Nej</v></c>'))
    load_responses(con, str(path), PROJECT_ROOT)
    assert con.execute("select source_column, answer from raw.raw_responses order by 1").fetchall() == [("Q1", "Ja"), ("Q2", "Nej")]
    # a formula whose text result is "" is an unanswered cell
    with_sheet_xml(path, lambda xml: xml.replace(b"<v>Nej</v>", b"<v></v>"))
    load_responses(con, str(path), PROJECT_ROOT)
    assert con.execute("select source_column, answer from raw.raw_responses order by 1").fetchall() == [("Q1", "Ja")]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    + b"]>\n"
)


@pytest.mark.parametrize("part, use", [
    ("xl/worksheets/sheet1.xml", (b"<t>municipality_code</t>", b"<t>&lol9;</t>")),
    ("xl/workbook.xml", (b'name="Svar"', b'name="&lol9;"')),
])
def test_an_xml_entity_bomb_is_refused_naming_the_file(con, tmp_path, part, use):
    path = workbook(tmp_path / "bomb.xlsx", [("Svar", WIDE_ROWS, "visible")])
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    xml = entries[part]
    body = xml[xml.index(b"?>") + 2:].lstrip() if xml.startswith(b"<?xml") else xml
    assert use[0] in body
    entries[part] = BILLION_LAUGHS + body.replace(*use)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    assert str(error.value).startswith(f"Response file '{path}'")
    assert "declares entities" in str(error.value) and "open it in Excel and save it as a new .xlsx" in str(error.value)


def test_a_stale_dimension_does_not_bound_the_rows(con, tmp_path):
    """Rows beyond the <dimension> the file claims are read (it is not trusted)."""
    path = workbook(tmp_path / "answers.xlsx", [("Svar", [*WIDE_ROWS, [147, 2023, "Nej", "Ja"]], "visible")])
    with_sheet_xml(path, lambda xml: xml.replace(b'<dimension ref="A1:D3" />', b'<dimension ref="A1:B1" />'))
    load_responses(con, str(path), PROJECT_ROOT)
    assert con.execute("select count(*) from raw.raw_responses").fetchone()[0] == 4


def test_an_absurd_used_range_stops_fast(con, tmp_path, monkeypatch):
    path = workbook(tmp_path / "answers.xlsx", [("Svar", WIDE_ROWS, "visible")])
    book_rows = b"".join(b'<row r="%d"><c r="A%d" t="n"><v>1</v></c></row>' % (n, n) for n in (1_048_576,))
    with_sheet_xml(path, lambda xml: xml.replace(b"</sheetData>", book_rows + b"</sheetData>"))
    started = time.monotonic()
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    assert time.monotonic() - started < 30
    assert str(error.value) == (
        f"Response file '{path}' [sheet 'Svar']: the sheet has row entries up to row 1048576 (empty rows with formatting "
        "count too); more than 100000 rows cannot be a response sheet (a tenth of STYRINGSOVERBLIK_XLSX_MAX_CELLS="
        "1000000). Delete the rows below the answers (select them, Delete rows) and save"
    )
    # the limit is rows x columns of the used range, and configurable
    monkeypatch.setenv("STYRINGSOVERBLIK_XLSX_MAX_CELLS", "7")
    small = workbook(tmp_path / "small.xlsx", [("Svar", WIDE_ROWS, "visible")])
    with pytest.raises(LoadError, match=r"the sheet's used range reaches row 2 and column D \(8 cells\), more than "
                                        r"the 7 cells a response sheet may have"):
        load_responses(con, str(small), PROJECT_ROOT)
    monkeypatch.setenv("STYRINGSOVERBLIK_XLSX_MAX_CELLS", "many")
    with pytest.raises(LoadError, match=r"STYRINGSOVERBLIK_XLSX_MAX_CELLS='many' is not a positive whole number"):
        load_responses(con, str(small), PROJECT_ROOT)


def test_a_million_empty_formatted_rows_stop_at_the_row_bound(con, tmp_path):
    path = workbook(tmp_path / "answers.xlsx", [("Svar", WIDE_ROWS, "visible")])
    empty = b"".join(b'<row r="%d" customHeight="1" ht="15"><c r="A%d" s="0"/></row>' % (n, n) for n in range(3, 1048577))
    with_sheet_xml(path, lambda xml: xml.replace(b"</sheetData>", empty + b"</sheetData>"))
    with pytest.raises(LoadError, match=r"the sheet has row entries up to row 100001 \(empty rows with formatting count"):
        load_responses(con, str(path), PROJECT_ROOT)


def test_empty_formatted_rows_below_the_answers_are_no_problem(con, tmp_path):
    path = workbook(tmp_path / "answers.xlsx", [("Svar", WIDE_ROWS, "visible")])
    empty = b"".join(b'<row r="%d" customHeight="1" ht="15"><c r="A%d" s="0"/></row>' % (n, n) for n in range(3, 5003))
    with_sheet_xml(path, lambda xml: xml.replace(b"</sheetData>", empty + b"</sheetData>"))
    (loaded,) = load_responses(con, str(path), PROJECT_ROOT)
    assert loaded.raw_rows == 2


# --------------------------------------------------------------------------------------------
# item 6: messages safe to print


def test_a_50_mb_line_gives_a_short_message(con, tmp_path):
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(csv_text([LONG_HEADER, LONG_ROWS[0]]))
        handle.write("825,2023,2,,\x1b[2J" + "A" * 50_000_000 + ",extra\n")
        handle.write(csv_text([LONG_ROWS[2]]))
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    message = str(error.value)
    assert message.startswith(f"Response file '{path}' has 2 line(s) that are not valid CSV")
    assert "line 3: " in message and "\\x1b[2J" in message
    assert_clean(message)


def test_a_long_control_laden_value_in_a_wide_file_gives_a_short_message(con, tmp_path):
    path = tmp_path / "wide.csv"
    value = "\x1b]0;pwned\x07" + "B" * 100_000
    path.write_text(csv_text([WIDE_ROWS[0], ["101", "2023", "Ja", "Nej", value]]), encoding="utf-8")
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    message = str(error.value)
    assert message.startswith(f"Response file '{path}': line 2, column 5: a value ('\\x1b]0;pwned\\x07BBB")
    assert "…' (100010 characters)) beyond the last header column" in message
    assert_clean(message)


def test_an_unterminated_quote_shows_the_line_escaped_and_cut(con, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(csv_text([LONG_HEADER, LONG_ROWS[0]]) + '825,2023,2,,"\x1b[31m' + "C" * 5000 + "\n825,2023,3,,Ja\n",
                    encoding="utf-8")
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    assert_clean(str(error.value))


def test_the_loader_fixtures_still_load(con):
    """The shipped formats are unchanged by the positional reader."""
    for fixture in sorted((FIXTURES / "file_format").glob("*.csv")):
        (loaded,) = load_responses(con, str(fixture), PROJECT_ROOT)
        assert loaded.raw_rows > 0


def test_an_old_build_log_gains_the_sheet_column(con):
    """A warehouse written before sheet_name existed is upgraded when the next build records its files."""
    from styringsoverblik import buildlog

    con.execute("create schema ops")
    con.execute("create table ops.build_input_files (build_id varchar not null, file_path varchar not null, "
                "file_format varchar, primary key (build_id, file_path))")
    con.execute("insert into ops.build_input_files values ('old', 'a.csv', 'long')")
    buildlog.ensure_ops(con)
    buildlog.ensure_ops(con)  # twice: nothing to add the second time
    assert con.execute("select build_id, file_path, sheet_name from ops.build_input_files").fetchall() == [("old", "a.csv", None)]
