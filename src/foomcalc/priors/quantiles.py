"""Fitting a family to quantiles ("my 10/50/90% are ..."), and how well a fit holds.

Location-scale families (Normal, LogNormal, ShiftedLogNormal, StudentT, Uniform,
LogUniform) are fitted in closed form (2 quantiles: exact; 3+: least squares in the
family's linear space); HalfNormal and Exponential by least squares on log values; Beta,
Gamma and TruncatedNormal numerically (scipy.optimize.least_squares on relative quantile
errors). Every fit is then checked by recomputing the quantiles (`fit_error`, `fit_note`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from foomcalc.errors import InputError
from foomcalc.priors.draws import TRANSFORMS, prior_quantile
from foomcalc.priors.families import (
    DEFAULT_FAMILY,
    FAMILIES,
    FIT_CHOICES,
    INF,
    SKEW_TRANSFORMS,
    SUPPORTS,
    PriorForm,
    family_support,
    to_prior,
)

APPROXIMATE_ABOVE = 0.01  # relative quantile error above which a fit is "approximate"
#: Largest relative quantile error a fit may keep; beyond it another family is chosen
#: (`choose_family`) or the entry is refused.
FIT_TOLERANCE = 0.05
#: A fit this close reproduces the quantiles to rounding: no other family is tried.
EXACT = 1e-9


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


#: Families fitted numerically with PreliZ's distributions; the skew-normal ones are fitted
#: as a SkewNormal on the scale of their transform (log x, log(x - 1), logit x).
_NUMERIC = {"Beta": "Beta", "Gamma": "Gamma", "TruncatedNormal": "TruncatedNormal",
            "SkewNormal": "SkewNormal", "LogSkewNormal": "SkewNormal",
            "ShiftedLogSkewNormal": "SkewNormal", "LogitSkewNormal": "SkewNormal"}


def _starts(family, probs, z, kw) -> list[np.ndarray]:
    """Starting points (unconstrained vectors) for a numerical fit to values z (on the
    fitted distribution's own scale)."""
    if family in ("TruncatedNormal", "SkewNormal"):
        fit = _fit_location_scale("Normal", probs, z, {})
        mu, log_sigma = fit["mu"], math.log(fit["sigma"])
        if family == "TruncatedNormal":
            return [np.array([mu, log_sigma])]
        return [np.array([mu, log_sigma, a]) for a in (0.0, 4.0, -4.0)]
    if family == "Gamma":
        s = _fit_location_scale("LogNormal", probs, z, {})
        alpha = 1.0 / math.expm1(min(s["sigma"] ** 2, 50.0))
        mean = math.exp(s["mu"] + s["sigma"] ** 2 / 2)
        return [np.log([alpha, alpha / mean])]
    m = float(np.median(z))  # Beta: match median, spread from a logit-normal fit
    logit = np.log(z / (1 - z))
    s = _fit_location_scale("Normal", probs, logit, {})["sigma"]
    total = max(1.0 / max((s / 1.6) ** 2, 1e-6) - 1.0, 0.5)
    return [np.log([max(m * total, 1e-3), max((1 - m) * total, 1e-3)])]


def _unpack(family, theta, kw):
    if family == "TruncatedNormal":
        return {"mu": float(theta[0]), "sigma": float(math.exp(theta[1])), **kw}
    if family == "SkewNormal":
        return {"mu": float(theta[0]), "sigma": float(math.exp(theta[1])),
                "alpha": float(theta[2])}
    a, b = np.exp(theta)
    return {"alpha": float(a), "beta": float(b)}


def _fit_numeric(family, probs, values, kw):
    """Least squares on the CDF at the stated values (PreliZ `quartile`'s scheme, for any
    quantile levels), the CDF from PreliZ's distribution of the family (`preliz_cdf`)."""
    from scipy import optimize  # scipy costs ~0.7 s to import: loaded when first needed

    from foomcalc.priors.preliz_fit import preliz_cdf  # PreliZ: ~3 s to import, fits only

    dist = _NUMERIC[family]
    z = TRANSFORMS[SKEW_TRANSFORMS[family]].inverse(values) if family in SKEW_TRANSFORMS \
        else values
    if len(probs) < 2:
        raise ValueError(f"{family} needs at least 2 quantiles")

    def residuals(theta):
        try:
            r = preliz_cdf(dist, _unpack(dist, theta, kw), z) - probs
        except (ValueError, OverflowError, ZeroDivisionError, FloatingPointError):
            return np.ones_like(probs)  # parameters out of the family's range
        return np.where(np.isfinite(r), r, 1.0)

    best = None
    for theta0 in _starts(dist, probs, z, kw):
        result = optimize.least_squares(residuals, theta0, xtol=1e-12, ftol=1e-12, gtol=1e-12,
                                        max_nfev=400)
        if best is None or result.cost < best.cost:
            best = result
    return _unpack(dist, best.x, kw)


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


@dataclass(frozen=True)
class FitChoice:
    """The family a quantile entry ends up with, its fitted kwargs, the largest relative
    quantile error and the note a report shows ("exact", "approximate: max error 2.1%",
    plus which family was chosen instead of the entry's and why)."""

    family: str
    kwargs: dict[str, float]
    error: float
    note: str


def _error_note(err: float) -> str:
    return "exact" if err <= APPROXIMATE_ABOVE else f"approximate: max error {100 * err:.3g}%"


def _try_fit(family: str, quantiles: Mapping[float, float], fixed: Mapping[str, float],
             support: str) -> tuple[dict[str, float], float] | None:
    """A family's fit and its largest error, or None when it cannot be fitted or leaves
    the parameter's range."""
    try:
        kwargs = fit_family(family, quantiles, fixed)
    except ValueError:
        return None
    lo, hi = family_support(family, kwargs)
    low, high = SUPPORTS[support]
    if lo < low or hi > high:
        return None
    return kwargs, fit_error(to_prior(family, kwargs), quantiles)


def support_bounds(family: str, support: str) -> dict[str, float]:
    """A TruncatedNormal fit's bounds: the parameter's range (finite ends only)."""
    if family != "TruncatedNormal":
        return {}
    lo, hi = SUPPORTS[support]
    return {k: v for k, v in (("lower", lo), ("upper", hi)) if math.isfinite(v)}


def choose_family(family: str, quantiles: Mapping[float, float],
                  fixed: Mapping[str, float] | None, support: str) -> FitChoice:
    """Fit `family` to quantiles {probability: value}; when it misses a stated quantile
    by more than FIT_TOLERANCE (relative), fit each family of `FIT_CHOICES[support]` and
    keep the best. Raises ValueError when `family` cannot be fitted at all (its message)
    or no family comes within FIT_TOLERANCE (naming the best and its error). Kept per
    input: the app refits every edited parameter at each move, a survey the same entries."""
    choice = _choose_cached(family, tuple(sorted(quantiles.items())),
                            tuple(sorted((fixed or {}).items())), support)
    return dataclasses.replace(choice, kwargs=dict(choice.kwargs))


@functools.lru_cache(maxsize=1024)
def _choose_cached(family: str, quantile_items: tuple, fixed_items: tuple,
                   support: str) -> FitChoice:
    quantiles, fixed = dict(quantile_items), dict(fixed_items)
    kwargs = fit_family(family, quantiles, fixed)
    err = fit_error(to_prior(family, kwargs), quantiles)
    if err <= FIT_TOLERANCE:
        return FitChoice(family, kwargs, err, _error_note(err))
    fits = {family: (kwargs, err)}
    for other in FIT_CHOICES[support]:
        if other not in fits:
            fit = _try_fit(other, quantiles, support_bounds(other, support), support)
            if fit is not None:
                fits[other] = fit
            if fit is not None and fit[1] <= EXACT:  # nothing can fit better
                break
    best = min(fits, key=lambda f: fits[f][1])
    best_err = fits[best][1]
    own = f"{family} misses a stated quantile by {100 * err:.3g}%"
    if best_err > FIT_TOLERANCE:
        raise ValueError(
            f"no family allowed for this parameter ({', '.join(FIT_CHOICES[support])}) comes "
            f"within {100 * FIT_TOLERANCE:g}% of every stated quantile: the best, {best}, "
            f"misses by {100 * best_err:.3g}%" + (f" ({own})" if best != family else "")
            + "; revise the quantiles")
    return FitChoice(best, fits[best][0], best_err,
                     f"{_error_note(best_err)}; {best} chosen ({own})")


def fit_quantiles(quantiles: Mapping[float, float], family: str | None,
                  support: str) -> tuple[PriorForm, str]:
    """Quantiles {probability in (0, 1): value} -> (prior, fit note), by `choose_family`:
    `family` (None: the default for the parameter support, `DEFAULT_FAMILY`), or the best
    family for the support when it misses a quantile by more than FIT_TOLERANCE.
    Raises `foomcalc.errors.InputError` for quantiles that cannot be fitted.
    """
    fam = family or DEFAULT_FAMILY.get(support, "Normal")
    try:
        choice = choose_family(fam, quantiles, support_bounds(fam, support), support)
    except ValueError as exc:
        raise InputError(f"quantiles: {exc}", "<quantiles>") from None
    return to_prior(choice.family, choice.kwargs), choice.note
