"""What every likelihood term shares: the `Term` record, parameter lookup, and the
conventions (units) of the terms in this package.

- Interval -> standard error: se = (upper - lower) / (2 z), z = Phi^-1((1 + interval)/2),
  in log space for positive quantities, centred at the reported estimate (`log_se`).
- Robust terms are Student-t with degrees of freedom nu ~ Gamma(NU_ALPHA, NU_BETA).
- Every variable a term creates is named ``<prefix>__<what>``, the prefix being the
  evidence file's label (`terms.unique_prefixes`); observed values enter as ``pm.Data``
  named ``<prefix>__<what>_data``, so a compiled model can be refitted to new data of the
  same shape with ``compiled.with_data`` (simulation-based calibration does this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr
from scipy import stats

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.coordinates import DeferredPrior, realise

#: Student-t degrees of freedom prior, Gamma(2, 0.1) (Juarez & Steel 2010): mean 20,
#: with ~5% mass below nu = 3.5, so gross outliers can be absorbed by heavy tails.
NU_ALPHA, NU_BETA = 2.0, 0.1
#: Key in `params` of the cross-domain centre of log returns, shared by every returns and
#: growth-rate file of one model (created by the first of them).
CROSS_DOMAIN_LOG_MEAN = "returns cross-domain log mean"

#: SBC simulator: (model, number of simulations, seed) -> prior draws, and per draw the
#: observed data keyed by their `pm.Data` names.
Simulator = Callable[[pm.Model, int, int], tuple[xr.Dataset, list[dict[str, np.ndarray]]]]


def no_coordinates(ev: EvidenceSet) -> tuple[str, ...]:
    """A term that sets no sampler coordinates of its own."""
    return ()


@dataclass(frozen=True)
class Term:
    """The likelihood term of one evidence kind (`evidence.kinds.KINDS[kind]`).

    - `add(ev, params, prefix)`: adds the term to the current PyMC model; `params` maps
      every registry parameter to its random variable, a constant tensor or a
      `coordinates.DeferredPrior`.
    - `own_coordinates(ev)`: registry parameters whose sampler coordinates the term
      creates itself when their priors are deferred.
    - `simulate`: how simulation-based calibration simulates this kind's data; None for
      the prior predictive (`calibration.simulate_prior_predictive`).
    """

    kind: str
    add: Callable[[EvidenceSet, dict, str], None]
    own_coordinates: Callable[[EvidenceSet], tuple[str, ...]] = no_coordinates
    simulate: Simulator | None = None


def z_score(interval: np.ndarray | float) -> np.ndarray:
    """Half-width of a central `interval` in standard-normal units (0.9 -> 1.645)."""
    return stats.norm.ppf(0.5 + np.asarray(interval, dtype=float) / 2.0)


def log_se(lower: np.ndarray, upper: np.ndarray, interval: np.ndarray) -> np.ndarray:
    """Standard error in log space from a central interval of a positive quantity."""
    return (np.log(upper) - np.log(lower)) / (2.0 * z_score(interval))


def tensor(params: dict, name: str) -> pt.TensorVariable:
    """The registry parameter `name` as a tensor (a deferred prior is created plainly)."""
    if name not in params:
        raise KeyError(f"add_evidence needs parameter '{name}' in params (RV or constant)")
    return realise(params, name)


def is_deferred(params: dict, name: str) -> bool:
    """Whether the term may create parameter `name` in coordinates of its own."""
    return isinstance(params.get(name), DeferredPrior)


def cross_domain_log_mean(params: dict, prefix: str) -> pt.TensorVariable:
    """Centre m of log returns across domains, with AI software a domain of its own.

    Every domain's log r_d = m + returns_tau * z_d, AI software's too: log returns_r =
    m + tau * z_ai, z_ai ~ Normal(0, 1) (`<prefix>__ai_domain_z`). Written as
    m = log returns_r - tau * z_ai, so the user's prior on returns_r stays its marginal
    prior (without evidence the posterior of returns_r is that prior) and other domains
    inform AI's r only through m: each other domain counts with variance 2 tau^2 + se^2,
    not tau^2 + se^2 (leaving AI's own deviation out would make the tails too narrow).
    """
    if CROSS_DOMAIN_LOG_MEAN not in params:
        z_ai = pm.Normal(f"{prefix}__ai_domain_z", 0.0, 1.0)
        params[CROSS_DOMAIN_LOG_MEAN] = (pt.log(tensor(params, "returns_r"))
                                         - tensor(params, "returns_tau") * z_ai)
    return params[CROSS_DOMAIN_LOG_MEAN]
