"""The project as data (styringsoverblik.project) and the one rubric reader (styringsoverblik.rubric):
resolved from the seeds dbt loads for the project given, never from where the package lives."""

from __future__ import annotations

import argparse
import ast
import csv
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from styringsoverblik import q12, rubric, sample, settings, template
from styringsoverblik.project import Project, ProjectError
from styringsoverblik.rubric import RubricError

SRC = PROJECT_ROOT / "src" / "styringsoverblik"
# benchmark.py and soak.py are another change's (issue 19, helper h19bi)
NOT_YET = {"benchmark.py", "soak.py"}


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def tiny_project(folder: Path, seed_folder: str = "other_seeds", macro_folder: str = "other_macros") -> Path:
    """A dbt project with seed-paths and macro-paths of its own and a three-question rubric:
    Q1 yes/no; Q2 free text; Q3 with two sub-questions, whose item 'B' was called 'Bee' in version 1
    and which was a free-text question in version 1 only."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dbt_project.yml").write_text(
        "name: tiny\nversion: '7.3'\nconfig-version: 2\n"
        f"seed-paths: ['{seed_folder}']\nmacro-paths: ['{macro_folder}']\n"
        "vars:\n  strict: true\n  raw_responses_path: in/*.csv\n",
        encoding="utf-8",
    )
    rubric_dir = folder / seed_folder / "rubric"
    write_csv(rubric_dir / "rubric_questions.csv",
              ["question_no", "theme_no", "question_text", "scoring_rule", "is_free_text", "from_version", "to_version"],
              [[1, 1, "Spørgsmål et", "option_score", "false", 1, ""],
               [2, 1, "Hvor ofte?", "option_score", "true", 1, ""],
               [3, 2, "Tre (gammel)", "option_score", "true", 1, 1],
               [3, 2, "Tre", "option_score", "false", 2, ""]])
    write_csv(rubric_dir / "rubric_items.csv",
              ["question_no", "item_no", "item_code", "item_label", "is_sub_question", "from_version", "to_version"],
              [[1, 1, "main", "", "false", 1, ""], [2, 1, "main", "", "false", 1, ""],
               [3, 1, "a", "A", "true", 1, ""], [3, 2, "b", "Bee", "true", 1, 1], [3, 2, "b", "B", "true", 2, ""]])
    write_csv(rubric_dir / "rubric_options.csv",
              ["question_no", "item_code", "option_no", "option_code", "option_label", "from_version", "to_version"],
              [[1, "main", 1, "ja", "Ja", 1, ""], [1, "main", 2, "nej", "Nej", 1, ""],
               [2, "main", 1, "month", "Hver måned", 1, ""],
               [3, "a", 1, "ja", "Ja", 1, ""], [3, "b", 1, "ja", "Ja", 1, ""]])
    write_csv(rubric_dir / "rubric_label_aliases.csv",
              ["question_no", "label_kind", "alias_label", "canonical_label", "reason"],
              [[1, "option", "Jo", "Ja", "spoken"]])
    write_csv(folder / seed_folder / "reference" / "municipalities.csv",
              ["municipality_code", "municipality_name", "region_code", "region_name"],
              [["101", "København", "1084", "Hovedstaden"], ["999", "Testby", "1085", "Sjælland"]])
    return folder


def test_the_project_is_read_from_the_root_given(tmp_path):
    project = Project(tiny_project(tmp_path / "p"))
    assert project.root == (tmp_path / "p").resolve()
    assert (project.name, project.version) == ("tiny", "7.3")
    assert project.seed_paths == ((tmp_path / "p" / "other_seeds").resolve(),)
    assert project.macro_paths == ((tmp_path / "p" / "other_macros").resolve(),)
    assert project.var_defaults == {"strict": True, "raw_responses_path": "in/*.csv"}
    assert project.seed_file("reference/municipalities.csv") == project.root / "other_seeds" / "reference" / "municipalities.csv"
    assert project.resolve("in/a.csv") == project.root / "in" / "a.csv"
    assert project.resolve("/abs/a.csv") == Path("/abs/a.csv")
    with pytest.raises(ProjectError, match=r"no dbt project at .*dbt_project.yml not found.*--project-dir"):
        Project(tmp_path)


def test_the_shipped_project_as_data():
    project = Project(PROJECT_ROOT)
    assert project.version == "0.1.0"
    assert project.seed_paths == (PROJECT_ROOT / "seeds",)
    assert project.var_defaults["strict"] is True and project.var_defaults["min_group_size"] == 3
    assert project.macro_file("setting_rules.sql") == PROJECT_ROOT / "macros" / "setting_rules.sql"


def test_the_rubric_comes_from_the_projects_seed_paths(tmp_path):
    found = rubric.load(tiny_project(tmp_path / "p"))
    assert sorted(found.questions) == [1, 2, 3]
    assert found.questions[2].is_free_text and not found.questions[3].is_free_text  # the current row wins
    # Q3's item b: the current label, the retired one an alias of it (an older round's file matches)
    assert found.resolve_item(3, "B").item_code == "b" and found.resolve_item(3, "bee").item_code == "b"
    assert found.resolve_option(1, "main", " jo ").option_code == "ja"  # through the alias seed
    assert found.wide_header() == ["municipality_code", "survey_year", "Q1", "Q2", "Q3 | A", "Q3 | B"]
    current = rubric.load(tmp_path / "p", current_only=True)
    assert current.resolve_item(3, "Bee") is None


def test_free_text_questions_are_every_versions(tmp_path):
    root = tiny_project(tmp_path / "p")
    # Q2 is free text; Q3 was free text in version 1: its old rounds' texts are coded too
    assert rubric.free_text_questions(rubric.load(root)) == [2, 3]
    assert q12.free_text_questions(root) == [2, 3] == q12.free_text_questions(Project(root))
    assert q12.free_text_questions(PROJECT_ROOT) == [12]  # the note: Q12 asks how often, in free text


def test_a_project_without_its_rubric_says_which_file(tmp_path):
    root = tiny_project(tmp_path / "p")
    (root / "other_seeds" / "rubric" / "rubric_items.csv").unlink()
    with pytest.raises(RubricError, match=r"other_seeds/rubric/rubric_items.csv: rubric seed not found"):
        rubric.load(root)


def test_every_module_reads_the_rubric_of_the_project_given(tmp_path, capsys):
    root = tiny_project(tmp_path / "p")
    # the sample generator
    assert sample.load_municipalities(root) == ["101", "999"]
    assert [q.question_no for q in sample.load_rubric(PROJECT_ROOT)] == list(range(1, 48))
    # the template
    parser = argparse.ArgumentParser()
    template.add_arguments(parser)
    out = tmp_path / "t.xlsx"
    assert template.run(parser.parse_args(["--out", str(out), "--project-dir", str(root)])) == 0
    assert "(4 answer columns)" in capsys.readouterr().out  # Q1, Q2, Q3 | A, Q3 | B
    # the var rules: the project's macro-paths
    shutil.copy(PROJECT_ROOT / "macros" / "setting_rules.sql", (root / "other_macros").mkdir() or root / "other_macros")
    assert settings.rules(root) == settings.rules(PROJECT_ROOT)


def test_a_missing_project_is_a_clear_template_error(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    template.add_arguments(parser)
    assert template.run(parser.parse_args(["--out", str(tmp_path / "t.xlsx"), "--project-dir", str(tmp_path)])) == 1
    assert "no dbt project at" in capsys.readouterr().err


def test_no_module_finds_the_project_from_where_it_is_installed():
    """No `Path(__file__).parents[...]`, PROJECT_ROOT or DEFAULT_SEEDS_DIR in the package: the
    project root is always passed in."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name in NOT_YET:
            continue
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Name) and node.id in ("PROJECT_ROOT", "DEFAULT_SEEDS_DIR", "ROOT"):
                offenders.append(f"{path.name}:{node.lineno} {node.id}")
            if isinstance(node, ast.Name) and node.id == "__file__":
                offenders.append(f"{path.name}:{node.lineno} __file__")
    assert offenders == []
