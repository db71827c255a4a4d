"""`make validate`: write docs/validation.md (SBC, hostile-input counts, real data).

1. Simulation-based calibration of every likelihood term (`foomcalc.inference.calibration`),
   SBC_SIMS simulations per model: rank histograms to docs/figures/sbc-*.png, ranks
   to docs/figures/sbc-ranks.json, ArviZ's ECDF-PIT uniformity test per parameter
   (`calibration.uniformity`: POT-C p-value, the 99% simultaneous ECDF band).
2. The hostile-input suite (tests/cli/test_hostile.py, 500 generated cases per parser)
   and the hostile-case table (tests/cli/test_hostile_table.py) run through pytest; the
   counts are read from the JSON files they write.
3. The real-data section of scripts/validation_real_data.py.

Runtime about 12-15 minutes on 2 cores. Options: --sims N (default 200);
--reuse-sbc to rebuild the document from docs/figures/sbc-ranks.json without
resampling; --skip-real to leave out the real-data fits (for quick checks).
--case NAME (repeatable) runs the SBC of the named case(s) only, with the seed a full
run gives them, prints their tests and sampling diagnostics, merges their records into
--ranks (default docs/figures/sbc-ranks.json) and redraws their rank figures; it does
not rewrite docs/validation.md (run without --case, or with --reuse-sbc, for that).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"
RANKS_FILE = FIGURES / "sbc-ranks.json"
#: Family-wise error rate of the SBC uniformity tests (Bonferroni over all parameters).
FAMILY_ALPHA = 0.05

from foomcalc.inference.calibration import (  # noqa: E402
    CASES,
    FIT_SETTINGS,
    N_RANK_DRAWS,
    SbcResult,
    run_case,
    uniformity,
)


def slug(name: str) -> str:
    return name.replace(" ", "-").replace("/", "-")


def figure_name(record: dict) -> str:
    """A case's rank-figure file: sbc-<kind>.png for a kind's own case, and
    sbc-<kind>-<case>.png for a further case of the kind (e.g. the correlated prior), so
    no figure overwrites another."""
    kind = record["kind"]
    own = next((name for name, case in CASES.items() if case.kind == kind), record["case"])
    extra = "" if record["case"] == own else "-" + slug(record["case"]).replace(",", "")
    return f"sbc-{slug(kind)}{extra}.png"


def run_sbc(n_sims: int, seed: int, names: list[str] | None = None, client=None
            ) -> list[dict]:
    """Run every case (or the named ones, each with the seed a full run gives it);
    plain-JSON records (ranks as lists). With a dask `client` the refits are dask tasks
    (the survey's path); the ranks are the same."""
    records = []
    for i, case in enumerate(CASES.values()):
        if names and case.name not in names:
            continue
        print(f"SBC {case.name}: {n_sims} simulations ...", flush=True)
        res: SbcResult = run_case(case, n_sims, seed=seed + i, client=client)
        records.append({
            "case": case.name, "kind": case.kind, "n_sims": res.n_sims,
            "ranks": {k: v.tolist() for k, v in res.ranks.items()},
            "contraction": res.contraction,
            "divergences": res.divergences.tolist(), "max_r_hat": res.max_r_hat.tolist(),
            "min_ess_bulk": res.min_ess_bulk.tolist(),
            "seconds": res.seconds, "compile_seconds": res.compile_seconds})
        print(f"  done in {res.seconds + res.compile_seconds:.0f} s", flush=True)
    return records


def case_summary(records: list[dict], n_params: int) -> str:
    """Plain-text tests and sampling diagnostics of single-case records (--case)."""
    threshold = FAMILY_ALPHA / n_params
    lines = []
    for r in records:
        div = np.asarray(r["divergences"])
        rh = np.asarray(r["max_r_hat"])
        ess = np.asarray(r.get("min_ess_bulk", [np.nan]))
        lines.append(f"{r['case']}: {r['n_sims']} simulations; fits with divergences "
                     f"{int((div > 0).sum())} of {len(div)} ({int(div.sum())} transitions); "
                     f"r_hat median {np.median(rh):.3f} max {rh.max():.3f}; min bulk ESS "
                     f"{np.nanmin(ess):.0f} (median {np.nanmedian(ess):.0f}); sampling "
                     f"{r['seconds']:.0f} s, compile {r['compile_seconds']:.0f} s")
        for name, ranks in r["ranks"].items():
            t = uniformity(np.asarray(ranks))
            verdict = "pass" if t["p_value"] >= threshold else "FAIL"
            band = "outside" if t["outside_band"] else "inside"
            lines.append(f"  {name:32s} contraction {r['contraction'].get(name, float('nan')):5.2f}"
                         f"  ECDF {band} 99% band  p {t['p_value']:.3f}  "
                         f"KS {t['ks']:.3f}  {verdict}")
    return "\n".join(lines)


def histogram_bins(n_sims: int, n_ranks: int = N_RANK_DRAWS + 1) -> int:
    """Bins of a rank histogram: the most (at most 20) dividing n_ranks with >= 5
    expected ranks per bin."""
    fits = [b for b in range(2, 21) if n_ranks % b == 0 and n_sims / b >= 5]
    return max(fits) if fits else 2


def rank_figure(record: dict, tests: dict, path: Path) -> None:
    """Rank histograms with the 99% band of a uniform histogram (per bin, binomial); the
    title's p-value is the ECDF-PIT test's (`calibration.uniformity`)."""
    names = list(record["ranks"])
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    n = record["n_sims"]
    for ax, name in zip(axes.flat, names, strict=False):
        bins = histogram_bins(n)
        ranks = np.asarray(record["ranks"][name])
        counts = np.bincount(ranks * bins // (N_RANK_DRAWS + 1), minlength=bins)
        lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / bins)
        ax.axhspan(lo, hi, color="0.85", zorder=0)
        ax.axhline(n / bins, color="0.5", lw=0.8)
        ax.bar(np.arange(bins), counts, width=0.9, color="tab:blue")
        ax.set_title(f"{name}\np = {tests[name]['p_value']:.3f}", fontsize=8)
        ax.set_xticks([])
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"SBC rank histograms: {record['case']} ({n} simulations; grey: 99% band)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def sbc_section(records: list[dict]) -> tuple[str, bool]:
    """Markdown for the SBC results and whether every parameter passes."""
    tests = {r["case"]: {k: uniformity(np.asarray(v)) for k, v in r["ranks"].items()}
             for r in records}
    m = sum(len(t) for t in tests.values())
    threshold = FAMILY_ALPHA / m
    n_small = sum(t["p_value"] < 0.05 for ts in tests.values() for t in ts.values())
    all_pass = all(t["p_value"] >= threshold for ts in tests.values() for t in ts.values())
    lines = [
        "## Simulation-based calibration",
        "",
        "Method (Talts et al. 2018, arXiv:1804.06788): per evidence kind, a fixed design "
        "(covariates, standard errors) and the real model, `model.build_model(default "
        "priors, [evidence])`, with the likelihood terms of `foomcalc.inference.terms`. Per "
        "simulation: "
        "parameters drawn from the prior, data from the likelihood's generative form "
        "(PyMC prior predictive; for observations a binary signal per observation given "
        "the latent feasibility, whose likelihood ratio is the evidence), a refit with "
        f"nutpie ({FIT_SETTINGS.chains} chains x {FIT_SETTINGS.draws} draws, "
        f"{FIT_SETTINGS.tune} tuning, one compiled model, data swapped in with "
        f"`with_data`), and the rank of the true value among {N_RANK_DRAWS} thinned "
        f"posterior draws (ranks 0-{N_RANK_DRAWS}). A calibrated fit gives uniform ranks. "
        "Test: ArviZ's SBC tools on the randomised PIT values (rank + U(0,1)) / "
        f"{N_RANK_DRAWS + 1}: the pointwise order test with Cauchy combination (POT-C, "
        "Tesso & Vehtari 2026, `plot_ecdf_pit`'s default) gives the p-value; also shown, "
        "whether the ECDF stays inside the 99% simultaneous band (Säilynoja, Bürkner & "
        "Vehtari 2022). "
        f"Pass: p >= {FAMILY_ALPHA}/{m} = {threshold:.2g} (Bonferroni over all {m} "
        f"parameters, family-wise error {FAMILY_ALPHA}). Code: "
        "`foomcalc.inference.calibration` (designs: `foomcalc.evidence.kinds`), "
        "`scripts/validate.py`.",
        "",
        f"**Result: {'every parameter passes' if all_pass else 'FAILURES (see table)'}.** "
        f"{n_small} of {m} p-values are below 0.05 ({0.05 * m:.1f} expected by chance "
        "if all are calibrated).",
        "",
        "Contraction = 1 - mean posterior variance / prior variance: how much the "
        "simulated data informed the parameter (a fit that ignored its data would also "
        "give uniform ranks, with contraction 0; the SBC only tests parameters the data "
        "reach, and the negative controls in `tests/inference/test_sbc.py` show it detects bugs).",
        "",
        "| model | parameter | simulations | contraction | ECDF in 99% band | p-value | "
        "KS distance | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        for name, t in tests[r["case"]].items():
            verdict = "pass" if t["p_value"] >= threshold else "**FAIL**"
            shrink = r.get("contraction", {}).get(name, float("nan"))
            lines.append(f"| {r['case']} | `{name}` | {r['n_sims']} | {shrink:.2f} | "
                         f"{'no' if t['outside_band'] else 'yes'} "
                         f"| {t['p_value']:.3f} | {t['ks']:.3f} | {verdict} |")
    lines += ["", "Sampling per model (all simulations): divergent transitions, the worst "
              "r_hat, and time.", "",
              "| model | fits with divergences | median / max r_hat | compile s | "
              "sampling s |", "|---|---|---|---|---|"]
    for r in records:
        div = np.asarray(r["divergences"])
        rh = np.asarray(r["max_r_hat"])
        lines.append(f"| {r['case']} | {int((div > 0).sum())} of {len(div)} "
                     f"({int(div.sum())} transitions) | {np.median(rh):.3f} / {rh.max():.3f} "
                     f"| {r['compile_seconds']:.0f} | {r['seconds']:.0f} |")
    lines += ["", "Rank histograms (grey band: where 99% of a uniform histogram's bins fall):",
              ""]
    FIGURES.mkdir(parents=True, exist_ok=True)
    for r in records:
        file = figure_name(r)
        rank_figure(r, tests[r["case"]], FIGURES / file)
        lines += [f"![SBC {r['case']}](figures/{file})", ""]
    return "\n".join(lines), all_pass


#: Generated cases per parser in the hostile-input suite (tests/cli/test_hostile.py reads
#: FOOMCALC_HOSTILE_CASES; `make test` runs 100).
HOSTILE_CASES = 500


def hostile_section() -> str:
    """Run the hostile-input suite (tests/cli/test_hostile.py, HOSTILE_CASES generated cases
    per parser) and the hostile-case table (tests/cli/test_hostile_table.py); tabulate
    the generated cases per parser and the table's cases per group."""
    with tempfile.TemporaryDirectory() as tmp:
        counts_file, table_file = Path(tmp) / "counts.json", Path(tmp) / "table.json"
        env = {**os.environ, "FOOMCALC_HOSTILE_COUNTS": str(counts_file),
               "FOOMCALC_HOSTILE_TABLE": str(table_file),
               "FOOMCALC_HOSTILE_CASES": str(HOSTILE_CASES)}
        start = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
             str(ROOT / "tests" / "cli" / "test_hostile.py"),
             str(ROOT / "tests" / "cli" / "test_hostile_table.py")], cwd=ROOT, env=env,
            capture_output=True, text=True, check=False)
        seconds = time.time() - start
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
        table = json.loads(table_file.read_text()) if table_file.exists() else {}
    outcome = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "no output"
    lines = [
        "## Hostile input",
        "",
        "Property-based tests (hypothesis, `tests/cli/test_hostile.py`) generate priors files, "
        "evidence files, CLI arguments, survey inputs and app links, valid and broken; every "
        "case must end in a valid result or an `InputError` (the CLI: exit status 2 with one "
        "`error:` message; a link: the page's message), never a traceback. "
        f"{HOSTILE_CASES} cases per parser here (FOOMCALC_HOSTILE_CASES; `make test` runs "
        "100 from the Hypothesis profile's printed seed). Also tested there and in "
        "`tests/cli/test_reliability.py`: HTML escaping of user text, YAML tags that would "
        "construct Python objects (refused by "
        "`safe_load`), oversized files refused before parsing, and reports written only "
        "inside `--out`.",
        "",
        f"pytest: `{outcome}` ({seconds:.0f} s).",
        "",
        "| parser | generated cases | valid result | clean refusal (exit 2 / InputError) |",
        "|---|---|---|---|",
    ]
    for parser, c in sorted(counts.items()):
        lines.append(f"| {parser} | {c['cases']} | {c['valid']} | {c['refused']} |")
    lines += [
        "",
        "### The hostile-case table",
        "",
        "Named hostile cases (`tests/cli/test_hostile_table.py`), each through the entry point "
        "a user hits: the CLI (sampling replaced by a sentinel, so a refusal is shown to come "
        "before sampling), real processes for concurrent writers and SIGKILL, real requests "
        "to a real app server. They re-create the hand-tried table of the reliability issue "
        "(its twelve failures and three audit bugs by name; the original list of 84 was not "
        "kept). Clean: a valid result, or exit status 2 / 403 / 413 / the page's message with "
        "one message.",
        "",
        "| group | cases | clean |",
        "|---|---|---|",
    ]
    for group, c in table.items():
        lines.append(f"| {group} | {c['cases']} | {c['clean']} |")
    total = sum(c["cases"] for c in table.values())
    lines.append(f"| all | {total} | {sum(c['clean'] for c in table.values())} |")
    if proc.returncode != 0:
        lines += ["", "**The hostile-input suite failed:**", "", "```",
                  *proc.stdout.strip().splitlines()[-30:], "```"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--reuse-sbc", action="store_true")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--case", action="append", choices=list(CASES), metavar="NAME",
                        help=f"run only this SBC case (repeatable): {', '.join(CASES)}")
    parser.add_argument("--ranks", type=Path, default=RANKS_FILE,
                        help="with --case: the records file to merge the new records into")
    parser.add_argument("--no-dask", action="store_true",
                        help="SBC refits in this process instead of a dask LocalCluster")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    start = time.time()
    if args.case:
        new = run_sbc(args.sims, args.seed, args.case)
        old = json.loads(args.ranks.read_text()) if args.ranks.exists() else []
        by_case = {r["case"]: r for r in old} | {r["case"]: r for r in new}
        records = [by_case[c] for c in CASES if c in by_case]
        args.ranks.parent.mkdir(parents=True, exist_ok=True)
        args.ranks.write_text(json.dumps(records) + "\n")
        n_params = sum(len(r["ranks"]) for r in records)
        if args.ranks.resolve() == RANKS_FILE.resolve():
            FIGURES.mkdir(parents=True, exist_ok=True)
            for r in new:
                tests = {k: uniformity(np.asarray(v)) for k, v in r["ranks"].items()}
                rank_figure(r, tests, FIGURES / figure_name(r))
        print(case_summary(new, n_params))
        print(f"merged into {args.ranks} (Bonferroni over its {n_params} parameters)")
        return 0 if all(uniformity(np.asarray(v))["p_value"] >= FAMILY_ALPHA / n_params
                        for r in new for v in r["ranks"].values()) else 1
    if args.reuse_sbc:
        records = json.loads(RANKS_FILE.read_text())
    else:
        if args.no_dask:
            records = run_sbc(args.sims, args.seed)
        else:
            from foomcalc.survey.run import survey_client

            # the survey's engine: one worker process per core, refits as tasks
            with survey_client() as client:
                records = run_sbc(args.sims, args.seed, client=client)
        FIGURES.mkdir(parents=True, exist_ok=True)
        RANKS_FILE.write_text(json.dumps(records) + "\n")
    sbc, ok = sbc_section(records)
    print("hostile-input suite ...", flush=True)
    hostile = hostile_section()
    if args.skip_real:
        real = "## Real data\n\n(skipped: --skip-real)"
    else:
        print("real-data fits ...", flush=True)
        from validation_real_data import section

        real = section()
    header = [
        "# Validation",
        "",
        "Generated by `make validate` (`scripts/validate.py`); do not edit by hand. "
        f"Total time {time.time() - start:.0f} s on this machine"
        f"{' (SBC ranks reused from docs/figures/sbc-ranks.json)' if args.reuse_sbc else ''}.",
        "Fast versions of these checks run in `make test` (`tests/inference/test_sbc.py`, "
        "`tests/cli/test_hostile.py`, `tests/cli/test_reliability.py`).",
    ]
    (DOCS / "validation.md").write_text("\n".join([*header, "", sbc, "", hostile, "", real, ""]))
    print(f"wrote {DOCS / 'validation.md'}; SBC {'passes' if ok else 'FAILS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
