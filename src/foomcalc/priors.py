"""Priors files (YAML) -> validated `PriorSet` of `pymc_extras.prior.Prior` objects.

A priors file names, for every parameter in `foomcalc.parameters.PARAMETERS`, either a
fixed `value`, an explicit distribution (`dist` + PyMC kwargs) or `quantiles`
("my 10/50/90% are ...") that are fitted to a family; each with a `source`. `base:`
starts from a preset in data/priors/ and overrides whole parameters. The format is
documented for users in docs/priors.md. Files are read with `yaml.safe_load` only, and
every problem in a file is reported at once as one `InputError`.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pymc_extras.prior import Prior

from foomcalc.errors import InputError
from foomcalc.parameters import PARAMETERS
from foomcalc.paths import presets_dir
from foomcalc.quantile_fit import (
    DEFAULT_FAMILY,
    FAMILIES,
    SUGGEST,
    SUPPORT_TEXT,
    SUPPORTS,
    exp_exact,
    family_support,
    fit_family,
    fit_note,
    fit_quantiles,
    from_prior,
    percent_key,
    prior_quantile,
    sample_prior_numpy,
    to_prior,
)

MAX_BYTES = 1_000_000
TOP_KEYS = ("name", "description", "base", "gap_from", "hard_takeoff_days", "parameters")
SPEC_KEYS = ("value", "dist", "quantiles", "source", "fit_note")
GAP_MODES = ("scaling", "years")
DEFAULT_HARD_TAKEOFF_DAYS = 30.0

__all__ = [
    "PriorSet", "PriorSpec", "fit_quantiles", "list_presets", "load_preset", "load_priors",
    "priors_from_dict",
]


@dataclass(frozen=True)
class PriorSpec:
    """One parameter's prior: a `Prior` (None when fixed) or a fixed `value`, where the
    number comes from (`source`), the requested quantiles {probability: value} when
    entered as quantiles, and the fit note ("exact" / "approximate: max error x%")."""

    name: str
    prior: Prior | None
    value: float | None
    source: str
    quantiles: dict[float, float] | None = None
    fit_note: str | None = None

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n iid prior draws with numpy/scipy (same distribution PyMC samples)."""
        if self.prior is None:
            return np.full(n, float(self.value))
        return sample_prior_numpy(self.prior, n, rng)

    def quantile(self, q: float) -> float:
        """Prior quantile at probability q (the fixed value when fixed)."""
        return float(self.value) if self.prior is None else float(prior_quantile(self.prior, q))

    def to_dict(self) -> dict[str, Any]:
        """The spec in priors-file form (JSON-serialisable; percent keys as strings)."""
        if self.prior is None:
            out: dict[str, Any] = {"value": float(self.value)}
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


@dataclass(frozen=True)
class PriorSet:
    """A complete set of priors: one `PriorSpec` per parameter in PARAMETERS.

    `gap_from` is "scaling" or "years"; `hard_takeoff_days` the hard-takeoff window
    (days); `text` the raw file text (presets resolve `base:` but keep their text).
    """

    name: str
    description: str
    gap_from: str
    hard_takeoff_days: float
    specs: dict[str, PriorSpec]
    source_path: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        """Full resolved description; `priors_from_dict(s.to_dict())` rebuilds `s.specs`."""
        return {
            "name": self.name,
            "description": self.description,
            "gap_from": self.gap_from,
            "hard_takeoff_days": float(self.hard_takeoff_days),
            "parameters": {n: s.to_dict() for n, s in self.specs.items()},
        }

    def with_spec(self, name: str, spec: PriorSpec) -> PriorSet:
        """Copy with parameter `name` replaced by `spec` (for cruxes, sensitivity)."""
        if name not in self.specs:
            raise InputError(f"with_spec: unknown parameter {name!r}{_hint(name, self.specs)}")
        spec = spec if spec.name == name else dataclasses.replace(spec, name=name)
        return dataclasses.replace(
            self, specs={**self.specs, name: spec},
            text=self.text + f"\n# modified in memory: {name} replaced\n",
        )


# ------------------------------------------------------------------ entry points

def load_priors(path: str | Path) -> PriorSet:
    """Read and validate a priors file (YAML, at most 1 MB). Raises InputError."""
    path = Path(path)
    return _load(path, str(path), ())


def load_preset(name: str) -> PriorSet:
    """Load a bundled preset by name (see `list_presets`). Raises InputError."""
    return _load_preset(name, ())


def list_presets() -> list[tuple[str, str]]:
    """(name, description) of every bundled preset, sorted by name."""
    out = []
    for path in sorted(presets_dir().glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            desc = str(data.get("description", "")) if isinstance(data, dict) else ""
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            desc = "(unreadable)"
        out.append((path.stem, desc))
    return out


def priors_from_dict(data: dict, source: str = "<dict>") -> PriorSet:
    """Validate a priors mapping (same rules as a file), e.g. from a notebook."""
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        text = repr(data)
    return _build(data, text, source, None, ())


# ------------------------------------------------------------------ reading

def _preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def _load_preset(name: str, chain: tuple[str, ...]) -> PriorSet:
    names = _preset_names()
    if not isinstance(name, str) or name not in names:
        raise InputError(f"unknown preset {name!r}{_hint(str(name), names)}; "
                         f"presets: {', '.join(names)}")
    if name in chain:
        raise InputError(f"base: presets form a cycle ({' -> '.join((*chain, name))})")
    path = presets_dir() / f"{name}.yaml"
    return _load(path, f"preset {name} ({path})", (*chain, name))


def _load(path: Path, source: str, chain: tuple[str, ...]) -> PriorSet:
    try:
        if not path.is_file():
            raise InputError("no such file", source)
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"file is larger than {MAX_BYTES // 1_000_000} MB; refusing to read",
                             source)
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("file is not UTF-8 text", source) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", source) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"YAML syntax error at {where}{what}", source) from None
    except Exception as exc:  # e.g. RecursionError on pathological nesting
        raise InputError(f"cannot parse YAML ({type(exc).__name__})", source) from None
    return _build(data, text, source, str(path), chain)


def _build(data: Any, text: str, source: str, source_path: str | None,
           chain: tuple[str, ...]) -> PriorSet:
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping (name:, description:, parameters:), "
                         f"got {_kind(data)}", source)
    problems: list[str] = []
    for key in data:
        if key not in TOP_KEYS:
            problems.append(f"{key}: unknown key{_hint(key, TOP_KEYS)}; "
                            f"expected one of {', '.join(TOP_KEYS)}")
    name = _text(data, "name", "name", problems, required=True)
    if name and len(name) > 80:
        problems.append("name: expected a short name (at most 80 characters)")
    description = _text(data, "description", "description", problems, required=True)

    base = None
    if data.get("base") is not None:
        if not isinstance(data["base"], str):
            problems.append(f"base: expected a preset name, got {_kind(data['base'])}")
        else:
            try:
                base = _load_preset(data["base"], chain)
            except InputError as exc:
                problems.extend(f"base: {p}" for p in exc.problems)

    gap_from = data.get("gap_from", base.gap_from if base else "scaling")
    if gap_from not in GAP_MODES:
        problems.append(f"gap_from: expected 'scaling' or 'years', got {gap_from!r}"
                        f"{_hint(str(gap_from), GAP_MODES)}")
    days = base.hard_takeoff_days if base else DEFAULT_HARD_TAKEOFF_DAYS
    if "hard_takeoff_days" in data:
        days = _number(data["hard_takeoff_days"], "hard_takeoff_days", problems)
        if days is not None and days <= 0:
            problems.append(f"hard_takeoff_days: expected a positive number of days, got {days:g}")

    specs = dict(base.specs) if base else {}
    params = data.get("parameters", {} if base else None)
    if params is None and base is None:
        problems.append("parameters: missing; give every parameter or add `base: default`")
    elif not isinstance(params, dict):
        problems.append(f"parameters: expected a mapping of parameter name -> prior, "
                        f"got {_kind(params)}")
    else:
        for pname, entry in params.items():
            if pname not in PARAMETERS:
                problems.append(f"parameters.{pname}: unknown parameter"
                                f"{_hint(str(pname), PARAMETERS)}")
                continue
            spec = _spec(pname, entry, f"parameters.{pname}", problems)
            if spec is not None:
                specs[pname] = spec
        missing = [p for p in PARAMETERS if p not in specs and p not in params]
        if missing:
            problems.append(f"parameters: missing {', '.join(missing)} (give them, or add "
                            "`base: default` to start from the default preset)")
    if problems:
        raise InputError(problems, source)
    return PriorSet(name=name, description=description, gap_from=gap_from,
                    hard_takeoff_days=float(days),
                    specs={p: specs[p] for p in PARAMETERS}, source_path=source_path, text=text)


def _spec(pname: str, entry: Any, path: str, problems: list[str]) -> PriorSpec | None:
    """Validate one parameter entry; append problems and return None when bad."""
    if not isinstance(entry, dict):
        problems.append(f"{path}: expected a mapping with value, dist or quantiles "
                        f"(and source), got {_kind(entry)}")
        return None
    n_before = len(problems)
    support = PARAMETERS[pname].support
    lo, hi = SUPPORTS[support]
    family = _family(entry.get("dist"), f"{path}.dist", problems)
    if family:
        allowed = SPEC_KEYS + FAMILIES[family].kwargs
    elif entry.get("dist") is not None:  # unknown family: its kwargs are not the problem
        allowed = SPEC_KEYS + tuple(dict.fromkeys(k for f in FAMILIES.values() for k in f.kwargs))
    else:
        allowed = SPEC_KEYS
    for key in entry:
        if key not in allowed:
            hint = _hint(str(key), allowed) or (
                "; distribution parameters need a dist: line" if not entry.get("dist") else "")
            problems.append(f"{path}.{key}: unknown key{hint}; "
                            f"expected one of {', '.join(allowed)}")
    source = _text(entry, "source", f"{path}.source", problems, required=True)
    if entry.get("fit_note") is not None and not isinstance(entry["fit_note"], str):
        problems.append(f"{path}.fit_note: expected text")
    quantiles = _quantiles(entry["quantiles"], f"{path}.quantiles", support, problems) \
        if "quantiles" in entry else None

    if "value" in entry:
        if "dist" in entry or "quantiles" in entry:
            problems.append(f"{path}: give either value (fixed) or dist/quantiles, not both")
        value = _number(entry["value"], f"{path}.value", problems)
        if value is not None and not lo <= value <= hi:
            problems.append(f"{path}.value: {value:g} is outside {SUPPORT_TEXT[support]}, "
                            f"the range of {pname} ({support})")
        if len(problems) > n_before:
            return None
        return PriorSpec(pname, None, value, source)
    if "dist" not in entry and "quantiles" not in entry:
        problems.append(f"{path}: missing value, dist or quantiles")
        return None
    if "dist" in entry and family is None:
        return None
    family = family or DEFAULT_FAMILY[support]
    fam = FAMILIES[family]
    kwargs = {k: _number(entry[k], f"{path}.{k}", problems) for k in fam.kwargs if k in entry}
    given_shape = [k for k in fam.shape if k in entry]
    if len(problems) > n_before:
        return None
    if family == "StudentT" and "nu" not in kwargs:
        problems.append(f"{path}.nu: missing; StudentT needs nu (degrees of freedom, e.g. 4)")
        return None
    if quantiles is not None and not given_shape:
        try:
            kwargs = fit_family(family, quantiles, _fit_bounds(family, kwargs, lo, hi))
        except ValueError as exc:
            problems.append(f"{path}.quantiles: {exc}")
            return None
    elif len(given_shape) < len(fam.shape):
        need = ", ".join(k for k in fam.shape if k not in entry)
        alt = " (or give none of them to fit the quantiles)" if quantiles else \
            " (or give quantiles instead)"
        problems.append(f"{path}: missing {need}; {family} needs {', '.join(fam.shape)}{alt}")
        return None
    if not _check_kwargs(family, kwargs, path, problems):
        return None
    flo, fhi = family_support(family, kwargs)
    if flo < lo or fhi > hi:
        where = f"{path}.quantiles" if quantiles is not None and not given_shape else f"{path}.dist"
        problems.append(f"{where}: {family} takes values in {_interval(flo, fhi)} but {pname} "
                        f"must lie in {SUPPORT_TEXT[support]} ({support}); use {SUGGEST[support]}")
        return None
    prior = to_prior(family, kwargs)
    note = fit_note(prior, quantiles) if quantiles else None
    return PriorSpec(pname, prior, None, source, quantiles, note)


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
        hint = f" (did you mean {guess!r}?)" if guess else _hint(str(dist), FAMILIES)
        problems.append(f"{path}: unknown distribution {dist!r}{hint}; "
                        f"expected one of {', '.join(FAMILIES)}")
        return None
    return dist


def _quantiles(raw: Any, path: str, support: str,
               problems: list[str]) -> dict[float, float] | None:
    """{percent: value} -> {probability: value}, checked to increase inside the support."""
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{path}: expected a mapping percent -> value, e.g. "
                        f"{{10: 0.5, 50: 1.2, 90: 3.0}}, got {_kind(raw)}")
        return None
    lo, hi = SUPPORTS[support]
    out: dict[float, float] = {}
    n = len(problems)
    for key, val in raw.items():
        pct = _number(str(key).strip().rstrip("%") if isinstance(key, str) else key,
                      f"{path}.{key}", problems, what="a percent")
        value = _number(val, f"{path}.{key}", problems)
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

def _number(x: Any, path: str, problems: list[str], what: str = "a number") -> float | None:
    """A finite float from an int, float or numeric string ("1e-3"); else a problem."""
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        problems.append(f"{path}: expected {what}, got {_kind(x)}")
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


def _text(data: Mapping, key: str, path: str, problems: list[str], required: bool) -> str:
    val = data.get(key)
    if val is None or (isinstance(val, str) and not val.strip()):
        if required:
            problems.append(f"{path}: missing; expected text")
        return ""
    if not isinstance(val, str):
        problems.append(f"{path}: expected text, got {_kind(val)}")
        return ""
    return val.strip()


def _interval(lo: float, hi: float) -> str:
    return f"{'(' if math.isinf(lo) else '['}{lo:g}, {hi:g}{')' if math.isinf(hi) else ']'}"


def _hint(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(x: Any) -> str:
    if x is None:
        return "nothing"
    if isinstance(x, dict | list):
        return f"a {type(x).__name__}"
    text = repr(x)
    return f"{text[:40]}..." if len(text) > 40 else text
