"""`foomcalc compare DIR DIR ...`: headline table, overlaid takeoff curves, crux tables.

Crux table, for each pair of reports A and B: for each parameter whose priors differ,
P_A(hard takeoff) when A adopts B's prior on that parameter alone, and P_B(hard) when
B adopts A's, computed by the reweighting fast path (reweight.py: exact redraws for
parameters no evidence informs, PSIS reweighting with a k-hat check, refit beyond it).
Differing rank correlations are one more row ("correlations": each side adopting the
other's). Parameters whose priors agree are not computed: identical priors give the
identical computation, a shift of exactly 0. Ranked by the larger |shift| of the two
directions; a row is a crux only when a shift exceeds CRUX_MCSE times its Monte Carlo
standard error (`reweight.shift_mcse`), and when none does the comparison says that no
single parameter explains the difference. Each person keeps their own evidence: when the
evidence differs, the comparison says so.

Reads only report folders (posterior.nc + summary.json); writes comparison.html
(self-contained), comparison.md and comparison.json atomically.
"""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

from foomcalc.analysis.result import RESULT_FILE, load_result
from foomcalc.errors import InputError
from foomcalc.reporting.output import write_atomically, write_json

if TYPE_CHECKING:
    import xarray as xr

    from foomcalc.reporting.report import Block

# the report, figure and reweighting modules (xarray, ArviZ, matplotlib, scipy) are
# imported once the folders are known to be reports: bad input is answered at once

COMPARISON_SCHEMA = "1.1"
MARKER = "comparison.json"
#: A shift is a crux when |shift| exceeds this many Monte Carlo standard errors (~95%).
CRUX_MCSE = 2.0


def _load_report(folder: Path) -> tuple[xr.DataTree, dict]:
    """A report folder's saved result and summary; InputError if it is not a report."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder: expected a report folder written by 'foomcalc report'",
                         source=folder)
    if not (folder / RESULT_FILE).is_file() or not (folder / "summary.json").is_file():
        raise InputError(f"not a foomcalc report (needs {RESULT_FILE} and summary.json)",
                         source=folder)
    result = load_result(folder)
    try:
        summary = json.loads((folder / "summary.json").read_text())
        float(summary["hard_takeoff"]["posterior"])  # the fields the table needs
    except (ValueError, KeyError, TypeError):
        raise InputError("summary.json is not a foomcalc summary", source=folder) from None
    return result, summary


def _check_out(out_dir: Path, inputs: list[Path]) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("the output path exists and is not a folder", source=out_dir)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise InputError("the output folder is not empty and holds no comparison "
                         f"({MARKER}); choose another --out", source=out_dir)
    if any(out_dir.resolve() == p.resolve() for p in inputs):
        raise InputError("--out must not be one of the compared report folders", source=out_dir)


def _labels(folders: list[Path], summaries: list[dict]) -> list[str]:
    names = [s.get("priors_name", f.name) for f, s in zip(folders, summaries, strict=True)]
    return [n if names.count(n) == 1 else f"{n} ({f.name})"
            for n, f in zip(names, folders, strict=True)]


def crux_rows(result_a: xr.DataTree, result_b: xr.DataTree, *, seed: int | None = None,
              report_dirs: tuple[Path | None, Path | None] = (None, None)) -> list[dict]:
    """For each parameter whose priors differ (and the rank correlations, if they do):
    each side's P(hard) after adopting the other's prior for it alone, with the Monte
    Carlo standard errors of the answer and of the shift, and whether the shift exceeds
    CRUX_MCSE of them (`crux`); ranked by the larger |shift| (fractions). Redraws and
    refits use each report's own seed unless `seed`."""
    # xarray, scipy and numba (reweighting) load here: only once the folders are reports
    from foomcalc.analysis.reweight import changed_parameters, result_priors, reweight

    pa, pb = result_priors(result_a), result_priors(result_b)
    seed_a = int(result_a.attrs.get("seed", 0)) if seed is None else seed
    seed_b = int(result_b.attrs.get("seed", 0)) if seed is None else seed
    base_a, base_b = reweight(result_a, pa), reweight(result_b, pb)
    adopted = [(name, pa.with_spec(name, pb.specs[name]), pb.with_spec(name, pa.specs[name]),
                _describe(pa.specs[name]), _describe(pb.specs[name]))
               for name in changed_parameters(pa, pb)]
    if pa.correlations != pb.correlations:
        adopted.append(("correlations", pa.with_correlations(pb.correlations),
                        pb.with_correlations(pa.correlations), _pairs(pa), _pairs(pb)))
    rows = []
    for name, new_a, new_b, prior_a, prior_b in adopted:
        ra = reweight(result_a, new_a, seed=seed_a, report_dir=report_dirs[0])
        rb = reweight(result_b, new_b, seed=seed_b, report_dir=report_dirs[1])
        rows.append(_row(name, prior_a, prior_b, base_a, ra, base_b, rb))
    rows.sort(key=lambda r: -max(abs(r["shift_a"]), abs(r["shift_b"])))
    return rows


def _row(name: str, prior_a: str, prior_b: str, base_a, ra, base_b, rb) -> dict:
    """One crux row from the two bases and the two adopted answers (`Reweighted`)."""
    from foomcalc.analysis.reweight import shift_mcse  # loaded with crux_rows' reweighting

    shift_a, shift_b = ra.hard_takeoff() - base_a.hard_takeoff(), \
        rb.hard_takeoff() - base_b.hard_takeoff()
    se_a, se_b = shift_mcse(base_a, ra), shift_mcse(base_b, rb)
    return {
        "parameter": name, "prior_a": prior_a, "prior_b": prior_b,
        "a_base": base_a.hard_takeoff(), "a_adopting_b": ra.hard_takeoff(),
        "shift_a": shift_a, "mcse_a": ra.hard_takeoff_mcse(), "shift_mcse_a": se_a,
        "b_base": base_b.hard_takeoff(), "b_adopting_a": rb.hard_takeoff(),
        "shift_b": shift_b, "mcse_b": rb.hard_takeoff_mcse(), "shift_mcse_b": se_b,
        "crux": abs(shift_a) > CRUX_MCSE * se_a or abs(shift_b) > CRUX_MCSE * se_b,
        "method_a": ra.method, "method_b": rb.method,
        "pareto_k_a": ra.pareto_k, "pareto_k_b": rb.pareto_k,
        "ess_a": ra.ess, "ess_b": rb.ess, "seconds": ra.seconds + rb.seconds,
    }


def _pairs(priors) -> str:
    return "; ".join(f"{a}~{b} {r:g}" for a, b, r in priors.correlations) or "none"


def biggest_crux(a: str, b: str, rows: list[dict]) -> str:
    """The sentence naming the biggest crux, or saying none exceeds its Monte Carlo error."""
    cruxes = [r for r in rows if r.get("crux", True)]
    if not cruxes:
        return (f"No single parameter explains the difference between {a} and {b}: adopting "
                f"the other's prior on any one moves neither answer by more than "
                f"{CRUX_MCSE:g} Monte Carlo standard errors of the shift.")
    top = cruxes[0]
    return (f"The biggest crux is {top['parameter']}: adopting the other's prior on it "
            f"moves {a} by {100 * top['shift_a']:+.1f} pp (± {100 * top['shift_mcse_a']:.1f}) "
            f"and {b} by {100 * top['shift_b']:+.1f} pp (± {100 * top['shift_mcse_b']:.1f}).")


def _describe(spec) -> str:
    if spec.prior is None:
        return f"fixed {spec.value:.3g}"
    return f"median {spec.quantile(0.5):.3g} [{spec.quantile(0.05):.3g}, " \
           f"{spec.quantile(0.95):.3g}]"


def _headline_rows(labels: list[str], summaries: list[dict]) -> list[tuple[str, ...]]:
    """The headline table: one row per number, one column per report."""
    # report loads ArviZ and matplotlib: only once the folders are reports
    from foomcalc.reporting.report import months_text, pct

    def row(name: str, get) -> tuple[str, ...]:
        return (name, *(get(s) for s in summaries))

    def takeoff(s: dict) -> str:
        return months_text(s["takeoff_months"]["posterior"]["q50"],
                           s["takeoff_months"]["horizon_months"])

    rows = [
        row("P(hard takeoff), posterior", lambda s: pct(s["hard_takeoff"]["posterior"])),
        row("P(hard takeoff), prior", lambda s: pct(s["hard_takeoff"]["prior"])),
        row("hard-takeoff window", lambda s: f"{s['hard_takeoff']['window_days']:g} days"),
    ]
    for w in summaries[0]["hard_takeoff_by_window"]:
        days = w["window_days"]
        rows.append(row(f"P(takeoff <= {w['label']})", lambda s, d=days: pct(next(
            (r["posterior"] for r in s["hard_takeoff_by_window"] if r["window_days"] == d),
            None))))
    rows += [
        row("P(seed-AI RSI feasible | observations)",
            lambda s: pct(s["p_rsi_feasible"]["posterior"])),
        row("P(r > 1)", lambda s: pct(s["p_r_above_1"]["posterior"])),
        row("takeoff time, median", takeoff),
        row("P(>= 3 years of progress in 12 months)", lambda s: pct(next(
            (r["posterior"] for r in s["compression"]
             if r["years_of_progress"] == 3 and r["within_months"] == 12), None))),
        row("sampling ok", lambda s: "yes" if s["diagnostics"]["ok"] else "NO"),
    ]
    return rows


def build_comparison(folders: list[Path], loaded: list | None = None
                     ) -> tuple[list[Block], dict]:
    """Blocks and the comparison.json dictionary for two or more report folders
    (`loaded`: their (result, summary) pairs, if already read)."""
    loaded = loaded or [_load_report(f) for f in folders]
    results = [r for r, _ in loaded]
    summaries = [s for _, s in loaded]
    labels = _labels(folders, summaries)
    evidence = [frozenset(e["sha256"] for e in s["evidence"]) for s in summaries]
    same_evidence = len(set(evidence)) == 1
    blocks = comparison_headline_blocks(labels, summaries, results, same_evidence)
    cruxes = []
    for i, j in combinations(range(len(folders)), 2):
        a, b = labels[i], labels[j]
        rows = crux_rows(results[i], results[j], report_dirs=(folders[i], folders[j]))
        cruxes.append({"a": a, "b": b, "same_evidence": evidence[i] == evidence[j],
                       "rows": rows})
        blocks += crux_blocks(a, b, rows)
    data = {
        "schema_version": COMPARISON_SCHEMA,
        "reports": [{"label": lab, "folder": str(f), "priors_name": s["priors_name"],
                     "hard_takeoff": s["hard_takeoff"], "p_rsi_feasible": s["p_rsi_feasible"],
                     "p_r_above_1": s["p_r_above_1"], "takeoff_months": s["takeoff_months"],
                     "evidence_sha256": sorted(ev), "diagnostics_ok": s["diagnostics"]["ok"]}
                    for lab, f, s, ev in zip(labels, folders, summaries, evidence, strict=True)],
        "same_evidence": same_evidence,
        "cruxes": [_finite(c) for c in cruxes],
    }
    return blocks, data


def comparison_headline_blocks(labels: list[str], summaries: list[dict],
                               results: list[xr.DataTree], same_evidence: bool
                               ) -> list[Block]:
    """Title, warnings (different evidence, sampling problems), the headline table and
    the overlaid takeoff-time CDFs."""
    # report and figures load ArviZ and matplotlib: only once the folders are reports
    from foomcalc.reporting import figures
    from foomcalc.reporting.report import Block

    blocks = [Block("h1", "foomcalc comparison: " + " vs ".join(labels))]
    if not same_evidence:
        blocks.append(Block("warn", (
            "These reports used different evidence. Differences in the headline numbers mix "
            "prior and evidence; the cruxes below reflect priors only, each person keeping "
            "their own evidence.")))
    if any(not s["diagnostics"]["ok"] for s in summaries):
        bad = [lab for lab, s in zip(labels, summaries, strict=True) if not s["diagnostics"]["ok"]]
        blocks.append(Block("warn", "Sampling problems in: " + ", ".join(bad)
                            + ": their posteriors may be unreliable."))
    blocks.append(Block("h2", "Headline numbers (posterior unless stated)"))
    blocks.append(Block("table", "Headline numbers", headers=("", *labels),
                        rows=tuple(_headline_rows(labels, summaries))))
    hard_days = float(summaries[0]["hard_takeoff"]["window_days"])
    blocks.append(Block("figure", "Takeoff-time CDFs, prior (dashed) vs posterior (solid)",
                        png=figures.takeoff_cdf_figure(dict(zip(labels, results, strict=True)),
                                                       hard_days),
                        file="takeoff_cdf.png"))
    return blocks


def crux_blocks(a: str, b: str, rows: list[dict]) -> list[Block]:
    """The crux section of reports `a` and `b`: what the table means, the table (largest
    shift first) and the biggest crux in words."""
    # report loads ArviZ and matplotlib: only once the folders are reports
    from foomcalc.reporting.report import Block, pct

    blocks = [Block("h2", f"Cruxes: {a} vs {b}"), Block("p", (
        f"For each parameter whose priors differ: P(hard takeoff) when {a} adopts {b}'s "
        f"prior on that parameter alone, and vice versa; largest shift first. Parameters "
        f"with identical priors shift by exactly 0 and are not listed. Method: exact = "
        f"redrawn from the new prior (no evidence informs it), psis = importance-"
        f"reweighted (Pareto k-hat <= 0.7), refit = re-sampled (also whenever the new prior "
        f"has mass outside the old one's support), indicator = exact weights for a narrower "
        f"uniform prior; ± is the Monte Carlo standard error of the shift, in pp. A shift "
        f"within {CRUX_MCSE:g} of its standard errors is not called a crux."))]
    if not rows:
        return [*blocks, Block("p", "The two reports' priors are identical.")]
    blocks.append(Block("table", f"Cruxes {a} vs {b}", headers=(
        "parameter", f"{a} prior", f"{b} prior", f"{a} adopting {b}'s",
        f"{b} adopting {a}'s", "method"),
        rows=tuple((r["parameter"], r["prior_a"], r["prior_b"],
                    f"{pct(r['a_base'])} -> {pct(r['a_adopting_b'])} "
                    f"({100 * r['shift_a']:+.1f} pp, ± {100 * r['shift_mcse_a']:.1f})",
                    f"{pct(r['b_base'])} -> {pct(r['b_adopting_a'])} "
                    f"({100 * r['shift_b']:+.1f} pp, ± {100 * r['shift_mcse_b']:.1f})",
                    _method(r)) for r in rows)))
    blocks.append(Block("p", biggest_crux(a, b, rows)))
    return blocks


def _method(r: dict) -> str:
    def one(m: str, k) -> str:
        return f"{m} (k {k:.2f})" if m == "psis" and k is not None else m
    return f"{one(r['method_a'], r['pareto_k_a'])} / {one(r['method_b'], r['pareto_k_b'])}"


def _finite(obj):
    """JSON-safe copy: non-finite floats become None."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def make_comparison(report_dirs: list[Path], out_dir: Path) -> str:
    """Compare report folders; write comparison.{html,md,json} to `out_dir` atomically.
    Returns the text printed by `foomcalc compare`."""
    folders = [Path(p) for p in report_dirs]
    if len(folders) < 2:
        raise InputError("compare needs at least two report folders")
    if len({f.resolve() for f in folders}) < len(folders):
        raise InputError("the same report folder is given twice")
    out_dir = Path(out_dir)
    _check_out(out_dir, folders)
    problems, loaded = [], []
    for f in folders:
        try:
            loaded.append(_load_report(f))
        except InputError as exc:
            problems.extend(str(exc).splitlines())
    if problems:
        raise InputError(problems)
    # report loads ArviZ and matplotlib: only now that every folder is a report
    from foomcalc.reporting.report import pct, render_html, render_markdown

    blocks, data = build_comparison(folders, loaded)

    def fill(folder: Path) -> None:
        write_json(folder / MARKER, data)
        (folder / "figures").mkdir()
        for block in blocks:
            if block.kind == "figure":
                (folder / "figures" / block.file).write_bytes(block.png)
        (folder / "comparison.md").write_text(render_markdown(blocks))
        (folder / "comparison.html").write_text(render_html(blocks, blocks[0].text))

    write_atomically(out_dir, fill)
    lines = [f"{r['label']}: P(hard takeoff) {pct(r['hard_takeoff']['posterior'])}"
             for r in data["reports"]]
    for c in data["cruxes"]:
        cruxes = [r for r in c["rows"] if r["crux"]]
        if cruxes:
            top = cruxes[0]
            lines.append(f"biggest crux {c['a']} vs {c['b']}: {top['parameter']} "
                         f"({100 * top['shift_a']:+.1f} pp / {100 * top['shift_b']:+.1f} pp)")
        elif c["rows"]:
            lines.append(f"{c['a']} vs {c['b']}: no single parameter explains the difference "
                         "(no shift beyond its Monte Carlo error)")
    lines.append(f"wrote {out_dir}/comparison.html, comparison.md, comparison.json")
    return "\n".join(lines)
