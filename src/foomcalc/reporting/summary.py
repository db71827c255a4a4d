"""summary.json: the stable, versioned headline numbers of one saved result.

Reads only the saved result (posterior.nc). The schema is documented in
docs/summary-schema.md and typed in `summary_schema` (`Summary`); intervals are named
(q05/q50/q95), never ArviZ defaults.
Monte Carlo standard errors: ArviZ's MCSE of the mean for posterior (MCMC) draws,
sd/sqrt(n) for the independent prior draws.
"""

from __future__ import annotations

import json
import math
from typing import cast

import arviz as az
import numpy as np
import xarray as xr

from foomcalc.analysis.result import attr_json
from foomcalc.parameters import PARAMETERS, unused_gap_parameters, unused_speedup_parameters
from foomcalc.reporting.sensitivity import sensitivity_summary
from foomcalc.reporting.summary_schema import (
    AboveOne,
    CompressionRow,
    DrawPair,
    DrawSummary,
    GapAxis,
    GapAxisRow,
    GapRoute,
    HardTakeoff,
    ParameterEntry,
    Probability,
    Quantiles,
    Sensitivity,
    SpeedUp,
    Summary,
    TakeoffMonths,
    WindowRow,
)
from foomcalc.takeoff.outcomes import (
    GAP_AXIS_PREFIX,
    STANDARD_WINDOWS_DAYS,
    gap_axis_probability,
    hard_takeoff_probability,
    mixture_probability,
    realised_speedup,
    route_hard_takeoff_probability,
    takeoff_quantiles,
    window_label,
    with_speedup,
)

QUANTILES = {"q05": 0.05, "q50": 0.5, "q95": 0.95}

#: Two different "P(RSI feasible)" numbers appear in a report; they are named apart.
#: The branch weight (summary `p_rsi_feasible`): the mean over draws of
#: P(feasible | p, observations' likelihood ratios).
RSI_BRANCH_LABEL = "P(seed-AI RSI feasible | observations)"
RSI_BRANCH_MEANING = (
    "weight of the seed-AI RSI branch: the probability that seed-AI-style recursive "
    "self-improvement works in deep learning, after the observations' likelihood ratios "
    "(averaged over draws of the prior credence parameter p_rsi_feasible)")
#: The parameter (summary `parameters.p_rsi_feasible`): the credence before the observations.
RSI_PARAMETER_LABEL = "p_rsi_feasible (prior credence parameter, before the observations)"


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def probability(per_draw: xr.DataArray, mcmc: bool) -> dict[str, float]:
    """Mean of a per-draw probability with its Monte Carlo standard error, {"p", "mcse"}:
    ArviZ's MCSE of the mean for MCMC draws (`mcmc`), else sd/sqrt(n)."""
    values = np.asarray(per_draw.values, dtype=float)
    mean = float(values.mean())
    if mcmc:
        mcse = float(az.mcse(per_draw.to_dataset(name="p"), method="mean")["p"])
        if not math.isfinite(mcse):  # constant per-draw values: no Monte Carlo error
            mcse = 0.0
    else:
        mcse = float(values.std(ddof=1) / math.sqrt(values.size))
    return {"p": mean, "mcse": mcse}


def describe_draws(values: np.ndarray) -> DrawSummary:
    """mean, sd and named quantiles of draws, in the draws' unit."""
    flat = np.asarray(values, dtype=float).ravel()
    out = {"mean": float(flat.mean()), "sd": float(flat.std(ddof=1)) if flat.size > 1 else 0.0}
    out.update({k: float(np.quantile(flat, q)) for k, q in QUANTILES.items()})
    return cast(DrawSummary, out)


def unused_parameters(result: xr.DataTree) -> list[str]:
    """Gap parameters of the routes not taken that no evidence informs
    (`parameters.unused_gap_parameters`): tables and the tornado omit them."""
    attrs = result.attrs
    priors = json.loads(attrs["priors_json"])
    informed = set(json.loads(attrs.get("modelled_parameters_json", "[]")))
    return sorted(unused_gap_parameters(attrs["gap_from"], informed, priors.get("gap_weights"))
                  | unused_speedup_parameters(priors.get("speedup_from", "direct"), informed))


def _pair(prior: dict, posterior: dict) -> Probability:
    return {"prior": prior["p"], "prior_mcse": prior["mcse"],
            "posterior": posterior["p"], "mcse": posterior["mcse"]}


def summarize(result: xr.DataTree) -> Summary:
    """The summary.json dictionary of a saved result (docs/summary-schema.md)."""
    attrs = result.attrs
    post = result["posterior_outcomes"].to_dataset()
    prior = result["prior_outcomes"].to_dataset()
    priors = attr_json(result, "priors_json")
    window = float(attrs["hard_takeoff_days"])
    by_window = hard_takeoff_by_window(prior, post, window)
    unused = unused_parameters(result)
    summary: Summary = {
        "schema_version": attrs["schema_version"],
        "package_version": attrs["foomcalc_version"],
        "priors_name": attrs["priors_name"],
        "seed": int(attrs["seed"]),
        "command": attrs["command"],
        "gap_from": attrs["gap_from"],
        "hard_takeoff": headline(by_window, window),
        "hard_takeoff_by_window": by_window,
        "p_rsi_feasible": {"label": RSI_BRANCH_LABEL, "meaning": RSI_BRANCH_MEANING,
                           **_pair(probability(prior["weight_feasible"], False),
                                   probability(post["weight_feasible"], True))},
        "p_r_above_1": r_above_one(result, priors),
        "compression": compression_rows(prior, post),
        "takeoff_months": takeoff_months(prior, post, float(attrs["horizon_months"])),
        "parameters": parameter_entries(result, priors, unused),
        "likelihood_ratio_observations": float(attrs["likelihood_ratio"]),
        "diagnostics": {k: _finite_or_none(v) if isinstance(v, float) else v  # type: ignore[typeddict-item]  # no NaN in JSON
                        for k, v in attr_json(result, "diagnostics_json").items()},
        "evidence": attr_json(result, "evidence_json"),
        "sampler": attr_json(result, "sampler_json"),
        "versions": attr_json(result, "versions_json"),
        "n_draws": {"prior": int(prior.sizes["draw"] * prior.sizes["chain"]),
                    "posterior": int(post.sizes["draw"] * post.sizes["chain"])},
        "sensitivity": _without(sensitivity_summary(result), unused),
        "unused_parameters": unused,
        "notes": json.loads(attrs.get("notes_json", "[]")),
    }
    routes = gap_routes(priors, prior, post, window)
    if routes is not None:
        summary["gap_routes"] = routes
    summary["speed_up"] = speed_up(result, priors)
    axis = gap_axis(prior, post)
    if axis is not None:
        summary["gap_axis"] = axis
    return summary


def hard_takeoff_by_window(prior: xr.Dataset, post: xr.Dataset, window_days: float
                           ) -> list[WindowRow]:
    """P(takeoff time <= window) for the standard windows and the priors' own one."""
    rows: list[WindowRow] = []
    for days in sorted({*STANDARD_WINDOWS_DAYS, window_days}):
        row = _pair(probability(hard_takeoff_probability(prior, days), False),
                    probability(hard_takeoff_probability(post, days), True))
        rows.append({"window_days": days, "label": window_label(days), **row})
    return rows


def headline(by_window: list[WindowRow], window_days: float) -> HardTakeoff:
    """The headline P(hard takeoff): the row of the priors' window, with its definition."""
    row = next(r for r in by_window if r["window_days"] == window_days)
    return {"definition": f"AI goes from par-human to strongly superhuman (crosses the "
                          f"capability gap) within {window_label(window_days)} of fully "
                          f"automating AI R&D",
            "window_days": window_days,
            **{k: row[k] for k in ("prior", "prior_mcse", "posterior", "mcse")}}  # type: ignore[typeddict-item]


def compression_rows(prior: xr.Dataset, post: xr.Dataset) -> list[CompressionRow]:
    """Each compression row's P(some window of Y months holds >= X years of progress)."""
    rows: list[CompressionRow] = []
    for i, name in enumerate(post["compression"].values):
        def per_draw(ds: xr.Dataset, i: int = i) -> xr.DataArray:
            sel = ds.isel(compression=i)
            return mixture_probability(sel["compressed_feasible"], sel["compressed_infeasible"],  # type: ignore[arg-type, return-value]
                                       sel["weight_feasible"])  # type: ignore[arg-type]
        rows.append({
            "id": str(name),
            "years_of_progress": float(post["years_of_progress"].values[i]),
            "within_months": float(post["within_months"].values[i]),
            **_pair(probability(per_draw(prior), False), probability(per_draw(post), True)),
        })
    return rows


def parameter_entries(result: xr.DataTree, priors: dict, unused: list[str]
                      ) -> dict[str, ParameterEntry]:
    """Every registry parameter: unit, meaning, source; its value when fixed, else its
    prior and posterior draws described (in the parameter's unit)."""
    prior_draws = result["prior"].to_dataset()
    post_draws = result["posterior"].to_dataset()
    entries = {}
    for name, meta in PARAMETERS.items():
        spec = priors["parameters"][name]
        entry: ParameterEntry = {
            "unit": meta.unit, "meaning": meta.meaning, "source": spec.get("source", ""),
            "fixed": name not in post_draws, "used": name not in unused,
            "fit_note": spec.get("fit_note")}
        if name in post_draws:
            entry["prior"] = describe_draws(prior_draws[name].values)
            entry["posterior"] = describe_draws(post_draws[name].values)
        else:
            entry["value"] = spec.get("value")
        entries[name] = entry
    return entries


def r_above_one(result: xr.DataTree, priors: dict) -> AboveOne:
    """P(returns to software R&D r > 1); 0 or 1 with no Monte Carlo error when r is fixed."""
    post_draws = result["posterior"].to_dataset()
    if "returns_r" not in post_draws:
        above = float(priors["parameters"]["returns_r"]["value"] > 1)
        return {"prior": above, "posterior": above, "mcse": 0.0}

    def above_one(ds: xr.Dataset) -> xr.DataArray:
        return (ds["returns_r"] > 1.0).astype(float)

    return _pair(probability(above_one(result["prior"].to_dataset()), False),  # type: ignore[return-value]
                 probability(above_one(post_draws), True))


def takeoff_months(prior: xr.Dataset, post: xr.Dataset, horizon: float) -> TakeoffMonths:
    """Named quantiles of the takeoff time (months); None where the gap is not crossed
    within the horizon."""
    levels = list(QUANTILES.values())

    def named(ds: xr.Dataset) -> Quantiles:
        values = map(_finite_or_none, takeoff_quantiles(ds, levels))
        return cast(Quantiles, dict(zip(QUANTILES, values, strict=True)))

    return {"horizon_months": horizon,
            "note": "null means the gap is not crossed within the horizon",
            "prior": named(prior), "posterior": named(post)}


def _without(sensitivity: Sensitivity, unused: list[str]) -> Sensitivity:
    """The sensitivity section without tornado rows of unused gap parameters (their
    swing is zero by construction: they do not enter the answer)."""
    torn = sensitivity.get("tornado")
    if torn:
        torn = {**torn, "rows": [r for r in torn["rows"] if r["parameter"] not in unused]}
        sensitivity = {**sensitivity, "tornado": torn}
    return sensitivity


def gap_routes(priors: dict, prior: xr.Dataset, post: xr.Dataset, window_days: float
               ) -> dict[str, GapRoute] | None:
    """For gap_from "mixture": each route's weight and P(hard takeoff) had every draw
    used it; None otherwise."""
    weights = priors.get("gap_weights") or {}
    if priors.get("gap_from") != "mixture" or not weights:
        return None
    return {route: {"weight": float(w), **_pair(
        probability(route_hard_takeoff_probability(prior, route, window_days), False),
        probability(route_hard_takeoff_probability(post, route, window_days), True))}
        for route, w in weights.items()}


SPEED_UP_MEANING = (
    "research speed at full automation of AI R&D as a multiple of today's: `speedup` without "
    "a compute bottleneck (labour L0 = speedup^(1/p) times today's), `realised` = R(L0, 1)^p "
    "with research compute still at today's level (CES research input; docs/simulator.md)")


def _flat_parameters(result: xr.DataTree, group: str, priors: dict) -> dict[str, np.ndarray]:
    """Every registry parameter as flat draws of `group` ("prior" or "posterior"), fixed
    ones at their value."""
    ds = result[group].to_dataset()
    n = ds.sizes["chain"] * ds.sizes["draw"]
    return {name: (ds[name].values.reshape(-1) if name in ds else
                   np.full(n, float(priors["parameters"][name]["value"]))) for name in PARAMETERS}


def speed_up(result: xr.DataTree, priors: dict) -> SpeedUp:
    """The initial speed-up, prior and posterior: `speedup` (built from its parts under
    `speedup_from: parts`) and the realised R(L0, 1)^p beside it."""
    mode = priors.get("speedup_from", "direct")
    pairs: dict[str, dict[str, DrawSummary]] = {"speedup": {}, "realised": {}}
    for group in ("prior", "posterior"):
        draws = with_speedup(_flat_parameters(result, group, priors), mode)
        pairs["speedup"][group] = describe_draws(draws["speedup"])
        pairs["realised"][group] = describe_draws(realised_speedup(draws))
    return {"speedup_from": mode, "meaning": SPEED_UP_MEANING,
            "speedup": cast(DrawPair, pairs["speedup"]),
            "realised": cast(DrawPair, pairs["realised"])}


GAP_AXIS_NOTE = ("P(takeoff within each window) had the capability gap been the given number "
                 "of years of progress at recent rates, whatever the priors' gap; the same "
                 "simulated paths as the headline")


def gap_axis(prior: xr.Dataset, post: xr.Dataset) -> GapAxis | None:
    """The gap as an axis: for each gap size (years of recent progress) and standard window,
    P(takeoff within the window), prior and posterior; None for results without it."""
    if f"{GAP_AXIS_PREFIX}takeoff_months_feasible" not in post:
        return None
    years = [float(y) for y in post["gap_axis_years"].values]
    rows: list[GapAxisRow] = []
    for days in STANDARD_WINDOWS_DAYS:
        per_prior = gap_axis_probability(prior, days)
        per_post = gap_axis_probability(post, days)
        for k, gap in enumerate(years):
            cell = _pair(
                probability(xr.DataArray(per_prior[..., k], dims=("chain", "draw")), False),
                probability(xr.DataArray(per_post[..., k], dims=("chain", "draw")), True))
            rows.append({"gap_years": gap, "window_days": float(days),
                         "label": window_label(days), **cell})
    return {"note": GAP_AXIS_NOTE, "gap_years": years,
            "windows_days": [float(d) for d in STANDARD_WINDOWS_DAYS], "rows": rows}
