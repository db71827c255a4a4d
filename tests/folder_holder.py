"""A real second process that holds a report folder, for the one-writer and killed-writer
tests (tests/reporting/test_output.py, tests/cli/test_hostile_table.py)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the child imports this checkout's package
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
#: seconds the child may take to claim the folder and say so (it imports foomcalc)
READY_TIMEOUT_S = 60


def start_holder(out: Path, fill_bytes: int = 0) -> subprocess.Popen:
    """A process that claims `out` (and, with `fill_bytes`, is writing its temporary
    folder), prints 'ready' and sleeps until killed; fails the test if it is not ready
    within READY_TIMEOUT_S."""
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from foomcalc.reporting.output import claim_folder, write_atomically
        def fill(folder):
            (folder / "posterior.nc").write_bytes(b"x" * {fill_bytes})
            print("ready", flush=True)
            time.sleep(120)
        if {fill_bytes}:
            write_atomically(Path({str(out)!r}), fill)
        else:
            with claim_folder(Path({str(out)!r})):
                print("ready", flush=True)
                time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env=ENV)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], READY_TIMEOUT_S)
    if not ready:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"the holder of {out} was not ready within {READY_TIMEOUT_S} s")
    assert proc.stdout.readline().strip() == "ready"
    return proc
