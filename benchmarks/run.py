"""`make bench`: the issue-6 benchmark suite. Writes benchmarks/results.json, prints a table.

Each figure is a median over repeats, with the naive way measured in the same run and
the ratio reported; targets are the issue's (2-core machine). What each figure means:
benchmarks/README.md. Takes about 15 minutes (the 200-person survey and the old code's
reports are most of it). `--quick` runs fewer repeats and a 20-person survey.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

# this folder's modules, and the repository root: the simulator oracles (the naive
# baselines) live in tests/oracles, not in the package
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

import cases
from cases import median
from gradient_cost import gradient_cost
from live_posterior import live_posterior_latency
from survey_case import survey_benchmark

RESULTS = Path(__file__).resolve().parent / "results.json"
SIM_RESULTS = RESULTS.with_name("results-simulator.json")  # written by --only simulator
GB = 1024**3


def _row(name: str, fast: float, naive: float | None, unit: str, target: str, met: bool | None,
         better: str = "lower") -> dict:
    """One table row; ratio is naive / fast for times, fast / naive for rates."""
    ratio = None
    if naive is not None and fast and naive:
        ratio = naive / fast if better == "lower" else fast / naive
    return {"figure": name, "fast": fast, "naive": naive, "unit": unit, "ratio": ratio,
            "target": target, "met": met}


def simulator_rows(r: dict) -> list[dict]:
    """The simulator's rows (the cases `--only simulator` runs)."""
    rows = []
    sim = r["simulator"]
    fast = sim["n_fast"] / median(sim["fast_sim_s"])
    naive = sim["n_loop"] / median(sim["loop_sim_s"])
    rows.append(_row("simulator, numpy paths (trajectories/s)", fast, naive, "1/s",
                     ">= 100,000/s and >= 100x loop", fast >= 1e5 and fast / naive >= 100,
                     better="higher"))
    fast = sim["n_fast"] / median(sim["fast_full_s"])
    naive = sim["n_loop"] / median(sim["loop_full_s"])
    rows.append(_row("  + first passage + 12-month window (1/s)", fast, naive, "1/s", "(info)",
                     None, better="higher"))
    if "simulator_outcomes" in r:
        out = r["simulator_outcomes"]
        kernel = out["n_kernel"] / median(out["kernel_s"])
        loop = out["n_loop"] / median(out["loop_s"])
        numpy_ = out["n_numpy"] / median(out["numpy_s"])
        rows.append(_row("simulator with outcomes (both branches, first passage, nine "
                         "windows; draws/s): kernel vs per-draw loop", kernel, loop, "1/s",
                         ">= 1,000,000/s and >= 100x loop", kernel >= 1e6 and kernel / loop >= 100,
                         better="higher"))
        rows.append(_row("  same, kernel vs vectorised numpy (draws/s)", kernel, numpy_, "1/s",
                         "(info)", None, better="higher"))
    if "ces" in r:
        ces = r["ces"]
        fast, naive = median(ces["ces_s"]), median(ces["no_ces_s"])
        rows.append(_row("kernel outcomes with CES (s; naive = same draws, compute_share 0)",
                         fast, naive, "s", "<= 1.15x the no-CES time", fast <= 1.15 * naive))
    if "kernel_first_call" in r:
        first = r["kernel_first_call"]
        cached = first["cached"]
        rows.append(_row("kernel import + first call, disk cache filled (s)",
                         median([c["import_s"] + c["first_call_s"] for c in cached]), None,
                         "s", "(info)", None))
        rows.append(_row("  same, empty numba cache: compile (s, 1 run)",
                         first["compile"]["import_s"] + first["compile"]["first_call_s"], None,
                         "s", "(info)", None))
    return rows


def build_rows(r: dict) -> list[dict]:
    """The table from the raw measurements."""
    rows = []
    if "old_code" in r:
        old = r["old_code"]
        fast, naive = median(old["new_s"]), median(old["old_s"])
        rows.append(_row(f"cold default report vs the code at {old['old_commit']} (s)", fast,
                         naive, "s", "<= 6 s and >= 2.5x", fast <= 6 and naive >= 2.5 * fast))
    cold = r["cold_report"]
    fast, naive = median(cold["fast_s"]), median(cold["naive_s"])
    rows.append(_row("cold default report vs nutpie's own compile (s)", fast, naive, "s",
                     "(info)", None))
    if "fresh_cache_s" in cold:
        rows.append(_row("  same, empty PyTensor cache (s, 1 run)", cold["fresh_cache_s"], None,
                         "s", "(info)", None))
    ref = r["refit"]
    fast, naive = median(ref["fast_s"]), median(ref["naive_s"])
    rows.append(_row("refit after prior change (s)", fast, naive, "s", "<= 3 s", fast <= 3))
    rw = r["reweight"]
    fast, naive = median(rw["fast_s"]), median(rw["naive_s"])
    ok = rw["method"] == "psis" and fast <= 0.3
    rows.append(_row(f"reweighted prior change (s; {rw['method']}, k-hat "
                     f"{rw['pareto_k']:.2f})", fast, naive, "s", "<= 0.3 s", ok))
    rows += simulator_rows(r)
    ess = r["ess"]
    f_sample = median([f["min_ess_bulk"] / f["sample_s"] for f in ess["fast"]])
    f_total = median([f["min_ess_bulk"] / (f["sample_s"] + f["compile_s"]) for f in ess["fast"]])
    n_total = median([n["min_ess_bulk"] / n["total_s"] for n in ess["naive"]])
    rows.append(_row("ESS/s incl. compile (min bulk ESS)", f_total, n_total, "1/s", ">= 3x",
                     f_total >= 3 * n_total, better="higher"))
    rows.append(_row("  ESS/s sampling only (pm.sample: incl. compile)", f_sample, n_total,
                     "1/s", "(info)", None, better="higher"))
    if "cli" in r:
        rows += cli_rows(r["cli"])
    if "gradient" in r:
        g = r["gradient"]
        rows.append(_row("time per gradient, nutpie on the Python callback (us)",
                         g["nutpie_pyfunc_us_per_gradient"], g["nutpie_numba_us_per_gradient"],
                         "us", "(info: naive = nutpie's C callback)", None))
        rows.append(_row("  bare PyTensor numba kernel / bound callback (us)", g["kernel_us"],
                         g["callback_us"], "us", "(info)", None, better="higher"))
    if "prior_update" in r:
        pu = r["prior_update"]
        fast, naive = median(pu["fast_s"]), median(pu["naive_simulation_only_s"])
        rows.append(_row(f"prior-only update, {pu['n_draws']:,} draws (s; naive = numpy "
                         "simulation alone)", fast, naive, "s", "<= 0.1 s", fast <= 0.1))
    if "live_posterior" in r:
        rows += live_rows(r["live_posterior"])
    if "survey" in r:
        from survey_case import rows as survey_rows

        loop = r["survey"]["loop_people_per_s"]
        for figure, fast, naive, target in survey_rows(r["survey"]):
            met = None
            if target.startswith(">= 20x"):
                met = fast >= 20 * loop
            elif target.startswith(">= 10"):
                met = fast >= 10
            rows.append(_row(figure, fast, naive, "1/s", target, met, better="higher"))
    peak = cold["fast_peak_rss_bytes"] / GB
    rows.append(_row("peak memory, default report (GB)", peak, cold["naive_peak_rss_bytes"] / GB,
                     "GB", "<= 1 GB", peak <= 1.0))
    return rows


def live_rows(live: dict) -> list[dict]:
    """The app's slider to a redrawn prior and posterior answer, in headless Chromium
    (median and 95th percentile), against a refit on the same page."""
    # only the moves the page answered by PSIS reweighting: a move whose reweighting was
    # unreliable is answered by a (cached) refit, which is not what is being timed
    moves = sorted(t for t, m in zip(live["move_s"], live["methods"], strict=True)
                   if "(PSIS)" in m)
    p95 = moves[min(len(moves) - 1, round(0.95 * (len(moves) - 1)))]
    refit = median(live["refit_s"])
    med = median(moves)
    return [_row("app: slider to redrawn prior + PSIS posterior, median (s; naive = refit)", med,
                 refit, "s", "<= 0.3 s", med <= 0.3),
            _row("  same, 95th percentile (s)", p95, refit, "s", "<= 1 s", p95 <= 1.0),
            _row("  slider to redrawn curve and compression table, median (s)",
                 median(live["figure_s"]), None, "s", "(info)", None),
            _row(f"  moves answered by PSIS reweighting, of {len(live['methods'])}",
                 sum("(PSIS)" in m for m in live["methods"]), None, "", "(info)", None)]


def cli_rows(cli: dict) -> list[dict]:
    """Issue 13 part 2: `foomcalc --help` and a bad-input error, median wall time (s)."""
    rows = []
    for name, label in (("help", "`foomcalc --help` (s, new process)"),
                        ("bad_input", "bad input, `report --priors /no/such/priors.yaml` (s)")):
        wall = median(cli[name]["wall_s"])
        rows.append(_row(label, wall, None, "s", "<= 1 s", wall <= 1.0))
        rows.append(_row("  CPU time (s)", median(cli[name]["cpu_s"]), None, "s", "(info)",
                         None))
    rows.append(_row("  `python -c pass` (s)", median(cli["python"]["wall_s"]), None, "s",
                     "(info)", None))
    return rows


def format_table(rows: list[dict]) -> str:
    """A markdown table of the rows."""
    lines = ["| figure | fast | naive | ratio | target | met |", "|---|---|---|---|---|---|"]
    for row in rows:
        def num(v):
            return "" if v is None else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}")
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.1f}x"
        lines.append(f"| {row['figure']} | {num(row['fast'])} | {num(row['naive'])} | {ratio} "
                     f"| {row['target']} | {met} |")
    return "\n".join(lines)


def _run_steps(steps, raw: dict) -> None:
    """Run (name, case) steps in order, storing each result (+ load average) in raw."""
    for name, fn in steps:
        t0 = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        raw[name] = fn()
        raw[name]["loadavg_after"] = list(cases.os.getloadavg())
        print(f"[bench] {name} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def _finish(raw: dict, make_rows, path: Path, start: float, quick: bool) -> None:
    """Close the run: the table from the raw timings, written to `path` and printed."""
    raw["environment_end"] = cases.environment()
    raw["total_s"] = time.perf_counter() - start
    rows = make_rows(raw)
    path.write_text(json.dumps({"table": rows, "raw": raw, "quick": quick,
                                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
                               indent=2) + "\n")
    print(format_table(rows))
    print(f"\nload average (1/5/15 min) at start {raw['environment_start']['loadavg_1_5_15']}, "
          f"end {raw['environment_end']['loadavg_1_5_15']}; total {raw['total_s']:.0f} s; "
          f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke run)")
    parser.add_argument("--only", choices=["ces", "simulator", "cli", "survey", "gradient",
                                           "prior", "old-code", "live"],
                        help="ces, cli, survey, gradient, prior, old-code, live: that case, "
                             "printed, nothing written; "
                             f"simulator: the simulator cases, raw timings to {SIM_RESULTS.name}")
    args = parser.parse_args(argv)
    single = {
        "ces": lambda: cases.ces_overhead(100_000, 1 if args.quick else 5),
        "cli": lambda: cases.cli_startup(2 if args.quick else 5),
        "survey": lambda: survey_benchmark(20 if args.quick else 200),
        "gradient": gradient_cost,
        "prior": lambda: cases.prior_update(1 if args.quick else 5),
        "old-code": lambda: cases.old_code_report(1 if args.quick else 3),
        "live": lambda: live_posterior_latency(8 if args.quick else 40, 1 if args.quick else 2),
    }
    if args.only in single:
        out = single[args.only]()
        print(json.dumps(out | {"loadavg": list(cases.os.getloadavg())}, indent=2))
        if args.only == "cli":
            print(format_table(cli_rows(out)))
        if args.only == "live":
            print(format_table(live_rows(out)))
        return 0
    warnings.filterwarnings("ignore")
    n = 1 if args.quick else 3
    reps = 1 if args.quick else 5
    simulator_steps = [
        ("simulator", lambda: cases.simulator(40_000, 1_000, reps)),
        ("simulator_outcomes", lambda: cases.simulator_outcomes(200_000, 20_000, 300, reps)),
        ("ces", lambda: cases.ces_overhead(100_000, reps)),
        ("kernel_first_call", lambda: cases.kernel_first_call(1 if args.quick else 3)),
    ]
    start = time.perf_counter()
    raw: dict = {"environment_start": cases.environment()}
    if args.only == "simulator":
        _run_steps(simulator_steps, raw)
        _finish(raw, simulator_rows, SIM_RESULTS, start, args.quick)
        return 0
    steps = [
        *simulator_steps,
        ("cli", lambda: cases.cli_startup(2 if args.quick else 5)),
        ("prior_update", lambda: cases.prior_update(reps)),
        ("gradient", gradient_cost),
        ("reweight", lambda: cases.reweighting(2 * n + 1, 1 if args.quick else 2)),
        ("refit", lambda: cases.refit(2 * n - 1 if args.quick else 5, 1 if args.quick else 2)),
        ("ess", lambda: cases.ess_per_second(n, 1 if args.quick else 2)),
        ("cold_report", lambda: cases.cold_report(n, 1 if args.quick else 2,
                                                  fresh_cache=not args.quick)),
        ("old_code", lambda: cases.old_code_report(n)),
        ("survey", lambda: survey_benchmark(20 if args.quick else 200)),
        ("live_posterior", lambda: live_posterior_latency(8 if args.quick else 40,
                                                          1 if args.quick else 2)),
    ]
    _run_steps(steps, raw)
    _finish(raw, build_rows, RESULTS, start, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
