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
- **Power-scaling** inputs: the `log_prior` (parameter scale, from
  `reweight.log_prior_density`) and `log_likelihood` (`inference.pointwise`) groups of
  the evidence-informed parameters, from which `reporting.sensitivity` computes how much
  the posterior moves when the prior or the likelihood is raised to a power near 1.
  Parameters no evidence informs are pure prior (their posterior is their prior); the
  tornado covers them.

Reports and summary.json read only these saved groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from foomcalc.analysis.reweight import hard_per_draw, log_prior_density, takeoff_times
from foomcalc.inference.model import modelled_parameters
from foomcalc.inference.pointwise import pointwise_log_likelihood
from foomcalc.parameters import (
    GAP_PARAMETERS,
    PARAMETERS,
    SPEEDUP_PARTS,
    unused_gap_parameters,
    unused_speedup_parameters,
)
from foomcalc.priors.files import PriorSet
from foomcalc.takeoff.outcomes import (
    SIMULATOR_PARAMETERS,
    branch_outcomes,
    feasibility_weight,
    gap_ooms,
    simulator_inputs,
    takeoff_months,
    with_speedup,
)

TORNADO_QUANTILES = (0.1, 0.9)
#: Posterior draws the tornado re-simulates (evenly thinned): ~0.2 s per bar here.
TORNADO_DRAWS = 1500


def _flat_draws(priors: PriorSet, posterior: xr.Dataset, n: int) -> dict[str, np.ndarray]:
    """Every registry parameter as a flat array of `n` evenly thinned posterior draws."""
    total = posterior.sizes["chain"] * posterior.sizes["draw"]
    idx = np.unique(np.linspace(0, total - 1, min(n, total)).round().astype(int))
    return {name: (posterior[name].values.reshape(-1)[idx] if name in posterior
                   else np.full(idx.size, priors.specs[name].fixed()))
            for name in PARAMETERS}


def tornado(
    priors: PriorSet, posterior: xr.Dataset, likelihood_ratio: float, horizon_months: float,
    n_draws: int = TORNADO_DRAWS, quantiles: Sequence[float] = TORNADO_QUANTILES,
    informed: Sequence[str] = (),
) -> xr.Dataset:
    """P(hard takeoff) with each uncertain parameter pinned at its quantiles: posterior
    quantiles for the evidence-`informed` parameters (their prior q10/q90 would overstate
    what the answer hangs on), prior quantiles (= posterior) for the rest.

    Returns a Dataset over `parameter` with `low_value`, `high_value` (the pinned
    values, parameter units) and `p_hard_low`, `p_hard_high`; attrs `p_hard_base`
    (same draws, nothing pinned), `n_draws`, `window_days`, `quantiles`,
    `posterior_quantile_parameters`.
    """
    window = float(priors.hard_takeoff_days)
    draws = _flat_draws(priors, posterior, n_draws)
    unused = (unused_gap_parameters(priors.gap_from, set(informed), priors.gap_weights)
              | unused_speedup_parameters(priors.speedup_from, set(informed)))
    names = [n for n, s in priors.specs.items() if s.prior is not None and n not in unused]
    values = {name: [float(np.quantile(posterior[name].values, q)) if name in informed
                     else priors.specs[name].quantile(q) for q in quantiles] for name in names}
    pinned = _PinnedTakeoffs(priors, draws, likelihood_ratio, horizon_months, values)
    p_base = float(hard_per_draw(pinned.base, window).mean())
    rows: dict[str, list[float]] = {"low_value": [], "high_value": [], "p_hard_low": [],
                                    "p_hard_high": []}
    for name in names:
        for end, value in zip(("low", "high"), values[name], strict=True):
            rows[f"{end}_value"].append(value)
            rows[f"p_hard_{end}"].append(float(hard_per_draw(pinned.times(name, value),
                                                             window).mean()))
    return xr.Dataset(
        {k: ("parameter", np.asarray(v, dtype=float)) for k, v in rows.items()},
        coords={"parameter": names},
        attrs={"p_hard_base": p_base, "n_draws": int(draws["speedup"].size),
               "window_days": window, "quantiles": list(quantiles),
               "posterior_quantile_parameters": [n for n in names if n in informed]},
    )


class _PinnedTakeoffs:
    """Takeoff times (months, both RSI branches) with one parameter pinned at a value,
    every other parameter at its draws. Pinned gap-only parameters share one simulation
    with the unpinned draws: the gap moves, the dynamics do not (a column per gap)."""

    def __init__(self, priors: PriorSet, raw: dict[str, np.ndarray], likelihood_ratio: float,
                 horizon_months: float, values: dict[str, list[float]]) -> None:
        draws = with_speedup(raw, priors.speedup_from)
        self.priors, self.raw, self.draws = priors, raw, draws
        self.likelihood_ratio, self.horizon_months = likelihood_ratio, horizon_months
        self.weight = feasibility_weight(draws["p_rsi_feasible"], likelihood_ratio)
        self.gap_only = set(GAP_PARAMETERS[priors.gap_from]) - set(SIMULATOR_PARAMETERS)
        pins = [(name, value) for name in values if name in self.gap_only
                for value in values[name]]
        gaps = [self._gap(draws)] + [self._gap({**draws, name: np.full_like(draws[name], value)})
                                     for name, value in pins]
        self.inputs = simulator_inputs(draws)
        self.branches = branch_outcomes(self.inputs, self.weight, gaps, (), horizon_months)
        self.gap_column = {pin: column for column, pin in enumerate(pins, start=1)}
        self.base = self._times_for_gap(0)

    def _gap(self, draws: dict[str, np.ndarray]) -> np.ndarray:
        return gap_ooms(draws, self.priors.gap_from, self.priors.gap_weights)

    def _times_for_gap(self, column: int) -> dict[str, np.ndarray]:
        return {"weight_feasible": self.weight, **takeoff_months(
            self.branches, column, self.inputs["retrain_months"], self.horizon_months)}

    def times(self, name: str, value: float) -> dict[str, np.ndarray]:
        """Takeoff times and branch weights with `name` pinned at `value`."""
        if name == "p_rsi_feasible":
            lr = self.likelihood_ratio
            return {**self.base, "weight_feasible": np.broadcast_to(
                lr * value / (lr * value + 1 - value), self.base["weight_feasible"].shape)}
        if name in self.gap_only:
            return self._times_for_gap(self.gap_column[(name, value)])
        if (name in SIMULATOR_PARAMETERS or name in SPEEDUP_PARTS
                or name in GAP_PARAMETERS[self.priors.gap_from]):
            pinned = with_speedup({**self.raw, name: np.full_like(self.raw[name], value)},
                                  self.priors.speedup_from)  # the parts and p set speedup
            return takeoff_times(pinned, self.priors.gap_from, self.likelihood_ratio,
                                 self.horizon_months, self.priors.gap_weights)
        return self.base  # enters neither the simulator nor the gap: outcomes unchanged


def add_sensitivity(result: xr.DataTree, priors: PriorSet, evidence: Sequence
                    ) -> xr.DataTree:
    """`result` (from `analysis.run_analysis`) with the groups `sensitivity_tornado`, and
    `log_prior` + `log_likelihood` when evidence informs an uncertain parameter."""
    posterior = result["posterior"].to_dataset()
    lr = float(result.attrs["likelihood_ratio"])
    informed = [n for n in modelled_parameters(evidence) if priors.specs[n].prior is not None]
    groups = {"sensitivity_tornado": tornado(priors, posterior, lr,
                                             float(result.attrs["horizon_months"]),
                                             informed=informed)}
    if informed:
        groups["log_prior"] = log_prior_group(priors, posterior, informed)
        groups["log_likelihood"] = pointwise_log_likelihood(priors, evidence, posterior)
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


