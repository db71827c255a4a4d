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
posterior draws is recorded (simuk's rank statistic: the number of draws below the true
value). If the inference is calibrated, every rank is uniform on 0..L; `uniformity`
tests this with ArviZ's SBC tools on the PIT values (ECDF-PIT): the pointwise order test
with Cauchy combination (`azstats.uniformity_test`, the test `arviz_plots.plot_ecdf_pit`
draws) and the simultaneous ECDF band (`arviz_stats.ecdf_utils.ecdf_pit`). simuk's own
SBC loop is not used: it refits with `pm.sample` and recompiles per simulation, where
this loop compiles once and swaps the data (`with_data`).

The compute trend's intercept prior is centred at the data's mean in real use
(`<label>__intercept_mu`); here it stays at the design's value for both simulation
and fit, so the simulated and the fitted model are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import arviz_stats  # noqa: F401  (registers the `.azstats` accessor used in `uniformity`)
import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr
from arviz_stats.ecdf_utils import ecdf_pit

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
#: Seconds to wait for one refit on a Dask worker (a few seconds each; a lost worker's
#: task is retried by Dask, a stuck one ends the SBC with a TimeoutError).
REFIT_TIMEOUT_S = 600
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
    #: the priors simulated and fitted (None: the default preset)
    priors: Callable[[], PriorSet] | None = None

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


def correlated_returns_case() -> SbcCase:
    """The returns estimates with a rank-correlated prior (returns_r ~ returns_tau, -0.6):
    data simulated from the copula's generative form (`build_model(generative=True)`),
    fitted with the copula potential. Last in CASES, so the other cases keep their seeds."""
    from foomcalc.priors.files import priors_from_dict  # with the case: a priors mapping

    def priors() -> PriorSet:
        return priors_from_dict({"name": "sbc-correlated", "base": "default",
                                 "correlations": [["returns_r", "returns_tau", -0.6]]})

    base = CASES[KINDS["returns"].sbc_title]

    def simulate(model, n, seed):
        return simulate_prior_predictive(build_model(priors(), [base.evidence()],
                                                     generative=True), n, seed)

    return SbcCase(f"{base.name}, correlated prior", base.kind, base.design, simulate, priors)


_CORRELATED = correlated_returns_case()
CASES[_CORRELATED.name] = _CORRELATED


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
    priors = priors or (case.priors() if case.priors else load_preset("default"))
    model = build_model(priors, [case.evidence()])
    start = time.time()
    # the same compile entry point as reports, so SBC validates the path users run;
    # `with_data` swaps the observed values. On dask, each worker compiles its own.
    compiled: Any = compile_model(model) if client is None else None
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
            posterior, n_div, max_r_hat, min_ess = futures[i].result(timeout=REFIT_TIMEOUT_S)
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


#: Coverage of the simultaneous ECDF band `uniformity` checks the PIT values against.
ECDF_BAND_PROB = 0.99


def uniformity(ranks: np.ndarray, n_ranks: int = N_RANK_DRAWS + 1, seed: int = 0
               ) -> dict[str, float]:
    """Whether SBC ranks on 0..n_ranks-1 are uniform, by ArviZ's SBC tools.

    The ranks become randomised PIT values u = (rank + U(0, 1)) / n_ranks, exactly
    uniform on (0, 1) when the ranks are (the uniform draws are seeded by `seed` and the
    number of ranks: the same ranks give the same answer). Returns `p_value`: ArviZ's
    pointwise order test with Cauchy combination (POT-C; Tesso & Vehtari 2026, the
    default test of `plot_ecdf_pit`); `outside_band`: 1.0 when the ECDF of u leaves the
    ECDF_BAND_PROB simultaneous band of a uniform sample (Säilynoja, Bürkner & Vehtari
    2022, `ecdf_pit`), else 0.0; `ks`: the largest distance between that ECDF and the
    uniform CDF.
    """
    ranks = np.asarray(ranks)
    rng = np.random.default_rng([seed, ranks.size])
    u = (ranks + rng.uniform(size=ranks.shape)) / n_ranks
    p_value, _, _ = xr.DataArray(u, dims=["sim"]).azstats.uniformity_test(dim="sim")
    _, ecdf, lower, upper = ecdf_pit(u, ECDF_BAND_PROB, n_simulations=1000, rng=rng)
    outside = bool(np.any((ecdf < lower) | (ecdf > upper)))
    n = u.size
    ordered = np.sort(u)
    ks = float(max(np.max(np.arange(1, n + 1) / n - ordered), np.max(ordered - np.arange(n) / n)))
    return {"p_value": float(p_value), "outside_band": float(outside), "ks": ks}
