"""Write the Power BI Project (PBIP) folder: the .pbip file, the semantic model (TMDL) and the
report (PBIR), each file replaced atomically.

The generator owns the files it writes, listed in `<out>/.styringsoverblik-powerbi.json`: a later
run replaces them and removes those the model no longer has. A file it did not write (one Power BI
Desktop adds, such as `.pbi/localSettings.json` or `cache.abf`, or anything else) is never touched;
if a file to be written exists and is not on that list, the run stops naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from pathlib import Path

from styringsoverblik.powerbi import report, tmdl
from styringsoverblik.powerbi.measures import MEASURES, available
from styringsoverblik.powerbi.model import Model, ModelError

NAME = "Styringsoverblik"
SEMANTIC_MODEL = f"{NAME}.SemanticModel"
REPORT = f"{NAME}.Report"
RECORD = ".styringsoverblik-powerbi.json"


def project_files(model: Model) -> tuple[dict[str, str], list[str]]:
    """Every file of the project (path relative to the output folder -> text), and notes."""
    measures, notes = available(MEASURES, lambda table, column: bool(model.table(table) and model.table(table).column(column)))
    out: dict[str, str] = {
        f"{NAME}.pbip": report.dump({
            "$schema": report.SCHEMAS["pbip"],
            "version": "1.0",
            "artifacts": [{"report": {"path": REPORT}}],
            "settings": {"enableAutoRecovery": True},
        }),
        f"{SEMANTIC_MODEL}/definition.pbism": report.dump({
            "$schema": report.SCHEMAS["pbism"],
            "version": "4.2",
            "settings": {},
        }),
        f"{SEMANTIC_MODEL}/.platform": platform("SemanticModel"),
        f"{REPORT}/.platform": platform("Report"),
    }
    for path, text in tmdl.files(model, measures).items():
        out[f"{SEMANTIC_MODEL}/definition/{path}"] = text
    for path, text in report.files(model, measures, SEMANTIC_MODEL).items():
        out[f"{REPORT}/{path}"] = text
    return out, notes


def platform(kind: str) -> str:
    return report.dump({
        "$schema": report.SCHEMAS["platform"],
        "metadata": {"type": kind, "displayName": NAME},
        "config": {"version": "2.0", "logicalId": str(uuid.uuid5(tmdl.NAMESPACE, f"platform/{kind}"))},
    })


def write_project(out: Path, files: dict[str, str]) -> list[str]:
    """Write the files under `out`; returns the paths written (relative)."""
    out.mkdir(parents=True, exist_ok=True)
    record_path = out / RECORD
    previous: list[str] = []
    if record_path.exists():
        try:
            previous = list(json.loads(record_path.read_text(encoding="utf-8"))["files"])
        except (ValueError, KeyError, TypeError) as error:
            raise ModelError(f"{record_path}: not this generator's record of its files ({error}); remove it or pick another --out") from error
    owned = set(previous)
    for relative in files:
        target = out / relative
        if (target.exists() or target.is_symlink()) and relative not in owned:
            raise ModelError(
                f"{target} exists and was not written by `styringsoverblik powerbi`: not overwriting it"
                " (move it away or pick another --out)"
            )
    for relative, text in sorted(files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(target, text.encode("utf-8"))
    for relative in previous:
        if relative not in files:
            stale = out / relative
            if stale.is_file():
                stale.unlink()
    record = {
        "generator": "styringsoverblik powerbi",
        "files": sorted(files),
        "sha256": {path: hashlib.sha256(text.encode("utf-8")).hexdigest() for path, text in sorted(files.items())},
    }
    replace_file(record_path, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return sorted(files)


def replace_file(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
