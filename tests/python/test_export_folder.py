"""The export folder belongs to the project (styringsoverblik.export_folder), and current.json.

Unit tests on real folders (no dbt): which folders are claimed, adopted or refused, that a
refusal changes nothing, that clean-up deletes only the builds the marker lists, and the pointer
file. The same guarantees through dbt itself: test_export_folder_builds.py.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_ROOT, tree
from styringsoverblik.export_folder import (
    MARKER,
    ExportFolder,
    ExportFolderError,
    resolve_export_root,
)
from styringsoverblik.context import BuildContext
from styringsoverblik.publish import settle


def users_folder(root: Path) -> Path:
    """A folder of the user's own, shaped to tempt the publish step: builds/ with folders of
    the user's, a hidden .x.partial folder, a plain file called current."""
    (root / "builds" / "2023").mkdir(parents=True)
    (root / "builds" / "2023" / "data.csv").write_text("municipality,score\n101,50\n", encoding="utf-8")
    (root / "builds" / "old").mkdir()
    (root / "builds" / "old" / "notes.txt").write_text("keep me", encoding="utf-8")
    (root / "builds" / ".x.partial").mkdir()
    (root / "builds" / ".x.partial" / "draft.txt").write_text("draft", encoding="utf-8")
    (root / "current").write_text("a plain file called current\n", encoding="utf-8")
    (root / "report.docx").write_bytes(b"PK\x03\x04 not really a document")
    return root


def fake_build(root: Path, build_id: str | None = None, written_at: str = "2026-01-01T00:00:00Z") -> str:
    """A build folder as the publish step writes it (a Parquet file and its manifest)."""
    build_id = build_id or str(uuid.uuid4())
    folder = root / "builds" / build_id
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy (select 1 as x) to '{folder / 'dim_x.parquet'}' (format parquet)")
    manifest = {"build_id": build_id, "written_at": written_at, "tables": {"dim_x": {"file": "dim_x.parquet", "rows": 1}}}
    (folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return build_id


def legacy_folder(root: Path, builds: int = 3) -> list[str]:
    """An export folder as the earlier version left it: builds/<id>/ with manifests, current."""
    ids = [fake_build(root, written_at=f"2026-01-0{n + 1}T00:00:00Z") for n in range(builds)]
    os.symlink(f"builds/{ids[-1]}", root / "current")
    return ids


# --------------------------------------------------------------------------------------------
# which folders are the project's


def test_a_new_or_empty_folder_is_claimed_with_a_marker(tmp_path):
    for root in (tmp_path / "new" / "deeper", tmp_path / "empty"):
        if root.name == "empty":
            root.mkdir()
        folder = ExportFolder.claim(root)
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
        assert marker["project"] == "styringsoverblik" and marker["builds"] == []
        assert folder.builds == [] and (root / "builds").is_dir()
        assert sorted(p.name for p in root.iterdir()) == [MARKER, "builds"]
        assert ExportFolder.claim(root).builds == []  # and claimed again, unchanged


def test_a_kill_while_the_first_marker_is_written_does_not_lock_the_folder_out(tmp_path):
    root = tmp_path / "exports"
    root.mkdir()
    (root / f".{MARKER}.4242.tmp").write_text('{"proj', encoding="utf-8")  # what the kill left
    assert ExportFolder.claim(root).builds == []
    assert json.loads((root / MARKER).read_text(encoding="utf-8"))["project"] == "styringsoverblik"


def test_a_folder_of_the_users_is_refused_and_left_exactly_as_it_was(tmp_path):
    root = users_folder(tmp_path / "mine")
    before = tree(root)
    with pytest.raises(ExportFolderError) as refusal:
        ExportFolder.claim(root)
    message = str(refusal.value)
    assert str(root) in message and "did not create" in message and "Nothing was published" in message
    assert "'current' (file)" in message and "export_path" in message
    assert tree(root) == before
    assert ExportFolder.inspect(root) is None


def test_one_file_of_the_users_is_enough_to_refuse(tmp_path):
    root = tmp_path / "almost_empty"
    root.mkdir()
    (root / ".hidden").write_text("x", encoding="utf-8")
    with pytest.raises(ExportFolderError, match="did not create"):
        ExportFolder.claim(root)
    assert [p.name for p in root.iterdir()] == [".hidden"]


def test_control_characters_in_a_file_name_are_escaped_in_the_refusal(tmp_path):
    root = tmp_path / "hostile"
    root.mkdir()
    (root / "evil\x1b]0;title\x07name").write_text("x", encoding="utf-8")
    with pytest.raises(ExportFolderError) as refusal:
        ExportFolder.claim(root)
    assert "\x1b" not in str(refusal.value) and "\\x1b" in str(refusal.value)


@pytest.mark.parametrize("kind", ["file", "folder", "foreign symlink"])
def test_current_that_is_not_the_projects_symlink_is_refused_even_with_a_marker(tmp_path, kind):
    root = tmp_path / "exports"
    ExportFolder.claim(root)
    current = root / "current"
    if kind == "file":
        current.write_text("mine", encoding="utf-8")
    elif kind == "folder":
        current.mkdir()
    else:
        os.symlink(str(tmp_path), current)
    before = tree(root)
    with pytest.raises(ExportFolderError, match="'current' as"):
        ExportFolder.claim(root)
    assert tree(root) == before


def test_an_export_path_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "exports"
    path.write_text("a file", encoding="utf-8")
    with pytest.raises(ExportFolderError, match="is a file, not a folder"):
        ExportFolder.claim(path)
    with pytest.raises(ExportFolderError, match="cannot be created"):
        ExportFolder.claim(path / "below")  # a folder under a file
    assert path.read_text(encoding="utf-8") == "a file"


def test_root_home_and_the_project_are_refused_however_they_are_written(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    os.symlink(str(home), tmp_path / "link_to_home")
    os.symlink("/", tmp_path / "link_to_root")
    for given in ("/", "/.", "/../..", str(tmp_path / "link_to_root"), str(home), str(home) + "/", str(tmp_path / "link_to_home"),
                  ".", "sub/..", str(project), "../project"):
        with pytest.raises(ExportFolderError, match="refuses it"):
            resolve_export_root(given, project)
    assert resolve_export_root("exports/parquet", project) == project / "exports" / "parquet"
    assert resolve_export_root(str(home / "exports"), project) == home / "exports"
    with pytest.raises(ExportFolderError, match="export_path is empty"):
        resolve_export_root("", project)


def test_the_build_context_refuses_them_too(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for path in ("/", "exports/..", str(tmp_path), str(PROJECT_ROOT), ".", "models/.."):
        context = BuildContext("id", "build", str(PROJECT_ROOT), vars={"export_path": path})
        with pytest.raises(ExportFolderError, match="refuses it"):
            context.export_root()


# --------------------------------------------------------------------------------------------
# the earlier version's export folder is adopted


def test_an_export_folder_of_the_earlier_version_is_adopted(tmp_path):
    root = tmp_path / "exports"
    ids = legacy_folder(root)
    (root / "builds" / f".{uuid.uuid4()}.partial").mkdir()  # a kill of the earlier version
    before = tree(root)
    folder = ExportFolder.claim(root)
    assert folder.builds == ids  # oldest first
    assert json.loads((root / MARKER).read_text(encoding="utf-8"))["builds"] == ids
    after = tree(root)
    del after[MARKER]
    assert after == before  # only the marker was added
    assert folder.current_build() == ids[-1]


def test_a_folder_that_only_looks_like_the_earlier_versions_is_refused(tmp_path):
    cases = {
        "user folder in builds": lambda root: (root / "builds" / "2023").mkdir(),
        "manifest of another build": lambda root: (root / "builds" / legacy_id(root) / "_manifest.json").write_text(
            json.dumps({"build_id": "someone-else"}), encoding="utf-8"
        ),
        "extra file": lambda root: (root / "notes.txt").write_text("x", encoding="utf-8"),
        "current elsewhere": lambda root: (os.remove(root / "current"), os.symlink("/tmp", root / "current")),
        "user partial": lambda root: (root / "builds" / ".x.partial").mkdir(),
    }
    for case, spoil in cases.items():
        root = tmp_path / case.replace(" ", "_")
        legacy_folder(root, builds=2)
        spoil(root)
        before = tree(root)
        with pytest.raises(ExportFolderError):
            ExportFolder.claim(root)
        assert tree(root) == before, case


def legacy_id(root: Path) -> str:
    return sorted(p.name for p in (root / "builds").iterdir())[0]


# --------------------------------------------------------------------------------------------
# clean-up deletes only the project's own builds


def test_clean_up_deletes_only_builds_the_marker_lists(tmp_path):
    root = tmp_path / "exports"
    adopted = legacy_folder(root, builds=3)
    folder = ExportFolder.claim(root)
    # after the adoption, the user drops folders of their own into builds/
    (root / "builds" / "mine").mkdir()
    (root / "builds" / "mine" / "file.txt").write_text("mine", encoding="utf-8")
    (root / "builds" / ".y.partial").mkdir()
    strangers_id = fake_build(root)  # a build folder (by its shape) the marker does not list
    unfinished = str(uuid.uuid4())
    folder.remember(unfinished)
    folder.partial_folder(unfinished).mkdir()  # one of ours, killed while writing
    new = fake_build(root)
    folder.remember(new)
    folder.swap_current(new)
    keep_user = {k: v for k, v in tree(root).items() if k.startswith(("builds/mine", "builds/.y.partial", f"builds/{strangers_id}"))}

    warnings = folder.remove_old_builds(keep=2, protect=new)

    assert warnings == []
    left = sorted(p.name for p in (root / "builds").iterdir())
    assert left == sorted([".y.partial", "mine", strangers_id, adopted[-1], new])
    assert {k: v for k, v in tree(root).items() if k in keep_user} == keep_user
    assert json.loads((root / MARKER).read_text(encoding="utf-8"))["builds"] == [adopted[-1], new]


def test_clean_up_never_deletes_the_published_build(tmp_path):
    root = tmp_path / "exports"
    folder = ExportFolder.claim(root)
    ids = [fake_build(root) for _ in range(3)]
    for build_id in ids:
        folder.remember(build_id)
    folder.swap_current(ids[0])  # the oldest is the published one
    assert folder.remove_old_builds(keep=1, protect=ids[0]) == []
    assert sorted(p.name for p in (root / "builds").iterdir()) == sorted([ids[0], ids[2]])


# --------------------------------------------------------------------------------------------
# current.json


def test_the_pointer_file_names_the_build_and_is_replaced_in_one_rename(tmp_path):
    root = tmp_path / "exports"
    folder = ExportFolder.claim(root)
    first, second = fake_build(root), fake_build(root)
    folder.remember(first)
    folder.replace_pointer(folder.prepare_pointer(first, datetime(2026, 12, 1, 14, 30, 48, 123456)))
    assert json.loads((root / "current.json").read_text(encoding="utf-8")) == {
        "build_id": first, "folder": f"builds/{first}", "finished_at": "2026-12-01T14:30:48.123456Z",
    }
    inode = (root / "current.json").stat().st_ino
    prepared = folder.prepare_pointer(second, datetime(2026, 12, 2))
    prepared_inode = prepared.stat().st_ino
    # prepared beside it: current.json still names the first build, whole
    assert json.loads((root / "current.json").read_text(encoding="utf-8"))["build_id"] == first
    assert prepared.parent == root and prepared.name.startswith(".")
    folder.replace_pointer(prepared)
    pointer = json.loads((root / "current.json").read_text(encoding="utf-8"))
    assert pointer["build_id"] == second and pointer["finished_at"] == "2026-12-02T00:00:00Z"
    # the prepared file renamed over the old one, never rewritten in place
    assert (root / "current.json").stat().st_ino == prepared_inode != inode
    assert not prepared.exists()
    assert (root / pointer["folder"] / "_manifest.json").is_file()


def test_settle_repairs_the_pointer_file_after_a_kill_between_the_swap_and_its_rename(tmp_path):
    """The symlink already names the new build, current.json still the old one (or is missing):
    the next build's settle rewrites current.json from the symlink, and the views follow it."""
    root = tmp_path / "exports"
    folder = ExportFolder.claim(root)
    old, new = fake_build(root), fake_build(root, written_at="2026-03-04T05:06:07.000008Z")
    for build_id in (old, new):
        folder.remember(build_id)
    folder.swap_current(old)
    folder.replace_pointer(folder.prepare_pointer(old, datetime(2026, 1, 1)))
    folder.prepare_pointer(new, datetime(2026, 3, 4))  # prepared, never renamed: the kill
    folder.swap_current(new)
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema ops; create table ops.build_runs (build_id varchar, status varchar, reason varchar, published_at timestamp)")
        con.execute("insert into ops.build_runs values (?, 'publishing', null, '2026-03-04 05:06:07.5')", [new])
        settle(con, root)
        assert json.loads((root / "current.json").read_text(encoding="utf-8")) == {
            "build_id": new, "folder": f"builds/{new}", "finished_at": "2026-03-04T05:06:07.500000Z",
        }
        assert con.execute("select status from ops.build_runs").fetchone()[0] == "published"
        assert con.execute("select * from marts.dim_x").fetchall() == [(1,)]
        (root / "current.json").unlink()
        con.execute("delete from ops.build_runs")
        settle(con, root)  # without a log row: the manifest's time
    assert json.loads((root / "current.json").read_text(encoding="utf-8"))["finished_at"] == "2026-03-04T05:06:07.000008Z"


def test_settle_reads_and_writes_nothing_in_a_folder_of_the_users(tmp_path):
    root = users_folder(tmp_path / "mine")
    os.remove(root / "current")
    build_id = fake_build(root)
    os.symlink(f"builds/{build_id}", root / "current")  # looks published, but no marker, a user folder beside
    before = tree(root)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema ops; create table ops.build_runs (build_id varchar, status varchar, reason varchar, published_at timestamp)")
        settle(con, root)
        assert con.execute("select count(*) from duckdb_views() where schema_name = 'marts'").fetchone()[0] == 0
    assert tree(root) == before
