"""Writing a report folder atomically: all of it, or nothing (an older report stays),
and by one writer at a time.

Files are written into a hidden temporary sibling folder `.<name>.tmp-<pid>` and swapped
into place only when complete; an interrupted run (Ctrl-C, a crash) leaves the previous
report as it was. A writer first claims the folder (`claim_folder`: an exclusive
`flock` on the sibling `.<name>.lock`, which the kernel releases when the process dies,
even by SIGKILL); a second writer is refused naming the first. Under the claim, the
temporaries of dead writers are removed (a report a killed swap left aside is put back).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from foomcalc.errors import InputError

REPORT_MARKER = "summary.json"
#: Claims this process holds: (lock file, thread id) -> [fd, depth] (re-entrant per thread).
_HELD: dict[tuple[Path, int], list[int]] = {}
_HELD_GUARD = threading.Lock()


def check_output_folder(out_dir: Path, force: bool = True) -> bool:
    """Refuse a target that exists and is not a foomcalc report (never clobber user files);
    with `force` False also refuse to replace an existing report. Returns True when an
    existing report will be replaced."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("the output path exists and is not a folder", source=out_dir)
    check_folder_can_be_made(out_dir)
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


def check_folder_can_be_made(out_dir: Path) -> None:
    """InputError when a folder cannot be made at `out_dir` because a file is in the way:
    its nearest existing ancestor must be a folder (`--out some/file.txt/sub` is refused
    before any work, not when the result is written)."""
    blocker = next((a for a in Path(os.path.abspath(out_dir)).parents if a.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise InputError(f"{blocker} is a file, so no folder can be made inside it; choose "
                         "another --out", source=out_dir)


def write_atomically(out_dir: Path, fill: Callable[[Path], None]) -> None:
    """Call `fill(tmp)` to write a complete folder, then move it to `out_dir`; under the
    folder's claim (`claim_folder`), so a second writer is refused, not interleaved."""
    out_dir = out_dir.resolve()
    with claim_folder(out_dir):
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


@contextlib.contextmanager
def claim_folder(out_dir: Path) -> Iterator[None]:
    """Be the one writer of report folder `out_dir` while the block runs.

    Takes an exclusive, non-blocking `flock` on `.<name>.lock` beside the folder (creating
    the parent if needed) and writes who holds it (pid, command, start time) into it; a
    claim held elsewhere raises InputError naming that writer. Re-entrant within a
    thread. Under the claim, temporaries of dead writers are cleared
    (`remove_stale_temporaries`); on exit the lock file is removed. A killed holder's
    lock is released by the kernel; its file is reused and removed by the next writer."""
    out_dir = Path(out_dir).resolve()
    lock = out_dir.parent / f".{out_dir.name}.lock"
    key = (lock, threading.get_ident())
    with _HELD_GUARD:
        held = _HELD.get(key)
        if held is not None:
            held[1] += 1
    if held is not None:  # this thread holds it already (a CLI run, then the write)
        try:
            yield
        finally:
            held[1] -= 1
        return
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make the folder's parent ({exc.strerror})",
                         source=out_dir) from None
    fd = _acquire(lock, out_dir)
    with _HELD_GUARD:
        _HELD[key] = [fd, 1]
    try:
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                                 "command": " ".join(sys.argv)[:300]}).encode())
        remove_stale_temporaries(out_dir)
        yield
    finally:
        with _HELD_GUARD:
            del _HELD[key]
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()  # still holding the lock: a waiter re-checks the inode
        os.close(fd)


def _acquire(lock: Path, out_dir: Path) -> int:
    """An fd of `lock` holding its exclusive flock (the lock file still at that path);
    InputError naming the holder when another writer has it."""
    for _ in range(20):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder_text(fd)
            os.close(fd)
            raise InputError(f"another foomcalc ({holder}) is writing this report folder; "
                             "wait for it to finish or choose another --out",
                             source=out_dir) from None
        try:  # the previous holder may have removed the file between our open and flock
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                os.ftruncate(fd, 0)
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
    raise InputError("could not claim the report folder (its lock file keeps changing)",
                     source=out_dir)


def _holder_text(fd: int) -> str:
    """Who holds a claim, from its lock file: 'pid N on HOST since T: COMMAND'."""
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return (f"pid {info['pid']} on {info['host']} since {info['started']}: "
                f"{info['command']}")
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(out_dir: Path) -> list[Path]:
    """Remove the `.<name>.tmp-<pid>` and `.<name>.old-<pid>` siblings of `out_dir` left by
    writers that died (SIGKILL, power loss): only where that pid no longer runs. A dead
    writer's `.old-` folder is the previous report, put back when `out_dir` is missing.
    Call under the folder's claim. Returns what was removed or put back."""
    pattern = re.compile(rf"^\.{re.escape(out_dir.name)}\.(tmp|old)-(\d+)$")
    done = []
    for sibling in sorted(out_dir.parent.iterdir()) if out_dir.parent.is_dir() else []:
        match = pattern.match(sibling.name)
        if not match or int(match[2]) == os.getpid() or _pid_alive(int(match[2])):
            continue
        if match[1] == "old" and not out_dir.exists():
            sibling.rename(out_dir)
        else:
            shutil.rmtree(sibling, ignore_errors=True)
        done.append(sibling)
    return done


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write indented JSON (indent 2, keys in their order; NaN refused)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


def write_json_atomically(path: Path, data: dict) -> None:
    """Write compact JSON (indent 1) to a temporary file, then rename: never a
    half-written file (survey results, written while a survey runs)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, allow_nan=False))
    tmp.replace(path)
