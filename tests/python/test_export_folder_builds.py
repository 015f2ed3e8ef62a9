"""The export folder belongs to the project, through dbt: a folder of the user's, `/`, home and
the project root are refused before anything is built and left exactly as they were; the earlier
version's export folder is adopted and cleaned of only its own builds; current.json names a
whole build, also after a kill around the swap. Unit tests of the same: test_export_folder.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from conftest import (
    HAND_FIXTURE,
    PROJECT_ROOT,
    build,
    build_vars,
    copy_published,
    export_snapshot,
    published_build_id,
    query,
    run_dbt,
    tree,
)
from styringsoverblik.export_folder import MARKER
from styringsoverblik.publish import relocate
from test_export_folder import fake_build, users_folder
from test_publish import (  # noqa: F401 (fixtures)
    assert_nothing_published,
    assert_whole_build,
    expected,
    kill_when,
    published_a,
    start_build,
)


def build_log(workdir: Path) -> str:
    """What `styringsoverblik builds` prints for the warehouse (the newest attempts first)."""
    script = str(Path(sys.executable).with_name("styringsoverblik"))
    shown = subprocess.run([script, "builds", "--database", str(workdir / "warehouse.duckdb")], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def assert_refused_before_building(run, workdir: Path, *phrases: str) -> None:
    """Non-zero, one clean message, no node ran, and the attempt is logged failed with it."""
    assert run.returncode != 0
    for phrase in phrases:
        assert run.output.count(phrase) == 1, (phrase, run.output[-3000:])
    assert "Traceback" not in run.output and "keyboard interrupt" not in run.output
    assert "OK created" not in run.output and "loaded seed" not in run.output
    latest = build_log(workdir).splitlines()[1]
    assert " failed " in latest and phrases[0] in latest, latest


@pytest.mark.parametrize("command", ["build", "run"])
def test_a_folder_of_the_users_is_refused_before_anything_is_built(published_a, tmp_path, command):
    before, workdir, before_id = published_a
    mine = users_folder(tmp_path / "my documents")
    listing = tree(mine)

    run = build(HAND_FIXTURE, workdir, command=command, export_path=str(mine))

    assert_refused_before_building(run, workdir, f"The export folder '{mine}'", "did not create")
    assert tree(mine) == listing
    assert_nothing_published(before, workdir, before_id)


def test_root_home_and_the_project_root_are_refused(published_a, tmp_path):
    before, workdir, before_id = published_a
    home = users_folder(tmp_path / "home")  # HOME for the build; a real home is full of files too
    listing = tree(home)
    for export_path, env in (
        (os.path.relpath("/", PROJECT_ROOT), {}),  # '/' written as ../../..
        (str(tmp_path / "home"), {"HOME": str(home)}),
        (".", {}),
    ):
        run = run_dbt("build", workdir / "warehouse.duckdb", build_vars(HAND_FIXTURE, workdir, export_path=export_path), env=env)
        assert_refused_before_building(run, workdir, "(var export_path) is ", "refuses it")
    assert tree(home) == listing
    assert not (PROJECT_ROOT / MARKER).exists() and not Path("/", MARKER).exists()
    assert_nothing_published(before, workdir, before_id)


def test_the_earlier_versions_export_folder_is_adopted_and_only_its_builds_go(sample_build, expected, tmp_path):
    """A folder as the earlier version left it: builds with manifests (two older than the
    published one), `current`, a .partial a kill left. The build adopts it, publishes B, keeps
    one build and deletes only builds the earlier version wrote."""
    workdir = copy_published(sample_build, tmp_path / "work")
    exports = workdir / "exports"
    (exports / MARKER).unlink()
    (exports / "current.json").unlink()
    older = [fake_build(exports, written_at="2020-01-01T00:00:00Z"), fake_build(exports, written_at="2020-01-02T00:00:00Z")]
    leftover = exports / "builds" / ".0b7e8a94-8bde-4b1e-a1a4-91c53a7d7b3f.partial"
    leftover.mkdir()
    (leftover / "dim_x.parquet").write_bytes(b"half")
    a_id = published_build_id(workdir / "warehouse.duckdb")

    run = build(HAND_FIXTURE, workdir, export_keep_builds=1)

    assert run.returncode == 0, run.output[-3000:]
    assert assert_whole_build(workdir, expected) == "B"
    b_id = published_build_id(workdir / "warehouse.duckdb")
    assert sorted(p.name for p in (exports / "builds").iterdir()) == sorted([b_id, leftover.name])
    assert (leftover / "dim_x.parquet").read_bytes() == b"half"  # not the project's to delete
    marker = json.loads((exports / MARKER).read_text(encoding="utf-8"))
    assert marker["project"] == "styringsoverblik" and marker["builds"] == [b_id]
    assert a_id not in marker["builds"] and not set(older) & set(marker["builds"])
    (current,) = query(workdir / "warehouse.duckdb", "select build_id, finished_at from marts.dim_builds where is_current")
    pointer = json.loads((exports / "current.json").read_text(encoding="utf-8"))
    assert pointer == {
        "build_id": b_id, "folder": f"builds/{b_id}", "finished_at": current["finished_at"].isoformat() + "Z",
    }


# --------------------------------------------------------------------------------------------
# current.json after a kill around the swap


def assert_pointer_names_a_whole_build(exports: Path) -> str:
    pointer = json.loads((exports / "current.json").read_text(encoding="utf-8"))
    assert set(pointer) == {"build_id", "folder", "finished_at"} and pointer["finished_at"].endswith("Z")
    folder = exports / pointer["folder"]
    assert pointer["folder"] == f"builds/{pointer['build_id']}" and not folder.is_symlink()
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["build_id"] == pointer["build_id"]
    with duckdb.connect() as con:
        for entry in manifest["tables"].values():
            count = con.execute("select count(*) from read_parquet(?)", [str(folder / entry["file"])]).fetchone()[0]
            assert count == entry["rows"]
    return pointer["build_id"]


@pytest.mark.parametrize("moment", ["Parquet set complete", "symlink moved", "pointer replaced"])
def test_after_a_kill_around_the_swap_the_symlink_and_current_json_each_name_a_whole_build(
    sample_build, expected, tmp_path, moment
):
    workdir = copy_published(sample_build, tmp_path / "work")
    exports = workdir / "exports"
    builds = exports / "builds"
    folders_before = {p.name for p in builds.iterdir()}
    link_before = os.readlink(exports / "current")
    pointer_before = (exports / "current.json").read_text(encoding="utf-8")
    a_id = json.loads(pointer_before)["build_id"]
    process = start_build(workdir, HAND_FIXTURE, output=subprocess.PIPE)
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(process.stdout), daemon=True)
    reader.start()
    condition = {
        "Parquet set complete": lambda: {p.name for p in builds.iterdir() if not p.name.startswith(".")} != folders_before,
        "symlink moved": lambda: os.readlink(exports / "current") != link_before,
        "pointer replaced": lambda: (exports / "current.json").read_text(encoding="utf-8") != pointer_before,
    }[moment]
    killed = kill_when(process, condition)
    reader.join()

    state = assert_whole_build(workdir, expected)  # the symlink (and the DuckDB marts) name one whole build
    linked = export_snapshot(exports)[0]
    pointed = assert_pointer_names_a_whole_build(exports)
    # current.json is replaced right after the swap: it names what the symlink names, or for a
    # moment still the previous build (never a newer one than the symlink)
    assert pointed == linked or (state == "B" and pointed == a_id), (moment, state)
    if moment in ("symlink moved", "pointer replaced") or not killed:
        assert state == "B"
    if moment == "pointer replaced" or not killed:
        assert pointed == linked
    # the next build (here its first step, settle) makes current.json name what the symlink names
    relocate(workdir / "warehouse.duckdb", exports)
    assert assert_pointer_names_a_whole_build(exports) == linked
