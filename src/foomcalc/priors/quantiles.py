"""Fitting a family to quantiles ("my 10/50/90% are ..."), and how well a fit holds.

Location-scale families (Normal, LogNormal, ShiftedLogNormal, StudentT, Uniform,
LogUniform) are fitted in closed form (2 quantiles: exact; 3+: least squares in the
family's linear space); HalfNormal and Exponential by least squares on log values; Beta,
Gamma and TruncatedNormal numerically (scipy.optimize.least_squares on relative quantile
errors). Every fit is then checked by recomputing the quantiles (`fit_error`, `fit_note`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from foomcalc.errors import InputError
from foomcalc.priors.draws import prior_quantile
from foomcalc.priors.families import (
    DEFAULT_FAMILY,
    FAMILIES,
    INF,
    SUPPORTS,
    PriorForm,
    family_support,
    to_prior,
)

APPROXIMATE_ABOVE = 0.01  # relative quantile error above which a fit is "approximate"


def _standard(family: str, probs: np.ndarray, kw: Mapping[str, float]) -> np.ndarray:
    from scipy import stats  # scipy.stats costs ~0.7 s to import: loaded when first needed

    if family == "StudentT":
        return stats.t.ppf(probs, kw["nu"])
    if family in ("Uniform", "LogUniform"):
        return probs
    return stats.norm.ppf(probs)


_LINEAR_SPACE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Normal": lambda x: x, "StudentT": lambda x: x, "Uniform": lambda x: x,
    "LogNormal": np.log, "LogUniform": np.log, "ShiftedLogNormal": lambda x: np.log(x - 1.0),
}


def _fit_location_scale(family, probs, values, kw):
    z, y = _standard(family, probs, kw), _LINEAR_SPACE[family](values)
    scale, loc = np.polyfit(z, y, 1)  # 2 points: exact; 3+: least squares
    if not scale > 0:
        raise ValueError("the quantiles do not increase")
    if family in ("Uniform", "LogUniform"):
        lo, hi = loc, loc + scale
        if family == "LogUniform":
            lo, hi = math.exp(lo), math.exp(hi)
        return {"lower": float(lo), "upper": float(hi)}
    return {"mu": float(loc), "sigma": float(scale), **kw}


def _fit_scale_only(family, probs, values):
    if family == "HalfNormal":
        from scipy import stats  # ~0.7 s to import: loaded when first needed

        log_scale = np.mean(np.log(values) - np.log(stats.norm.ppf((1 + probs) / 2)))
        return {"sigma": float(np.exp(log_scale))}
    log_rate = np.mean(np.log(-np.log1p(-probs)) - np.log(values))
    return {"lam": float(np.exp(log_rate))}


def _start(family, probs, values, kw):
    """Starting point (unconstrained vector) for the numerical fits."""
    if family == "TruncatedNormal":
        fit = _fit_location_scale("Normal", probs, values, {})
        return np.array([fit["mu"], math.log(fit["sigma"])])
    if family == "Gamma":
        s = _fit_location_scale("LogNormal", probs, values, {})
        alpha = 1.0 / math.expm1(min(s["sigma"] ** 2, 50.0))
        mean = math.exp(s["mu"] + s["sigma"] ** 2 / 2)
        return np.log([alpha, alpha / mean])
    m = float(np.median(values))  # Beta: match median, spread from a logit-normal fit
    logit = np.log(values / (1 - values))
    s = _fit_location_scale("Normal", probs, logit, {})["sigma"]
    total = max(1.0 / max((s / 1.6) ** 2, 1e-6) - 1.0, 0.5)
    return np.log([max(m * total, 1e-3), max((1 - m) * total, 1e-3)])


def _unpack(family, theta, kw):
    if family == "TruncatedNormal":
        return {"mu": float(theta[0]), "sigma": float(math.exp(theta[1])), **kw}
    a, b = np.exp(theta)
    return {"alpha": float(a), "beta": float(b)}


def _fit_numeric(family, probs, values, kw):
    from scipy import optimize  # scipy.stats costs ~0.7 s to import: loaded when first needed

    def residuals(theta):
        fitted = prior_quantile(to_prior(family, _unpack(family, theta, kw)), probs)
        r = (np.asarray(fitted) - values) / _denominators(values)
        return np.where(np.isfinite(r), r, 1e6)

    theta0 = _start(family, probs, values, kw)
    if len(probs) < 2:
        raise ValueError(f"{family} needs at least 2 quantiles")
    result = optimize.least_squares(residuals, theta0, xtol=1e-14, ftol=1e-14, gtol=1e-14,
                                    max_nfev=2000)
    return _unpack(family, result.x, kw)


def _denominators(values: np.ndarray) -> np.ndarray:
    spread = float(np.ptp(values)) or 1.0
    return np.where(np.abs(values) > 0, np.abs(values), spread)


def fit_error(prior, quantiles: Mapping[float, float]) -> float:
    """Largest relative error |fitted - requested| / |requested| over the requested
    quantiles (relative to their spread where a requested value is 0)."""
    probs = np.array(sorted(quantiles))
    values = np.array([quantiles[p] for p in probs], dtype=float)
    fitted = np.atleast_1d(prior_quantile(prior, probs))
    err = np.abs(fitted - values) / _denominators(values)
    return float(np.max(err)) if np.all(np.isfinite(err)) else INF


def fit_note(prior, quantiles: Mapping[float, float]) -> str:
    """"exact" when every requested quantile is reproduced within 1% (relative),
    else "approximate: max error x%"."""
    err = fit_error(prior, quantiles)
    return "exact" if err <= APPROXIMATE_ABOVE else f"approximate: max error {100 * err:.3g}%"


def fit_family(family: str, quantiles: Mapping[float, float],
               fixed: Mapping[str, float] | None = None) -> dict[str, float]:
    """Fit `family`'s shape kwargs to quantiles {probability: value}; `fixed` holds its
    extra kwargs (TruncatedNormal bounds, StudentT nu). Raises ValueError."""
    kw = dict(fixed or {})
    probs = np.array(sorted(quantiles), dtype=float)
    values = np.array([quantiles[p] for p in probs], dtype=float)
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}")
    if len(probs) < len(FAMILIES[family].shape):
        raise ValueError(f"{family} needs at least {len(FAMILIES[family].shape)} quantiles")
    if family == "StudentT" and "nu" not in kw:
        raise ValueError("a StudentT fit needs nu (degrees of freedom, e.g. nu: 4)")
    lo, hi = family_support(family, kw)
    if family == "Uniform":
        lo, hi = -INF, INF
    if not np.all((values > lo) & (values < hi)):
        raise ValueError(f"{family} quantiles must lie inside ({lo:g}, {hi:g})")
    if family in _LINEAR_SPACE:
        out = _fit_location_scale(family, probs, values, kw)
    elif family in ("HalfNormal", "Exponential"):
        out = _fit_scale_only(family, probs, values)
    else:
        out = _fit_numeric(family, probs, values, kw)
    if not all(math.isfinite(v) for v in out.values()):
        raise ValueError(f"could not fit {family} to these quantiles; try another family")
    return out


def fit_quantiles(quantiles: Mapping[float, float], family: str | None,
                  support: str) -> tuple[PriorForm, str]:
    """Quantiles {probability in (0, 1): value} -> (prior, fit note).

    `family` None picks the default for the parameter support (`DEFAULT_FAMILY`).
    Raises `foomcalc.errors.InputError` for quantiles that cannot be fitted.
    """
    fam = family or DEFAULT_FAMILY.get(support, "Normal")
    lo, hi = SUPPORTS.get(support, (-INF, INF))
    extra = {"lower": lo, "upper": hi} if fam == "TruncatedNormal" else {}
    extra = {k: v for k, v in extra.items() if math.isfinite(v)}
    try:
        kwargs = fit_family(fam, quantiles, extra)
    except ValueError as exc:
        raise InputError(f"quantiles: {exc}", "<quantiles>") from None
    prior = to_prior(fam, kwargs)
    return prior, fit_note(prior, quantiles)
