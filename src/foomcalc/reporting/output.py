"""Writing a report folder atomically: all of it, or nothing (an older report stays).

Files are written into a hidden temporary sibling folder and swapped into place only
when complete; an interrupted run (Ctrl-C, a crash) leaves the previous report as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from foomcalc.errors import InputError

REPORT_MARKER = "summary.json"


def check_output_folder(out_dir: Path, force: bool = True) -> bool:
    """Refuse a target that exists and is not a foomcalc report (never clobber user files);
    with `force` False also refuse to replace an existing report. Returns True when an
    existing report will be replaced."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("the output path exists and is not a folder", source=out_dir)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / REPORT_MARKER).exists():
        raise InputError(
            "the output folder is not empty and holds no foomcalc report (no summary.json); "
            "choose another --out", source=out_dir)
    replaces = (out_dir / REPORT_MARKER).is_file()
    if replaces and not force:
        raise InputError("a report is already there; add --force to replace it, or choose "
                         "another --out", source=out_dir)
    parent = out_dir.resolve().parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True)
        except OSError as exc:
            raise InputError(f"cannot create the output folder's parent ({exc.strerror})",
                             source=parent) from None
    if not os.access(parent, os.W_OK):
        raise InputError("the output folder's parent is not writable", source=parent)
    return replaces


def write_atomically(out_dir: Path, fill: Callable[[Path], None]) -> None:
    """Call `fill(tmp)` to write a complete folder, then move it to `out_dir`."""
    out_dir = out_dir.resolve()
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        fill(tmp)
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write indented JSON (indent 2, keys in their order; NaN refused)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


def write_json_atomically(path: Path, data: dict) -> None:
    """Write compact JSON (indent 1) to a temporary file, then rename: never a
    half-written file (survey results, written while a survey runs)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, allow_nan=False))
    tmp.replace(path)
