"""Half the NUTS chains in a forked child (forked.py, sampling.sample): the same draws
as drawing both halves here, the child's failure costs time not draws, and no fork
where a thread could deadlock the child.

pytest workers have threads, so the sampling checks run in a fresh single-threaded
Python process (as `foomcalc report` is)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

from foomcalc.inference.forked import ForkedCall, can_fork

SCRIPT = r"""
import json, os, signal, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
from foomcalc.inference import forked; from foomcalc.inference import sampling
from foomcalc.evidence.files import bundled_evidence
from foomcalc.inference.model import build_model
from foomcalc.priors.files import load_preset

evidence = [e for e in bundled_evidence() if e.kind == "returns"]
compiled = sampling.compile_model(build_model(load_preset("default"), evidence))
settings = sampling.SamplerSettings(draws=150, tune=150)
children = []

class Counted(forked.ForkedCall):
    def __init__(self, fn):
        children.append(1)
        super().__init__(fn)

class Killed(forked.ForkedCall):  # the child dies at once, as if OOM-killed
    def __init__(self, fn):
        children.append(1)
        super().__init__(lambda counts: os.kill(os.getpid(), signal.SIGKILL))

progress = []
sampling.ForkedCall = Counted
assert sampling.can_fork()
forked_trace = sampling.sample(compiled, 7, settings, progress=lambda chains: progress.append(
    (sum(c.finished_draws for c in chains), sum(c.total_draws for c in chains))))
sampling.ForkedCall = Killed
fallback = sampling.sample(compiled, 7, settings)
sampling.can_fork = lambda: False
here = sampling.sample(compiled, 7, settings)

def draws(trace):
    post = trace["posterior"].to_dataset()
    return {v: post[v].values for v in post.data_vars}

a, b, c = draws(forked_trace), draws(fallback), draws(here)
print(json.dumps({
    "children": len(children),
    "chains": [int(t["posterior"].sizes["chain"]) for t in (forked_trace, fallback, here)],
    "chain_coords": forked_trace["posterior"]["chain"].values.tolist(),
    "forked_equal": all(np.array_equal(a[v], c[v]) for v in c),
    "fallback_equal": all(np.array_equal(b[v], c[v]) for v in c),
    "halves_differ": not np.array_equal(c["returns_r"][0], c["returns_r"][2]),
    "progress_totals": sorted({t for _, t in progress}),
    "progress_last": max(d for d, _ in progress),
}))
"""


def test_forked_half_gives_the_draws_of_the_halves_drawn_here():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["children"] == 2  # the forked run and the killed child
    assert out["chains"] == [4, 4, 4] and out["chain_coords"] == [0, 1, 2, 3]
    assert out["forked_equal"], "a forked half must give the draws of the same half here"
    assert out["fallback_equal"], "a dead child's half is drawn here, the same draws"
    assert out["halves_differ"], "the second half needs its own seed"
    # progress counts all four chains (the child's through shared memory) to the end
    assert out["progress_totals"] == [4 * 300] and out["progress_last"] == 4 * 300


def test_forked_call_returns_the_value_or_none_when_the_child_dies():
    assert ForkedCall(lambda counts: {"x": [1, 2]}).result() == {"x": [1, 2]}

    def dies(counts):
        os.kill(os.getpid(), signal.SIGKILL)

    assert ForkedCall(dies).result() is None

    def raises(counts):
        raise RuntimeError("in the child")

    assert ForkedCall(raises).result() is None


def test_forked_call_progress_and_cancel():
    def slow(counts):
        counts[0] = 5
        time.sleep(60)

    call = ForkedCall(slow)
    seen = []
    deadline = time.monotonic() + 10
    while call.counts[0] != 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    seen.append(call.counts[0])
    start = time.monotonic()
    call.cancel()  # kills the sleeping child and reaps it
    assert seen == [5] and time.monotonic() - start < 5


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


def test_a_stalled_child_is_killed_and_reported_as_failed():
    """A child whose progress counter stops (e.g. stuck on a lock held at the fork) is
    given up on after the stall time: its work is then redone by the caller."""
    def stuck(counts):
        counts[0] = 1
        time.sleep(60)

    start = time.monotonic()
    assert ForkedCall(stuck).result(stall_seconds=1.0) is None
    assert time.monotonic() - start < 10


def test_cli_report_from_forked_halves_and_writer_reads_back(tmp_path):
    """`foomcalc report` (one thread: the chains' second half and posterior.nc come from
    forked children) writes a posterior.nc that gives its summary.json and report.md back,
    and the same seed gives the same summary.json."""
    from foomcalc.analysis.result import load_result
    from foomcalc.reporting.report import build_blocks, render_markdown
    from foomcalc.reporting.summary import summarize

    summaries = []
    for name in ("a", "b"):
        out = tmp_path / name
        run = subprocess.run([sys.executable, "-m", "foomcalc", "report", "--preset",
                              "default", "--draws", "200", "--seed", "5", "--out", str(out)],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        summary = json.loads((out / "summary.json").read_text())
        saved = load_result(out)
        assert saved["posterior"].sizes["chain"] == 4
        assert json.loads(json.dumps(summarize(saved))) == summary
        assert render_markdown(build_blocks(summary, saved)) == (out / "report.md").read_text()
        summary.pop("command")
        summaries.append(summary)
    assert summaries[0] == summaries[1]
