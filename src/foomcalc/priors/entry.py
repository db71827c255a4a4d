"""One parameter entry of a priors file -> a validated `PriorSpec`.

An entry is a fixed `value`, an explicit distribution (`dist` + PyMC kwargs) or
`quantiles` fitted to a family (quantile_fit.py); each with a `source`. Problems are
appended to a list, each naming its field path, so a whole file is validated at once
(priors.py). The format is documented for users in docs/priors.md.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from foomcalc.parameters import PARAMETERS
from foomcalc.priors.draws import prior_quantile, sample_prior_numpy
from foomcalc.priors.families import (
    DEFAULT_FAMILY,
    FAMILIES,
    SUGGEST,
    SUPPORT_TEXT,
    SUPPORTS,
    PriorForm,
    exp_exact,
    family_support,
    from_prior,
    percent_key,
    to_prior,
)
from foomcalc.priors.quantiles import choose_family, fit_note

SPEC_KEYS = ("value", "dist", "quantiles", "source", "fit_note")
#: The range foomcalc computes with, in each parameter's own unit: a number the user gives
#: (a fixed value, an entered quantile, a distribution's kwarg) has |x| <= MAX_MAGNITUDE,
#: and a nonzero fixed value or entered quantile |x| >= MIN_MAGNITUDE. 1e24 leaves room for
#: the presets' largest numbers, the speed-up's parts in FLOP/s (up to 3e21 at 95%).
MAX_MAGNITUDE = 1e24
MIN_MAGNITUDE = 1e-12
#: The prior's quantiles at TAIL_PROBABILITIES must be finite, |q| <= TAIL_MAGNITUDE, and
#: strictly inside the parameter's support (not rounded onto 0 or 1 by underflow), so draws,
#: their logs and summary.json stay finite. 1e60 admits the widest fit to quantiles within
#: MIN..MAX_MAGNITUDE (10% at 1e-12, 90% at 1e24: a LogNormal with sigma 32.3, 99.9% at
#: 2.6e49), which samples cleanly; LogNormal(mu=1e308) overflows (nutpie crashed on it).
TAIL_MAGNITUDE = 1e60
TAIL_PROBABILITIES = (0.001, 0.999)


@dataclass(frozen=True)
class PriorSpec:
    """One parameter's prior: a `PriorForm` (the fields of a pymc_extras `Prior`; None
    when fixed) or a fixed `value`, where the number comes from (`source`), the
    requested quantiles {probability: value} when entered as quantiles, and the fit note
    ("exact" / "approximate: max error x%")."""

    name: str
    prior: PriorForm | None
    value: float | None
    source: str
    quantiles: dict[float, float] | None = None
    fit_note: str | None = None

    def form(self) -> PriorForm:
        """The prior as a distribution; a ValueError when the parameter is fixed."""
        if self.prior is None:
            raise ValueError(f"{self.name} is fixed (value {self.value}), not a distribution")
        return self.prior

    def fixed(self) -> float:
        """The fixed value; a ValueError when the parameter has a distribution."""
        if self.value is None:
            raise ValueError(f"{self.name} has a distribution ({self.prior}), not a fixed value")
        return float(self.value)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n iid prior draws with numpy/scipy (same distribution PyMC samples)."""
        return np.full(n, self.fixed()) if self.prior is None else \
            sample_prior_numpy(self.prior, n, rng)

    def quantile(self, q: float) -> float:
        """Prior quantile at probability q (the fixed value when fixed)."""
        return self.fixed() if self.prior is None else float(prior_quantile(self.prior, q))

    def to_dict(self) -> dict[str, Any]:
        """The spec in priors-file form (JSON-serialisable; percent keys as strings)."""
        if self.prior is None:
            out: dict[str, Any] = {"value": self.fixed()}
        else:
            family, kwargs = from_prior(self.prior)
            if family == "LogUniform":
                lo, hi = self.prior.parameters["lower"], self.prior.parameters["upper"]
                kwargs = {"lower": exp_exact(lo), "upper": exp_exact(hi)}
            out = {"dist": family, **kwargs}
        if self.quantiles:
            out["quantiles"] = {percent_key(p): float(v) for p, v in self.quantiles.items()}
        if self.fit_note:
            out["fit_note"] = self.fit_note
        out["source"] = self.source
        return out


def parse_entry(pname: str, entry: Any, path: str, problems: list[str]) -> PriorSpec | None:
    """Validate one parameter entry; append problems and return None when bad (including
    numbers outside the range foomcalc computes with, `range_problems`)."""
    spec = _parse_entry_fields(pname, entry, path, problems)
    if spec is None:
        return None
    out_of_range = range_problems(spec, path)
    problems.extend(out_of_range)
    return None if out_of_range else spec


def _parse_entry_fields(pname: str, entry: Any, path: str,
                        problems: list[str]) -> PriorSpec | None:
    """The entry's fields checked one by one (keys, family, kwargs, quantile fit)."""
    if not isinstance(entry, dict):
        problems.append(f"{path}: expected a mapping with value, dist or quantiles "
                        f"(and source), got {describe_value(entry)}")
        return None
    n_before = len(problems)
    support = PARAMETERS[pname].support
    family = _family(entry.get("dist"), f"{path}.dist", problems)
    _check_keys(entry, family, path, problems)
    source = text_field(entry, "source", f"{path}.source", problems, required=True)
    if entry.get("fit_note") is not None and not isinstance(entry["fit_note"], str):
        problems.append(f"{path}.fit_note: expected text")
    quantiles = _quantiles(entry["quantiles"], f"{path}.quantiles", support, problems) \
        if "quantiles" in entry else None
    if "value" in entry:
        value = _fixed_value(pname, entry, path, problems)
        return None if len(problems) > n_before else PriorSpec(pname, None, value, source)
    if "dist" not in entry and "quantiles" not in entry:
        problems.append(f"{path}: missing value, dist or quantiles")
        return None
    if "dist" in entry and family is None:
        return None
    family = family or DEFAULT_FAMILY[support]
    fitted = _family_kwargs(pname, entry, family, quantiles, path, problems, n_before)
    if fitted is None:
        return None
    family, kwargs, note = fitted
    prior = to_prior(family, kwargs)
    if quantiles and note is None:
        note = fit_note(prior, quantiles)
    return PriorSpec(pname, prior, None, source, quantiles, note)


def range_problems(spec: PriorSpec, path: str) -> list[str]:
    """Problems with numbers of `spec` outside the range foomcalc computes with (at most
    one per field: value, quantiles, each kwarg, the prior's tails), each naming it."""
    out = []
    kept = f"|x| <= {MAX_MAGNITUDE:g}; a nonzero value |x| >= {MIN_MAGNITUDE:g}"
    value = spec.value if spec.prior is None and spec.value is not None else None
    if value is not None and not _representable(value, nonzero=True):
        out.append(f"{path}.value: {value:g} is outside the range foomcalc computes "
                   f"with ({kept}, in the parameter's unit); rescale it")
    elif value is not None and _bound_the_model_excludes(spec.name, value):
        out.append(f"{path}.value: {value:g} is a bound the model cannot take for "
                   f"{spec.name} (it must lie in {EXCLUDED_BOUND_TEXT[spec.name]}); choose "
                   "a value inside")
    bad = [f"{percent_key(p)}%: {v:g}" for p, v in (spec.quantiles or {}).items()
           if not _representable(v, nonzero=True)]
    if bad:
        out.append(f"{path}.quantiles: {', '.join(bad)} outside the range foomcalc computes "
                   f"with ({kept}, in the parameter's unit); rescale them")
    if spec.prior is None:
        return out
    family, kwargs = from_prior(spec.prior)
    out += [f"{path}.{k}: {v:g} is outside the range foomcalc computes with (|x| <= "
            f"{MAX_MAGNITUDE:g}, in the {family}'s own parameterisation); rescale it"
            for k, v in kwargs.items() if not _representable(v, nonzero=False)]
    return out or _tail_problems(spec, path)


#: The range of a fixed value where the model cannot take a bound of the support: a
#: positive parameter (support documented as the open (0, inf)) is divided by or logged,
#: and compute_share = 1 would leave the CES research input no labour (takeoff.params
#: requires it below 1).
EXCLUDED_BOUND_TEXT = {**{n: "(0, inf)" for n, p in PARAMETERS.items() if p.support == "positive"},
                       "compute_share": "[0, 1)"}


def _bound_the_model_excludes(name: str, value: float) -> bool:
    """Whether a fixed `value` of parameter `name` is a support bound the model excludes."""
    if PARAMETERS[name].support == "positive":
        return value == 0
    return name == "compute_share" and value == 1


def _representable(x: float, nonzero: bool) -> bool:
    """|x| <= MAX_MAGNITUDE, and with `nonzero` x == 0 or |x| >= MIN_MAGNITUDE."""
    return abs(x) <= MAX_MAGNITUDE and not (nonzero and 0 < abs(x) < MIN_MAGNITUDE)


def _tail_problems(spec: PriorSpec, path: str) -> list[str]:
    """A problem when the prior's TAIL_PROBABILITIES quantiles overflow, exceed
    TAIL_MAGNITUDE or fall on the support's bounds (underflow)."""
    support_name = PARAMETERS[spec.name].support
    lo, hi = SUPPORTS[support_name]
    try:
        with np.errstate(all="ignore"):
            tails = [float(prior_quantile(spec.prior, p)) for p in TAIL_PROBABILITIES]
    except (ArithmeticError, ValueError):  # e.g. exp(mu) overflows while freezing
        tails = [math.nan] * len(TAIL_PROBABILITIES)
    if all(abs(t) <= TAIL_MAGNITUDE and lo < t < hi for t in tails):
        return []
    shown = ", ".join(f"{100 * p:g}%: {t:g}" for p, t in zip(TAIL_PROBABILITIES, tails,
                                                             strict=True))
    return [f"{path}: the prior {spec.prior} has quantiles {shown}, outside the range "
            f"foomcalc computes with (finite, |q| <= {TAIL_MAGNITUDE:g}, inside "
            f"{SUPPORT_TEXT[support_name]}, not on its bounds); choose a narrower prior"]


def _check_keys(entry: dict, family: str | None, path: str, problems: list[str]) -> None:
    """Every key of the entry is a spec key or a kwarg of its family."""
    if family:
        allowed = SPEC_KEYS + FAMILIES[family].kwargs
    elif entry.get("dist") is not None:  # unknown family: its kwargs are not the problem
        allowed = SPEC_KEYS + tuple(dict.fromkeys(k for f in FAMILIES.values() for k in f.kwargs))
    else:
        allowed = SPEC_KEYS
    for key in entry:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed) or (
                "; distribution parameters need a dist: line" if not entry.get("dist") else "")
            problems.append(f"{path}.{key}: unknown key{hint}; "
                            f"expected one of {', '.join(allowed)}")


def _fixed_value(pname: str, entry: dict, path: str, problems: list[str]) -> float | None:
    """The `value` of a fixed entry, inside the parameter's support."""
    support = PARAMETERS[pname].support
    lo, hi = SUPPORTS[support]
    if "dist" in entry or "quantiles" in entry:
        problems.append(f"{path}: give either value (fixed) or dist/quantiles, not both")
    value = finite_number(entry["value"], f"{path}.value", problems)
    if value is not None and not lo <= value <= hi:
        problems.append(f"{path}.value: {value:g} is outside {SUPPORT_TEXT[support]}, "
                        f"the range of {pname} ({support})")
    return value


def _family_kwargs(pname: str, entry: dict, family: str, quantiles: dict[float, float] | None,
                   path: str, problems: list[str], n_before: int
                   ) -> tuple[str, dict[str, float], str | None] | None:
    """(family, kwargs, fit note): the kwargs given, or fitted to the quantiles (by
    `quantiles.choose_family`, which may pick another family and then says so in the
    note), checked against the parameter's support; None when they cannot be had or the
    entry already has problems (those after index `n_before` of `problems`)."""
    support = PARAMETERS[pname].support
    lo, hi = SUPPORTS[support]
    fam = FAMILIES[family]
    given = {k: finite_number(entry[k], f"{path}.{k}", problems) for k in fam.kwargs if k in entry}
    fitted = quantiles is not None and not any(k in entry for k in fam.shape)
    if len(problems) > n_before:
        return None
    # every None above left a problem, so past the check all are numbers
    kwargs = {k: v for k, v in given.items() if v is not None}
    if family == "StudentT" and "nu" not in kwargs:
        problems.append(f"{path}.nu: missing; StudentT needs nu (degrees of freedom, e.g. 4)")
        return None
    note = None
    if fitted and quantiles is not None:
        try:
            choice = choose_family(family, quantiles, _fit_bounds(family, kwargs, lo, hi),
                                   support)
        except ValueError as exc:
            problems.append(f"{path}.quantiles: {exc}")
            return None
        family, kwargs, note = choice.family, choice.kwargs, choice.note
    elif any(k not in entry for k in fam.shape):
        need = ", ".join(k for k in fam.shape if k not in entry)
        alt = " (or give none of them to fit the quantiles)" if quantiles else \
            " (or give quantiles instead)"
        problems.append(f"{path}: missing {need}; {family} needs {', '.join(fam.shape)}{alt}")
        return None
    if not _check_kwargs(family, kwargs, path, problems):
        return None
    flo, fhi = family_support(family, kwargs)
    if flo < lo or fhi > hi:
        where = f"{path}.quantiles" if fitted else f"{path}.dist"
        problems.append(f"{where}: {family} takes values in {_interval(flo, fhi)} but {pname} "
                        f"must lie in {SUPPORT_TEXT[support]} ({support}); use {SUGGEST[support]}")
        return None
    return family, kwargs, note


def _fit_bounds(family: str, kwargs: dict, lo: float, hi: float) -> dict[str, float]:
    """Fixed kwargs for a fit; a TruncatedNormal defaults to the parameter's range."""
    if family != "TruncatedNormal":
        return kwargs
    bounds = {"lower": lo, "upper": hi}
    return {**{k: v for k, v in bounds.items() if math.isfinite(v)}, **kwargs}


def _check_kwargs(family: str, kw: dict, path: str, problems: list[str]) -> bool:
    n = len(problems)
    for k in FAMILIES[family].positive:
        if k in kw and kw[k] <= 0:
            problems.append(f"{path}.{k}: expected a positive number, got {kw[k]:g}")
    if "lower" in kw and "upper" in kw and kw["lower"] >= kw["upper"]:
        problems.append(f"{path}.upper: expected upper > lower, got lower {kw['lower']:g} "
                        f">= upper {kw['upper']:g}")
    return len(problems) == n


def _family(dist: Any, path: str, problems: list[str]) -> str | None:
    if dist is None:
        return None
    if not isinstance(dist, str) or dist not in FAMILIES:
        lowered = {f.lower(): f for f in FAMILIES}
        guess = lowered.get(str(dist).lower())
        hint = f" (did you mean {guess!r}?)" if guess else did_you_mean(str(dist), FAMILIES)
        problems.append(f"{path}: unknown distribution {dist!r}{hint}; "
                        f"expected one of {', '.join(FAMILIES)}")
        return None
    return dist


def _quantiles(raw: Any, path: str, support: str,
               problems: list[str]) -> dict[float, float] | None:
    """{percent: value} -> {probability: value}, checked to increase inside the support."""
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{path}: expected a mapping percent -> value, e.g. "
                        f"{{10: 0.5, 50: 1.2, 90: 3.0}}, got {describe_value(raw)}")
        return None
    lo, hi = SUPPORTS[support]
    out: dict[float, float] = {}
    n = len(problems)
    for key, val in raw.items():
        pct = finite_number(str(key).strip().rstrip("%") if isinstance(key, str) else key,
                      f"{path}.{key}", problems, what="a percent")
        value = finite_number(val, f"{path}.{key}", problems)
        if pct is not None and not 0 < pct < 100:
            problems.append(f"{path}.{key}: expected a percent strictly between 0 and 100")
        elif value is not None and not lo < value < hi:
            problems.append(f"{path}.{key}: {value:g} is outside the open interval "
                            f"({lo:g}, {hi:g}), the range of this parameter ({support})")
        elif pct is not None and value is not None:
            out[pct / 100.0] = value
    if len(problems) > n:
        return None
    ordered = [out[p] for p in sorted(out)]
    if any(b <= a for a, b in itertools.pairwise(ordered)):
        problems.append(f"{path}: values must increase with the percent, got "
                        + ", ".join(f"{percent_key(p)}%: {out[p]:g}" for p in sorted(out)))
        return None
    return {p: out[p] for p in sorted(out)}


# ------------------------------------------------------------------ small helpers

def finite_number(x: Any, path: str, problems: list[str], what: str = "a number") -> float | None:
    """A finite float from an int, float or numeric string ("1e-3"); else a problem."""
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        problems.append(f"{path}: expected {what}, got {describe_value(x)}")
        return None
    try:
        value = float(x)
    except (ValueError, OverflowError):
        problems.append(f"{path}: expected {what}, got {x!r}")
        return None
    if not math.isfinite(value):
        problems.append(f"{path}: expected a finite number, got {x!r}")
        return None
    return value


def text_field(data: Mapping, key: str, path: str, problems: list[str], required: bool) -> str:
    val = data.get(key)
    if val is None or (isinstance(val, str) and not val.strip()):
        if required:
            problems.append(f"{path}: missing; expected text")
        return ""
    if not isinstance(val, str):
        problems.append(f"{path}: expected text, got {describe_value(val)}")
        return ""
    return val.strip()


def _interval(lo: float, hi: float) -> str:
    return f"{'(' if math.isinf(lo) else '['}{lo:g}, {hi:g}{')' if math.isinf(hi) else ']'}"


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe_value(x: Any) -> str:
    if x is None:
        return "nothing"
    if isinstance(x, dict | list):
        return f"a {type(x).__name__}"
    text = repr(x)
    return f"{text[:40]}..." if len(text) > 40 else text
