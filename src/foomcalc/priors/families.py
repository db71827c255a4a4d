"""Distribution families for priors files and the prior representation `PriorForm`.

A prior is held as a `PriorForm`: the distribution name, parameters and transform of a
`pymc_extras.prior.Prior`, without importing PyMC, so that priors files are validated,
sampled (scipy, `priors.draws`) and reweighted without it and a bad file is reported at
once. `inference.pymc_priors.to_pymc` turns it into the `Prior` for the PyMC model.

Families use PyMC's names and keyword arguments, plus two foomcalc forms built on a
registered `Prior` transform (so the PyMC model samples exactly the same thing):

- ``LogUniform(lower, upper)``: log-uniform on [lower, upper], stored as
  ``Prior("Uniform", lower=ln lower, upper=ln upper, transform="exp")``.
- ``ShiftedLogNormal(mu, sigma)``: ``1 + LogNormal(mu, sigma)``, i.e. log(x - 1) is
  Normal(mu, sigma); for parameters that must exceed 1 (speedup, growth factors).
  Stored as ``Prior("LogNormal", mu=mu, sigma=sigma, transform="one_plus")``.
- Skew-normal families (Azzalini 1985; PyMC's ``SkewNormal(mu, sigma, alpha)``, alpha the
  shape: 0 is the normal) on the scale where the parameter's range is the real line, for
  three stated quantiles that a two-parameter family cannot match:
  ``LogSkewNormal`` (log x skew-normal; ``transform="exp"``), ``ShiftedLogSkewNormal``
  (log(x - 1); ``"one_plus_exp"``) and ``LogitSkewNormal`` (logit x; ``"sigmoid"``).

Fitting a family to quantiles: `priors.quantiles`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

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
    "positive": "LogNormal, Gamma, LogSkewNormal, LogUniform or TruncatedNormal with lower: 0",
    "nonnegative": "LogNormal, Gamma, HalfNormal, Exponential, LogSkewNormal or "
                   "TruncatedNormal with lower: 0",
    "unit_interval": "Beta, LogitSkewNormal, Uniform within [0, 1] or TruncatedNormal with "
                     "lower: 0, upper: 1",
    "above_one": "ShiftedLogNormal, ShiftedLogSkewNormal, LogUniform with lower >= 1 or "
                 "TruncatedNormal with lower: 1",
    "real": "Normal, SkewNormal or StudentT",
}
#: Families a quantile fit chooses among, per support, when the entry's own family misses
#: a stated quantile by more than `quantiles.FIT_TOLERANCE` (best fit wins; ties go to
#: the earlier one). StudentT is left out: its fit needs nu given.
FIT_CHOICES = {
    "positive": ("LogNormal", "Gamma", "LogSkewNormal", "TruncatedNormal", "LogUniform"),
    "nonnegative": ("LogNormal", "Gamma", "HalfNormal", "Exponential", "LogSkewNormal",
                    "TruncatedNormal"),
    "unit_interval": ("Beta", "LogitSkewNormal", "TruncatedNormal", "Uniform"),
    "above_one": ("ShiftedLogNormal", "ShiftedLogSkewNormal", "TruncatedNormal"),
    "real": ("Normal", "SkewNormal"),
}


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
        Family("SkewNormal", ("mu", "sigma", "alpha"), positive=("sigma",)),
        Family("LogSkewNormal", ("mu", "sigma", "alpha"), positive=("sigma",),
               natural=(0.0, INF)),
        Family("ShiftedLogSkewNormal", ("mu", "sigma", "alpha"), positive=("sigma",),
               natural=(1.0, INF)),
        Family("LogitSkewNormal", ("mu", "sigma", "alpha"), positive=("sigma",),
               natural=(0.0, 1.0)),
    )
}


def family_support(family: str, kwargs: Mapping[str, float]) -> tuple[float, float]:
    """Closed interval holding the family's values for these kwargs."""
    lo, hi = FAMILIES[family].natural
    if family in ("Uniform", "LogUniform", "TruncatedNormal"):
        lo, hi = kwargs.get("lower", lo), kwargs.get("upper", hi)
    return lo, hi


@dataclass(frozen=True)
class PriorForm:
    """A prior as foomcalc holds it: the `distribution`, float `parameters` and
    `transform` of a `pymc_extras.prior.Prior` (the attributes every foomcalc function
    reads), without PyMC; `inference.pymc_priors.to_pymc` gives that Prior."""

    distribution: str
    parameters: dict[str, float]
    transform: str | None = None

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
    if family in SKEW_TRANSFORMS:
        return PriorForm("SkewNormal", kw, SKEW_TRANSFORMS[family])
    return PriorForm(family, kw)


#: The skew-normal families and the transform from the skew-normal variable to x.
SKEW_TRANSFORMS = {"LogSkewNormal": "exp", "ShiftedLogSkewNormal": "one_plus_exp",
                    "LogitSkewNormal": "sigmoid"}


def from_prior(prior) -> tuple[str, dict[str, float]]:
    """Inverse of `to_prior`: (family, kwargs) for a Prior built by this module."""
    kw = {k: float(v) for k, v in prior.parameters.items()}
    if prior.distribution == "Uniform" and prior.transform == "exp":
        return "LogUniform", {"lower": math.exp(kw["lower"]), "upper": math.exp(kw["upper"])}
    if prior.distribution == "LogNormal" and prior.transform == "one_plus":
        return "ShiftedLogNormal", kw
    if prior.distribution == "SkewNormal" and prior.transform is not None:
        for family, transform in SKEW_TRANSFORMS.items():
            if transform == prior.transform:
                return family, kw
    if prior.transform is not None or prior.distribution not in FAMILIES:
        raise ValueError(f"{prior} is not a foomcalc family")
    return prior.distribution, kw


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
