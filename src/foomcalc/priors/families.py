"""Distribution families for priors files, their `Prior` form, and fitting a family to
quantiles ("my 10/50/90% are ..."). Draws and quantiles with numpy/scipy:
`prior_numpy.py`.

A prior is held as a `PriorForm`: the distribution name, parameters and transform of a
`pymc_extras.prior.Prior`, without importing PyMC, so that priors files are validated,
sampled (scipy) and reweighted without it and a bad file is reported at once (issue 13
part 2). `PriorForm.to_pymc()` gives the `Prior` itself for the PyMC model; scipy is
imported only when a distribution is evaluated.

Families use PyMC's names and keyword arguments, plus two foomcalc forms built on a
registered `Prior` transform (so the PyMC model samples exactly the same thing):

- ``LogUniform(lower, upper)``: log-uniform on [lower, upper], stored as
  ``Prior("Uniform", lower=ln lower, upper=ln upper, transform="exp")``.
- ``ShiftedLogNormal(mu, sigma)``: ``1 + LogNormal(mu, sigma)``, i.e. log(x - 1) is
  Normal(mu, sigma); for parameters that must exceed 1 (speedup, growth factors).
  Stored as ``Prior("LogNormal", mu=mu, sigma=sigma, transform="one_plus")``.

Quantile fits: location-scale families (Normal, LogNormal, ShiftedLogNormal, StudentT,
Uniform, LogUniform) are fitted in closed form (2 quantiles: exact; 3+: least squares
in the family's linear space); HalfNormal and Exponential by least squares on log
values; Beta, Gamma and TruncatedNormal numerically (scipy.optimize.least_squares on
relative quantile errors). Every fit is then checked by recomputing the quantiles.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from foomcalc.priors.draws import prior_quantile

INF = math.inf
#: Support of each parameter kind as a closed interval (fixed values may sit on it).
SUPPORTS: dict[str, tuple[float, float]] = {
    "positive": (0.0, INF),
    "nonnegative": (0.0, INF),
    "unit_interval": (0.0, 1.0),
    "above_one": (1.0, INF),
    "real": (-INF, INF),
}
SUPPORT_TEXT = {
    "positive": "(0, inf)", "nonnegative": "[0, inf)", "unit_interval": "[0, 1]",
    "above_one": "[1, inf)", "real": "(-inf, inf)",
}
#: Family used for a quantile fit when the file names none.
DEFAULT_FAMILY = {
    "positive": "LogNormal",
    "nonnegative": "LogNormal",
    "unit_interval": "Beta",
    "above_one": "ShiftedLogNormal",
    "real": "Normal",
}
#: Families that fit each support, for error messages.
SUGGEST = {
    "positive": "LogNormal, Gamma, LogUniform or TruncatedNormal with lower: 0",
    "nonnegative": "LogNormal, Gamma, HalfNormal, Exponential or TruncatedNormal with lower: 0",
    "unit_interval": "Beta, Uniform within [0, 1] or TruncatedNormal with lower: 0, upper: 1",
    "above_one": "ShiftedLogNormal, LogUniform with lower >= 1 or TruncatedNormal with lower: 1",
    "real": "Normal or StudentT",
}
APPROXIMATE_ABOVE = 0.01  # relative quantile error above which a fit is "approximate"


@dataclass(frozen=True)
class Family:
    """One supported family: `shape` kwargs are fitted from quantiles, `extra` kwargs
    are optional (bounds, degrees of freedom) and kept fixed in a fit."""

    name: str
    shape: tuple[str, ...]
    extra: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()  # kwargs that must be > 0
    natural: tuple[float, float] = (-INF, INF)  # support before bounds kwargs

    @property
    def kwargs(self) -> tuple[str, ...]:
        return self.shape + self.extra


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("Normal", ("mu", "sigma"), positive=("sigma",)),
        Family("TruncatedNormal", ("mu", "sigma"), ("lower", "upper"), ("sigma",)),
        Family("LogNormal", ("mu", "sigma"), positive=("sigma",), natural=(0.0, INF)),
        Family("ShiftedLogNormal", ("mu", "sigma"), positive=("sigma",), natural=(1.0, INF)),
        Family("Uniform", ("lower", "upper")),
        Family("LogUniform", ("lower", "upper"), positive=("lower", "upper"), natural=(0.0, INF)),
        Family("Beta", ("alpha", "beta"), positive=("alpha", "beta"), natural=(0.0, 1.0)),
        Family("Gamma", ("alpha", "beta"), positive=("alpha", "beta"), natural=(0.0, INF)),
        Family("HalfNormal", ("sigma",), positive=("sigma",), natural=(0.0, INF)),
        Family("Exponential", ("lam",), positive=("lam",), natural=(0.0, INF)),
        Family("StudentT", ("mu", "sigma"), ("nu",), ("sigma", "nu")),
    )
}


def family_support(family: str, kwargs: Mapping[str, float]) -> tuple[float, float]:
    """Closed interval holding the family's values for these kwargs."""
    lo, hi = FAMILIES[family].natural
    if family in ("Uniform", "LogUniform", "TruncatedNormal"):
        lo, hi = kwargs.get("lower", lo), kwargs.get("upper", hi)
    return lo, hi


@functools.cache
def _register_transforms() -> None:
    from pymc_extras.prior import register_tensor_transform

    register_tensor_transform("one_plus", lambda x: 1 + x)


def pymc_prior(distribution: str, transform: str | None = None, **parameters: Any):
    """`pymc_extras.prior.Prior(distribution, transform=..., **parameters)`, with the
    foomcalc transforms registered (imports PyMC: only for building models)."""
    from pymc_extras.prior import Prior

    _register_transforms()
    return Prior(distribution, transform=transform, **parameters)


@dataclass(frozen=True)
class PriorForm:
    """A prior as foomcalc holds it: the `distribution`, float `parameters` and
    `transform` of a `pymc_extras.prior.Prior` (the attributes every foomcalc function
    reads), without PyMC. `to_pymc()` is that Prior; `create_variable` is the Prior's."""

    distribution: str
    parameters: dict[str, float]
    transform: str | None = None

    def to_pymc(self):
        """The equivalent `pymc_extras.prior.Prior` (imports PyMC)."""
        return pymc_prior(self.distribution, transform=self.transform, **self.parameters)

    def create_variable(self, name: str, **kwargs: Any):
        """`Prior.create_variable`: the PyMC variable in the current model."""
        return self.to_pymc().create_variable(name, **kwargs)

    def __str__(self) -> str:
        args = [repr(self.distribution), *(f"{k}={v:g}" for k, v in self.parameters.items())]
        if self.transform is not None:
            args.append(f"transform={self.transform!r}")
        return f"Prior({', '.join(args)})"


def to_prior(family: str, kwargs: Mapping[str, float]) -> PriorForm:
    """The prior (in `PriorForm`) for a family and its kwargs (plain floats)."""
    kw = {k: float(v) for k, v in kwargs.items()}
    if family == "LogUniform":
        return PriorForm("Uniform", {"lower": math.log(kw["lower"]),
                                     "upper": math.log(kw["upper"])}, "exp")
    if family == "ShiftedLogNormal":
        return PriorForm("LogNormal", kw, "one_plus")
    return PriorForm(family, kw)


def from_prior(prior) -> tuple[str, dict[str, float]]:
    """Inverse of `to_prior`: (family, kwargs) for a Prior built by this module."""
    kw = {k: float(v) for k, v in prior.parameters.items()}
    if prior.distribution == "Uniform" and prior.transform == "exp":
        return "LogUniform", {"lower": math.exp(kw["lower"]), "upper": math.exp(kw["upper"])}
    if prior.distribution == "LogNormal" and prior.transform == "one_plus":
        return "ShiftedLogNormal", kw
    if prior.transform is not None or prior.distribution not in FAMILIES:
        raise ValueError(f"{prior} is not a foomcalc family")
    return prior.distribution, kw


# ---------------------------------------------------------------- quantile fits

def _standard(family: str, probs: np.ndarray, kw: Mapping[str, float]) -> np.ndarray:
    from scipy import stats

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
        from scipy import stats

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
    from scipy import optimize

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
    from foomcalc.errors import InputError

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


def percent_key(p: float) -> str:
    return f"{round(p * 100, 10):g}"


def exp_exact(log_value: float) -> float:
    """exp(log_value), nudged by one ulp if that makes log() give log_value back exactly
    (so to_dict -> priors_from_dict rebuilds the identical Prior)."""
    e = math.exp(float(log_value))
    for cand in (e, math.nextafter(e, math.inf), math.nextafter(e, 0.0)):
        if math.log(cand) == log_value:
            return cand
    return e


__all__ = [
    "DEFAULT_FAMILY",
    "FAMILIES",
    "SUPPORTS",
    "SUPPORT_TEXT",
    "Family",
    "PriorForm",
    "exp_exact",
    "fit_family",
    "fit_note",
    "fit_quantiles",
    "from_prior",
    "percent_key",
    "pymc_prior",
    "to_prior",
]
