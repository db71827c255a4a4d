"""Benchmark cases for issue 6: each measures the fast way and the naive way in one run.

Every case returns a dict of plain numbers (seconds, counts, bytes) and the repeats'
raw timings; `run.py` takes medians, ratios and writes results.json. Times are wall
clock (time.perf_counter) on a shared 2-core machine, so they are noisy: compare the
fast and naive figures of the same run, not across runs.
"""

from __future__ import annotations

import dataclasses
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
#: The old compile path: nutpie's numba C callback (not disk-cacheable), for the baseline.
NAIVE_REPORT = (
    "import sys, functools, foomcalc.sampling as s, foomcalc.analysis as a; "
    "a.compile_model = functools.partial(s.compile_model, backend='numba'); "
    "from foomcalc.cli.commands import app; sys.argv[0] = 'foomcalc'; app()"
)


def repeat(fn: Callable[[], object], n: int) -> list[float]:
    """Wall-clock seconds of n calls of fn."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def _report_command(out: Path, naive: bool) -> list[str]:
    args = ["report", "--preset", "default", "--out", str(out), "--seed", "0"]
    if naive:
        return [str(VENV_BIN / "python"), "-c", NAIVE_REPORT, *args]
    return [str(VENV_BIN / "foomcalc"), *args]


def _timed_report(out: Path, naive: bool, env: dict | None = None) -> tuple[float, int]:
    """(seconds, max RSS bytes) of one `foomcalc report` process, start to files written."""
    cmd = ["/usr/bin/time", "-f", "MAXRSS_KB=%M", *_report_command(out, naive)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or not (out / "summary.json").exists():
        raise RuntimeError(f"report failed ({proc.returncode}): {proc.stderr[-2000:]}")
    kb = int(re.findall(r"MAXRSS_KB=(\d+)", proc.stderr)[-1])
    return elapsed, kb * 1024


def cold_report(repeats: int, naive_repeats: int, fresh_cache: bool) -> dict:
    """Cold `foomcalc report --preset default`: a new process each time, disk caches warm
    (one untimed warm-up run first); optionally one run with an empty PyTensor cache."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        _timed_report(base / "warmup", naive=False)
        fast = [_timed_report(base / f"fast{i}", naive=False) for i in range(repeats)]
        naive = [_timed_report(base / f"naive{i}", naive=True) for i in range(naive_repeats)]
        out = {
            "fast_s": [t for t, _ in fast], "naive_s": [t for t, _ in naive],
            "fast_peak_rss_bytes": max(m for _, m in fast),
            "naive_peak_rss_bytes": max(m for _, m in naive),
        }
        if fresh_cache:
            env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={base / 'empty_cache'}")
            out["fresh_cache_s"] = _timed_report(base / "fresh", naive=False, env=env)[0]
    return out


#: The code before issue 13's work (this round's base): the "current code" baseline.
OLD_CODE_COMMIT = "8b6eb2d"


def old_code_report(repeats: int) -> dict:
    """Cold `foomcalc report --preset default` of the old code (OLD_CODE_COMMIT's src/ and
    data/, exported with `git archive`, run on the same venv) against the current code, new
    process each, alternating, after one untimed warm-up of each."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_CODE_COMMIT, "src",
                                  "data"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        old_env = dict(os.environ, PYTHONPATH=str(base / "src"))
        args = ["report", "--preset", "default", "--seed", "0", "--force", "--out"]
        old_cmd = [str(VENV_BIN / "python"), "-m", "foomcalc", *args]
        new_cmd = [str(VENV_BIN / "python"), "-m", "foomcalc", *args]

        def timed(cmd, env, out) -> float:
            start = time.perf_counter()
            subprocess.run([*cmd, str(out)], capture_output=True, env=env, cwd=ROOT,
                           check=True)
            return time.perf_counter() - start

        timed(old_cmd, old_env, base / "old-warmup")
        timed(new_cmd, None, base / "new-warmup")
        old, new = [], []
        for i in range(repeats):
            old.append(timed(old_cmd, old_env, base / f"old{i}"))
            new.append(timed(new_cmd, None, base / f"new{i}"))
    return {"old_s": old, "new_s": new, "old_commit": OLD_CODE_COMMIT}


def prior_update(repeats: int, n_draws: int = 20_000) -> dict:
    """What a slider does (app_state.prior_numbers): new priors, no evidence change ->
    P(hard takeoff), takeoff-time curve and compression table from `n_draws` prior draws.
    Naive: the same through the vectorised numpy simulator on paths."""
    from foomcalc.app.state import prior_numbers
    from tests.oracles.simulate import max_progress_in_window, simulate_takeoff
    from tests.oracles.takeoff_paths import first_passage_months

    priors = _default_inputs()[0]
    prior_numbers(priors, n_draws=1000)  # kernel compiled / loaded from its disk cache
    fast = repeat(lambda: prior_numbers(_changed_priors(priors, 1), n_draws=n_draws), repeats)
    inputs, gap, rate = _outcome_draws(n_draws, 0)
    naive = repeat(lambda: outcomes_from_paths(simulate_takeoff, first_passage_months,
                                               max_progress_in_window, inputs, gap, rate),
                   max(1, repeats // 2))
    return {"n_draws": n_draws, "fast_s": fast, "naive_simulation_only_s": naive}


def _default_inputs():
    from foomcalc.evidence.files import bundled_evidence
    from foomcalc.priors.files import load_preset

    return load_preset("default"), bundled_evidence()


def _changed_priors(priors, i: int):
    """The default priors with returns_r's LogNormal median moved (a new value each call)."""
    from foomcalc.priors.families import to_prior

    spec = priors.specs["returns_r"]
    new = dataclasses.replace(spec, prior=to_prior("LogNormal", {"mu": 0.05 * (i + 1),
                                                                "sigma": 0.6}), value=None)
    return priors.with_spec("returns_r", new)


def refit(repeats: int, naive_repeats: int) -> dict:
    """Posterior after a prior change in the same process.

    fast: the compiled model of `analysis.CompiledCache` with the new hyperparameters
    swapped in as data (`with_data`), then NUTS with the diagnostics gate;
    naive: build the PyMC model and compile it again (nutpie's numba path), then NUTS.
    """
    from foomcalc.analysis.run import CompiledCache
    from foomcalc.inference.model import build_model
    from foomcalc.inference.sampling import compile_model, sample_with_gate

    priors, evidence = _default_inputs()
    cache = CompiledCache()
    start = time.perf_counter()
    sample_with_gate(cache.get(priors, evidence), seed=0)
    first = time.perf_counter() - start
    counter = iter(range(10_000))
    attempts = []

    def fast():
        new = _changed_priors(priors, next(counter))
        attempts.append(sample_with_gate(cache.get(new, evidence), seed=1)[1].attempts)

    def naive():
        new = _changed_priors(priors, next(counter))
        sample_with_gate(compile_model(build_model(new, evidence), backend="numba"), seed=1)

    return {"first_fit_s": first, "fast_s": repeat(fast, repeats), "fast_attempts": attempts,
            "naive_s": repeat(naive, naive_repeats)}


def reweighting(repeats: int, naive_repeats: int) -> dict:
    """Prior-only change answered from a saved result: PSIS reweighting (reweight.py)
    against a full refit (`run_analysis` with a warm compiled-model cache)."""
    from foomcalc.analysis.reweight import reweight
    from foomcalc.analysis.run import CompiledCache, run_analysis

    priors, evidence = _default_inputs()
    cache = CompiledCache()
    result = run_analysis(priors, evidence, seed=0, cache=cache)
    new = _changed_priors(priors, 5)  # returns_r median 1 -> 1.28: an informed parameter
    answers = []
    fast = repeat(lambda: answers.append(reweight(result, new)), repeats)
    naive = repeat(lambda: run_analysis(new, evidence, seed=1, cache=cache),
                   naive_repeats)
    last = answers[-1]
    return {"fast_s": fast, "naive_s": naive, "method": last.method,
            "pareto_k": None if last.pareto_k is None else float(last.pareto_k),
            "ess": float(last.ess)}


def _simulator_draws(n: int, seed: int) -> dict[str, np.ndarray]:
    """n default-preset prior draws of the simulator inputs, half with seed-AI RSI."""
    from foomcalc.analysis.run import draw_prior, parameter_draws
    from foomcalc.takeoff.outcomes import SIMULATOR_PARAMETERS

    priors, _ = _default_inputs()
    draws = parameter_draws(priors, draw_prior(priors, (1, n), seed), (1, n))
    inputs = {k: draws[k].ravel() for k in SIMULATOR_PARAMETERS}
    inputs["rsi_feasible"] = np.arange(n) % 2 == 0
    return inputs


def simulator(n_fast: int, n_loop: int, repeats: int) -> dict:
    """Trajectories per second: `simulate_takeoff` (vectorised numpy) on n_fast draws
    against `simulate_takeoff_loop` (per-draw Python, same recursion) on n_loop draws;
    also with first passage and the 12-month window maximum."""
    from tests.oracles.simulate import (
        first_passage_months,
        max_progress_in_window,
        simulate_takeoff,
    )
    from tests.oracles.simulate_loop import (
        first_passage_months_loop,
        max_progress_in_window_loop,
        simulate_takeoff_loop,
    )

    big, small = _simulator_draws(n_fast, 1), _simulator_draws(n_loop, 2)

    def full(sim, passage, window, draws):
        paths = sim(horizon_months=240.0, **draws)
        passage(paths, 5.0)
        window(paths, 12.0)

    return {
        "n_fast": n_fast, "n_loop": n_loop,
        "fast_sim_s": repeat(lambda: simulate_takeoff(horizon_months=240.0, **big), repeats),
        "loop_sim_s": repeat(lambda: simulate_takeoff_loop(horizon_months=240.0, **small),
                             repeats),
        "fast_full_s": repeat(lambda: full(simulate_takeoff, first_passage_months,
                                           max_progress_in_window, big), repeats),
        "loop_full_s": repeat(lambda: full(simulate_takeoff_loop, first_passage_months_loop,
                                           max_progress_in_window_loop, small), repeats),
    }


#: Distinct window lengths (months) of the nine compression outcomes (outcomes.py).
COMPRESSION_WINDOWS = (1.0, 4.0, 12.0)


def _outcome_draws(n: int, seed: int):
    """n default-preset prior draws: the simulator inputs, the preset's gap (OOMs; a
    mixture of routes) and the recent rate (OOMs per year) for the compression thresholds."""
    from foomcalc.analysis.run import draw_prior, parameter_draws
    from foomcalc.takeoff.outcomes import gap_ooms, simulator_inputs
    from foomcalc.takeoff.params import recent_rate_ooms_per_year

    priors, _ = _default_inputs()
    draws = {k: v.ravel() for k, v in
             parameter_draws(priors, draw_prior(priors, (1, n), seed), (1, n)).items()}
    inputs = simulator_inputs(draws)
    gap = np.asarray(gap_ooms(draws, priors.gap_from, priors.gap_weights), dtype=float)
    rate = recent_rate_ooms_per_year(inputs["software_doubling_months"],
                                     inputs["compute_growth_per_year"])
    return inputs, gap, rate


def _flags(gain_by_window: dict, rate: np.ndarray) -> np.ndarray:
    """The nine compression outcomes (n, 9) from the window maxima."""
    from foomcalc.takeoff.outcomes import STANDARD_COMPRESSION

    return np.stack([gain_by_window[y] >= x * rate for x, y in STANDARD_COMPRESSION], axis=1)


def outcomes_kernel(inputs, gap, rate, horizon: float = 240.0) -> list[np.ndarray]:
    """Both RSI branches by the compiled kernel: takeoff times + nine compression flags."""
    from foomcalc.takeoff.kernel import takeoff_outcomes
    from foomcalc.takeoff.successors import realised_first_passage

    out = []
    for feasible in (True, False):
        res = takeoff_outcomes(rsi_feasible=feasible, gap_ooms=gap,
                               window_months=COMPRESSION_WINDOWS, horizon_months=horizon,
                               **inputs)
        t = res.first_passage_months[:, 0]
        if not feasible:
            t = realised_first_passage(t, inputs["retrain_months"], horizon)
        gains = {w: res.window_gain_ooms[:, k] for k, w in enumerate(COMPRESSION_WINDOWS)}
        out += [t, _flags(gains, rate)]
    return out


def outcomes_from_paths(simulate, passage, window, inputs, gap, rate,
                        horizon: float = 240.0) -> list[np.ndarray]:
    """The same outcomes the path way: simulate both branches' paths, then measure them."""
    from foomcalc.takeoff.successors import realised_first_passage

    out = []
    for feasible in (True, False):
        paths = simulate(rsi_feasible=feasible, horizon_months=horizon, **inputs)
        t = passage(paths, gap)
        if not feasible:
            t = realised_first_passage(t, inputs["retrain_months"], horizon)
        out += [t, _flags({w: window(paths, w) for w in COMPRESSION_WINDOWS}, rate)]
    return out


def _disagreements(a: list[np.ndarray], b: list[np.ndarray]) -> dict:
    """Largest takeoff-time difference (months) and compression flags that differ."""
    times = [np.abs(x - y)[np.isfinite(x) & np.isfinite(y)] for x, y in zip(a[::2], b[::2],
                                                                            strict=True)]
    return {"max_time_diff_months": float(max(t.max(initial=0.0) for t in times)),
            "inf_mismatch": int(sum((np.isinf(x) != np.isinf(y)).sum()
                                    for x, y in zip(a[::2], b[::2], strict=True))),
            "flag_mismatch": int(sum((x != y).sum() for x, y in zip(a[1::2], b[1::2],
                                                                    strict=True)))}


def simulator_outcomes(n_kernel: int, n_numpy: int, n_loop: int, repeats: int) -> dict:
    """Draws per second of the whole outcome step (both RSI branches, first passage of the
    preset's gap, the nine compression windows) on default-preset prior draws: the
    compiled kernel (`kernel.takeoff_outcomes`) against the vectorised numpy simulator
    (paths, then `first_passage_months` / `max_progress_in_window`) and the per-draw loop
    (`simulate_loop`), timed in the same run. Each way's outcomes on its first draws are
    compared with the kernel's (they must agree)."""
    from tests.oracles.simulate import (
        first_passage_months,
        max_progress_in_window,
        simulate_takeoff,
    )
    from tests.oracles.simulate_loop import (
        first_passage_months_loop,
        max_progress_in_window_loop,
        simulate_takeoff_loop,
    )

    draws = _outcome_draws(n_kernel, 3)
    inputs, gap, rate = draws

    def head(k):
        return {key: v[:k] for key, v in inputs.items()}, gap[:k], rate[:k]

    outcomes_kernel(*head(10))  # compile or load from the disk cache, untimed
    kernel_s = repeat(lambda: outcomes_kernel(*draws), repeats)
    numpy_args = (simulate_takeoff, first_passage_months, max_progress_in_window)
    numpy_s = repeat(lambda: outcomes_from_paths(*numpy_args, *head(n_numpy)),
                     max(1, repeats // 2))
    loop_args = (simulate_takeoff_loop, first_passage_months_loop, max_progress_in_window_loop)
    loop_s = repeat(lambda: outcomes_from_paths(*loop_args, *head(n_loop)), max(1, repeats // 2))
    check = min(n_loop, n_numpy)
    return {"n_kernel": n_kernel, "n_numpy": n_numpy, "n_loop": n_loop,
            "kernel_s": kernel_s, "numpy_s": numpy_s, "loop_s": loop_s,
            "threads": _kernel_threads(),
            "numpy_vs_kernel": _disagreements(outcomes_from_paths(*numpy_args, *head(n_numpy)),
                                              outcomes_kernel(*head(n_numpy))),
            "loop_vs_kernel": _disagreements(outcomes_from_paths(*loop_args, *head(check)),
                                             outcomes_kernel(*head(check)))}


def _kernel_threads() -> int:
    from foomcalc.takeoff import kernel

    return kernel._threads()


def ces_overhead(n: int, repeats: int) -> dict:
    """Issue 10: the outcome step (kernel, both branches, first passage, nine windows) on n
    default-preset draws with the CES compute bottleneck (their own compute_share and
    substitution_elasticity) against the same draws with compute_share = 0 (labour alone,
    the simulator before issue 10); timed alternately in one run."""
    inputs, gap, rate = _outcome_draws(n, 1)
    without = inputs | {"compute_share": np.zeros(n)}
    outcomes_kernel({k: v[:10] for k, v in inputs.items()}, gap[:10], rate[:10])
    ces_s, plain_s = [], []
    for _ in range(repeats):  # alternate, so load changes hit both alike
        ces_s += repeat(lambda: outcomes_kernel(inputs, gap, rate), 1)
        plain_s += repeat(lambda: outcomes_kernel(without, gap, rate), 1)
    return {"n": n, "ces_s": ces_s, "no_ces_s": plain_s,
            "slowdown": median(ces_s) / median(plain_s) - 1.0}


_FIRST_CALL = """
import time
t0 = time.perf_counter()
from foomcalc.takeoff.kernel import takeoff_outcomes
t1 = time.perf_counter()
takeoff_outcomes(rsi_feasible=True, retrain_months=0.0, returns_r=1.0, parallel_penalty=0.3,
                 speedup=8.0, instant_jump_ooms=0.0, limit_ooms=10.0,
                 software_doubling_months=3.0, compute_growth_per_year=4.0,
                 compute_during_takeoff=0.5, gap_ooms=3.0, window_months=(12.0,))
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, time.process_time())
"""


def kernel_first_call(repeats: int) -> dict:
    """The kernel's cost in a new process: importing it (numba included) and its first call,
    once with an empty numba cache (compile) and then `repeats` times with that cache
    filled (load from disk). Seconds, wall clock; `cpu_s` is the process's CPU time."""
    def run(cache: str) -> dict:
        src = str(ROOT / "src")  # this checkout's package, whatever the venv points at
        env = dict(os.environ, NUMBA_CACHE_DIR=cache,
                   PYTHONPATH=os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))
        proc = subprocess.run([str(VENV_BIN / "python"), "-c", _FIRST_CALL], env=env,
                              capture_output=True, text=True, cwd=ROOT, check=True)
        imp, call, cpu = (float(v) for v in proc.stdout.split())
        return {"import_s": imp, "first_call_s": call, "cpu_s": cpu}

    with tempfile.TemporaryDirectory() as cache:
        compile_ = run(cache)
        cached = [run(cache) for _ in range(repeats)]
    return {"compile": compile_, "cached": cached}


def _min_bulk_ess(posterior) -> float:
    import arviz as az

    names = [n for n in posterior.data_vars if posterior[n].size > 1]
    ess = az.ess(posterior[names], method="bulk")
    return float(min(np.nanmin(ess[n].values) for n in names))


def ess_per_second(repeats: int, naive_repeats: int) -> dict:
    """Minimum bulk ESS per second of the default model (posterior of the evidence-informed
    parameters): foomcalc's sampler (nutpie, low-rank mass matrix, 4 x 1000 draws) against
    plain `pm.sample(nuts_sampler="pymc")` with PyMC's defaults (4 x 1000 draws, 1000 tune,
    diagonal adaptation, 2 cores), on the same model. Both with and without compile time."""
    import pymc as pm

    from foomcalc.inference.model import build_model, hyperparameter_values
    from foomcalc.inference.sampling import compile_model, sample

    priors, evidence = _default_inputs()
    fast, naive = [], []
    for i in range(repeats):
        start = time.perf_counter()
        compiled = compile_model(build_model(priors, evidence)).with_data(
            **hyperparameter_values(priors, evidence))
        mid = time.perf_counter()
        trace = sample(compiled, seed=10 + i)
        end = time.perf_counter()
        fast.append({"compile_s": mid - start, "sample_s": end - mid,
                     "min_ess_bulk": _min_bulk_ess(trace["posterior"].to_dataset())})
    for i in range(naive_repeats):
        model = build_model(priors, evidence)
        start = time.perf_counter()
        with model:
            idata = pm.sample(nuts_sampler="pymc", random_seed=20 + i, progressbar=False,
                              compute_convergence_checks=False)
        total = time.perf_counter() - start
        naive.append({"total_s": total, "min_ess_bulk": _min_bulk_ess(
            idata["posterior"].to_dataset() if hasattr(idata["posterior"], "to_dataset")
            else idata.posterior)})
    return {"fast": fast, "naive": naive}


#: `foomcalc` commands that must answer at once (issue 13 part 2): name -> (args, exit status).
CLI_COMMANDS = {
    "help": (["--help"], 0),
    "bad_input": (["report", "--priors", "/no/such/priors.yaml"], 2),
}


def _timed_cli(args: list[str], status: int) -> tuple[float, float]:
    """(wall s, CPU s) of one new `python -m foomcalc ARGS` process of this checkout."""
    import resource

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONWARNINGS="ignore")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "foomcalc", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != status:
        raise RuntimeError(f"foomcalc {' '.join(args)}: exit {proc.returncode}, expected "
                           f"{status}: {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def cli_startup(repeats: int) -> dict:
    """Wall and CPU seconds of `foomcalc --help` and of a bad-input error (a missing
    priors file, exit 2): a new process each time, alternating, after one untimed run of
    each (warm file-system and bytecode caches). Baseline: `python -c pass`."""
    for args, status in CLI_COMMANDS.values():
        _timed_cli(args, status)
    out: dict = {name: {"wall_s": [], "cpu_s": []} for name in CLI_COMMANDS}
    out["python"] = {"wall_s": [], "cpu_s": []}
    for _ in range(repeats):
        for name, (args, status) in CLI_COMMANDS.items():
            wall, cpu = _timed_cli(args, status)
            out[name]["wall_s"].append(wall)
            out[name]["cpu_s"].append(cpu)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        out["python"]["wall_s"].append(time.perf_counter() - start)
    return out


def environment() -> dict:
    """Load average, CPU count and versions: the context of the timings."""
    from importlib.metadata import version

    return {
        "loadavg_1_5_15": list(os.getloadavg()), "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "versions": {p: version(p) for p in ("pymc", "pytensor", "nutpie", "numba", "numpy")},
    }
