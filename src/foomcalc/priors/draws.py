"""A prior evaluated with numpy and scipy, without PyMC: iid draws, quantiles and the
frozen scipy distribution of its untransformed variable. The prior is a `PriorForm` or a
`pymc_extras` Prior (`distribution`, float `parameters`, `transform`); every supported
transform is increasing. scipy is imported only when a distribution is first evaluated.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

INF = math.inf

def _logit(x):
    return np.log(x) - np.log1p(-x)


def _expit(z):
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Transform:
    """An increasing map from a prior's untransformed variable z to the parameter x:
    `forward` z -> x, `inverse` x -> z, `log_jacobian` log |dz/dx| at x (what a density
    of z gains to become a density of x)."""

    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]
    log_jacobian: Callable[[np.ndarray], np.ndarray]


def _zero(x):
    return np.zeros_like(np.asarray(x, dtype=float))


#: Every transform a foomcalc prior may carry (`PriorForm.transform`): the one table that
#: draws, quantiles, densities, supports and reweighting read.
TRANSFORMS: dict[str | None, Transform] = {
    None: Transform(lambda z: z, lambda x: x, _zero),
    "exp": Transform(np.exp, np.log, lambda x: -np.log(x)),
    "one_plus": Transform(lambda z: 1.0 + z, lambda x: x - 1.0, _zero),
    "one_plus_exp": Transform(lambda z: 1.0 + np.exp(z), lambda x: np.log(x - 1.0),
                              lambda x: -np.log(x - 1.0)),
    "sigmoid": Transform(_expit, _logit, lambda x: -np.log(x) - np.log1p(-x)),
    "invlogit": Transform(_expit, _logit, lambda x: -np.log(x) - np.log1p(-x)),
}


def transform_of(prior) -> Transform:
    """The `Transform` of a prior (a `PriorForm` or `pymc_extras` Prior); ValueError for
    a transform foomcalc does not know."""
    try:
        return TRANSFORMS[prior.transform]
    except KeyError:
        raise ValueError(f"transform {prior.transform!r} is not supported") from None


def scipy_base(prior):
    """Frozen scipy distribution for the prior's untransformed variable (a `PriorForm`
    or a `pymc_extras` Prior)."""
    if any(hasattr(v, "distribution") for v in prior.parameters.values()):
        raise ValueError("hierarchical priors are not supported")
    kw = tuple(sorted((k, float(v)) for k, v in prior.parameters.items()))
    if prior.distribution in _SCIPY:
        return _frozen(prior.distribution, kw)
    if hasattr(prior, "preliz"):  # a pymc_extras Prior of another family
        return prior.preliz  # PreliZ has rvs/ppf with the same parameterisation
    raise ValueError(f"{prior}: distribution {prior.distribution!r} is not supported for "
                     "sampling")


_SCIPY = ("Normal", "TruncatedNormal", "LogNormal", "Uniform", "Beta", "Gamma", "HalfNormal",
          "Exponential", "StudentT", "SkewNormal")


@functools.lru_cache(maxsize=4096)
def _frozen(d: str, items: tuple[tuple[str, float], ...]):
    """The frozen scipy distribution (kept: freezing costs ~0.5 ms, and a survey asks for
    the same ones thousands of times; frozen distributions hold no random state)."""
    from scipy import stats  # scipy.stats costs ~0.7 s to import: loaded when first needed

    kw = dict(items)
    if d == "Normal":
        return stats.norm(kw["mu"], kw["sigma"])
    if d == "TruncatedNormal":
        mu, s = kw["mu"], kw["sigma"]
        lo, hi = kw.get("lower", -INF), kw.get("upper", INF)
        return stats.truncnorm((lo - mu) / s, (hi - mu) / s, loc=mu, scale=s)
    if d == "LogNormal":
        return stats.lognorm(kw["sigma"], scale=math.exp(kw["mu"]))
    if d == "Uniform":
        return stats.uniform(kw["lower"], kw["upper"] - kw["lower"])
    if d == "Beta":
        return stats.beta(kw["alpha"], kw["beta"])
    if d == "Gamma":
        return stats.gamma(kw["alpha"], scale=1.0 / kw["beta"])
    if d == "HalfNormal":
        return stats.halfnorm(scale=kw["sigma"])
    if d == "Exponential":
        return stats.expon(scale=1.0 / kw["lam"])
    if d == "SkewNormal":  # PyMC's alpha is scipy's shape a
        return stats.skewnorm(kw["alpha"], kw["mu"], kw["sigma"])
    return stats.t(kw["nu"], kw["mu"], kw["sigma"])  # StudentT


def sample_prior_numpy(prior, n: int, rng: np.random.Generator) -> np.ndarray:
    """n iid draws of the Prior (after its transform) with scipy; no PyMC involved."""
    base = scipy_base(prior)
    return transform_of(prior).forward(
        np.asarray(base.rvs(size=n, random_state=rng), dtype=float))


def prior_quantile(prior, q: float | np.ndarray) -> float | np.ndarray:
    """Quantile(s) of the Prior; every supported transform is increasing."""
    out = transform_of(prior).forward(np.asarray(scipy_base(prior).ppf(q), dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def log_density(prior, x: np.ndarray) -> np.ndarray:
    """log p(x) of the prior on the parameter's own scale (Jacobian included); -inf
    outside its support."""
    t = transform_of(prior)
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(scipy_base(prior).logpdf(t.inverse(x)), dtype=float) + t.log_jacobian(x)
    return np.where(np.isnan(out), -np.inf, out)


def support(prior) -> tuple[float, float]:
    """Closed support [low, high] of the prior on the parameter's own scale."""
    low, high = scipy_base(prior).support()
    with np.errstate(over="ignore"):
        forward = transform_of(prior).forward
        return (float(forward(np.asarray(low, dtype=float))),
                float(forward(np.asarray(high, dtype=float))))


def normal_scores(prior, x: np.ndarray) -> np.ndarray:
    """z = Phi^-1(F(x)): standard normal scores of values x under the prior (the Gaussian
    copula's coordinates). The upper half goes through the survival function, so tail
    draws keep their precision."""
    from scipy import special  # with scipy.stats (loaded by scipy_base): no extra cost

    base = scipy_base(prior)
    z = transform_of(prior).inverse(np.asarray(x, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        lower, upper = np.asarray(base.cdf(z), float), np.asarray(base.sf(z), float)
        return np.where(lower < 0.5, special.ndtri(lower), -special.ndtri(upper))


def from_normal_scores(prior, z: np.ndarray) -> np.ndarray:
    """Inverse of `normal_scores`: x = F^-1(Phi(z)) (upper half by the inverse survival
    function)."""
    from scipy import special  # with scipy.stats (loaded by scipy_base): no extra cost

    base = scipy_base(prior)
    z = np.asarray(z, dtype=float)
    with np.errstate(invalid="ignore"):
        raw = np.where(z <= 0.0, base.ppf(special.ndtr(z)), base.isf(special.ndtr(-z)))
    return transform_of(prior).forward(np.asarray(raw, dtype=float))
