"""From parameter draws to takeoff outcomes: the bridge between sampling and the simulator.

For every draw (prior or posterior) the simulator runs twice, once with seed-AI RSI
feasible and once not, and the two are weighted by the probability that RSI is
feasible given that draw's p_rsi_feasible and the observed likelihood ratios:

    w = p * LR / (p * LR + 1 - p)

This Rao-Blackwellises the discrete feasibility indicator: no random coin per draw,
so outcomes are deterministic given the draws and have lower Monte Carlo error.
Time is in months throughout; a month is 30.4375 days (365.25 / 12).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from foomcalc.parameters import DAYS_PER_MONTH, HORIZON_MONTHS, STANDARD_COMPRESSION
from foomcalc.takeoff.gap import (
    gap_ooms_from_elo,
    gap_ooms_from_scaling,
    gap_ooms_from_years,
    gap_years_from_horizon,
    mixture_routes,
)
from foomcalc.takeoff.kernel import TakeoffOutcomes, takeoff_outcomes
from foomcalc.takeoff.params import (
    log2_realised_speedup,
    recent_rate_ooms_per_year,
    speedup_from_parts,
)
from foomcalc.takeoff.successors import realised_first_passage

#: Windows (days) for P(hard takeoff) besides the user's own definition.
STANDARD_WINDOWS_DAYS = (1.0, 7.0, 30.0, 365.25)


def window_label(days: float) -> str:
    """A window in days as the report and the app name it, e.g. 7 -> "1 week"."""
    names = {1.0: "1 day", 7.0: "1 week", 30.0: "30 days", 365.25: "1 year"}
    return names.get(float(days), f"{days:g} days")

#: Prefix of the per-route takeoff times a mixture also returns, e.g.
#: ``route_horizon__takeoff_months_feasible``.
ROUTE_PREFIX = "route_"

#: The gap as an axis: gap sizes in years of recent progress at which the takeoff time is
#: also measured (on the same paths), whatever gap the priors give.
GAP_AXIS_YEARS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
#: Prefix of the gap-axis takeoff times, (n, len(GAP_AXIS_YEARS)) per branch, e.g.
#: ``gap_axis__takeoff_months_feasible``.
GAP_AXIS_PREFIX = "gap_axis__"

SIMULATOR_PARAMETERS = (
    "retrain_months",
    "returns_r",
    "parallel_penalty",
    "speedup",
    "instant_jump_ooms",
    "limit_ooms",
    "software_doubling_months",
    "compute_growth_per_year",
    "compute_during_takeoff",
    "compute_share",
    "substitution_elasticity",
)


def feasibility_weight(p_rsi_feasible: np.ndarray, likelihood_ratio: float) -> np.ndarray:
    """P(seed-AI RSI feasible | p, observations) for each draw of p."""
    p = np.asarray(p_rsi_feasible, dtype=float)
    return p * likelihood_ratio / (p * likelihood_ratio + 1.0 - p)


def route_gap_ooms(draws: Mapping[str, np.ndarray], route: str) -> np.ndarray:
    """The capability gap of one route ("scaling", "years", "horizon", "elo"), in OOMs."""
    if route == "scaling":
        return gap_ooms_from_scaling(
            draws["capability_factor"], draws["scaling_a"], draws["scaling_b"]
        )
    if route == "elo":
        return gap_ooms_from_elo(draws["elo_gap"], draws["elo_per_oom"])
    rate = recent_rate_ooms_per_year(
        draws["software_doubling_months"], draws["compute_growth_per_year"]
    )
    if route == "horizon":
        years = gap_years_from_horizon(draws["horizon_doublings"],
                                       draws["horizon_doubling_months"])
        return gap_ooms_from_years(years, rate)
    if route == "years":
        return gap_ooms_from_years(draws["gap_years"], rate)
    raise ValueError(f"unknown gap route {route!r}")


def gap_ooms(draws: Mapping[str, np.ndarray], gap_from: str,
             gap_weights: Mapping[str, float] | None = None) -> np.ndarray:
    """The capability gap for each draw, in OOMs of effective compute.

    For gap_from "mixture" each draw takes one route, assigned in proportion to
    `gap_weights` by `gap.mixture_routes` (deterministic given the number of draws).
    """
    if gap_from != "mixture":
        return route_gap_ooms(draws, gap_from)
    if not gap_weights:
        raise ValueError("gap_from 'mixture' needs gap_weights")
    routes = list(gap_weights)
    per_route = [np.asarray(route_gap_ooms(draws, r), dtype=float) for r in routes]
    n = np.broadcast(*per_route).size
    per_route = [np.broadcast_to(g, (n,)) for g in per_route]
    pick = mixture_routes(n, dict(gap_weights))
    return np.choose(pick, per_route)


#: Simulator parameters that may be left out of hand-built draws: their defaults mean
#: "no compute bottleneck" (labour alone drives research).
NO_BOTTLENECK = {"compute_share": 0.0, "substitution_elasticity": np.inf}


def with_speedup(draws: Mapping[str, np.ndarray], speedup_from: str) -> dict[str, np.ndarray]:
    """`draws` with `speedup` built from its parts (`params.speedup_from_parts`) when
    `speedup_from` is "parts"; unchanged ("direct") otherwise."""
    if speedup_from == "direct":
        return dict(draws)
    if speedup_from != "parts":
        raise ValueError(f"unknown speedup_from {speedup_from!r}")
    return {**draws, "speedup": speedup_from_parts(
        draws["research_inference_flop_per_s"], draws["researcher_flop_per_s"],
        draws["ai_serial_speed"], draws["research_workforce"], draws["parallel_penalty"])}


def realised_speedup(draws: Mapping[str, np.ndarray]) -> np.ndarray:
    """The realised initial research speed-up R(L0, 1)^p of each draw (a multiplier of
    today's research speed; `params.log2_realised_speedup`), from `speedup`,
    `parallel_penalty`, `compute_share` and `substitution_elasticity`."""
    full: dict[str, np.ndarray | float] = {**NO_BOTTLENECK, **draws}
    return 2.0 ** log2_realised_speedup(full["speedup"], full["parallel_penalty"],
                                        full["compute_share"], full["substitution_elasticity"])


def simulator_inputs(draws: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The simulator's parameters from flat draws, broadcast to one shape (n,)."""
    full: dict[str, np.ndarray | float] = {**NO_BOTTLENECK, **draws}
    n = np.broadcast(*[np.asarray(full[k]) for k in SIMULATOR_PARAMETERS]).size
    return {k: np.broadcast_to(np.asarray(full[k], dtype=float), (n,))
            for k in SIMULATOR_PARAMETERS}


def branch_outcomes(
    inputs: Mapping[str, np.ndarray], weight_feasible: np.ndarray,
    gaps: Sequence[np.ndarray], window_months: Sequence[float], horizon_months: float,
) -> dict[str, TakeoffOutcomes | None]:
    """The compiled kernel's outcomes with and without seed-AI RSI: the first passage of
    each gap in `gaps` (OOMs; column g of `first_passage_months`) and the most progress
    in each window of `window_months`, on the discovered path; None for a branch of
    weight 0 in every draw (p_rsi_feasible fixed at 0 or 1), which is never simulated."""
    n = next(iter(inputs.values())).size
    gap_columns = np.stack([np.broadcast_to(np.asarray(g, dtype=float), (n,)) for g in gaps],
                           axis=1) if len(gaps) else np.zeros((n, 0))
    out: dict[str, TakeoffOutcomes | None] = {}
    for branch, feasible in (("feasible", True), ("infeasible", False)):
        weight = weight_feasible if feasible else 1.0 - weight_feasible
        out[branch] = None if not np.any(weight > 0) else takeoff_outcomes(
            rsi_feasible=feasible, gap_ooms=gap_columns, window_months=window_months,
            horizon_months=horizon_months, **inputs)
    return out


def takeoff_months(
    branches: Mapping[str, TakeoffOutcomes | None], gap_column: int,
    retrain_months: np.ndarray, horizon_months: float,
) -> dict[str, np.ndarray]:
    """Takeoff time (months; inf beyond the horizon) in each branch for the gap in column
    `gap_column` of `branch_outcomes`. Without seed-AI RSI capability arrives only with
    trained successors (successors.py)."""
    out = {}
    for branch, result in branches.items():
        if result is None:
            n = np.asarray(retrain_months).size
            out[f"takeoff_months_{branch}"] = np.full(n, np.inf)
            continue
        discovered = result.first_passage_months[:, gap_column]
        out[f"takeoff_months_{branch}"] = discovered if branch == "feasible" else \
            realised_first_passage(discovered, retrain_months, horizon_months)
    return out


def compute_outcomes(
    draws: Mapping[str, np.ndarray],
    *,
    gap_from: str,
    gap_weights: Mapping[str, float] | None = None,
    likelihood_ratio: float = 1.0,
    compression: Sequence[tuple[float, float]] = STANDARD_COMPRESSION,
    horizon_months: float = HORIZON_MONTHS,
    gap_axis_years: Sequence[float] = (),
) -> dict[str, np.ndarray]:
    """Per-draw outcomes for flat (n,) parameter draws.

    Returns arrays: `weight_feasible` (n,), `gap_ooms` (n,), `takeoff_months_feasible`
    and `takeoff_months_infeasible` (n,; inf when the gap is not crossed within
    `horizon_months`), `compressed_feasible` / `compressed_infeasible` (n, len(compression)):
    whether some window of Y months holds >= X years of discovered research progress at the
    recent rate (in both branches: successor releases are not counted as instant progress,
    docs/decisions.md 11). A branch of weight 0 in every draw is not simulated (inf, False).
    With `gap_axis_years` (years of recent progress) also
    `gap_axis__takeoff_months_feasible` / `_infeasible` (n, len(gap_axis_years)): the
    takeoff time had the gap been that many years, from the same walk (more gap columns).
    """
    inputs = simulator_inputs(draws)
    n = inputs["speedup"].size
    gap = np.array(np.broadcast_to(gap_ooms(draws, gap_from, gap_weights), (n,)), dtype=float)
    rate = recent_rate_ooms_per_year(
        inputs["software_doubling_months"], inputs["compute_growth_per_year"]
    )
    weight = np.broadcast_to(feasibility_weight(draws["p_rsi_feasible"], likelihood_ratio),
                             (n,)).copy()
    routes = list(gap_weights or {}) if gap_from == "mixture" else []
    gaps = [gap] + [np.array(np.broadcast_to(route_gap_ooms(draws, route), (n,)), dtype=float)
                    for route in routes]  # each route's own takeoff times, for its P(hard)
    axis = [gap_ooms_from_years(years, rate) for years in gap_axis_years]
    windows = sorted({float(months) for _, months in compression})
    branches = branch_outcomes(inputs, weight, gaps + axis, windows, horizon_months)
    out: dict[str, np.ndarray] = {
        "weight_feasible": weight,
        "gap_ooms": gap,
        **takeoff_months(branches, 0, inputs["retrain_months"], horizon_months),
    }
    for column, route in enumerate(routes, start=1):
        for key, value in takeoff_months(branches, column, inputs["retrain_months"],
                                         horizon_months).items():
            out[f"{ROUTE_PREFIX}{route}__{key}"] = value
    if axis:
        columns = [takeoff_months(branches, len(gaps) + k, inputs["retrain_months"],
                                  horizon_months) for k in range(len(axis))]
        for key in columns[0]:
            out[f"{GAP_AXIS_PREFIX}{key}"] = np.stack([c[key] for c in columns], axis=-1)
    for branch, result in branches.items():
        # discovered research progress in both branches (docs/decisions.md)
        flags = [np.zeros(n, dtype=bool) if result is None else
                 result.window_gain_ooms[:, windows.index(float(months))] >= years * rate
                 for years, months in compression]
        out[f"compressed_{branch}"] = (np.stack(flags, axis=-1) if flags
                                       else np.zeros((n, 0), dtype=bool))
    return out


def mixture_probability(
    feasible: np.ndarray, infeasible: np.ndarray, weight_feasible: np.ndarray
) -> np.ndarray:
    """Per-draw probability of an event given its value in each feasibility branch."""
    if feasible.ndim > weight_feasible.ndim:
        weight_feasible = weight_feasible[..., None]
    return weight_feasible * feasible + (1.0 - weight_feasible) * infeasible


def hard_takeoff_probability(outcomes: xr.Dataset, window_days: float) -> xr.DataArray:
    """Per-draw P(takeoff within `window_days`), mixing the feasibility branches."""
    window_months = window_days / DAYS_PER_MONTH
    return (
        outcomes["weight_feasible"] * (outcomes["takeoff_months_feasible"] <= window_months)
        + (1 - outcomes["weight_feasible"])
        * (outcomes["takeoff_months_infeasible"] <= window_months)
    )


def route_hard_takeoff_probability(outcomes: xr.Dataset, route: str,
                                   window_days: float) -> xr.DataArray:
    """Per-draw P(takeoff within `window_days`) had every draw used gap route `route`
    (only in results of gap_from "mixture")."""
    window_months = window_days / DAYS_PER_MONTH
    key = f"{ROUTE_PREFIX}{route}__takeoff_months"
    w = outcomes["weight_feasible"]
    return (w * (outcomes[f"{key}_feasible"] <= window_months)
            + (1 - w) * (outcomes[f"{key}_infeasible"] <= window_months))


def gap_axis_probability(outcomes: xr.Dataset | Mapping[str, np.ndarray],
                         window_days: float) -> np.ndarray:
    """Per-draw P(takeoff within `window_days`) for each gap of the gap axis, shape
    (..., len(GAP_AXIS_YEARS)): the branches mixed by their weight. Takes the outcomes of
    `compute_outcomes(..., gap_axis_years=GAP_AXIS_YEARS)` (a dict of flat arrays, e.g. the
    app's) or a saved result's outcomes group."""
    window_months = window_days / DAYS_PER_MONTH
    w = np.asarray(outcomes["weight_feasible"], dtype=float)[..., None]
    key = f"{GAP_AXIS_PREFIX}takeoff_months"
    return (w * (np.asarray(outcomes[f"{key}_feasible"]) <= window_months)
            + (1 - w) * (np.asarray(outcomes[f"{key}_infeasible"]) <= window_months))


def weighted_cdf(times: np.ndarray, weights: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """sum(weights * (times <= g)) for each g in `grid`, by sorting (not an n x grid table)."""
    times, weights = np.ravel(times), np.ravel(weights)
    order = np.argsort(times, kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(weights[order])])
    return cumulative[np.searchsorted(times[order], np.asarray(grid, dtype=float),
                                      side="right")]


def takeoff_cdf(outcomes: xr.Dataset, months_grid: np.ndarray) -> np.ndarray:
    """P(takeoff time <= t) for each t in `months_grid`, averaged over all draws."""
    w = outcomes["weight_feasible"].values
    return (weighted_cdf(outcomes["takeoff_months_feasible"].values, w, months_grid)
            + weighted_cdf(outcomes["takeoff_months_infeasible"].values, 1 - w, months_grid)
            ) / w.size


def takeoff_quantiles(outcomes: xr.Dataset, qs: Sequence[float]) -> list[float]:
    """Quantiles (months) of the takeoff time's mixture distribution; inf beyond the horizon."""
    w = outcomes["weight_feasible"].values.ravel()
    times = np.concatenate(
        [outcomes["takeoff_months_feasible"].values.ravel(),
         outcomes["takeoff_months_infeasible"].values.ravel()]
    )
    weights = np.concatenate([w, 1 - w])
    order = np.argsort(times, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    idx = np.searchsorted(cum, np.asarray(qs, dtype=float), side="left")
    idx = np.minimum(idx, len(times) - 1)
    return [float(v) for v in times[order][idx]]
