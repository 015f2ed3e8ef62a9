"""The rubric: the ONE reader of the rubric seeds in Python.

The rubric is the seeds dbt loads (``rubric/*.csv`` in the project's ``seed-paths``, found
through :class:`styringsoverblik.project.Project`): ``rubric_questions.csv``,
``rubric_items.csv``, ``rubric_options.csv`` and ``rubric_label_aliases.csv``. Every module that
needs it reads it here: the wide layout's label matching (:mod:`styringsoverblik.wide`), the
loader, the free-text questions of Q12 coding (:func:`free_text_questions`), the Excel template,
the sample generator (:func:`seed_rows`) and ``styringsoverblik check``.

Labels match after :func:`normalize_label`, the Python twin of the SQL macro ``normalize_label``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from styringsoverblik.project import Project

RUBRIC_FOLDER = "rubric"
ID_COLUMNS = ("municipality_code", "survey_year")
# The scoring rule of a question answered by ticking boxes (rubric_questions.scoring_rule).
CHECKBOX_RULE = "checkbox_grid"


class RubricError(Exception):
    """The rubric seeds cannot be read; the message names the file."""


# --------------------------------------------------------------------------- labels


# The SQL macro's translate(): curly/typographic quotes -> ' and ", dashes -> -, NBSP -> space.
_TRANSLATION = str.maketrans(
    {
        **{c: "'" for c in "\u2019\u2018\u00b4`"},
        **{c: '"' for c in "\u201c\u201d\u201e\u00ab\u00bb"},
        **{c: "-" for c in "\u2013\u2014\u2010\u2011\u2212"},
        "\u00a0": " ",
    }
)
# DuckDB's regexp_replace uses RE2, whose \s is [\t\n\f\r ] (no \v, no Unicode spaces).
_RE2_WHITESPACE = re.compile(r"[\t\n\f\r ]+")
# DuckDB's trim() strips the Unicode space separators (category Zs), not just ' '.
_TRIM_CHARS = " \u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"


def normalize_label(text: object) -> str:
    """The matching form of a label, as the SQL macro ``normalize_label``: quotes and dashes
    made ASCII, non-breaking spaces made spaces, whitespace collapsed, trimmed, lower-cased.
    ``None`` and ``''`` both give ``''``."""
    if text is None:
        return ""
    value = str(text).translate(_TRANSLATION)
    return _RE2_WHITESPACE.sub(" ", value).strip(_TRIM_CHARS).lower()


# --------------------------------------------------------------------------- rubric


@dataclass(frozen=True)
class Question:
    question_no: int
    theme_no: int | None
    text: str
    scoring_rule: str
    is_free_text: bool = False


@dataclass(frozen=True)
class Item:
    question_no: int
    item_no: int
    item_code: str
    label: str  # '' for the single item `main` of a question without sub-questions
    is_sub_question: bool


@dataclass(frozen=True)
class Option:
    question_no: int
    item_code: str
    option_no: int
    option_code: str
    label: str


@dataclass(frozen=True)
class CellColumn:
    """One answer cell of the wide layout, as found in (or written to) a header."""

    index: int  # position in the header (0-based)
    header: str  # the header text as read (or the canonical header when generated)
    question_no: int
    item_code: str
    item_label: str  # canonical item label ('' for `main`); for checkbox questions the group
    option_code: str | None = None  # checkbox questions: the box's parameter
    option_label: str | None = None  # checkbox questions: the canonical parameter label

    @property
    def is_checkbox(self) -> bool:
        return self.option_code is not None

    @property
    def key(self) -> tuple[int, str, str | None]:
        return (self.question_no, self.item_code, self.option_code)

    @property
    def canonical_header(self) -> str:
        return cell_header(self.question_no, self.item_label, self.option_label)


def cell_header(question_no: int, item_label: str = "", option_label: str | None = None) -> str:
    """The canonical wide header of a cell: ``Q5``, ``Q5 | § 107`` or ``Q34 | Direktion | …``."""
    parts = [f"Q{question_no}"]
    if item_label:
        parts.append(item_label)
    if option_label is not None:
        parts.append(option_label)
    return " | ".join(parts)


def _replace_keeping_old_label(table: dict, key: tuple, new, kind: str, aliases: dict) -> None:
    """table[key] = new; a replaced row's other label becomes an alias of the new label."""
    old = table.get(key)
    if old is not None and old.label and old.label != new.label:
        aliases.setdefault((new.question_no, kind), {})[normalize_label(old.label)] = new.label
    table[key] = new


def _read_seed(path: Path) -> list[dict[str, str]]:
    """A seed's rows: keys trimmed, missing values ''."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [
                {key.strip(): (value or "") for key, value in row.items() if key is not None}
                for row in csv.DictReader(handle)
            ]
    except FileNotFoundError:
        raise RubricError(f"{path}: rubric seed not found") from None


def _seed_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes", "t"}


@dataclass
class Rubric:
    """The questions, items, options and label aliases of the rubric seeds."""

    questions: dict[int, Question]
    items: dict[int, tuple[Item, ...]]
    options: dict[tuple[int, str], tuple[Option, ...]]
    # (question_no, 'item' | 'option') -> {normalised alias label: canonical label}
    aliases: dict[tuple[int, str], dict[str, str]] = field(default_factory=dict)

    # every question_no whose answers may be free text in any rubric version (rubric_questions.is_free_text)
    free_text: frozenset[int] = frozenset()

    @classmethod
    def from_project(cls, project: Project | str | Path, current_only: bool = False) -> Rubric:
        """The rubric of the seeds dbt loads for the project (its seed-paths' ``rubric/``)."""
        project = project if isinstance(project, Project) else Project(project)
        return cls.from_seeds(rubric_folder(project), current_only=current_only)

    @classmethod
    def from_seeds(cls, seeds_dir: str | Path, current_only: bool = False) -> Rubric:
        """Load ``rubric_questions.csv``, ``rubric_items.csv``, ``rubric_options.csv`` and
        (optional) ``rubric_label_aliases.csv`` from ``seeds_dir`` or its ``rubric/`` folder.

        The seeds may hold several rubric versions (``from_version``/``to_version``). The current
        rubric is the rows still in use (empty ``to_version``). With ``current_only`` (the
        template) only those are taken; otherwise (reading files of any round) a retired
        question, item or option is kept where no current row replaces it, and the label of a
        retired row whose code lives on is an alias of the current label, so an older round's
        file still matches. Which round may use which cell is decided in SQL, per round."""
        folder = Path(seeds_dir)
        if not (folder / "rubric_items.csv").exists() and (folder / "rubric").is_dir():
            folder = folder / "rubric"

        def rows(name: str) -> list[dict]:
            """The seed's rows, current ones last (so they win), retired ones left out if asked."""
            table = list(_read_seed(folder / name))
            current = [row for row in table if not (row.get("to_version") or "").strip()]
            retired = [row for row in table if (row.get("to_version") or "").strip()]
            return current if current_only else retired + current

        questions: dict[int, Question] = {}
        for row in rows("rubric_questions.csv"):
            q = int(row["question_no"])
            theme = (row.get("theme_no") or "").strip()
            questions[q] = Question(q, int(theme) if theme else None, (row.get("question_text") or "").strip(),
                                    (row.get("scoring_rule") or "").strip(), _seed_bool(row.get("is_free_text")))
        free_text = frozenset(
            int(row["question_no"]) for row in _read_seed(folder / "rubric_questions.csv") if _seed_bool(row.get("is_free_text"))
        )

        aliases: dict[tuple[int, str], dict[str, str]] = {}
        items_by_code: dict[tuple[int, str], Item] = {}
        for row in rows("rubric_items.csv"):
            item = Item(int(row["question_no"]), int(row["item_no"]), row["item_code"].strip(),
                        (row.get("item_label") or "").strip(), _seed_bool(row.get("is_sub_question")))
            _replace_keeping_old_label(items_by_code, (item.question_no, item.item_code), item, "item", aliases)
        items: dict[int, list[Item]] = {}
        for item in items_by_code.values():
            items.setdefault(item.question_no, []).append(item)

        options_by_code: dict[tuple[int, str, str], Option] = {}
        for row in rows("rubric_options.csv"):
            q, code = int(row["question_no"]), row["item_code"].strip()
            option = Option(q, code, int(row["option_no"]), row["option_code"].strip(), row["option_label"].strip())
            _replace_keeping_old_label(options_by_code, (q, code, option.option_code), option, "option", aliases)
        options: dict[tuple[int, str], list[Option]] = {}
        for option in options_by_code.values():
            options.setdefault((option.question_no, option.item_code), []).append(option)

        alias_path = folder / "rubric_label_aliases.csv"
        if alias_path.exists():
            for row in _read_seed(alias_path):
                key = (int(row["question_no"]), row["label_kind"].strip().lower())
                aliases.setdefault(key, {})[normalize_label(row["alias_label"])] = row["canonical_label"].strip()

        for q in items:
            questions.setdefault(q, Question(q, None, "", ""))
        return cls(
            questions=dict(sorted(questions.items())),
            items={q: tuple(sorted(v, key=lambda i: i.item_no)) for q, v in sorted(items.items())},
            options={k: tuple(sorted(v, key=lambda o: o.option_no)) for k, v in options.items()},
            aliases=aliases,
            free_text=free_text,
        )

    # -- lookups

    def is_checkbox(self, question_no: int) -> bool:
        question = self.questions.get(question_no)
        return question is not None and question.scoring_rule == CHECKBOX_RULE

    def has_sub_questions(self, question_no: int) -> bool:
        return any(item.is_sub_question for item in self.items.get(question_no, ()))

    def item_options(self, question_no: int, item_code: str) -> tuple[Option, ...]:
        return self.options.get((question_no, item_code), ())

    def _canonical(self, question_no: int, kind: str, label: object) -> str:
        normalized = normalize_label(label)
        alias = self.aliases.get((question_no, kind), {}).get(normalized)
        return normalize_label(alias) if alias is not None else normalized

    def resolve_item(self, question_no: int, label: object) -> Item | None:
        """The item whose label matches (directly, then through an item alias); for a question
        without sub-questions an empty label gives its item ``main``."""
        items = self.items.get(question_no, ())
        normalized = normalize_label(label)
        for candidate in (normalized, self._canonical(question_no, "item", label)):
            for item in items:
                if normalize_label(item.label) == candidate:
                    return item
        return None

    def resolve_option(self, question_no: int, item_code: str, label: object) -> Option | None:
        """The option of an item whose label matches (directly, then through an option alias)."""
        options = self.item_options(question_no, item_code)
        normalized = normalize_label(label)
        for candidate in (normalized, self._canonical(question_no, "option", label)):
            for option in options:
                if normalize_label(option.label) == candidate:
                    return option
        return None

    # -- the wide layout

    def cell_columns(self) -> list[CellColumn]:
        """Every answer cell in the note's order (question, item, option), indexed from 2."""
        cells: list[CellColumn] = []
        for q, items in self.items.items():
            for item in items:
                label = item.label if item.is_sub_question else ""
                if self.is_checkbox(q):
                    for option in self.item_options(q, item.item_code):
                        cells.append(CellColumn(len(cells) + 2, cell_header(q, label, option.label), q,
                                                item.item_code, label, option.option_code, option.label))
                else:
                    cells.append(CellColumn(len(cells) + 2, cell_header(q, label), q, item.item_code, label))
        return cells

    def wide_header(self) -> list[str]:
        """``municipality_code``, ``survey_year`` and every cell column's canonical header."""
        return [*ID_COLUMNS, *(cell.header for cell in self.cell_columns())]


# --------------------------------------------------------------------------- the seeds


def rubric_folder(project: Project) -> Path:
    """The folder of the rubric seeds among the project's seed paths."""
    return project.seed_file(Path(RUBRIC_FOLDER) / "rubric_questions.csv").parent


def load(project: Project | str | Path, current_only: bool = False) -> Rubric:
    """The project's rubric (see :meth:`Rubric.from_seeds` for ``current_only``)."""
    return Rubric.from_project(project, current_only=current_only)


def free_text_questions(rubric: Rubric) -> list[int]:
    """The question numbers whose answers may be free text (rubric_questions.is_free_text, any version)."""
    return sorted(rubric.free_text)


def seed_rows(project: Project, name: str) -> list[dict[str, str]]:
    """The rows of one rubric seed (e.g. ``rubric_options.csv``) as read: keys trimmed, missing values ''."""
    return _read_seed(rubric_folder(project) / name)
