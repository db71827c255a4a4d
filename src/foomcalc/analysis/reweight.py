"""Fast answers to "what if my prior on X were different?" from a saved result.

A prior change is answered without re-sampling wherever that is exact or checkably
accurate:

- parameters the evidence does not inform (not in the PyMC model) have posterior =
  prior, so their draws are replaced by draws from the new prior, exactly. The new
  draws are *coupled* to the old ones through the prior CDFs (x_new = F_new^-1(F_old(x))),
  still iid from the new prior, so differences from the old answer carry little Monte
  Carlo noise; outcomes are then re-simulated for the same draws;
- parameters the evidence informs get Pareto-smoothed importance weights
  p_new(theta) / p_old(theta) (ArviZ's PSIS, Vehtari et al. 2024), with the Pareto k-hat
  check: above `K_HAT_MAX` = 0.7 the weights are unreliable and the posterior is
  refitted with NUTS (reusing the compiled model through `analysis.CompiledCache`).

Results carry the method used, k-hat and the Kish effective sample size of the weights.
Probabilities are fractions; times are months.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from foomcalc.errors import InputError
from foomcalc.evidence.files import load_evidence
from foomcalc.parameters import PARAMETERS
from foomcalc.paths import evidence_dir
from foomcalc.priors.draws import prior_quantile, scipy_base
from foomcalc.priors.files import PriorSet, PriorSpec, priors_from_dict
from foomcalc.takeoff.outcomes import (
    STANDARD_WINDOWS_DAYS,
    compute_outcomes,
    feasibility_weight,
    hard_takeoff_probability,
    mixture_probability,
)

#: Pareto k-hat above which importance weights are not trusted (Vehtari et al. 2024).
K_HAT_MAX = 0.7
_INVERSE = {None: lambda x: x, "exp": np.log, "one_plus": lambda x: x - 1.0}
_LOG_JACOBIAN = {None: lambda x: 0.0 * x, "exp": lambda x: -np.log(x),
                 "one_plus": lambda x: 0.0 * x}
_FORWARD = {None: lambda x: x, "exp": np.exp, "one_plus": lambda x: x + 1.0}


# ------------------------------------------------------------------ prior densities

def spec_key(spec: PriorSpec) -> tuple:
    """What a spec's numbers depend on (its `source` note does not count)."""
    if spec.prior is None:
        return ("fixed", float(spec.value))  # type: ignore[arg-type]
    return (spec.prior.distribution, spec.prior.transform,
            tuple(sorted((k, float(v)) for k, v in spec.prior.parameters.items())))


def changed_parameters(old: PriorSet, new: PriorSet) -> list[str]:
    """Registry parameters whose prior differs between two prior sets."""
    return [n for n in PARAMETERS if spec_key(old.specs[n]) != spec_key(new.specs[n])]


def log_prior_density(spec: PriorSpec, x: np.ndarray) -> np.ndarray:
    """log p(x) of an uncertain spec on the parameter's own scale (Jacobian included);
    -inf outside the support."""
    prior = spec.prior
    if prior is None or prior.transform not in _INVERSE:
        raise ValueError(f"{spec.name}: no density for {prior!r}")
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = _INVERSE[prior.transform](x)  # type: ignore[operator]
        out = np.asarray(scipy_base(prior).logpdf(z), dtype=float) + \
            _LOG_JACOBIAN[prior.transform](x)
    return np.where(np.isnan(out), -np.inf, out)


def prior_support(spec: PriorSpec) -> tuple[float, float]:
    """Closed support [low, high] of an uncertain spec on the parameter's own scale."""
    prior = spec.prior
    if prior is None or prior.transform not in _FORWARD:
        raise ValueError(f"{spec.name}: no support for {prior!r}")
    low, high = scipy_base(prior).support()
    forward = _FORWARD[prior.transform]
    with np.errstate(over="ignore"):
        return float(forward(low)), float(forward(high))  # type: ignore[operator]


def support_within(new: PriorSpec, old: PriorSpec) -> bool:
    """Whether the new prior puts no mass outside the old one's support: importance
    weights from old-prior draws can only reach where the old prior went."""
    new_low, new_high = prior_support(new)
    old_low, old_high = prior_support(old)
    return old_low <= new_low and new_high <= old_high


def coupled_draws(old: PriorSpec, new: PriorSpec, x: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Draws from `new` coupled to draws `x` from `old` by x_new = F_new^-1(F_old(x));
    iid from `new` when x is iid from `old`. Fresh draws when `old` is fixed."""
    if new.prior is None:
        return np.full(x.shape, float(new.value))  # type: ignore[arg-type]
    if old.prior is None or old.prior.transform not in _INVERSE \
            or new.prior.transform not in _INVERSE:
        return new.sample(x.size, rng).reshape(x.shape)
    u = scipy_base(old.prior).cdf(_INVERSE[old.prior.transform](x))  # type: ignore[operator]
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.asarray(prior_quantile(new.prior, u), dtype=float).reshape(x.shape)


# ------------------------------------------------------------------ reading a result

def result_priors(result: xr.DataTree) -> PriorSet:
    """The PriorSet a saved result was computed with (from its `priors_json`)."""
    return _priors_from_json(result.attrs["priors_json"])


@functools.lru_cache(maxsize=64)
def _priors_from_json(text: str) -> PriorSet:
    """Parsed once per text: a survey worker reweights hundreds of people from one base
    (PriorSet is treated as immutable everywhere)."""
    return priors_from_dict(json.loads(text), source="posterior.nc")


def result_modelled(result: xr.DataTree, report_dir: Path | None = None) -> list[str]:
    """Parameters sampled by NUTS in a saved result (the evidence-informed ones)."""
    if "modelled_parameters_json" in result.attrs:
        return list(json.loads(result.attrs["modelled_parameters_json"]))
    # results from before the list was saved: the evidence tells (PyMC only then)
    from foomcalc.inference.model import modelled_parameters

    return modelled_parameters(result_evidence(result, report_dir))


def result_evidence(result: xr.DataTree, report_dir: Path | None = None) -> list:
    """The evidence files of a saved result, found by sha256: the report folder's
    evidence/ copy, the recorded path, or the bundled file of that name."""
    out = []
    for item in json.loads(result.attrs["evidence_json"]):
        name = Path(item["path"]).name
        candidates = [Path(item["path"]), evidence_dir() / name]
        if report_dir is not None:
            candidates.insert(0, Path(report_dir) / "evidence" / f"{item['sha256'][:8]}-{name}")
        for path in candidates:
            if path.is_file():
                loaded = load_evidence(path)
                if loaded.sha256 == item["sha256"]:
                    out.append(loaded)
                    break
        else:
            raise InputError(f"evidence {name} (sha256 {item['sha256'][:12]}) is not found; "
                             "a refit needs the exact file", source=report_dir)
    return out


# ------------------------------------------------------------------ the fast path

@dataclass(frozen=True)
class Reweighted:
    """Posterior outcomes under changed priors. `weights` (chain, draw) sum to 1."""

    method: str  # "unchanged" | "exact" | "psis" | "refit"
    outcomes: xr.Dataset
    weights: np.ndarray
    changed: tuple[str, ...]
    pareto_k: float | None
    ess: float
    seconds: float
    hard_takeoff_days: float

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
    hence the sign flip; tests/analysis/test_reweight.py checks the direction."""
    # arviz_stats registers the `.azstats` accessor used below; ~0.9 s to import, so only
    # when importance weights are needed (not for an exact redraw)
    import arviz_stats  # noqa: F401

    da = xr.DataArray(-np.asarray(log_ratio, dtype=float), dims=("chain", "draw"))
    lw, khat = da.azstats.psislw(dim=["chain", "draw"])
    lw = lw.transpose("chain", "draw").values
    w = np.exp(lw - np.max(lw))
    return w / w.sum(), float(khat)


def reweight(
    result: xr.DataTree, new_priors: PriorSet, *, seed: int = 0, compression: bool = False,
    k_max: float = K_HAT_MAX, report_dir: Path | None = None, evidence: Sequence | None = None,
    cache=None, refit_settings=None,
) -> Reweighted:
    """Posterior outcomes of `result` under `new_priors`, by the fastest valid route.

    `compression=True` also re-simulates the compression windows (slower). A refit
    (k-hat > `k_max`, or a modelled parameter becoming or ceasing to be fixed) needs
    the evidence: given, or found by `result_evidence`.
    """
    start = time.perf_counter()
    old = result_priors(result)
    changed = changed_parameters(old, new_priors)
    post = result["posterior_outcomes"].to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    uniform = np.full(shape, 1.0 / (shape[0] * shape[1]))
    window = float(new_priors.hard_takeoff_days)
    gap_changed = (new_priors.gap_from, new_priors.gap_weights) != (old.gap_from, old.gap_weights)
    if not changed and not gap_changed:
        return Reweighted("unchanged", post, uniform, (), None, float(uniform.size),
                          time.perf_counter() - start, window)
    modelled = result_modelled(result, report_dir)
    in_model = [n for n in changed if n in modelled]
    weights, khat = uniform, None
    if in_model:
        if any(old.specs[n].prior is None or new_priors.specs[n].prior is None
               or not support_within(new_priors.specs[n], old.specs[n]) for n in in_model):
            return _refit(result, new_priors, changed, report_dir, evidence, seed, cache,
                          refit_settings, start, compression)
        posterior = result["posterior"].to_dataset()
        log_ratio = sum(log_prior_density(new_priors.specs[n], posterior[n].values)
                        - log_prior_density(old.specs[n], posterior[n].values) for n in in_model)
        if not np.any(np.isfinite(log_ratio)):
            khat = math.inf
        else:
            weights, khat = psis_weights(np.where(np.isfinite(log_ratio), log_ratio, -1e300))
        if not khat <= k_max:
            return _refit(result, new_priors, changed, report_dir, evidence, seed, cache,
                          refit_settings, start, compression)
    redrawn = [n for n in changed if n not in modelled]
    if redrawn or gap_changed:
        post = _resimulate(result, old, new_priors, redrawn, seed, compression)
    method = "psis" if in_model else "exact"
    return Reweighted(method, post, weights, tuple(changed), khat, _kish_ess(weights),
                      time.perf_counter() - start, window)


def _resimulate(result: xr.DataTree, old: PriorSet, new: PriorSet, redrawn: list[str],
                seed: int, compression: bool) -> xr.Dataset:
    posterior = result["posterior"].to_dataset()
    post = result["posterior_outcomes"].to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    draws = {}
    for i, name in enumerate(PARAMETERS):
        if name in posterior:
            draws[name] = posterior[name].values.reshape(-1)
        else:
            draws[name] = np.full(shape[0] * shape[1], float(old.specs[name].value))  # type: ignore[arg-type]
        if name in redrawn:
            rng = np.random.default_rng([seed, 40_000, i])
            draws[name] = coupled_draws(old.specs[name], new.specs[name], draws[name], rng)
    lr = float(result.attrs["likelihood_ratio"])
    horizon = float(result.attrs["horizon_months"])
    # a new p_rsi_feasible only re-weights the two branches, if both were simulated: a
    # fixed 0 or 1 before means one branch was skipped (outcomes.branch_paths)
    only_weight = (set(redrawn) <= {"p_rsi_feasible"}
                   and (new.gap_from, new.gap_weights) == (old.gap_from, old.gap_weights)
                   and old.specs["p_rsi_feasible"].prior is not None)
    if only_weight:
        out = post.copy()
        out["weight_feasible"] = (("chain", "draw"), feasibility_weight(
            draws["p_rsi_feasible"], lr).reshape(shape))
        return out
    if compression:
        pairs = list(zip(post["years_of_progress"].values, post["within_months"].values,
                         strict=True))
        flat = compute_outcomes(draws, gap_from=new.gap_from, gap_weights=new.gap_weights,
                                likelihood_ratio=lr,
                                compression=pairs, horizon_months=horizon)
    else:
        flat = takeoff_times(draws, new.gap_from, lr, horizon, new.gap_weights)
    data = {}
    for k, v in flat.items():
        dims = ("chain", "draw") if v.ndim == 1 else ("chain", "draw", "compression")
        data[k] = (dims, v.reshape(*shape, *v.shape[1:]))
    coords = {c: post[c] for c in post.coords} if compression else \
        {"chain": post["chain"], "draw": post["draw"]}
    return xr.Dataset(data, coords=coords)


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
                      time.perf_counter() - start, float(new_priors.hard_takeoff_days))
