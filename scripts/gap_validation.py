"""Real-data validation of the capability-gap evidence kinds (issue 9, part 1).

1. time_horizons: METR's hcast_r_s horizons (../shared/sources/metr-time-horizons,
   all_data.csv; seconds -> minutes) through foomcalc's robust frontier trend, against
   Kwa et al. (2025, arXiv:2503.14499): doubling time 212 days, 95% CI 171-249.
2. game_scaling: the Hex compute frontier digitised from Jones (2021, arXiv:2104.03113)
   (../shared/sources/boardlaw-hex, all 101 points per board) through foomcalc's
   change-point frontier fit, against Jones's "500 Elo per order of magnitude increase
   in compute" (Sec. IV-A1, Fig. 6).
Raw files are read in place; temporary CSVs go to a temporary folder. ~20 s on 2 cores.
Run: .venv/bin/python scripts/gap_validation.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm

from foomcalc.evidence.files import load_evidence
from foomcalc.inference.scaling_fit import posterior_summary, sample_model
from foomcalc.inference.terms.game_scaling import add_game_scaling
from foomcalc.inference.terms.time_horizons import add_time_horizons, horizon_frontier

SOURCES = Path(__file__).resolve().parents[1].parent / "shared" / "sources"
METR = SOURCES / "metr-time-horizons" / "all_data.csv"
BOARDLAW = SOURCES / "boardlaw-hex" / "boardlaw_frontier_digitised.csv"
#: Kwa et al. 2025: doubling time (days), 95% CI.
METR_DAYS = (212.0, 171.0, 249.0)
#: Jones 2021 Sec. IV-A1: slope of the incline, Elo per OOM of compute.
JONES_ELO_PER_OOM = 500.0
DAYS_PER_MONTH = 365.25 / 12


def fit_horizons(seed: int = 0) -> dict:
    """horizon_doubling_months posterior (prior LogNormal(log 6.9, 0.75)) on hcast_r_s."""
    d = pd.read_csv(METR)
    d = d[d["benchmark"] == "hcast_r_s"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hcast_r_s.csv"
        pd.DataFrame({"model": d["model"], "release_date": d["release_date"],
                      "horizon_minutes": d["horizon"] / 60.0}).to_csv(path, index=False)
        ev = load_evidence(path)
    with pm.Model() as model:
        months = pm.LogNormal("horizon_doubling_months", mu=float(np.log(6.9)), sigma=0.75)
        add_time_horizons(ev, {"horizon_doubling_months": months}, "hcast")
    post = posterior_summary(sample_model(model, seed=seed), ["horizon_doubling_months"])
    front = horizon_frontier(ev)
    ols = 12.0 / np.polyfit(front["year"], front["log2_horizon"], 1)[0]
    return {"n": len(front), "ols_months": float(ols), **post}


def fit_hex(seed: int = 0) -> dict:
    """elo_per_oom posterior (prior LogNormal(log 450, 0.93)) on the full Hex frontier."""
    d = pd.read_csv(BOARDLAW)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hex.csv"
        pd.DataFrame({"train_flop": 10 ** d["log10_train_flops"], "elo": d["elo_frontier"],
                      "board_size": d["boardsize"]}).to_csv(path, index=False)
        ev = load_evidence(path)
    with pm.Model() as model:
        slope = pm.LogNormal("elo_per_oom", mu=float(np.log(450.0)), sigma=0.93)
        add_game_scaling(ev, {"elo_per_oom": slope}, "hex")
    post = posterior_summary(sample_model(model, seed=seed), ["elo_per_oom"])
    return {"n": len(ev.table), **post}


def section() -> str:
    """Markdown for docs/validation.md."""
    h, g = fit_horizons(), fit_hex()
    m = h["horizon_doubling_months"]
    e = g["elo_per_oom"]
    lo, hi = m["q05"] * DAYS_PER_MONTH, m["q95"] * DAYS_PER_MONTH
    return "\n".join([
        "### Capability-gap evidence on real data (issue 9, part 1)",
        "",
        "Made by `scripts/gap_validation.py` (nutpie, 4 chains x 1000 draws, seed 0).",
        "",
        "| quantity | data | foomcalc (median, 90% interval) | published |",
        "|---|---|---|---|",
        f"| time-horizon doubling time | METR hcast_r_s, {h['n']} frontier models of 16 "
        f"(2019-2025) | {m['q50'] * DAYS_PER_MONTH:.0f} days ({lo:.0f}-{hi:.0f}); "
        f"{m['q50']:.2f} months; r_hat {m['r_hat']:.3f}; plain OLS on the same frontier "
        f"{h['ols_months'] * DAYS_PER_MONTH:.0f} days | Kwa et al. 2025: {METR_DAYS[0]:.0f} "
        f"days (95% CI {METR_DAYS[1]:.0f}-{METR_DAYS[2]:.0f}) |",
        f"| Elo per OOM of training compute (incline) | Hex frontier, boards 3-9, "
        f"{g['n']} digitised points | {e['q50']:.0f} ({e['q05']:.0f}-{e['q95']:.0f}); "
        f"r_hat {e['r_hat']:.3f} | Jones 2021 Sec. IV-A1: {JONES_ELO_PER_OOM:.0f} |",
        "",
        f"Reading: METR's {METR_DAYS[0]:.0f} days "
        f"{'lies inside' if lo <= METR_DAYS[0] <= hi else 'lies outside'} our 90% interval; "
        "the fit uses the frontier models only (each beats every earlier model), as METR do. "
        "METR's interval is a hierarchical bootstrap over tasks and is wider than ours, which "
        "treats each model's horizon as exact up to a Student-t residual. Jones's slope is "
        f"stated as a round {JONES_ELO_PER_OOM:.0f}; ours is "
        f"{e['q50'] / JONES_ELO_PER_OOM - 1:+.0%}"
        " from it. Our interval reflects only residual noise around the change-point form, "
        "not the digitisation of the figure (PROVENANCE.md: points parsed from the SVG, not "
        "the original match database) or the choice between Jones's fitted model and ours "
        "(a shared incline between per-board plateaus), so a few-percent difference is "
        "agreement.",
        "",
    ])


if __name__ == "__main__":
    print(section())
