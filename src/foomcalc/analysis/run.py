"""One analysis: priors + evidence -> prior and posterior draws -> takeoff outcomes.

The result is an xarray DataTree (ArviZ 1.x) holding everything a report needs:
`posterior` and `sample_stats` (NUTS), `prior` (independent prior draws),
`posterior_outcomes` and `prior_outcomes` (per-draw simulator results), and the
provenance in the root attributes. Reports read only this saved result.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version

# arviz_base before PyMC and pymc_extras: for each optional backend it lacks (jax,
# numpyro) its lazy_loader walks the whole call stack (inspect.stack), which costs
# 0.05 s here and 0.3-0.4 s when it comes deep inside pymc_extras' imports
import arviz_base  # noqa: F401
import numpy as np
import xarray as xr

from foomcalc import __version__
from foomcalc.evidence.files import EvidenceSet, total_likelihood_ratio
from foomcalc.inference.model import (
    build_model,
    hyperparameter_values,
    model_identity,
    modelled_parameters,
    structure_key,
)
from foomcalc.inference.sampling import (
    Diagnostics,
    Progress,
    SamplerSettings,
    compile_model,
    sample_with_gate,
)
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.copula import correlate
from foomcalc.priors.files import PriorSet
from foomcalc.takeoff.outcomes import (
    GAP_AXIS_PREFIX,
    GAP_AXIS_YEARS,
    HORIZON_MONTHS,
    STANDARD_COMPRESSION,
    compute_outcomes,
    with_speedup,
)

SCHEMA_VERSION = "1.3"
N_PRIOR_DRAWS = 20_000


@dataclass
class CompiledCache:
    """Compiled models by structure key: a refit after a prior change reuses the graph."""

    models: dict = field(default_factory=dict)

    def get(self, priors: PriorSet, evidence: Sequence[EvidenceSet]):
        """The compiled model for these priors and evidence, or None if nothing is free."""
        key = structure_key(priors, evidence)
        if key not in self.models:
            model = build_model(priors, evidence)
            self.models[key] = (compile_model(model, inputs=model_identity(priors, evidence))
                                if model.free_RVs else None)
        compiled = self.models[key]
        if compiled is None:
            return None
        return compiled.with_data(**hyperparameter_values(priors, evidence))


_DEFAULT_CACHE = CompiledCache()


def package_versions() -> dict[str, str]:
    """Versions of foomcalc, Python and the numerical stack, for provenance."""
    names = ["pymc", "pytensor", "pymc-extras", "arviz", "nutpie", "preliz", "numpy", "xarray"]
    versions = {"foomcalc": __version__, "python": platform.python_version()}
    for name in names:
        try:
            versions[name] = version(name)
        except Exception:  # a missing optional package is not fatal to provenance
            versions[name] = "not installed"
    return versions


def parameter_draws(priors: PriorSet, dataset: xr.Dataset, shape: tuple[int, ...]) -> dict:
    """Every registry parameter as an array of `shape`: sampled, or the fixed value;
    `speedup` built from its parts when the priors say `speedup_from: parts`."""
    draws = {}
    for name in PARAMETERS:
        if name in dataset:
            draws[name] = dataset[name].values.reshape(shape)
        else:
            draws[name] = np.full(shape, priors.specs[name].fixed())
    return with_speedup(draws, priors.speedup_from)


def _outcomes_dataset(draws: dict, dims: tuple[str, ...], compression, **kwargs) -> xr.Dataset:
    shape = next(iter(draws.values())).shape
    flat = {k: v.reshape(-1) for k, v in draws.items()}
    out = compute_outcomes(flat, compression=compression, **kwargs)
    data_vars = {}
    for name, values in out.items():
        if values.ndim == 2:
            extra = "gap_axis_years" if name.startswith(GAP_AXIS_PREFIX) else "compression"
            data_vars[name] = ((*dims, extra), values.reshape(*shape, -1))
        else:
            data_vars[name] = (dims, values.reshape(shape))
    coords = {
        "compression": [f"{x:g}y_in_{y:g}m" for x, y in compression],
        "years_of_progress": ("compression", [x for x, _ in compression]),
        "within_months": ("compression", [y for _, y in compression]),
        "gap_axis_years": list(kwargs.get("gap_axis_years", ())),
    }
    return xr.Dataset(data_vars, coords=coords)


def independent_draws(
    priors: PriorSet, shape: tuple[int, int], seed: int, stream: int = 20_000,
    names: Sequence[str] | None = None,
) -> xr.Dataset:
    """Draws of each uncertain parameter (all, or `names`) from its own marginal prior,
    independently of the others, dims (chain, draw)."""
    rng = np.random.default_rng([seed, stream])
    n = shape[0] * shape[1]
    return xr.Dataset(
        {
            name: (("chain", "draw"), spec.sample(n, rng).reshape(shape))
            for name, spec in priors.specs.items()
            if spec.prior is not None and (names is None or name in names)
        },
        coords={"chain": np.arange(shape[0]), "draw": np.arange(shape[1])},
    )


def draw_prior(
    priors: PriorSet, shape: tuple[int, int], seed: int, stream: int = 20_000,
) -> xr.Dataset:
    """Prior draws of every uncertain parameter, dims (chain, draw): independent draws,
    then the correlated parameters joined by the priors' copula (`priors.copula`; the
    others' draws are unchanged by it, and without correlations nothing changes)."""
    draws = independent_draws(priors, shape, seed, stream)
    return _correlated(priors, draws, given=())


def _correlated(priors: PriorSet, draws: xr.Dataset, given: Sequence[str]) -> xr.Dataset:
    """`draws` with the copula members not in `given` redrawn by `copula.correlate`
    (their independent draws as the innovations), conditional on those in `given`."""
    copula = priors.copula()
    if copula is None:
        return draws
    arrays = {n: draws[n].values for n in copula.names}
    new = correlate(copula, priors.specs, arrays, given)
    return draws.assign({n: (("chain", "draw"), v) for n, v in new.items()})


def sample_posterior(
    priors: PriorSet, evidence: Sequence[EvidenceSet], seed: int, settings: SamplerSettings,
    progress: Progress, cache: CompiledCache,
) -> tuple[xr.Dataset, xr.Dataset, Diagnostics]:
    """Posterior draws of every uncertain parameter: NUTS for the evidence-informed ones,
    exact prior draws for the rest (no likelihood involves them, so their posterior is
    their prior given the informed ones: independent draws, or, for parameters correlated
    with others, draws from the copula conditional on the informed ones' NUTS draws)."""
    compiled = cache.get(priors, evidence)
    shape = (settings.chains, settings.draws)
    if compiled is None:
        posterior = xr.Dataset(coords={"chain": np.arange(shape[0]), "draw": np.arange(shape[1])})
        stats = xr.Dataset()
        diagnostics = Diagnostics(1.0, float(shape[0] * shape[1]), float(shape[0] * shape[1]), 0,
                                  float("nan"), attempts=0)
    else:
        trace, diagnostics = sample_with_gate(compiled, seed, settings, progress)
        posterior = trace["posterior"].to_dataset()
        stats = trace["sample_stats"].to_dataset()
        stats = stats[[v for v in stats.data_vars if stats[v].dtype != object]]
    shape = (posterior.sizes["chain"], posterior.sizes["draw"])  # a retry may draw more
    rest = [n for n in PARAMETERS if n not in posterior]
    independent = independent_draws(priors, shape, seed, stream=30_000, names=rest)
    posterior = xr.merge([posterior, independent.assign_coords(posterior.coords)],
                         compat="override", join="override")
    given = [n for n in PARAMETERS if n not in rest]
    return _correlated(priors, posterior, given), stats, diagnostics


def run_analysis(
    priors: PriorSet,
    evidence: Sequence[EvidenceSet],
    *,
    seed: int = 0,
    settings: SamplerSettings = SamplerSettings(),
    n_prior_draws: int = N_PRIOR_DRAWS,
    compression: Sequence[tuple[float, float]] = STANDARD_COMPRESSION,
    progress: Progress = False,
    cache: CompiledCache | None = None,
    command: str = "",
) -> xr.DataTree:
    """Sample the posterior, draw the prior, simulate takeoffs, attach provenance.

    Sensitivity (tornado, power-scaling groups) is a later step on the result,
    `analysis.sensitivity.add_sensitivity`, so the analysis never imports what reads it.
    """
    posterior, stats, diagnostics = sample_posterior(
        priors, evidence, seed, settings, progress, cache or _DEFAULT_CACHE)
    prior = draw_prior(priors, (1, n_prior_draws), seed)
    lr = total_likelihood_ratio(list(evidence))
    groups = {
        "/": xr.Dataset(attrs=provenance(priors, evidence, seed, settings, diagnostics, lr,
                                         command)),
        "posterior": posterior,
        "sample_stats": stats,
        "prior": prior,
        "posterior_outcomes": draw_outcomes(priors, posterior, compression, lr),
        "prior_outcomes": draw_outcomes(priors, prior, compression, 1.0),
    }
    return xr.DataTree.from_dict(groups)


def draw_outcomes(priors: PriorSet, draws: xr.Dataset, compression: Sequence[tuple[float, float]],
                  likelihood_ratio: float) -> xr.Dataset:
    """Takeoff outcomes of every (chain, draw) of `draws` (prior or posterior)."""
    shape = (draws.sizes["chain"], draws.sizes["draw"])
    return _outcomes_dataset(
        parameter_draws(priors, draws, shape), ("chain", "draw"), compression,
        likelihood_ratio=likelihood_ratio, gap_from=priors.gap_from,
        gap_weights=priors.gap_weights, horizon_months=HORIZON_MONTHS,
        gap_axis_years=GAP_AXIS_YEARS,
    ).assign_coords(chain=draws["chain"], draw=draws["draw"])


def provenance(priors: PriorSet, evidence: Sequence[EvidenceSet], seed: int,
               settings: SamplerSettings, diagnostics: Diagnostics, likelihood_ratio: float,
               command: str) -> dict:
    """The result's root attributes: what went in (priors, evidence, seed, sampler,
    versions, command) and the sampling diagnostics."""
    return {
        "schema_version": SCHEMA_VERSION,
        "foomcalc_version": __version__,
        "priors_name": priors.name,
        "priors_json": json.dumps(priors.to_dict(), sort_keys=True),
        "priors_text": priors.text,
        "gap_from": priors.gap_from,
        "hard_takeoff_days": float(priors.hard_takeoff_days),
        "evidence_json": json.dumps(
            [{"kind": e.kind, "label": e.label, "path": e.path, "sha256": e.sha256,
              "description": e.describe()} for e in evidence]
        ),
        "likelihood_ratio": float(likelihood_ratio),
        "seed": int(seed),
        "sampler_json": json.dumps({"sampler": "nutpie NUTS", **settings.__dict__}),
        "diagnostics_json": json.dumps(diagnostics.to_dict()),
        "versions_json": json.dumps(package_versions()),
        "command": command or " ".join(sys.argv),
        "horizon_months": HORIZON_MONTHS,
        "modelled_parameters_json": json.dumps(modelled_parameters(evidence)),
    }
