"""The export folder belongs to the project: what the publish step may create, replace and delete.

The folder named by the var ``export_path`` holds the published Parquet sets::

    <export_path>/.styringsoverblik-export.json   the marker: this folder is the project's, and
                                                  the build ids whose folders it created
    <export_path>/builds/<build_id>/              one whole build (Parquet files, _manifest.json)
    <export_path>/builds/.<build_id>.partial/     a build being written (renamed when complete)
    <export_path>/current                         symlink to builds/<build_id>: the published set
    <export_path>/current.json                    the same as a file, for readers that cannot
                                                  follow symlinks (a Windows file share)

The publish step touches nothing else. A folder is used only when it is new, empty, carries the
marker, or is an export folder written by the project's earlier version (``builds/<id>/`` each
with its ``_manifest.json``, the ``current`` symlink, maybe ``current.json``), which is adopted:
the marker is written listing those builds. Any other folder is refused before anything is
built, as are ``/``, the project root and the home directory themselves. Clean-up deletes only
build folders (and their ``.partial`` folders) whose ids the marker lists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from styringsoverblik.display import show_bare

PROJECT = "styringsoverblik"
MARKER = ".styringsoverblik-export.json"
MARKER_FORMAT = 1
BUILDS = "builds"
CURRENT = "current"
POINTER_FILE = "current.json"
MANIFEST = "_manifest.json"
# Build ids are dbt invocation ids (UUIDs).
BUILD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Left by the earlier version (or a kill) beside a legacy export: the symlink being swapped in.
LEGACY_LINK_TMP = ".current.tmp"
# The marker being written (write_atomically) when a kill came: the folder is still unclaimed.
MARKER_TMP = re.compile(re.escape(f".{MARKER}.") + r"\d+\.tmp")
MANIFEST_MAX_BYTES = 10_000_000
ENTRIES_SHOWN = 5
ADVICE = (
    "Set the var export_path to a new or empty folder (or one this project created), "
    "e.g. --vars '{export_path: exports/parquet}'."
)


class ExportFolderError(Exception):
    """The export folder cannot be used; the message names it and says what to do."""


def resolve_export_root(export_path: str, project_root: Path) -> Path:
    """The export folder as an absolute path without symlinks; `/`, the project root and the
    home directory themselves are refused, however they are written."""
    if not export_path:
        raise ExportFolderError(
            "The var export_path is empty: it must name the folder the published Parquet sets live in "
            "(default exports/parquet); the DuckDB schema marts reads the published set from there. "
            "Nothing was published."
        )
    path = Path(export_path)
    root = (path if path.is_absolute() else project_root / path).resolve()
    forbidden = {
        Path("/").resolve(): "the file system's root",
        project_root.resolve(): "the project's own folder",
        Path.home().resolve(): "the home directory",
    }
    if root in forbidden:
        raise ExportFolderError(
            f"The export folder '{show_bare(export_path)}' (var export_path) is {forbidden[root]} ({show_bare(str(root))}): "
            f"the publish step creates and deletes build folders there, so it refuses it. Nothing was "
            f"published. {ADVICE}"
        )
    return root


def utc_iso(moment: datetime) -> str:
    """A naive UTC timestamp as ISO 8601 with the Z suffix."""
    return moment.replace(tzinfo=None).isoformat() + "Z"


def write_atomically(path: Path, text: str) -> None:
    """Replace the file with text in one step: written beside it, synced, renamed, folder synced."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync(path.parent)


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path: Path) -> dict | None:
    """A small JSON object from the disk, or None when it is not one."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MANIFEST_MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_build_id(name: str) -> bool:
    return bool(BUILD_ID.fullmatch(name))


def link_target(link: Path) -> str | None:
    """The build id a `current` symlink names (`builds/<id>`), or None."""
    if not link.is_symlink():
        return None
    target = os.readlink(link)
    parts = Path(target).parts
    return parts[1] if len(parts) == 2 and parts[0] == BUILDS and is_build_id(parts[1]) else None


def legacy_builds(root: Path) -> list[str] | None:
    """The build ids of an export folder written by the project's earlier version (no marker:
    builds/<id>/ each with its _manifest.json, `current` symlinked to one of them, maybe
    current.json, hidden .<id>.partial folders a kill left), oldest first; None when the folder
    holds anything else."""
    builds_dir = root / BUILDS
    if builds_dir.is_symlink() or not builds_dir.is_dir():
        return None
    found: dict[str, str] = {}
    for entry in builds_dir.iterdir():
        if entry.is_symlink() or not entry.is_dir():
            return None
        name = entry.name
        if name.startswith(".") and name.endswith(".partial") and is_build_id(name[1:-len(".partial")]):
            continue  # a build the earlier version never finished: left alone
        manifest = read_json(entry / MANIFEST)
        if not is_build_id(name) or manifest is None or manifest.get("build_id") != name:
            return None
        found[name] = str(manifest.get("written_at", ""))
    for entry in root.iterdir():
        if entry.name == BUILDS or MARKER_TMP.fullmatch(entry.name):
            continue
        if entry.name == CURRENT and link_target(entry) in found:
            continue
        if entry.name == LEGACY_LINK_TMP and link_target(entry) is not None:
            continue
        if entry.name == POINTER_FILE and read_json(entry) is not None:
            continue
        return None
    if not found and not (root / CURRENT).is_symlink():
        return None  # an empty builds/ alone is nothing the project wrote
    return sorted(found, key=lambda build_id: (found[build_id], build_id))


def describe_entries(root: Path) -> str:
    """A few of the folder's entries, for a refusal message."""
    names = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name)[: ENTRIES_SHOWN + 1]:
        kind = "symlink" if entry.is_symlink() else "folder" if entry.is_dir() else "file"
        names.append(f"'{show_bare(entry.name, 60)}' ({kind})")
    more = ", …" if len(names) > ENTRIES_SHOWN else ""
    return ", ".join(names[:ENTRIES_SHOWN]) + more


@dataclass
class ExportFolder:
    """An export folder the project owns (its marker lists the builds it created), or one of the
    earlier version's, recognised but not yet adopted (``has_marker`` False)."""

    root: Path
    builds: list[str] = field(default_factory=list)  # oldest first
    has_marker: bool = True

    # ---- reading --------------------------------------------------------------------------

    @classmethod
    def inspect(cls, root: Path) -> "ExportFolder | None":
        """The folder as the project's (marker) or the earlier version's; None otherwise.
        Reads only."""
        try:
            if root.is_symlink() or not root.is_dir():
                return None
            marker = read_json(root / MARKER)
            if marker is not None and marker.get("project") == PROJECT:
                builds = [b for b in marker.get("builds", []) if isinstance(b, str) and is_build_id(b)]
                return cls(root, builds, True)
            if (root / MARKER).exists():
                return None
            legacy = legacy_builds(root)
        except OSError:
            return None
        return cls(root, legacy, False) if legacy is not None else None

    def owns(self, build_id: str) -> bool:
        return build_id in self.builds

    def current_build(self) -> str | None:
        """The build the `current` symlink names, if it is one of the folder's own."""
        build_id = link_target(self.root / CURRENT)
        return build_id if build_id is not None and self.owns(build_id) else None

    def build_folder(self, build_id: str) -> Path:
        return self.root / BUILDS / build_id

    def partial_folder(self, build_id: str) -> Path:
        return self.root / BUILDS / f".{build_id}.partial"

    # ---- claiming -------------------------------------------------------------------------

    @classmethod
    def claim(cls, root: Path) -> "ExportFolder":
        """The export folder, made the project's: created with its marker when absent or empty,
        adopted when the earlier version wrote it, checked to be writable. Anything else is
        refused with an ExportFolderError, before anything is built."""
        where = f"The export folder '{show_bare(str(root))}' (var export_path)"
        if root.is_symlink() and not root.exists():
            raise ExportFolderError(f"{where} is a symlink to nothing. Nothing was published. {ADVICE}")
        if root.exists() and not root.is_dir():
            raise ExportFolderError(
                f"{where} is a file, not a folder. Nothing was published. {ADVICE}"
            )
        try:
            root.mkdir(parents=True, exist_ok=True)
            entries = [entry for entry in root.iterdir() if not MARKER_TMP.fullmatch(entry.name)]
        except OSError as error:
            raise ExportFolderError(
                f"{where} cannot be created or read: {error.strerror or error}"
                f"{' (' + show_bare(str(error.filename)) + ')' if error.filename else ''}. Nothing was published. "
                f"published. Make sure the user running dbt may create and write that folder, or {ADVICE[0].lower()}{ADVICE[1:]}"
            ) from None
        folder = cls.inspect(root) if entries else cls(root, [], False)
        if folder is None:
            if (root / MARKER).exists():
                raise ExportFolderError(
                    f"{where} has a marker {MARKER} that is not this project's (or cannot be read). "
                    f"Nothing was published. {ADVICE}"
                )
            raise ExportFolderError(
                f"{where} already holds files this project did not create ({describe_entries(root)}) and no "
                f"marker {MARKER}: the publish step creates, replaces and deletes files in its export folder, "
                f"so it never uses a folder of someone else's. Nothing was published. {ADVICE}"
            )
        folder.check_layout()
        folder.save()  # writes (or adopts with) the marker: also the proof the folder is writable
        try:
            (root / BUILDS).mkdir(exist_ok=True)
        except OSError as error:
            raise folder.write_error(error) from None
        if not os.access(root / BUILDS, os.W_OK | os.X_OK):
            raise folder.write_error(PermissionError(13, "Permission denied", str(root / BUILDS)))
        return folder

    def check_layout(self) -> None:
        """The names the publish step writes are free or its own."""
        where = f"The export folder '{show_bare(str(self.root))}' (var export_path)"
        current = self.root / CURRENT
        if (current.exists() or current.is_symlink()) and self.current_build() is None:
            kind = "a symlink to something else" if current.is_symlink() else "a folder" if current.is_dir() else "a file"
            raise ExportFolderError(
                f"{where} holds '{CURRENT}' as {kind}, not the project's symlink to one of its builds: the publish "
                f"step would replace it. Nothing was published. Move it away, or {ADVICE[0].lower()}{ADVICE[1:]}"
            )
        for name in (BUILDS, POINTER_FILE):
            path = self.root / name
            wrong = path.is_symlink() or (path.exists() and (path.is_dir() != (name == BUILDS)))
            if wrong:
                raise ExportFolderError(
                    f"{where} holds '{name}' as something the project did not write (a symlink, or a "
                    f"{'file' if name == BUILDS else 'folder'}). Nothing was published. Move it away, "
                    f"or {ADVICE[0].lower()}{ADVICE[1:]}"
                )

    def write_error(self, error: OSError) -> ExportFolderError:
        target = show_bare(str(error.filename)) if error.filename else show_bare(str(self.root))
        return ExportFolderError(
            f"The export folder '{show_bare(str(self.root))}' (var export_path) cannot be written ('{target}': "
            f"{error.strerror or error}). Nothing was published; Power BI keeps the published build. Make the "
            f"folder writable for the user running dbt (and check the disk has room), or {ADVICE[0].lower()}{ADVICE[1:]}"
        )

    def save(self) -> None:
        """Write the marker listing the folder's builds (atomically)."""
        marker = {
            "project": PROJECT,
            "format": MARKER_FORMAT,
            "about": (
                "This folder is the styringsoverblik project's export folder (var export_path). The publish "
                "step writes, replaces and deletes only the build folders listed here, builds/.<id>.partial "
                "of those builds, 'current' and 'current.json'. Do not keep other files here."
            ),
            "builds": self.builds,
        }
        try:
            write_atomically(self.root / MARKER, json.dumps(marker, indent=2) + "\n")
        except OSError as error:
            raise self.write_error(error) from None
        self.has_marker = True

    def remember(self, build_id: str) -> None:
        """List a build as the folder's own, before its folder is created."""
        if build_id not in self.builds:
            self.builds.append(build_id)
            self.save()

    # ---- the published set ----------------------------------------------------------------

    def swap_current(self, build_id: str) -> None:
        """Point the symlink `current` at builds/<build_id> with one rename: the commit point."""
        temporary = self.root / f".{CURRENT}.{build_id}.tmp"
        if temporary.is_symlink():  # an earlier attempt of this very build
            temporary.unlink()
        os.symlink(f"{BUILDS}/{build_id}", temporary)
        os.replace(temporary, self.root / CURRENT)
        fsync(self.root)

    def pointer_text(self, build_id: str, finished_at: datetime) -> str:
        return json.dumps(
            {"build_id": build_id, "folder": f"{BUILDS}/{build_id}", "finished_at": utc_iso(finished_at)}, indent=2
        ) + "\n"

    def prepare_pointer(self, build_id: str, finished_at: datetime) -> Path:
        """current.json's next content, written and synced beside it (before the commit point)."""
        temporary = self.root / f".{POINTER_FILE}.{build_id}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(self.pointer_text(build_id, finished_at))
            handle.flush()
            os.fsync(handle.fileno())
        return temporary

    def replace_pointer(self, prepared: Path) -> None:
        """current.json replaced by the prepared file in one rename."""
        os.replace(prepared, self.root / POINTER_FILE)
        fsync(self.root)

    def read_pointer(self) -> dict | None:
        return read_json(self.root / POINTER_FILE)

    def repair_pointer(self, finished_at: datetime | None) -> bool:
        """Make current.json name the build the symlink names (after a kill between the swap and
        the pointer's replacement); True when it was rewritten."""
        build_id = self.current_build()
        if build_id is None or not self.has_marker:
            return False
        pointer = self.read_pointer()
        if pointer is not None and pointer.get("build_id") == build_id and pointer.get("folder") == f"{BUILDS}/{build_id}":
            return False
        if finished_at is None:
            manifest = read_json(self.build_folder(build_id) / MANIFEST) or {}
            written = str(manifest.get("written_at", "")).rstrip("Z")
            try:
                finished_at = datetime.fromisoformat(written)
            except ValueError:
                finished_at = datetime.fromtimestamp(self.build_folder(build_id).stat().st_mtime)
        self.replace_pointer(self.prepare_pointer(build_id, finished_at))
        return True

    # ---- clean-up -------------------------------------------------------------------------

    def start_partial(self, build_id: str) -> Path:
        """A new, empty hidden folder builds/.<build_id>.partial for a build's Parquet set (an
        earlier attempt's is discarded first; the marker lists the build already)."""
        self.discard_partial(build_id)
        partial = self.partial_folder(build_id)
        partial.mkdir()
        return partial

    def finish_partial(self, build_id: str, tables: dict[str, dict], written_at: datetime) -> Path:
        """Complete the set written into start_partial's folder: its _manifest.json (the tables
        with file, rows and bytes), synced, then the folder renamed to builds/<build_id> in one
        step (an earlier, never published folder of this build replaced). Returns the folder."""
        partial, final = self.partial_folder(build_id), self.build_folder(build_id)
        manifest = {"build_id": build_id, "written_at": utc_iso(written_at), "tables": tables}
        manifest_path = partial / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        fsync(manifest_path)
        if final.is_dir() and not final.is_symlink():
            shutil.rmtree(final)
        os.replace(partial, final)
        fsync(final.parent)
        return final

    def discard_partial(self, build_id: str) -> None:
        """Remove this attempt's own unfinished folder (after a failure before the commit point)."""
        partial = self.partial_folder(build_id)
        if partial.is_dir() and not partial.is_symlink() and self.owns(build_id):
            shutil.rmtree(partial, ignore_errors=True)

    def remove_old_builds(self, keep: int, protect: str) -> list[str]:
        """Delete the folder's own builds beyond the newest `keep` finished ones (never the
        published one, nor `protect`), and their .partial folders; forget what is gone.
        Returns warnings (nothing here may fail a build that is already published)."""
        published = self.current_build()
        finished = [b for b in self.builds if (self.build_folder(b) / MANIFEST).is_file()]
        kept = set(finished[-keep:]) | {published, protect}
        warnings = []
        remaining = []
        for build_id in self.builds:
            if build_id in kept:
                remaining.append(build_id)
                continue
            try:
                for folder in (self.build_folder(build_id), self.partial_folder(build_id)):
                    if folder.is_symlink():
                        continue  # not what the project created: left alone
                    if folder.is_dir():
                        shutil.rmtree(folder)
            except OSError as error:
                remaining.append(build_id)
                inside = f" ('{show_bare(str(error.filename))}')" if error.filename else ""
                warnings.append(
                    f"old build folder '{show_bare(str(folder))}' not removed{inside}: {error.strerror or error}; "
                    "it stays listed and is removed by a later build"
                )
        if remaining != self.builds:
            self.builds = remaining
            try:
                self.save()
            except ExportFolderError as error:
                warnings.append(str(error))
        return warnings
