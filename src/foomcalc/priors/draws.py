"""A prior evaluated with numpy and scipy, without PyMC: iid draws, quantiles and the
frozen scipy distribution of its untransformed variable. The prior is a `PriorForm` or a
`pymc_extras` Prior (`distribution`, float `parameters`, `transform`); every supported
transform is increasing. scipy is imported only when a distribution is first evaluated.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

INF = math.inf

_TRANSFORMS: dict[str | None, Callable[[np.ndarray], np.ndarray]] = {
    None: lambda x: x,
    "exp": np.exp,
    "one_plus": lambda x: 1.0 + x,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "invlogit": lambda x: 1.0 / (1.0 + np.exp(-x)),
}


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
          "Exponential", "StudentT")


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
    return stats.t(kw["nu"], kw["mu"], kw["sigma"])  # StudentT


def _transform(prior) -> Callable[[np.ndarray], np.ndarray]:
    try:
        return _TRANSFORMS[prior.transform]
    except KeyError:
        raise ValueError(f"transform {prior.transform!r} is not supported for sampling") from None


def sample_prior_numpy(prior, n: int, rng: np.random.Generator) -> np.ndarray:
    """n iid draws of the Prior (after its transform) with scipy; no PyMC involved."""
    base = scipy_base(prior)
    return _transform(prior)(np.asarray(base.rvs(size=n, random_state=rng), dtype=float))


def prior_quantile(prior, q: float | np.ndarray) -> float | np.ndarray:
    """Quantile(s) of the Prior; every supported transform is increasing."""
    out = _transform(prior)(np.asarray(scipy_base(prior).ppf(q), dtype=float))
    return float(out) if np.ndim(out) == 0 else out
