"""Simulation-based calibration (SBC; Talts et al. 2018) of every likelihood term.

For each evidence kind (`evidence.kinds.KINDS`) an `SbcCase` takes the kind's design
(`sbc_design`: the covariates: sizes, years, standard errors) and builds the real model
with `model.build_model(priors, [evidence])`, so the priors, the likelihood
(`inference.terms`) and the sampler settings (`sampling.sample`: nutpie NUTS, low-rank
mass matrix) are the ones a report uses. Then, per simulation: parameters are drawn
from the prior and data from the likelihood's generative form (PyMC prior predictive,
or the term's own `simulate`: for observations, whose term is a `pm.Potential`, a
simulated binary signal per observation), the model is refitted to the simulated data
with nutpie (compiled once; the data are swapped in with `compiled.with_data`, as the
terms keep observed values in `pm.Data`), and the rank of each true value among thinned
posterior draws is recorded. If the inference is calibrated, every rank is
uniform on 0..L; `uniformity` tests this with a chi-square test on binned ranks.

The compute trend's intercept prior is centred at the data's mean in real use
(`<label>__intercept_mu`); here it stays at the design's value for both simulation
and fit, so the simulated and the fitted model are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr
from scipy import stats

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kind import EvidenceKind
from foomcalc.evidence.kinds import KINDS
from foomcalc.inference.coordinates import is_coordinate
from foomcalc.inference.model import build_model
from foomcalc.inference.sampling import SamplerSettings, compile_model, diagnose, sample
from foomcalc.inference.terms import TERMS
from foomcalc.inference.terms.common import Simulator, Term
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.files import PriorSet, load_preset

LABEL = "sbc"
#: Thinned posterior draws per fit: ranks take the L + 1 = 100 values 0..99.
N_RANK_DRAWS = 99
#: Fit settings: 2 chains x 500 draws, thinned to N_RANK_DRAWS.
FIT_SETTINGS = SamplerSettings(draws=500, tune=500, chains=2, target_accept=0.9)


def simulate_prior_predictive(model: pm.Model, n: int, seed: int
                              ) -> tuple[xr.Dataset, list[dict[str, np.ndarray]]]:
    """Prior draws and, per draw, the observed data keyed by its `pm.Data` name."""
    idata = pm.sample_prior_predictive(draws=n, model=model, random_seed=seed)
    prior = idata["prior"].to_dataset().isel(chain=0)
    predictive = idata["prior_predictive"].to_dataset().isel(chain=0)
    data_names = {rv.name: model.rvs_to_values[rv].name for rv in model.observed_RVs}
    # writeable float64 copies: a read-only view would make numba compile (and fail) a
    # separate specialisation of the logp function
    datasets = [{data_names[name]: np.array(predictive[name].values[i], dtype=float)
                 for name in data_names} for i in range(n)]
    return prior, datasets


@dataclass(frozen=True)
class SbcCase:
    """One likelihood kind to calibrate: a design and how to simulate its data."""

    name: str
    kind: str
    design: Callable[[], pd.DataFrame]
    simulate: Simulator = simulate_prior_predictive

    def evidence(self) -> EvidenceSet:
        """The design as an in-memory evidence set labelled LABEL."""
        return EvidenceSet(kind=self.kind, path=f"<sbc:{self.kind}>", sha256=f"sbc-{self.kind}",
                           label=LABEL, table=self.design())


#: `make validate` seeds each case by its position in CASES (scripts/validate.py), so the
#: cases keep this order; kinds not listed here follow in registry order.
SBC_ORDER = ("scaling", "compute_trend", "returns", "growth_rates", "summary", "observations",
             "training_durations", "time_horizons", "game_scaling", "substitution",
             "compute_shares", "compute_equivalent_gains")


def kind_cases(kinds: dict[str, EvidenceKind], terms: dict[str, Term]) -> dict[str, SbcCase]:
    """One case per kind that has a term, by SBC title, in SBC_ORDER then registry order."""
    order = [k for k in SBC_ORDER if k in kinds] + [k for k in kinds if k not in SBC_ORDER]
    return {kinds[k].sbc_title: SbcCase(kinds[k].sbc_title, k, kinds[k].sbc_design,
                                        terms[k].simulate or simulate_prior_predictive)
            for k in order if k in terms}


CASES: dict[str, SbcCase] = kind_cases(KINDS, TERMS)


def checked_parameters(model: pm.Model) -> list[str]:
    """Registry parameters (as the user sees them) and the likelihood's own parameters
    (free or deterministic), not the sampler's coordinates (`coordinates.COORD_SUFFIX`:
    their meaning may depend on the data, so their true values are not comparable)."""
    own = {v.name for v in (*model.free_RVs, *model.deterministics)}
    names = [n for n in PARAMETERS if n in model.named_vars]
    return names + sorted(n for n in own if n.startswith(f"{LABEL}__") and not is_coordinate(n))


def ranks_of(truth: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Ranks of `truth` (shape s) among `draws` (shape (L, *s)): counts of draws below."""
    return (draws < truth[None, ...]).sum(axis=0)


def thin(values: np.ndarray, n: int = N_RANK_DRAWS) -> np.ndarray:
    """`n` evenly spaced draws from the flattened (chain, draw, ...) array."""
    flat = values.reshape(-1, *values.shape[2:])
    idx = np.linspace(0, len(flat) - 1, n).round().astype(int)
    return flat[idx]


@dataclass
class SbcResult:
    """Ranks per (scalar) parameter, and what sampling cost and reported."""

    case: str
    n_sims: int
    ranks: dict[str, np.ndarray]
    divergences: np.ndarray
    max_r_hat: np.ndarray
    seconds: float
    compile_seconds: float
    #: smallest bulk ESS over the checked variables, per fit
    min_ess_bulk: np.ndarray = field(default_factory=lambda: np.array([]))
    #: 1 - mean posterior variance / prior variance: how much the data informed each
    #: parameter (a fit that ignored the data would be calibrated too, with 0 here).
    contraction: dict[str, float] = field(default_factory=dict)
    tests: dict[str, dict[str, float]] = field(default_factory=dict)


def _scalar_names(name: str, values: np.ndarray) -> list[str]:
    return [name] if values.ndim == 1 else [f"{name}[{i}]" for i in range(values.shape[1])]


_WORKER_COMPILED: dict = {}


def _fit_one(case_name: str, priors: PriorSet, data: dict, fit_seed: int,
             settings: SamplerSettings) -> tuple[xr.Dataset, int, float, float]:
    """One SBC refit as a dask task: the case's model is compiled once per worker process
    (module-level cache keyed by case and priors), then `with_data` swaps the data."""
    key = (case_name, repr(priors.to_dict()))
    if key not in _WORKER_COMPILED:
        model = build_model(priors, [CASES[case_name].evidence()])
        _WORKER_COMPILED[key] = compile_model(model)
    trace = sample(_WORKER_COMPILED[key].with_data(**data), seed=fit_seed, settings=settings)
    diag = diagnose(trace)
    return trace["posterior"].to_dataset(), diag.divergences, diag.max_r_hat, diag.min_ess_bulk


def run_case(case: SbcCase, n_sims: int, seed: int = 0, priors: PriorSet | None = None,
             settings: SamplerSettings = FIT_SETTINGS,
             simulate: Simulator | None = None, client=None) -> SbcResult:
    """SBC of one case: `n_sims` simulate-and-refit rounds with one compiled model.

    With a dask.distributed `client` the refits run as tasks (the survey's path: one
    compiled model per worker, same per-simulation seeds, so the same ranks); without,
    in this process as before."""
    priors = priors or load_preset("default")
    model = build_model(priors, [case.evidence()])
    start = time.time()
    # the same compile entry point as reports, so SBC validates the path users run;
    # `with_data` swaps the observed values. On dask, each worker compiles its own.
    compiled = compile_model(model) if client is None else None
    compile_seconds = time.time() - start
    prior, datasets = (simulate or case.simulate)(model, n_sims, seed)
    names = checked_parameters(model)
    ranks: dict[str, list[np.ndarray]] = {n: [] for n in names}
    post_var: dict[str, list[np.ndarray]] = {n: [] for n in names}
    divergences, r_hats, ess = [], [], []
    if client is not None:
        futures = [client.submit(_fit_one, case.name, priors, data, seed * 100_003 + i,
                                 settings, retries=3, pure=False)
                   for i, data in enumerate(datasets)]
    for i, data in enumerate(datasets):
        if client is not None:
            posterior, n_div, max_r_hat, min_ess = futures[i].result()
        else:
            trace = sample(compiled.with_data(**data), seed=seed * 100_003 + i,
                           settings=settings)
            posterior = trace["posterior"].to_dataset()
            diag = diagnose(trace)
            n_div, max_r_hat, min_ess = diag.divergences, diag.max_r_hat, diag.min_ess_bulk
        for name in names:
            truth = np.asarray(prior[name].values[i])
            ranks[name].append(ranks_of(truth, thin(posterior[name].values)))
            post_var[name].append(posterior[name].values.reshape(-1, *truth.shape).var(axis=0))
        divergences.append(n_div)
        r_hats.append(max_r_hat)
        ess.append(min_ess)
    prior_var = pm.sample_prior_predictive(draws=4000, model=model, var_names=names,
                                           random_seed=seed + 1)["prior"].to_dataset().var(
                                               dim=("chain", "draw"))
    flat: dict[str, np.ndarray] = {}
    contraction: dict[str, float] = {}
    for name in names:
        values = np.array(ranks[name])
        shrink = 1.0 - np.mean(post_var[name], axis=0) / prior_var[name].values
        for j, label in enumerate(_scalar_names(name, values)):
            flat[label] = values if values.ndim == 1 else values[:, j]
            contraction[label] = float(shrink if values.ndim == 1 else shrink[j])
    result = SbcResult(case.name, n_sims, flat, np.array(divergences), np.array(r_hats),
                       time.time() - start - compile_seconds, compile_seconds, np.array(ess),
                       contraction)
    result.tests = {n: uniformity(r) for n, r in flat.items()}
    return result


def uniformity(ranks: np.ndarray, n_ranks: int = N_RANK_DRAWS + 1) -> dict[str, float]:
    """Chi-square test that ranks 0..n_ranks-1 are uniform, on equal-width bins.

    Bins: the largest divisor of n_ranks giving >= 5 expected counts per bin (at most
    20 bins). Also reports the largest ECDF deviation from uniform (KS distance).
    """
    n = len(ranks)
    n_bins = max(b for b in range(2, 21) if n_ranks % b == 0 and n / b >= 5) \
        if n >= 10 else 2
    counts = np.bincount(np.asarray(ranks) * n_bins // n_ranks, minlength=n_bins)
    chi2, p = stats.chisquare(counts)
    u = (np.sort(ranks) + 0.5) / n_ranks
    ks = float(np.max(np.abs(u - (np.arange(1, n + 1) - 0.5) / n)))
    return {"chi2": float(chi2), "p_value": float(p), "bins": n_bins, "ks": ks}
