"""Report folders: the output path checked before any sampling, one writer per folder
(a second is refused naming the first), and the temporaries of a writer killed with
SIGKILL removed by the next run on that folder (only those of dead processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foomcalc.cli import commands as cli
from foomcalc.errors import InputError
from foomcalc.reporting import workflow
from foomcalc.reporting.output import (
    check_output_folder,
    claim_folder,
    remove_stale_temporaries,
    write_atomically,
)
from tests.folder_holder import start_holder

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


class Reached(Exception):
    """Raised in place of sampling."""


def _reached(*args, **kwargs):
    raise Reached


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait(10)
    return proc.pid


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(30)


def test_out_inside_a_file_is_refused(tmp_path):
    (tmp_path / "file.txt").write_text("keep")
    with pytest.raises(InputError, match="is a file"):
        check_output_folder(tmp_path / "file.txt" / "sub")
    with pytest.raises(InputError, match="is a file"):
        check_output_folder(tmp_path / "file.txt" / "a" / "b")
    assert (tmp_path / "file.txt").read_text() == "keep"


def test_cli_out_inside_a_file_exits_2_before_sampling(tmp_path, monkeypatch):
    monkeypatch.setattr(workflow, "make_report", _reached)
    (tmp_path / "file.txt").write_text("keep")
    result = CliRunner().invoke(cli.app, ["report", "--out", str(tmp_path / "file.txt" / "sub")])
    assert result.exit_code == 2, (result.output, repr(result.exception))
    assert "is a file" in result.output and "Traceback" not in result.output


def test_second_writer_is_refused_naming_the_first(tmp_path, monkeypatch):
    out = tmp_path / "report"
    holder = start_holder(out)
    try:
        with pytest.raises(InputError, match=f"pid {holder.pid} "), claim_folder(out):
            pass
        monkeypatch.setattr(workflow, "make_report", _reached)
        result = CliRunner().invoke(cli.app, ["report", "--out", str(out)])
        assert result.exit_code == 2, (result.output, repr(result.exception))
        assert f"another foomcalc (pid {holder.pid}" in result.output
    finally:
        stop(holder)
    with claim_folder(out):  # free again once the holder is gone, even killed
        pass
    assert hidden(tmp_path) == []


def test_claim_is_reentrant_in_a_thread_and_exclusive_across_threads(tmp_path):
    out = tmp_path / "report"
    errors = []
    with claim_folder(out), claim_folder(out):
        def other():
            try:
                with claim_folder(out):
                    pass
            except InputError as exc:
                errors.append(str(exc))
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(30)
    assert len(errors) == 1 and "is writing this report folder" in errors[0]
    assert hidden(tmp_path) == []


def test_sigkill_while_writing_leaves_nothing_behind_after_the_next_run(tmp_path):
    out = tmp_path / "report"
    write_atomically(out, lambda d: (d / "summary.json").write_text("{\"old\": 1}"))
    writer = start_holder(out, fill_bytes=1_000_000)
    writer.send_signal(signal.SIGKILL)
    writer.wait(30)
    assert f".report.tmp-{writer.pid}" in hidden(tmp_path)  # what the kill leaves
    write_atomically(out, lambda d: (d / "summary.json").write_text("{\"new\": 1}"))
    assert hidden(tmp_path) == []
    assert (out / "summary.json").read_text() == "{\"new\": 1}"


def test_a_killed_swap_puts_the_previous_report_back(tmp_path):
    """Killed between moving the old report aside and moving the new one in: the next
    run finds `.report.old-<dead pid>` and no report, and puts it back."""
    out = tmp_path / "report"
    aside = tmp_path / f".report.old-{dead_pid()}"
    aside.mkdir()
    (aside / "summary.json").write_text("{\"old\": 1}")
    with pytest.raises(RuntimeError), claim_folder(out):
        raise RuntimeError("the next run fails too")
    assert (out / "summary.json").read_text() == "{\"old\": 1}"
    assert hidden(tmp_path) == []


def test_temporaries_of_live_processes_are_kept(tmp_path):
    out = tmp_path / "report"
    alive = subprocess.Popen(["sleep", "60"])
    try:
        mine = tmp_path / f".report.tmp-{alive.pid}"
        dead = tmp_path / f".report.tmp-{dead_pid()}"
        other = tmp_path / f".other.tmp-{dead_pid()}"
        for folder in (mine, dead, other):
            folder.mkdir()
        removed = remove_stale_temporaries(out.resolve())
        assert removed == [dead.resolve()]
        assert mine.is_dir() and other.is_dir() and not dead.exists()
    finally:
        stop(alive)


@pytest.mark.slow
def test_two_reports_started_at_once_on_one_folder(tmp_path):
    """The issue's case: two `foomcalc report` on the same new --out at once; one writes,
    the other exits 2 naming it (before sampling), and one report is there."""
    out = tmp_path / "report"
    cmd = [sys.executable, "-m", "foomcalc", "report", "--out", str(out), "--draws", "100"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=ENV) for _ in range(2)]
    started = time.monotonic()
    results = [p.communicate(timeout=900) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], (codes, [r[1][-1500:] for r in results], time.monotonic() - started)
    loser = next(i for i, p in enumerate(procs) if p.returncode == 2)
    winner = procs[1 - loser]
    assert f"another foomcalc (pid {winner.pid}" in results[loser][1]
    assert "sampling" not in results[loser][1] and "Traceback" not in results[loser][1]
    assert (out / "summary.json").is_file() and hidden(tmp_path) == []
