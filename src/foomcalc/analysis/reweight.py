"""Fast answers to "what if my prior on X were different?" from a saved result.

A prior change is answered without re-sampling wherever that is exact or checkably
accurate:

- parameters the evidence does not inform (not in the PyMC model) have posterior =
  prior given the informed ones, so their draws are replaced by draws from the new
  prior, exactly, coupled to the old ones (`analysis.redraw`); outcomes are then
  re-simulated for the same draws;
- parameters the evidence informs get importance weights p_new(theta) / p_old(theta),
  the joint prior densities of the informed parameters (marginals times the copula of
  their rank correlations, `priors.copula`): exact indicator weights when every change
  is from one uniform-family prior to a narrower one of the same family (the ratio is a
  constant inside the new support, 0 outside: `indicator`), else Pareto-smoothed (ArviZ's
  PSIS with the ratios' relative efficiency r_eff, Vehtari et al. 2024) with the Pareto
  k-hat check: above `K_HAT_MAX` = 0.7, or when the new prior reaches beyond the old
  one's support, the weights are unusable and the posterior is refitted with NUTS
  (reusing the compiled model through `analysis.CompiledCache`), or, with
  `refit=False`, the result says so (`needs-refit`, with the reason).

Results carry the method used, k-hat and the Kish effective sample size of the weights.
Probabilities are fractions; times are months.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from foomcalc.analysis.redraw import copula_changed, coupled_draws, resimulate, simulation_routes
from foomcalc.analysis.result import result_evidence, result_modelled, result_priors
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.copula import log_copula_density
from foomcalc.priors.draws import log_density, support
from foomcalc.priors.files import PriorSet, PriorSpec
from foomcalc.takeoff.outcomes import (
    STANDARD_WINDOWS_DAYS,
    compute_outcomes,
    hard_takeoff_probability,
    mixture_probability,
)

__all__ = ["K_HAT_MAX", "Reweighted", "changed_parameters", "coupled_draws", "hard_per_draw",
           "log_prior_density", "prior_support", "psis_weights", "result_priors", "reweight",
           "shift_mcse", "spec_key", "support_within"]

#: Pareto k-hat above which importance weights are not trusted (Vehtari et al. 2024).
K_HAT_MAX = 0.7
#: Relative tolerance of the support check: bounds computed through scipy (e.g. a
#: TruncatedNormal's lower bound 0.3 as 0.29999999999999993) are equal within it.
SUPPORT_RTOL = 1e-9


# ------------------------------------------------------------------ prior densities

def spec_key(spec: PriorSpec) -> tuple:
    """What a spec's numbers depend on (its `source` note does not count)."""
    if spec.prior is None:
        return ("fixed", spec.fixed())
    return (spec.prior.distribution, spec.prior.transform,
            tuple(sorted((k, float(v)) for k, v in spec.prior.parameters.items())))


def changed_parameters(old: PriorSet, new: PriorSet) -> list[str]:
    """Registry parameters whose prior differs between two prior sets."""
    return [n for n in PARAMETERS if spec_key(old.specs[n]) != spec_key(new.specs[n])]


def log_prior_density(spec: PriorSpec, x: np.ndarray) -> np.ndarray:
    """log p(x) of an uncertain spec on the parameter's own scale (Jacobian included);
    -inf outside the support."""
    if spec.prior is None:
        raise ValueError(f"{spec.name}: no density for a fixed value")
    return log_density(spec.prior, x)


def prior_support(spec: PriorSpec) -> tuple[float, float]:
    """Closed support [low, high] of an uncertain spec on the parameter's own scale."""
    if spec.prior is None:
        raise ValueError(f"{spec.name}: no support for a fixed value")
    return support(spec.prior)


def _at_least(a: float, b: float) -> bool:
    """a >= b up to SUPPORT_RTOL (relative to the larger magnitude)."""
    return a >= b or math.isclose(a, b, rel_tol=SUPPORT_RTOL, abs_tol=0.0)


def support_within(new: PriorSpec, old: PriorSpec) -> bool:
    """Whether the new prior puts no mass outside the old one's support (bounds equal up
    to a relative SUPPORT_RTOL): importance weights from old-prior draws can only reach
    where the old prior went."""
    new_low, new_high = prior_support(new)
    old_low, old_high = prior_support(old)
    return _at_least(new_low, old_low) and _at_least(old_high, new_high)


def uniform_family(spec: PriorSpec) -> bool:
    """Uniform or LogUniform (a Uniform on x or on log x): its density ratio to another
    prior of the same family is a constant inside the supports."""
    return spec.prior is not None and spec.prior.distribution == "Uniform" \
        and spec.prior.transform in (None, "exp")


# ------------------------------------------------------------------ the fast path

@dataclass(frozen=True)
class Reweighted:
    """Posterior outcomes under changed priors. `weights` (chain, draw) sum to 1."""

    method: str  # "unchanged" | "exact" | "indicator" | "psis" | "refit" | "needs-refit"
    outcomes: xr.Dataset
    weights: np.ndarray
    changed: tuple[str, ...]
    pareto_k: float | None
    ess: float
    seconds: float
    hard_takeoff_days: float
    #: why the weights are unusable ("needs-refit" only; "" otherwise)
    reason: str = ""
    #: the refitted result ("refit" only), itself a base for later reweighting
    refitted: xr.DataTree | None = None

    def hard_takeoff(self, window_days: float | None = None) -> float:
        """Weighted P(takeoff within `window_days`; default: the hard-takeoff window)."""
        return float((self.weights * hard_per_draw(
            self.outcomes, window_days or self.hard_takeoff_days)).sum())

    def hard_takeoff_mcse(self, window_days: float | None = None) -> float:
        """Monte Carlo standard error of `hard_takeoff`: the self-normalised importance
        sampling estimate sqrt(sum w_i^2 (h_i - P)^2) (uniform weights: sd / sqrt(n),
        which ignores autocorrelation between NUTS draws)."""
        h = hard_per_draw(self.outcomes, window_days or self.hard_takeoff_days)
        estimate = float((self.weights * h).sum())
        return float(np.sqrt(np.sum(np.square(self.weights) * np.square(h - estimate))))

    def numbers(self) -> dict:
        """Summary-style numbers: hard takeoff (+ by window), P(RSI feasible), compression."""
        w = self.weights
        windows = sorted({*STANDARD_WINDOWS_DAYS, self.hard_takeoff_days})
        out = {
            "method": self.method, "changed": list(self.changed), "pareto_k": self.pareto_k,
            "ess": self.ess, "seconds": self.seconds,
            "hard_takeoff": {"window_days": self.hard_takeoff_days,
                             "posterior": self.hard_takeoff(),
                             "mcse": self.hard_takeoff_mcse()},
            "hard_takeoff_by_window": [{"window_days": d, "posterior": self.hard_takeoff(d)}
                                       for d in windows],
            "p_rsi_feasible": float((w * self.outcomes["weight_feasible"].values).sum()),
        }
        if "compressed_feasible" in self.outcomes:
            o = self.outcomes
            per = mixture_probability(o["compressed_feasible"].values,
                                      o["compressed_infeasible"].values,
                                      o["weight_feasible"].values)
            out["compression"] = [  # type: ignore[assignment]
                {"id": str(c), "posterior": float((w[..., None] * per).sum(axis=(0, 1))[i])}
                for i, c in enumerate(o["compression"].values)]
        return out


def shift_mcse(base: Reweighted, new: Reweighted, window_days: float | None = None) -> float:
    """Monte Carlo standard error of new.hard_takeoff() - base.hard_takeoff(): paired
    when both come from the same posterior draws (reweighted or redrawn in place: the
    per-draw terms w'(h' - P') - w(h - P)), independent after a refit (as
    `hard_takeoff_mcse`, it ignores autocorrelation between NUTS draws)."""
    if "refit" in (base.method, new.method) or base.weights.shape != new.weights.shape:
        return float(math.hypot(base.hard_takeoff_mcse(window_days),
                                new.hard_takeoff_mcse(window_days)))
    h0 = hard_per_draw(base.outcomes, window_days or base.hard_takeoff_days)
    h1 = hard_per_draw(new.outcomes, window_days or new.hard_takeoff_days)
    d = new.weights * (h1 - (new.weights * h1).sum()) - base.weights * (h0 - (base.weights
                                                                            * h0).sum())
    return float(np.sqrt(np.sum(np.square(d))))


def hard_per_draw(outcomes: xr.Dataset | dict, window_days: float) -> np.ndarray:
    """Per-draw P(takeoff within the window), mixing the feasibility branches
    (outcomes as a Dataset or a dict of arrays), as a plain array."""
    return np.asarray(hard_takeoff_probability(outcomes, window_days))  # type: ignore[arg-type]


def takeoff_times(draws: dict[str, np.ndarray], gap_from: str, likelihood_ratio: float,
                  horizon_months: float,
                  gap_weights: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Takeoff times (months) in both RSI branches and the feasibility weight, for flat
    draws, by `outcomes.compute_outcomes` without compression windows."""
    out = compute_outcomes(draws, gap_from=gap_from, gap_weights=gap_weights,
                           likelihood_ratio=likelihood_ratio, compression=[],
                           horizon_months=horizon_months)
    return {k: out[k] for k in ("weight_feasible", "takeoff_months_feasible",
                                "takeoff_months_infeasible")}


def _kish_ess(w: np.ndarray) -> float:
    return float(1.0 / np.sum(np.square(w)))


def psis_weights(log_ratio: np.ndarray) -> tuple[np.ndarray, float]:
    """Pareto-smoothed normalised importance weights (chain, draw) and k-hat.

    ArviZ's `psislw` smooths the log weights of *minus* its input (its LOO convention),
    hence the sign flip; tests/analysis/test_reweight.py checks the direction. The draws
    are autocorrelated NUTS draws, so the tail length uses the ratios' relative efficiency
    r_eff = ESS / n (ArviZ's mean ESS of the ratios, as its `loo` does for likelihoods).
    Weights that cannot be smoothed (e.g. ArviZ's "All tail values are the same") come
    back with k-hat = inf: unusable, never an exception."""
    # arviz_stats registers the `.azstats` accessor used below; ~0.9 s to import, so only
    # when importance weights are needed (not for an exact redraw)
    import arviz_stats  # noqa: F401

    log_ratio = np.asarray(log_ratio, dtype=float)
    try:
        ratio = xr.DataArray(np.exp(log_ratio - np.max(log_ratio)), dims=("chain", "draw"))
        r_eff = float(ratio.azstats.ess(method="mean")) / ratio.size
        r_eff = min(max(r_eff, 1e-3), 1.0) if math.isfinite(r_eff) else 1.0
        da = xr.DataArray(-log_ratio, dims=("chain", "draw"))
        lw, khat = da.azstats.psislw(dim=["chain", "draw"], r_eff=r_eff)
    except (ValueError, FloatingPointError, ZeroDivisionError):
        return np.full(log_ratio.shape, 1.0 / log_ratio.size), math.inf
    lw = lw.transpose("chain", "draw").values
    w = np.exp(lw - np.max(lw))
    return w / w.sum(), float(khat)


def _informed_log_ratio(result: xr.DataTree, old: PriorSet, new: PriorSet,
                        in_model: Sequence[str], modelled: Sequence[str]) -> np.ndarray:
    """log p_new(theta) - log p_old(theta) at the posterior draws of the informed
    parameters: the changed marginals plus the copula of the informed block."""
    posterior = result["posterior"].to_dataset()
    draws = {n: posterior[n].values for n in modelled if n in posterior}
    out = sum((log_prior_density(new.specs[n], draws[n])
               - log_prior_density(old.specs[n], draws[n]) for n in in_model),
              np.zeros((posterior.sizes["chain"], posterior.sizes["draw"])))
    blocks = [(p, c.block(modelled) if (c := p.copula()) is not None else None)
              for p in (new, old)]
    if blocks[0][1] is not None or blocks[1][1] is not None:
        (pn, bn), (po, bo) = blocks
        out = out + log_copula_density(bn, pn.specs, draws) - log_copula_density(bo, po.specs,
                                                                                  draws)
    return out


def _weights(log_ratio: np.ndarray, indicator: bool, k_max: float
             ) -> tuple[np.ndarray | None, float | None, str]:
    """(weights, k-hat, "") or (None, k-hat, reason) when they are unusable."""
    finite = np.isfinite(log_ratio)
    if not finite.any():
        return None, math.inf, "no posterior draw lies inside the new prior's support"
    if indicator:  # the ratio is one constant inside the new support: exact weights
        w = finite / finite.sum()
        return w.astype(float), None, ""
    weights, khat = psis_weights(np.where(finite, log_ratio, -1e300))
    if not khat <= k_max:
        return None, khat, (f"Pareto k-hat {khat:.2f} > {k_max:g}" if math.isfinite(khat)
                            else "the importance weights cannot be smoothed (PSIS)")
    return weights, khat, ""


def reweight(
    result: xr.DataTree, new_priors: PriorSet, *, seed: int = 0, compression: bool = False,
    k_max: float = K_HAT_MAX, report_dir: Path | None = None, evidence: Sequence | None = None,
    cache=None, refit_settings=None, refit: bool = True,
) -> Reweighted:
    """Posterior outcomes of `result` under `new_priors`, by the fastest valid route.

    `compression=True` also re-simulates the compression windows (slower). A refit
    (k-hat > `k_max`, the new prior beyond the old one's support, or a modelled parameter
    becoming or ceasing to be fixed) needs the evidence: given, or found by
    `result_evidence`; with `refit=False` it is not run and the result's method is
    "needs-refit" (its `reason` says why; outcomes and weights are the old ones).
    """
    start = time.perf_counter()
    old = result_priors(result)
    changed = changed_parameters(old, new_priors)
    post = result["posterior_outcomes"].to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    uniform = np.full(shape, 1.0 / (shape[0] * shape[1]))
    window = float(new_priors.hard_takeoff_days)
    routes_changed = simulation_routes(new_priors) != simulation_routes(old)
    correlated = copula_changed(old, new_priors, changed)
    if not changed and not routes_changed and not correlated:
        return Reweighted("unchanged", post, uniform, (), None, float(uniform.size),
                          time.perf_counter() - start, window)
    modelled = result_modelled(result, report_dir)
    in_model = [n for n in changed if n in modelled]
    block_changed = correlated and _informed_block(old, modelled) != _informed_block(
        new_priors, modelled)

    def unusable(reason: str, khat: float | None = None) -> Reweighted:
        if refit:
            return _refit(result, new_priors, changed, report_dir, evidence, seed, cache,
                          refit_settings, start, compression)
        return Reweighted("needs-refit", post, uniform, tuple(changed), khat, 0.0,
                          time.perf_counter() - start, window, reason)

    weights, khat, method = uniform, None, "exact"
    if in_model or block_changed:
        if fixed := [n for n in in_model if old.specs[n].prior is None
                     or new_priors.specs[n].prior is None]:
            return unusable(f"{fixed[0]} changes between a fixed value and a distribution")
        if beyond := [n for n in in_model
                      if not support_within(new_priors.specs[n], old.specs[n])]:
            return unusable(f"the new prior of {beyond[0]} reaches beyond the old one's support")
        indicator = not block_changed and all(
            uniform_family(old.specs[n]) and uniform_family(new_priors.specs[n])
            and old.specs[n].form().transform == new_priors.specs[n].form().transform
            for n in in_model)
        log_ratio = _informed_log_ratio(result, old, new_priors, in_model, modelled)
        fitted, khat, reason = _weights(log_ratio, indicator, k_max)
        if fitted is None:
            return unusable(reason, khat)
        weights, method = fitted, "indicator" if indicator else "psis"
    if [n for n in changed if n not in modelled] or routes_changed or correlated:
        post = resimulate(result, old, new_priors, modelled, changed, seed, compression)
    return Reweighted(method, post, weights, tuple(changed), khat, _kish_ess(weights),
                      time.perf_counter() - start, window)


def _informed_block(priors: PriorSet, modelled: Sequence[str]):
    """(names, matrix as nested tuples) of the copula of the informed parameters."""
    copula = priors.copula()
    block = None if copula is None else copula.block(modelled)
    return None if block is None else (block.names, tuple(map(tuple, block.matrix)))


def _refit(result, new_priors, changed, report_dir, evidence, seed, cache, settings, start,
           compression) -> Reweighted:
    # PyMC is loaded only for a refit: reweighting a saved result builds no model
    from foomcalc.analysis.run import run_analysis
    from foomcalc.inference.sampling import SamplerSettings

    if evidence is None:
        evidence = result_evidence(result, report_dir)
    if settings is None:
        stored = json.loads(result.attrs["sampler_json"])
        settings = SamplerSettings(**{k: v for k, v in stored.items()
                                      if k in SamplerSettings.__dataclass_fields__})
    post = result["posterior_outcomes"].to_dataset()
    pairs = list(zip(post["years_of_progress"].values, post["within_months"].values,
                     strict=True))
    refit = run_analysis(new_priors, list(evidence), seed=seed, settings=settings,
                         n_prior_draws=100, compression=pairs, cache=cache)
    out = refit["posterior_outcomes"].to_dataset()
    shape = (out.sizes["chain"], out.sizes["draw"])
    w = np.full(shape, 1.0 / (shape[0] * shape[1]))
    return Reweighted("refit", out, w, tuple(changed), None, float(w.size),
                      time.perf_counter() - start, float(new_priors.hard_takeoff_days),
                      refitted=refit)
