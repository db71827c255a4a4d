"""Real-data validation: foomcalc's likelihoods on public data vs the published analyses.

`section()` returns a markdown section for docs/validation.md. It
1. fits the Chinchilla law to Epoch's extraction of Hoffmann et al. (2022) Fig. 4
   (../shared/sources/chinchilla-epoch-replication; tokens = FLOP / (6 N), as Epoch
   do) and compares with Besiroglu et al. (2024, arXiv:2404.10102) Table 1;
2. fits the compute trend to Epoch's AI-models database snapshot
   (../shared/sources/epoch-ai-models; notable models with a compute estimate,
   published 2010 onwards) and compares with Epoch's published growth rates.
The raw files are read in place and never copied; temporary CSVs in our evidence
format go to a temporary folder. Runtime: about 15-30 s on 2 cores.
Run: .venv/bin/python scripts/validation_real_data.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
from gap_validation import section as gap_section
from training_durations import section as training_durations_section

from foomcalc.evidence.files import load_evidence
from foomcalc.inference.scaling_fit import fit_scaling_evidence, posterior_summary, sample_model
from foomcalc.inference.terms.compute_trend import add_compute_trend, trend_rows

SOURCES = Path(__file__).resolve().parents[1].parent / "shared" / "sources"
CHINCHILLA = SOURCES / "chinchilla-epoch-replication" / "svg_extracted_data.csv"
EPOCH_MODELS = SOURCES / "epoch-ai-models" / "all_ml_systems_full_view.csv"

#: Besiroglu et al. (2024) Table 1: estimate (standard error), 240 points, Huber loss.
BESIROGLU = {"E": (1.8172, 0.03), "A": (482.01, 124.58), "B": (2085.43, 1293.23),
             "a": (0.3478, 0.02), "b": (0.3658, 0.02)}
#: Hoffmann et al. (2022) eq. 10 / Approach 3 (no intervals published for these).
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "a": 0.34, "b": 0.28}
#: Epoch, published compute growth (x/yr, 90% CI).
EPOCH_BLOG = (4.1, 3.7, 4.6)     # notable models 2010 - May 2024 (Sevilla & Roldan 2024)
EPOCH_INSIGHT = (4.7, 4.3, 5.2)  # notable models since 2010, n = 428 (data insight, Jun 2024)


def _chinchilla_csv(folder: Path, drop_top: int) -> Path:
    raw = pd.read_csv(CHINCHILLA)
    raw = raw.assign(tokens=raw["Training FLOP"] / (6.0 * raw["Model Size"]))
    if drop_top:  # Epoch keep loss < sorted(loss)[-drop_top]
        raw = raw[raw["loss"] < np.sort(raw["loss"].to_numpy())[-drop_top]]
    path = folder / f"chinchilla_{len(raw)}.csv"
    out = raw.rename(columns={"Model Size": "params"})[["params", "tokens", "loss"]]
    path.write_text("# kind: scaling\n" + out.to_csv(index=False))
    return path


def _trend_csv(folder: Path, end: str | None) -> Path:
    raw = pd.read_csv(EPOCH_MODELS, low_memory=False)
    date = pd.to_datetime(raw["Publication date"], errors="coerce")
    flop = pd.to_numeric(raw["Training compute (FLOP)"], errors="coerce")
    keep = raw["Notability criteria"].notna() & flop.gt(0) & (date >= "2010-01-01")
    if end:
        keep &= date <= end
    out = pd.DataFrame({"model": raw["Model"][keep], "date": date[keep].dt.strftime("%Y-%m-%d"),
                        "training_flop": flop[keep]}).drop_duplicates()
    path = folder / f"epoch_notable_{end or 'all'}.csv"
    path.write_text("# kind: compute_trend\n" + out.to_csv(index=False))
    return path


def fit_trend(path: Path, seed: int = 0) -> dict:
    """Posterior of compute_growth_per_year: prior LogNormal(log 3, 1) x/yr, robust trend."""
    ev = load_evidence(path)
    with pm.Model() as model:
        growth = pm.LogNormal("compute_growth_per_year", mu=float(np.log(3.0)), sigma=1.0)
        add_compute_trend(ev, {"compute_growth_per_year": growth}, ev.label)
    idata = sample_model(model, seed=seed)
    post = posterior_summary(idata, ["compute_growth_per_year", f"{ev.label}__nu"])
    return {"n": len(trend_rows(ev)), **post}


def _ols_growth(path: Path) -> float:
    t = load_evidence(path).table
    return float(10 ** np.polyfit(t["year"], t["log10_flop"], 1)[0])


def _scaling_rows(label: str, summary: dict) -> list[str]:
    p = summary["parameters"]
    cells = [f"{p[k]['q50']:.4g} ({p[k]['q05']:.4g}-{p[k]['q95']:.4g})" for k in
             ("E", "A", "B", "a", "b", "alpha_C")]
    return [f"| {label} | {summary['n_points']} | " + " | ".join(cells) + " |"]


def section() -> str:
    """Markdown section comparing our fits on real data with the published analyses."""
    start = time.time()
    lines = ["## Real data: scaling law and compute trend vs published analyses", ""]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fits = {n: fit_scaling_evidence(load_evidence(_chinchilla_csv(folder, n)), seed=1)[0]
                for n in (0, 5)}
        trends = {end: fit_trend(_trend_csv(folder, end), seed=2)
                  for end in ("2024-05-31", None)}
        ols = {end: _ols_growth(_trend_csv(folder, end)) for end in ("2024-05-31", None)}
    ref = " | ".join(f"{BESIROGLU[k][0]:.4g} (±{BESIROGLU[k][1]:.3g} se)" for k in
                     ("E", "A", "B", "a", "b"))
    a, b = BESIROGLU["a"][0], BESIROGLU["b"][0]
    ha, hb = HOFFMANN["a"], HOFFMANN["b"]
    lines += [
        "### Chinchilla scaling law (Hoffmann et al. 2022 Fig. 4, Epoch extraction)",
        "",
        f"Data: `{CHINCHILLA.relative_to(SOURCES.parent)}` (245 points; tokens D = C/(6N)). "
        "Our fit: robust Student-t likelihood in log-loss (`terms.scaling.add_scaling`), "
        "priors of `scaling.py`, nutpie 4 x 1000 draws. Cells: posterior median (90% interval).",
        "",
        "| fit | points | E | A | B | a | b | alpha_C |",
        "|---|---|---|---|---|---|---|---|",
        *_scaling_rows("foomcalc, all points (robust)", fits[0]),
        *_scaling_rows("foomcalc, 5 highest-loss dropped", fits[5]),
        f"| Besiroglu et al. 2024, Table 1 (Huber) | 240 | {ref} | {a * b / (a + b):.4g} |",
        f"| Hoffmann et al. 2022, Approach 3 | >400 | {HOFFMANN['E']} | {HOFFMANN['A']} | "
        f"{HOFFMANN['B']} | {ha} | {hb} | {ha * hb / (ha + hb):.4g} |",
        "",
        f"Outliers flagged by the robust fit on all 245 points: {fits[0]['n_outliers']} "
        f"(> 5 robust SDs). Sampling: max r_hat {fits[0]['diagnostics']['max_r_hat']:.3f}, "
        f"min ESS bulk {fits[0]['diagnostics']['min_ess_bulk']:.0f}, divergences "
        f"{fits[0]['diagnostics']['divergences']}.",
        "",
        "Reading: a posterior whose 90% interval covers Besiroglu et al.'s estimates "
        "replicates their fit; Hoffmann et al.'s b = 0.28 lies well outside, as Besiroglu "
        "et al. reported. Our fit on all 245 points should agree with the 240-point fit: "
        "the Student-t likelihood absorbs the 5 high-loss points that Epoch drop by hand.",
        "",
        "### Frontier training-compute growth (Epoch AI models database, June 2025 snapshot)",
        "",
        "Data: notable models (non-empty `Notability criteria`) with a training-compute "
        "estimate, published from 2010-01-01. Our fit: robust Student-t log-linear trend "
        "(`terms.compute_trend.add_compute_trend`), prior compute_growth_per_year ~ "
        "LogNormal(log 3, 1).",
        "",
        "| window | models | foomcalc growth x/yr, median (90% interval) | OLS x/yr | "
        "published (Epoch) |",
        "|---|---|---|---|---|",
    ]
    published = {"2024-05-31": f"{EPOCH_BLOG[0]}x ({EPOCH_BLOG[1]}-{EPOCH_BLOG[2]}), "
                 "Sevilla & Roldán 2024, notable 2010-May 2024",
                 None: f"{EPOCH_INSIGHT[0]}x ({EPOCH_INSIGHT[1]}-{EPOCH_INSIGHT[2]}), Epoch "
                 "data insight Jun 2024, n = 428"}
    for end, fit in trends.items():
        g = fit["compute_growth_per_year"]
        lines.append(f"| 2010 to {end or 'Jun 2025'} | {fit['n']} | {g['q50']:.2f} "
                     f"({g['q05']:.2f}-{g['q95']:.2f}) | {ols[end]:.2f} | {published[end]} |")
    lines += [
        "",
        "Reading: Epoch's numbers come from OLS on their database at the time; ours use a "
        "later snapshot (revised and added entries) and a heavy-tailed likelihood, which "
        "down-weights the very small models far below the trend, so agreement within the "
        "published 90% intervals (or a small, explained difference) is the check.",
        "",
        f"_Generated by `scripts/validation_real_data.py` in {time.time() - start:.0f} s._",
    ]
    return ("\n".join(lines) + "\n\n" + training_durations_section() + "\n\n"
            + gap_section())


if __name__ == "__main__":
    print(section())
