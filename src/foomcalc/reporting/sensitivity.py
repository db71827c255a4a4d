"""The sensitivity section of summary.json, from the groups a result saved
(`analysis.sensitivity`): the tornado's rows, prior and likelihood power-scaling
(Kallioinen et al. 2024, ArviZ `psense_summary`) and one or two sentences naming what the
answer hangs on. Reads only the saved result."""

from __future__ import annotations

import logging
import math

import numpy as np
import xarray as xr
from arviz_stats import psense_summary

from foomcalc.analysis.reweight import hard_per_draw
from foomcalc.parameters import PARAMETERS, SPEEDUP_PARTS
from foomcalc.reporting.summary_schema import (
    PowerScalingRow,
    Sensitivity,
    Tornado,
    TornadoRow,
)

#: psense_summary's threshold on the CJS distance gradient (Kallioinen et al. 2024).
PSENSE_THRESHOLD = 0.05


def power_scaling(result: xr.DataTree) -> list[PowerScalingRow] | None:
    """Prior and likelihood power-scaling sensitivity (CJS distance gradients) of each
    evidence-informed parameter and of `hard_takeoff` (the per-draw P(hard takeoff));
    None when the result has no evidence-informed parameters or no saved groups."""
    if "log_likelihood" not in result or "log_prior" not in result:
        return None
    log_prior = result["log_prior"].to_dataset()
    log_lik = result["log_likelihood"].to_dataset()
    if not log_prior.data_vars or not log_lik.data_vars:
        return None
    names = list(log_prior.data_vars)
    post = result["posterior"].to_dataset()[names]
    window = float(result.attrs["hard_takeoff_days"])
    hard = hard_per_draw(result["posterior_outcomes"].to_dataset(), window)
    post["hard_takeoff"] = (("chain", "draw"), hard)
    tree = xr.DataTree.from_dict({"posterior": post, "log_prior": log_prior,
                                  "log_likelihood": log_lik})
    logging.getLogger("arviz_stats").setLevel(logging.ERROR)
    table = psense_summary(tree, var_names=[*names, "hard_takeoff"],
                           threshold=PSENSE_THRESHOLD, round_to=4)
    def finite(x) -> float | None:  # constant draws (e.g. P(hard) = 0 in every draw): none
        return float(x) if math.isfinite(float(x)) else None

    return [{"variable": str(idx), "prior": finite(row["prior"]),
             "likelihood": finite(row["likelihood"]),
             "diagnosis": str(row["diagnosis"]) if math.isfinite(float(row["prior"]))
             else "not defined (constant draws)"}
            for idx, row in table.iterrows()]


#: What a tornado row rests on, in the order the report groups them.
BASES = ("evidence", "parts", "judgement")
#: A parameter counts as narrowed by data when its posterior sd is at most this share of
#: its prior sd.
NARROWED_SD_RATIO = 0.8


def basis_of(result: xr.DataTree, name: str, informed: set[str]
             ) -> tuple[str, float | None]:
    """What parameter `name` rests on and its posterior sd / prior sd: "evidence" when a
    likelihood reaches it (`informed`), "parts" for a measurable part of the speed-up
    (`parameters.SPEEDUP_PARTS`) no likelihood reaches, else "judgement" (a belief or a
    definition no data reach); the ratio is None when it cannot be measured (no draws)."""
    ratio = None
    if "prior" in result and name in result["prior"] and name in result["posterior"]:
        prior_sd = float(np.std(result["prior"].to_dataset()[name].values))
        if prior_sd > 0:
            ratio = float(np.std(result["posterior"].to_dataset()[name].values)) / prior_sd
    if name in informed:
        return "evidence", ratio
    return ("parts" if name in SPEEDUP_PARTS else "judgement"), ratio


def narrowed_share(rows: list[TornadoRow], top: int = 5) -> float | None:
    """Share of the `top` largest swings (rows largest first) that comes from parameters
    the data narrow (basis "evidence", posterior sd <= NARROWED_SD_RATIO x prior sd);
    None when those swings sum to zero."""
    head = rows[:top]
    total = sum(r["swing"] for r in head)
    if total <= 0:
        return None
    ratio = [r.get("sd_ratio") for r in head]
    return sum(r["swing"] for r, q in zip(head, ratio, strict=True)
               if r.get("basis") == "evidence" and q is not None and q <= NARROWED_SD_RATIO
               ) / total


def tornado_rows(result: xr.DataTree) -> Tornado | None:
    """The saved tornado as summary rows, largest swing first (None if not saved), each
    with its basis (`basis_of`)."""
    if "sensitivity_tornado" not in result:
        return None
    ds = result["sensitivity_tornado"].to_dataset()
    informed = {str(n) for n in np.atleast_1d(ds.attrs.get("posterior_quantile_parameters", []))}
    rows: list[TornadoRow] = []
    for p in ds["parameter"].values:
        p_low = float(ds["p_hard_low"].sel(parameter=p))
        p_high = float(ds["p_hard_high"].sel(parameter=p))
        basis, ratio = basis_of(result, str(p), informed)
        rows.append({"parameter": str(p), "unit": PARAMETERS[str(p)].unit,
                     "low_value": float(ds["low_value"].sel(parameter=p)),
                     "high_value": float(ds["high_value"].sel(parameter=p)),
                     "p_low": p_low, "p_high": p_high, "swing": abs(p_high - p_low),
                     "basis": basis, "sd_ratio": ratio})
    rows.sort(key=lambda r: -r["swing"])
    return {"base": float(ds.attrs["p_hard_base"]), "n_draws": int(ds.attrs["n_draws"]),
            "window_days": float(ds.attrs["window_days"]),
            "quantiles": [float(q) for q in np.atleast_1d(ds.attrs["quantiles"])], "rows": rows}


def hangs_on(tornado_summary: Tornado | None, psense_rows: list[PowerScalingRow] | None,
             has_evidence: bool) -> str:
    """One or two sentences naming the inputs the answer hangs on."""
    parts = []
    if tornado_summary and tornado_summary["rows"]:
        top = [r for r in tornado_summary["rows"][:3] if r["swing"] >= 0.005]
        if top:
            named = ", ".join(f"{r['parameter']} ({100 * r['p_low']:.1f}% to "
                              f"{100 * r['p_high']:.1f}%)" for r in top)
            parts.append(f"P(hard takeoff) hangs most on {named}, moving each from its "
                         f"prior's 10th to 90th percentile.")
        else:
            parts.append("No single parameter moves P(hard takeoff) by half a percentage "
                         "point across its prior's 10th to 90th percentile.")
    if not has_evidence:
        parts.append("No evidence informs any parameter, so the answer is the prior's alone.")
    elif psense_rows:
        hard = next((r for r in psense_rows if r["variable"] == "hard_takeoff"), None)
        flagged = [r["variable"] for r in psense_rows
                   if r["variable"] != "hard_takeoff" and r["diagnosis"] != "✓"]
        if hard is not None and hard["prior"] is not None and hard["likelihood"] is not None:
            side = "the prior" if hard["prior"] > hard["likelihood"] else "the evidence"
            parts.append(f"Among evidence-informed parameters, the answer responds more to "
                         f"{side} (power-scaling sensitivity: prior {hard['prior']:.3f}, "
                         f"likelihood {hard['likelihood']:.3f}).")
        if flagged:
            parts.append("Power-scaling flags " + ", ".join(flagged) + " (see the table).")
    return " ".join(parts)


def sensitivity_summary(result: xr.DataTree) -> Sensitivity:
    """The `sensitivity` section of summary.json (docs/summary-schema.md)."""
    torn = tornado_rows(result)
    psense = power_scaling(result)
    has_evidence = bool(result.attrs.get("evidence_json", "[]") != "[]")
    return {"tornado": torn,
            "power_scaling": {"threshold": PSENSE_THRESHOLD, "rows": psense} if psense else None,
            "hangs_on": hangs_on(torn, psense, has_evidence)}
