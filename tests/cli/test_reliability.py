"""Reliability: diagnostics gate, nothing lost on interrupt, reproducibility, escaping.

Fast tests use synthetic traces; the slow ones run real reports (in-process, one
compiled model shared) and one real `foomcalc report` process interrupted with SIGINT.
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from foomcalc.errors import InputError
from foomcalc.inference import sampling
from foomcalc.inference.sampling import Diagnostics, SamplerSettings, diagnose, sample_with_gate
from foomcalc.paths import data_dir
from foomcalc.reporting.output import write_atomically
from foomcalc.reporting.report import Block, render_html

FOOMCALC = Path(sys.executable).with_name("foomcalc")
HOSTILE_NAME = "<script>alert('name')</script> ../../evil"
HOSTILE_SOURCE = "<img src=x onerror=alert(1)> & \"quotes\""
HOSTILE_NOTE = "</td><script>alert('note')</script>"


def fake_trace(chain_offset: float = 0.0, divergent: int = 0, energy_sd: float = 1.0,
               draws: int = 500, seed: int = 0, at_depth_limit: int = 0) -> xr.DataTree:
    """Two chains of iid normal draws; `chain_offset` shifts chain 1 (bad r_hat);
    `at_depth_limit` draws stopped at the tree-depth limit."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, draws))
    x[1] += chain_offset
    diverging = np.zeros((2, draws), dtype=bool)
    diverging.flat[:divergent] = True
    at_limit = np.zeros((2, draws), dtype=bool)
    at_limit.flat[-at_depth_limit or at_limit.size:] = True
    # E-BFMI = mean(diff(E)^2) / var(E): a slowly varying random walk gives a small value
    energy = np.cumsum(rng.normal(size=(2, draws)), axis=1) if energy_sd < 1 else rng.normal(
        size=(2, draws))
    dims = ("chain", "draw")
    return xr.DataTree.from_dict({
        "posterior": xr.Dataset({"theta": (dims, x)}),
        "sample_stats": xr.Dataset({"diverging": (dims, diverging), "energy": (dims, energy),
                                    "maxdepth_reached": (dims, at_limit)}),
    })


def test_diagnose_passes_a_good_trace():
    d = diagnose(fake_trace(draws=1000))
    assert d.ok, d.problems
    assert d.max_r_hat < 1.01 and d.min_ess_bulk > 400 and d.divergences == 0


def test_diagnose_names_every_problem():
    d = diagnose(fake_trace(chain_offset=3.0, divergent=7, energy_sd=0.1, draws=150,
                            at_depth_limit=4))
    text = " | ".join(d.problems)
    assert not d.ok
    for fragment in ("r_hat", "bulk ESS", "tail ESS", "7 divergent", "E-BFMI",
                     "4 draws stopped at the tree-depth limit"):
        assert fragment in text, (fragment, text)
    assert d.to_dict()["ok"] is False and d.max_depth_draws == 4


def test_a_few_draws_at_the_depth_limit_pass_many_fail():
    """At most 1% of the draws may stop at the tree-depth limit (sampling.MAX_DEPTH_SHARE)."""
    assert diagnose(fake_trace(draws=1000, at_depth_limit=20)).ok  # 1% of 2,000
    d = diagnose(fake_trace(draws=1000, at_depth_limit=21))
    assert not d.ok and d.max_depth_draws == 21


def test_gate_retries_once_with_more_care_and_reports(monkeypatch):
    calls: list[SamplerSettings] = []

    def bad_sample(compiled, seed, settings, progress=False):
        calls.append(settings)
        return fake_trace(chain_offset=3.0, divergent=2, seed=seed)

    monkeypatch.setattr(sampling, "sample", bad_sample)
    _, diag = sample_with_gate(None, seed=5, settings=SamplerSettings(draws=300, tune=400,
                                                                   target_accept=0.95))
    assert len(calls) == 2
    # the retry must really take smaller steps (it once used max(0.95, 0.95))
    assert calls[1].target_accept > calls[0].target_accept
    assert calls[1].target_accept == pytest.approx(0.975) and calls[1].tune == 800
    assert calls[0].maxdepth == 8 and calls[1].maxdepth == 10  # nutpie's own limit
    assert diag.attempts == 2 and not diag.ok and any("r_hat" in p for p in diag.problems)


def test_gate_does_not_retry_a_good_fit(monkeypatch):
    calls = []
    monkeypatch.setattr(sampling, "sample",
                        lambda c, seed, s, progress=False: calls.append(s) or fake_trace(
                            draws=1000))
    _, diag = sample_with_gate(None, seed=5)
    assert len(calls) == 1 and diag.ok and diag.attempts == 1


def test_html_escapes_user_text():
    blocks = [Block("h1", HOSTILE_NAME), Block("p", HOSTILE_NOTE), Block("warn", HOSTILE_NOTE),
              Block("table", HOSTILE_SOURCE, headers=("a<b",), rows=((HOSTILE_NOTE,),))]
    page = render_html(blocks, HOSTILE_NAME)
    assert "<script>" not in page and "<img src=x" not in page and "</td><script" not in page
    assert "&lt;script&gt;" in page


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_crash_while_writing_leaves_previous_report(tmp_path):
    out = tmp_path / "report"
    write_atomically(out, lambda d: (d / "summary.json").write_text("{\"old\": 1}"))
    before = tree_digest(out)

    def crash(folder: Path) -> None:
        (folder / "summary.json").write_text("{\"new\": 1}")
        raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        write_atomically(out, crash)
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


# ---------------------------------------------------------------- real runs (slow)


def hostile_inputs(folder: Path) -> tuple[Path, Path]:
    priors = folder / "hostile.yaml"
    priors.write_text(json.dumps({
        "name": HOSTILE_NAME, "description": HOSTILE_SOURCE, "base": "default",
        "parameters": {"speedup": {"quantiles": {10: 2.5, 90: 30}, "dist": "ShiftedLogNormal",
                                   "source": HOSTILE_SOURCE}}}))
    evidence = folder / "obs<b>$(touch pwned)\nx.csv"
    evidence.write_text("name,likelihood_ratio,note\n"
                        f"\"{HOSTILE_NOTE}\",0.8,\"{HOSTILE_SOURCE}\"\n")
    return priors, evidence


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Reports from hostile inputs: seed 1 twice, seed 2, and seed 1 with a failing gate."""
    from foomcalc.reporting import workflow

    base = tmp_path_factory.mktemp("reports")
    inputs_dir = base / "inputs"
    inputs_dir.mkdir()
    priors, evidence = hostile_inputs(inputs_dir)
    before = {p for p in base.parent.rglob("*")}
    out = {}
    for key, seed in (("a", 1), ("b", 1), ("c", 2)):
        inputs = workflow.resolve_inputs(priors, None, [evidence], False, base / key)
        workflow.make_report(inputs, seed=seed, draws=300, command="test")
        out[key] = base / key
    def failing(trace, attempts: int = 1) -> Diagnostics:  # every fit "fails" the gate
        return Diagnostics(1.2, 50.0, 40.0, 3, 0.2, attempts,
                           ["r_hat 1.200 > 1.01: chains disagree"])

    mp = pytest.MonkeyPatch()
    mp.setattr(sampling, "diagnose", failing)
    try:
        inputs = workflow.resolve_inputs(priors, None, [evidence], False, base / "bad")
        workflow.make_report(inputs, seed=1, draws=300, command="test")
    finally:
        mp.undo()
    out["bad"] = base / "bad"
    out["created"] = {p for p in base.parent.rglob("*")} - before
    out["base"] = base
    return out


@pytest.mark.slow
def test_same_seed_gives_identical_summary(reports):
    a = (reports["a"] / "summary.json").read_bytes()
    assert a == (reports["b"] / "summary.json").read_bytes()


@pytest.mark.slow
def test_other_seed_differs_within_monte_carlo_error(reports):
    """|p_seed1 - p_seed2| <= 4 sqrt(mcse1^2 + mcse2^2) (4 combined SEs: ~1e-4 false alarms)."""
    a, c = (json.loads((reports[k] / "summary.json").read_text()) for k in ("a", "c"))
    assert a["hard_takeoff"]["posterior"] != c["hard_takeoff"]["posterior"]
    pairs = [(a["hard_takeoff"], c["hard_takeoff"])]
    pairs += list(zip(a["compression"], c["compression"], strict=True))
    pairs += list(zip(a["hard_takeoff_by_window"], c["hard_takeoff_by_window"], strict=True))
    for x, y in pairs:
        tol = 4 * np.hypot(x["mcse"], y["mcse"])
        assert abs(x["posterior"] - y["posterior"]) <= tol + 1e-12, (x, y)


@pytest.mark.slow
def test_user_text_escaped_and_files_only_inside_out(reports):
    page = (reports["a"] / "report.html").read_text()
    for raw in ("<script>", "<img src=x", HOSTILE_SOURCE):
        assert raw not in page, raw
    assert "&lt;script&gt;" in page
    md = (reports["a"] / "report.md").read_text()
    for raw in ("<script", "<img", "</td>", "<b>"):
        assert raw not in md, raw
    assert "&lt;script>" in md
    copies = [p.name for p in (reports["a"] / "evidence").iterdir()]
    assert len(copies) == 1 and re.fullmatch(r"[0-9a-f]{8}-[A-Za-z0-9._-]+", copies[0]), copies
    assert not any(p.name == "pwned" for p in reports["base"].rglob("*"))
    base = reports["base"]
    for path in reports["created"]:
        assert path.is_relative_to(base), path  # nothing written outside the report folders
    leftovers = [p.name for p in base.iterdir() if p.name.startswith(".")]
    assert not leftovers


@pytest.mark.slow
def test_failed_gate_is_reported_at_the_top(reports):
    summary = json.loads((reports["bad"] / "summary.json").read_text())
    assert summary["diagnostics"]["ok"] is False
    assert summary["diagnostics"]["attempts"] == 2
    page = (reports["bad"] / "report.html").read_text()
    body = page[page.index("<body>"):]
    assert body.index("class='warn'") < body.index("<p>")  # before any other paragraph
    assert "chains disagree" in body
    md = (reports["bad"] / "report.md").read_text()
    assert "chains disagree" in md.split("P(hard takeoff)")[0]


@pytest.mark.slow
def test_sigint_mid_sampling_leaves_earlier_report(reports, tmp_path):
    out = tmp_path / "report"
    shutil.copytree(reports["a"], out)
    before = tree_digest(out)
    # stderr on a pseudo-terminal, so the CLI announces "compiling ..., then sampling"
    master, replica = pty.openpty()
    proc = subprocess.Popen(
        [str(FOOMCALC), "report", "--preset", "default", "--out", str(out), "--seed", "3",
         "--draws", "8000", "--force"], stdout=subprocess.PIPE, stderr=replica, text=True)
    os.close(replica)
    seen = b""
    deadline = time.time() + 120
    while b"sampling" not in seen and time.time() < deadline and proc.poll() is None:
        if select.select([master], [], [], 1.0)[0]:
            seen += os.read(master, 4096)
    assert b"sampling" in seen, ("the run never reached sampling", seen[-500:])
    time.sleep(6.0)  # compile (~2-15 s) then 4 x 8,000 draws: inside compile or sampling
    assert proc.poll() is None, "finished before the interrupt"
    proc.send_signal(signal.SIGINT)
    stop = time.time() + 90
    while time.time() < stop:  # keep draining the terminal, or the child blocks writing
        if select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child has closed the terminal
                chunk = b""
            seen += chunk
            if not chunk and proc.poll() is not None:
                break
        elif proc.poll() is not None:
            break
    if proc.poll() is None:
        proc.kill()
        pytest.fail("no exit within 90 s of SIGINT")
    os.close(master)
    err = seen.decode(errors="replace")
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "Traceback" not in err and "interrupted" in err
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temp folders left


def test_input_error_is_clean():
    """The CLI's contract type: problems joined one per line, each naming the source."""
    exc = InputError(["a: bad", "b: worse"], source="f.yaml")
    assert str(exc) == "f.yaml: a: bad\nf.yaml: b: worse"


@pytest.mark.slow
def test_fit_scaling_same_on_a_cold_and_a_warm_compile_cache(tmp_path):
    """Issue 11 item 4: the same seed gave other draws (0 vs 4 divergences) when PyTensor's
    compile cache was empty than when it was warm. Two real processes, one compile dir:
    the first compiles and fills it, the second loads from it; the summaries are equal."""
    data = data_dir() / "examples" / "scaling_synthetic.csv"
    cache = tmp_path / "pytensor"
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={cache}", "PYTHONWARNINGS": "ignore"}

    def fit() -> dict:
        proc = subprocess.run([sys.executable, "-m", "foomcalc", "fit-scaling", str(data),
                               "--seed", "0", "--json"], capture_output=True, text=True,
                              env=env, timeout=900)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout)

    cold = fit()
    assert any((cache / "numba").iterdir()), "the first run did not fill the compile cache"
    warm = fit()
    assert warm == cold
