"""Which inputs the answer hangs on: a tornado of P(hard takeoff) and power-scaling.

- **Tornado** (computed at analysis time, stored in the result as group
  `sensitivity_tornado`): for each uncertain parameter, P(hard takeoff) with that
  parameter pinned at its 10th and then 90th percentile (posterior percentiles for the
  parameters evidence informs, prior percentiles, equal to the posterior ones, for the
  rest), every other parameter at its posterior draws, re-simulated on the same
  `TORNADO_DRAWS` evenly thinned draws (common random numbers, so differences between
  bars carry little Monte Carlo noise). Holding the others at their draws ignores the
  posterior correlation that evidence induces between the pinned parameter and the
  rest (a first-order, one-at-a-time analysis).
- **Power-scaling** (Kallioinen et al. 2024, ArviZ `psense_summary`): how much the
  posterior of each evidence-informed parameter, and of the per-draw P(hard takeoff),
  moves when the prior or the likelihood is raised to a power near 1. Needs the
  `log_prior` (parameter scale, from `reweight.log_prior_density`) and
  `log_likelihood` (PyMC) groups, also stored at analysis time. Parameters no evidence
  informs are pure prior (their posterior is their prior); the tornado covers them.

Reports and summary.json read only these saved groups.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from foomcalc.analysis.reweight import hard_per_draw, log_prior_density, takeoff_times
from foomcalc.parameters import GAP_PARAMETERS, PARAMETERS, unused_gap_parameters
from foomcalc.priors.files import PriorSet
from foomcalc.takeoff.outcomes import (
    SIMULATOR_PARAMETERS,
    branch_outcomes,
    feasibility_weight,
    gap_ooms,
    simulator_inputs,
    takeoff_months,
)

TORNADO_QUANTILES = (0.1, 0.9)
#: Posterior draws the tornado re-simulates (evenly thinned): ~0.2 s per bar here.
TORNADO_DRAWS = 1500
#: psense_summary's threshold on the CJS distance gradient (Kallioinen et al. 2024).
PSENSE_THRESHOLD = 0.05


def _flat_draws(priors: PriorSet, posterior: xr.Dataset, n: int) -> dict[str, np.ndarray]:
    """Every registry parameter as a flat array of `n` evenly thinned posterior draws."""
    total = posterior.sizes["chain"] * posterior.sizes["draw"]
    idx = np.unique(np.linspace(0, total - 1, min(n, total)).round().astype(int))
    return {name: (posterior[name].values.reshape(-1)[idx] if name in posterior
                   else np.full(idx.size, float(priors.specs[name].value)))
            for name in PARAMETERS}


def tornado(
    priors: PriorSet, posterior: xr.Dataset, likelihood_ratio: float, horizon_months: float,
    n_draws: int = TORNADO_DRAWS, quantiles: Sequence[float] = TORNADO_QUANTILES,
    informed: Sequence[str] = (),
) -> xr.Dataset:
    """P(hard takeoff) with each uncertain parameter pinned at its quantiles: posterior
    quantiles for the evidence-`informed` parameters (their prior q10/q90 would overstate
    what the answer hangs on, issue 14), prior quantiles (= posterior) for the rest.

    Returns a Dataset over `parameter` with `low_value`, `high_value` (the pinned
    values, parameter units) and `p_hard_low`, `p_hard_high`; attrs `p_hard_base`
    (same draws, nothing pinned), `n_draws`, `window_days`, `quantiles`,
    `posterior_quantile_parameters`.
    """
    window = float(priors.hard_takeoff_days)
    draws = _flat_draws(priors, posterior, n_draws)
    inputs = simulator_inputs(draws)
    weight = feasibility_weight(draws["p_rsi_feasible"], likelihood_ratio)
    gap_only = set(GAP_PARAMETERS[priors.gap_from]) - set(SIMULATOR_PARAMETERS)
    unused = unused_gap_parameters(priors.gap_from, set(informed), priors.gap_weights)
    names = [n for n, s in priors.specs.items() if s.prior is not None and n not in unused]
    values = {name: [float(np.quantile(posterior[name].values, q)) if name in informed
                     else priors.specs[name].quantile(q) for q in quantiles] for name in names}

    def gap_for(d: dict[str, np.ndarray]) -> np.ndarray:
        return gap_ooms(d, priors.gap_from, priors.gap_weights)

    # one simulation for the base gap and every pinned gap-only parameter: the gap
    # moves, the dynamics do not (a column per gap)
    gaps = [gap_for(draws)] + [gap_for({**draws, name: np.full_like(draws[name], value)})
                               for name in names if name in gap_only for value in values[name]]
    branches = branch_outcomes(inputs, weight, gaps, (), horizon_months)
    gap_columns = iter(range(1, len(gaps)))

    def times_for_gap(column: int) -> dict[str, np.ndarray]:
        return {"weight_feasible": weight, **takeoff_months(
            branches, column, inputs["retrain_months"], horizon_months)}

    base = times_for_gap(0)
    p_base = float(hard_per_draw(base, window).mean())
    rows = {"low_value": [], "high_value": [], "p_hard_low": [], "p_hard_high": []}
    for name in names:
        for end, value in zip(("low", "high"), values[name], strict=True):
            pinned = {**draws, name: np.full_like(draws[name], value)}
            if name == "p_rsi_feasible":
                out = {**base, "weight_feasible": np.broadcast_to(
                    likelihood_ratio * value / (likelihood_ratio * value + 1 - value),
                    base["weight_feasible"].shape)}
            elif name in gap_only:
                out = times_for_gap(next(gap_columns))
            elif name in SIMULATOR_PARAMETERS or name in GAP_PARAMETERS[priors.gap_from]:
                out = takeoff_times(pinned, priors.gap_from, likelihood_ratio, horizon_months,
                                    priors.gap_weights)
            else:  # enters neither the simulator nor the gap: outcomes are unchanged
                out = base
            rows[f"{end}_value"].append(value)
            rows[f"p_hard_{end}"].append(float(hard_per_draw(out, window).mean()))
    return xr.Dataset(
        {k: ("parameter", np.asarray(v, dtype=float)) for k, v in rows.items()},
        coords={"parameter": names},
        attrs={"p_hard_base": p_base, "n_draws": int(draws["speedup"].size),
               "window_days": window, "quantiles": list(quantiles),
               "posterior_quantile_parameters": [n for n in names if n in informed]},
    )


def add_sensitivity(result: xr.DataTree, priors: PriorSet, evidence: Sequence
                    ) -> xr.DataTree:
    """`result` (from `analysis.run_analysis`) with the groups `sensitivity_tornado`, and
    `log_prior` + `log_likelihood` when evidence informs an uncertain parameter."""
    from foomcalc.inference.model import modelled_parameters

    posterior = result["posterior"].to_dataset()
    lr = float(result.attrs["likelihood_ratio"])
    informed = [n for n in modelled_parameters(evidence) if priors.specs[n].prior is not None]
    groups = {"sensitivity_tornado": tornado(priors, posterior, lr,
                                             float(result.attrs["horizon_months"]),
                                             informed=informed)}
    if informed:
        groups["log_prior"] = log_prior_group(priors, posterior, informed)
        groups["log_likelihood"] = log_likelihood_group(priors, evidence, posterior)
    tree = result.copy()
    for name, ds in groups.items():
        tree[name] = xr.DataTree(ds)
    return tree


def log_prior_group(priors: PriorSet, posterior: xr.Dataset, names: Sequence[str]) -> xr.Dataset:
    """log p(theta) per draw for each uncertain parameter in `names` (parameter scale)."""
    return xr.Dataset({
        name: (("chain", "draw"), log_prior_density(priors.specs[name], posterior[name].values))
        for name in names if priors.specs[name].prior is not None
    }, coords={"chain": posterior["chain"], "draw": posterior["draw"]})


def log_likelihood_group(priors: PriorSet, evidence: Sequence, posterior: xr.Dataset
                         ) -> xr.Dataset:
    """Pointwise log-likelihood of each evidence term (observed variable) at the posterior
    draws: PyMC's elementwise logp of the observed variables, as
    `pm.compute_log_likelihood` computes it (value transforms removed, so the draws enter
    on the parameter scale), compiled through `graph_cache` (no graph rewriting in a new
    process) with the data values as inputs."""
    import pytensor
    from pymc.model.transform.conditioning import remove_value_transforms
    from pytensor.graph import clone_replace

    from foomcalc.inference.graph_cache import compile_cached, graph_key, remembered_key
    from foomcalc.inference.model import build_model, model_identity

    # as sampling.compile_model: no creation traces; no fast-math (cold = warm cache)
    with pytensor.config.change_flags(traceback__limit=0, numba__fastmath=False):
        model = remove_value_transforms(build_model(priors, list(evidence)))
        observed = list(model.observed_RVs)
        outs = functools.cache(lambda: model.logp(vars=observed, sum=False))  # when needed
        values = [model.rvs_to_values[rv] for rv in model.free_RVs]
        data_vars = list(model.data_vars)
        data = [np.array(v.get_value(), order="C") for v in data_vars]
        extras = ("log_likelihood", tuple(v.name for v in values),
                  tuple((v.name, d.shape) for v, d in zip(data_vars, data, strict=True)))

        def build() -> dict:
            inputs = [v.type(name=v.name) for v in data_vars]
            graph = clone_replace(outs(), dict(zip(data_vars, inputs, strict=True)))
            return {"fn": pytensor.function([*values, *inputs], graph, mode="NUMBA",
                                            on_unused_input="ignore")}

        # the graphs' key, remembered for these priors and evidence: a new process skips
        # building the elementwise logp graph (~0.7 s) when they were compiled before
        key = remembered_key((*extras, *model_identity(priors, list(evidence))),
                             lambda: graph_key(outs(), extras))
        loglik = compile_cached(key, build)["fn"].vm.jit_fn
    shape = (posterior.sizes["chain"], posterior.sizes["draw"])
    n = shape[0] * shape[1]
    draws = [np.array(posterior[rv.name].values, dtype=v.type.dtype, order="C")
             .reshape(n, *posterior[rv.name].shape[2:]) for rv, v in zip(model.free_RVs, values,
                                                                        strict=True)]
    # a slice keeps a scalar draw a 0-d array (the compiled type), not a numpy float
    rows = [loglik(*(d[i:i + 1].reshape(d.shape[1:]) for d in draws), *data)
            for i in range(n)]
    return xr.Dataset({
        rv.name: (("chain", "draw", f"{rv.name}_dim_0"),
                  np.stack([np.asarray(row[k]) for row in rows]).reshape(*shape, -1))
        for k, rv in enumerate(observed)},
        coords={"chain": posterior["chain"], "draw": posterior["draw"]})


def power_scaling(result: xr.DataTree) -> list[dict] | None:
    """Prior and likelihood power-scaling sensitivity (CJS distance gradients) of each
    evidence-informed parameter and of `hard_takeoff` (the per-draw P(hard takeoff));
    None when the result has no evidence-informed parameters or no saved groups."""
    from arviz_stats import psense_summary

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


def tornado_rows(result: xr.DataTree) -> dict | None:
    """The saved tornado as summary rows, largest swing first (None if not saved)."""
    if "sensitivity_tornado" not in result:
        return None
    ds = result["sensitivity_tornado"].to_dataset()
    rows = [{"parameter": str(p), "unit": PARAMETERS[str(p)].unit,
             "low_value": float(ds["low_value"].sel(parameter=p)),
             "high_value": float(ds["high_value"].sel(parameter=p)),
             "p_low": float(ds["p_hard_low"].sel(parameter=p)),
             "p_high": float(ds["p_hard_high"].sel(parameter=p))}
            for p in ds["parameter"].values]
    for r in rows:
        r["swing"] = abs(r["p_high"] - r["p_low"])
    rows.sort(key=lambda r: -r["swing"])
    return {"base": float(ds.attrs["p_hard_base"]), "n_draws": int(ds.attrs["n_draws"]),
            "window_days": float(ds.attrs["window_days"]),
            "quantiles": [float(q) for q in np.atleast_1d(ds.attrs["quantiles"])], "rows": rows}


def hangs_on(tornado_summary: dict | None, psense_rows: list[dict] | None,
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


def sensitivity_summary(result: xr.DataTree) -> dict:
    """The `sensitivity` section of summary.json (docs/summary-schema.md)."""
    torn = tornado_rows(result)
    psense = power_scaling(result)
    has_evidence = bool(result.attrs.get("evidence_json", "[]") != "[]")
    return {"tornado": torn,
            "power_scaling": {"threshold": PSENSE_THRESHOLD, "rows": psense} if psense else None,
            "hangs_on": hangs_on(torn, psense, has_evidence)}
