"""Redraws of the parameters no evidence informs, under changed priors, and the outcomes
they give: the exact half of reweighting (`analysis.reweight`).

A parameter no evidence informs has posterior = prior given the informed ones, so its
posterior draws under a new prior are made directly. They are *coupled* to the old draws,
so that differences from the old answer carry little Monte Carlo noise:

- independent parameters: x_new = F_new^-1(F_old(x)) (`coupled_draws`), iid from the new
  prior when x is iid from the old one;
- with rank correlations (`priors.copula`): the old draws' innovations e (iid N(0, 1),
  recovered from the old copula given the informed parameters' draws,
  `copula.innovations`) are reused with the new copula and marginals
  (`copula.from_innovations`), so the new draws follow the new prior's conditional given
  the informed draws. Without correlations this is the same map as `coupled_draws`.

The outcomes are then re-simulated for every posterior draw. Probabilities are fractions;
times are months.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from foomcalc.parameters import PARAMETERS
from foomcalc.priors.copula import Copula, from_innovations, innovations
from foomcalc.priors.draws import (
    TRANSFORMS,
    from_normal_scores,
    normal_scores,
    prior_quantile,
    scipy_base,
)
from foomcalc.priors.files import PriorSet, PriorSpec
from foomcalc.takeoff.outcomes import (
    GAP_AXIS_PREFIX,
    compute_outcomes,
    feasibility_weight,
    with_speedup,
)


def coupled_draws(old: PriorSpec, new: PriorSpec, x: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Draws from `new` coupled to draws `x` from `old` by x_new = F_new^-1(F_old(x));
    iid from `new` when x is iid from `old`. Fresh draws when `old` is fixed."""
    if new.prior is None:
        return np.full(x.shape, new.fixed())
    if old.prior is None or old.prior.transform not in TRANSFORMS \
            or new.prior.transform not in TRANSFORMS:
        return new.sample(x.size, rng).reshape(x.shape)
    u = scipy_base(old.prior).cdf(TRANSFORMS[old.prior.transform].inverse(x))
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.asarray(prior_quantile(new.prior, u), dtype=float).reshape(x.shape)


def copula_changed(old: PriorSet, new: PriorSet, changed: Sequence[str]) -> bool:
    """Whether the joint prior's copula part differs: other correlations, or a changed
    marginal of a correlated parameter (its normal scores move)."""
    members = {n for p in (*old.correlations, *new.correlations) for n in p[:2]}
    return old.correlations != new.correlations or bool(members & set(changed))


def redraw_uninformed(old: PriorSet, new: PriorSet, draws: dict[str, np.ndarray],
                      modelled: Sequence[str], changed: Sequence[str],
                      seed: int) -> dict[str, np.ndarray]:
    """New draws (flat arrays) of the uninformed parameters whose posterior changes, from
    the old posterior's `draws` (every parameter, flat)."""
    old_cop, new_cop = old.copula(), new.copula()
    redrawn = [n for n in changed if n not in modelled]
    if old_cop is None and new_cop is None:
        return {n: coupled_draws(old.specs[n], new.specs[n], draws[n],
                                 np.random.default_rng([seed, 40_000, _index(n)]))
                for n in redrawn}
    affected = set(redrawn)
    if copula_changed(old, new, changed):
        affected |= {n for c in (old_cop, new_cop) if c for n in c.names if n not in modelled}
    e = _old_innovations(old, old_cop, draws, modelled, affected, seed)
    out = {}
    for name in [n for n in PARAMETERS if n in affected]:
        spec = new.specs[name]
        if spec.prior is None:
            out[name] = np.full(draws[name].shape, spec.fixed())
        elif new_cop is None or name not in new_cop.names:
            out[name] = from_normal_scores(spec.prior, e[name])
    if new_cop is not None:
        others = new_cop.conditional(modelled)[0]
        if others:
            given = {n: draws[n] for n in new_cop.given_names(modelled)}
            out.update(from_innovations(new_cop, new.specs, {**given, **{o: draws[o]
                                                                          for o in others}},
                                        np.array([e[o] for o in others]), modelled))
    return out


def _index(name: str) -> int:
    return list(PARAMETERS).index(name)


def _old_innovations(old: PriorSet, old_cop: Copula | None, draws: dict[str, np.ndarray],
                     modelled: Sequence[str], affected: set[str],
                     seed: int) -> dict[str, np.ndarray]:
    """The iid N(0, 1) innovations behind the old draws of the affected parameters: from
    the old copula for its members, the normal scores for independent ones, fresh ones
    where the old prior was a fixed value."""
    e: dict[str, np.ndarray] = {}
    if old_cop is not None:
        others = old_cop.conditional(modelled)[0]
        if others:
            members = {n: draws[n] for n in old_cop.names}
            e.update(zip(others, innovations(old_cop, old.specs, members, modelled),
                         strict=True))
    for name in affected:
        if name in e:
            continue
        spec = old.specs[name]
        if spec.prior is None:
            rng = np.random.default_rng([seed, 40_000, _index(name)])
            e[name] = rng.standard_normal(draws[name].shape)
        else:
            e[name] = normal_scores(spec.prior, draws[name])
    return e


def resimulate(result: xr.DataTree, old: PriorSet, new: PriorSet, modelled: Sequence[str],
               changed: Sequence[str], seed: int, compression: bool) -> xr.Dataset:
    """The posterior outcomes of `result` with the uninformed parameters redrawn for the
    new priors (`redraw_uninformed`) and every draw re-simulated (compression windows
    too when asked)."""
    posterior = result["posterior"].to_dataset()
    post = result["posterior_outcomes"].to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    draws = {name: posterior[name].values.reshape(-1) if name in posterior
             else np.full(shape[0] * shape[1], old.specs[name].fixed())
             for name in PARAMETERS}
    new_draws = redraw_uninformed(old, new, draws, modelled, changed, seed)
    draws.update(new_draws)
    lr = float(result.attrs["likelihood_ratio"])
    horizon = float(result.attrs["horizon_months"])
    # a new p_rsi_feasible only re-weights the two branches, if both were simulated: a
    # fixed 0 or 1 before means one branch was skipped (outcomes.branch_paths)
    only_weight = (set(new_draws) <= {"p_rsi_feasible"}
                   and simulation_routes(new) == simulation_routes(old)
                   and old.specs["p_rsi_feasible"].prior is not None)
    if only_weight:
        out = post.copy()
        out["weight_feasible"] = (("chain", "draw"), feasibility_weight(
            draws["p_rsi_feasible"], lr).reshape(shape))
        return out
    pairs = list(zip(post["years_of_progress"].values, post["within_months"].values,
                     strict=True)) if compression else []
    # the gap axis of the saved result, re-simulated with the windows (results before it
    # have none)
    axis = [float(y) for y in post.coords.get("gap_axis_years", [])] if compression else []
    flat = compute_outcomes(with_speedup(draws, new.speedup_from), gap_from=new.gap_from,
                            gap_weights=new.gap_weights, likelihood_ratio=lr,
                            compression=pairs, horizon_months=horizon, gap_axis_years=axis)
    if not compression:
        flat = {k: flat[k] for k in ("weight_feasible", "takeoff_months_feasible",
                                     "takeoff_months_infeasible")}
    data = {}
    for k, v in flat.items():
        extra = ("gap_axis_years",) if k.startswith(GAP_AXIS_PREFIX) else ("compression",)
        dims = ("chain", "draw", *(extra if v.ndim > 1 else ()))
        data[k] = (dims, v.reshape(*shape, *v.shape[1:]))
    coords = {c: post[c] for c in post.coords} if compression else \
        {"chain": post["chain"], "draw": post["draw"]}
    return xr.Dataset(data, coords=coords)


def simulation_routes(priors: PriorSet) -> tuple:
    """What a re-simulation depends on in a PriorSet besides its parameters: the gap route
    (mode and mixture weights) and how `speedup` is had (direct or from parts)."""
    return (priors.gap_from, priors.gap_weights, priors.speedup_from)
