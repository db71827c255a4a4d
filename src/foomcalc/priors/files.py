"""Priors files (YAML) -> validated `PriorSet` of priors (`PriorForm`: pymc_extras `Prior`s
in waiting; validating a file imports no PyMC).

A priors file names, for every parameter in `foomcalc.parameters.PARAMETERS`, either a
fixed `value`, an explicit distribution (`dist` + PyMC kwargs) or `quantiles`
("my 10/50/90% are ...") that are fitted to a family; each with a `source`. `base:`
starts from a preset in data/priors/ and overrides whole parameters. The format is
documented for users in docs/priors.md. Files are read with `yaml.safe_load` only, and
every problem in a file is reported at once as one `InputError`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from foomcalc.errors import InputError
from foomcalc.parameters import (
    DAYS_PER_MONTH,
    GAP_MODES,
    GAP_ROUTES,
    HORIZON_MONTHS,
    PARAMETERS,
    SPEEDUP_MODES,
)
from foomcalc.paths import presets_dir
from foomcalc.priors.copula import Copula, Pair, canonical, parse_correlations
from foomcalc.priors.entry import (
    PriorSpec,
    describe_value,
    did_you_mean,
    finite_number,
    parse_entry,
    text_field,
)

MAX_BYTES = 1_000_000
#: Environment variable that raises the size limit of a priors file, in MB (MAX_BYTES is 1).
MAX_MB_ENV = "FOOMCALC_MAX_PRIORS_MB"
#: The simulator's horizon in days (240 months of 30.4375 days).
HORIZON_DAYS = HORIZON_MONTHS * DAYS_PER_MONTH
TOP_KEYS = ("name", "description", "base", "gap_from", "gap_weights", "hard_takeoff_days",
            "speedup_from", "parameters", "correlations")
DEFAULT_HARD_TAKEOFF_DAYS = 30.0

@dataclass(frozen=True)
class PriorSet:
    """A complete set of priors: one `PriorSpec` per parameter in PARAMETERS.

    `gap_from` is one of GAP_MODES; for "mixture", `gap_weights` maps routes (scaling,
    years, horizon, elo) to weights summing to 1 (empty otherwise); `hard_takeoff_days` the
    hard-takeoff window (days); `text` the raw file text (presets resolve `base:` but keep
    their text); `speedup_from` (SPEEDUP_MODES) whether `speedup` is given directly or built
    from its parts (`parameters.SPEEDUP_PARTS`);
    `correlations` the Spearman rank correlations between uncertain
    parameters, (a, b, rho) in registry order, joined by a Gaussian copula
    (`priors.copula`); empty when they are independent.
    """

    name: str
    description: str
    gap_from: str
    hard_takeoff_days: float
    specs: dict[str, PriorSpec]
    source_path: str | None
    text: str
    gap_weights: dict[str, float] = dataclasses.field(default_factory=dict)
    speedup_from: str = "direct"
    correlations: tuple[Pair, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Full resolved description; `priors_from_dict(s.to_dict())` rebuilds `s.specs`
        (and the correlations, written only when there are any)."""
        return {
            "name": self.name,
            "description": self.description,
            "gap_from": self.gap_from,
            **({"gap_weights": dict(self.gap_weights)} if self.gap_weights else {}),
            "hard_takeoff_days": float(self.hard_takeoff_days),
            **({"speedup_from": self.speedup_from} if self.speedup_from != "direct" else {}),
            "parameters": {n: s.to_dict() for n, s in self.specs.items()},
            **({"correlations": [list(p) for p in self.correlations]}
               if self.correlations else {}),
        }

    def copula(self) -> Copula | None:
        """The Gaussian copula of `correlations` (None when the parameters are independent)."""
        return Copula.of(self.correlations)

    def with_correlations(self, pairs) -> PriorSet:
        """Copy with these rank correlations (a, b, rho) instead (zeros dropped); pairs
        naming a fixed parameter are dropped too."""
        kept = [p for p in pairs if p[2] != 0.0 and all(
            self.specs[n].prior is not None for n in p[:2])]
        return dataclasses.replace(self, correlations=canonical(kept))

    def with_spec(self, name: str, spec: PriorSpec) -> PriorSet:
        """Copy with parameter `name` replaced by `spec` (for cruxes, sensitivity)."""
        if name not in self.specs:
            raise InputError(
                f"with_spec: unknown parameter {name!r}{did_you_mean(name, self.specs)}")
        spec = spec if spec.name == name else dataclasses.replace(spec, name=name)
        out = dataclasses.replace(
            self, specs={**self.specs, name: spec},
            text=self.text + f"\n# modified in memory: {name} replaced\n",
        )
        if spec.prior is None and any(name in p[:2] for p in self.correlations):
            return out.with_correlations(self.correlations)  # a fixed value is uncorrelated
        return out


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
        raise InputError(f"unknown preset {name!r}{did_you_mean(str(name), names)}; "
                         f"presets: {', '.join(names)}")
    if name in chain:
        raise InputError(f"base: presets form a cycle ({' -> '.join((*chain, name))})")
    path = presets_dir() / f"{name}.yaml"
    return _load_kept(path, f"preset {name} ({path})", (*chain, name), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _load_kept(path: Path, source: str, chain: tuple[str, ...], mtime_ns: int) -> PriorSet:
    """A preset, read once per file version (`mtime_ns`): the app and a survey resolve
    `base:` presets at every change (a PriorSet is never changed in place)."""
    return _load(path, source, chain)


def _load(path: Path, source: str, chain: tuple[str, ...]) -> PriorSet:
    try:
        if path.is_dir():
            raise InputError("this is a folder; --priors takes a priors file (YAML), e.g. "
                             "a report folder's priors.yaml", source)
        if not path.is_file():
            raise InputError("no such file", source)
        if path.stat().st_size > max_bytes():
            raise InputError(f"file is larger than {max_bytes() / 1e6:g} MB, the limit of a "
                             f"priors file; refusing to read it (set {MAX_MB_ENV} to raise "
                             "the limit; docs/priors.md)", source)
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


def max_bytes() -> int:
    """The size limit of a priors file: MAX_MB_ENV (a positive number of MB) or MAX_BYTES."""
    raw = os.environ.get(MAX_MB_ENV, "").strip()
    if not raw:
        return MAX_BYTES
    try:
        limit = float(raw)
    except ValueError:
        limit = 0.0
    if not 0 < limit < 1e6:
        raise InputError(f"{MAX_MB_ENV}={raw!r}: expected a positive number of MB "
                         f"(default {MAX_BYTES / 1e6:g})")
    return int(limit * 1e6)


def _gap_weights(data: dict, gap_from: Any, base: PriorSet | None,
                 problems: list[str]) -> dict[str, float]:
    """Validated, normalised `gap_weights` for gap_from "mixture" ({} otherwise).

    Syntax: ``gap_weights: {scaling: 0.4, horizon: 0.4, elo: 0.2}`` (non-negative numbers,
    not all zero, over the routes scaling, years, horizon, elo); inherited from `base:`
    when not given.
    """
    raw = data.get("gap_weights")
    if gap_from != "mixture":
        if raw is not None:
            problems.append(f"gap_weights: only used with gap_from: mixture (gap_from is "
                            f"{gap_from!r}); remove it or set gap_from: mixture")
        return {}
    if raw is None:
        if base is not None and base.gap_weights:
            return dict(base.gap_weights)
        problems.append("gap_weights: gap_from: mixture needs weights over the routes, e.g. "
                        "gap_weights: {scaling: 0.4, horizon: 0.4, elo: 0.2}")
        return {}
    if not isinstance(raw, dict) or not raw:
        problems.append(f"gap_weights: expected a mapping route -> weight, e.g. {{scaling: 0.5, "
                        f"horizon: 0.5}}, got {describe_value(raw)}")
        return {}
    out: dict[str, float] = {}
    for route, value in raw.items():
        if route not in GAP_ROUTES:
            problems.append(f"gap_weights.{route}: unknown route"
                            f"{did_you_mean(str(route), GAP_ROUTES)}; expected one of "
                            f"{', '.join(GAP_ROUTES)}")
            continue
        w = finite_number(value, f"gap_weights.{route}", problems)
        if w is not None and w < 0:
            problems.append(f"gap_weights.{route}: expected a non-negative weight, got {w:g}")
        elif w is not None:
            out[str(route)] = float(w)
    total = sum(out.values())
    if out and total <= 0:
        problems.append("gap_weights: the weights are all zero; give at least one a positive "
                        "weight")
        return {}
    return {r: w / total for r, w in out.items() if w > 0} if total > 0 else {}


def _speedup_from(data: dict, base: PriorSet | None, problems: list[str]) -> str:
    """`speedup_from`: "direct" (a prior on `speedup`) or "parts" (`speedup` built from
    `parameters.SPEEDUP_PARTS`, takeoff.params.speedup_from_parts); inherited from `base:`,
    else "direct"."""
    mode = data.get("speedup_from", base.speedup_from if base else "direct")
    if mode not in SPEEDUP_MODES:
        problems.append(f"speedup_from: expected one of {', '.join(SPEEDUP_MODES)}, got "
                        f"{describe_value(mode)}{did_you_mean(str(mode), SPEEDUP_MODES)}")
        return "direct"
    return str(mode)


def _base(data: dict, chain: tuple[str, ...], problems: list[str]) -> PriorSet | None:
    """The preset named by `base:`, if any."""
    if data.get("base") is None:
        return None
    if not isinstance(data["base"], str):
        problems.append(f"base: expected a preset name, got {describe_value(data['base'])}")
        return None
    try:
        return _load_preset(data["base"], chain)
    except InputError as exc:
        problems.extend(f"base: {p}" for p in exc.problems)
        return None


def _hard_takeoff_days(data: dict, base: PriorSet | None, problems: list[str]) -> float | None:
    """The hard-takeoff window in days: given, inherited from `base:`, or 30."""
    if "hard_takeoff_days" not in data:
        return base.hard_takeoff_days if base else DEFAULT_HARD_TAKEOFF_DAYS
    days = finite_number(data["hard_takeoff_days"], "hard_takeoff_days", problems)
    if days is not None and days <= 0:
        problems.append(f"hard_takeoff_days: expected a positive number of days, got {days:g}")
    elif days is not None and days > HORIZON_DAYS:
        problems.append(f"hard_takeoff_days: {days:g} days is beyond the simulated horizon "
                        f"of {HORIZON_DAYS:g} days (240 months); a takeoff that slow is "
                        f"not a hard takeoff, so choose at most {HORIZON_DAYS:g}")
    return days


def _specs(data: dict, base: PriorSet | None, problems: list[str]) -> dict[str, PriorSpec]:
    """Every parameter's spec: the file's entries over the base's."""
    specs = dict(base.specs) if base else {}
    params = data.get("parameters", {} if base else None)
    if params is None and base is None:
        problems.append("parameters: missing; give every parameter or add `base: default`")
    elif not isinstance(params, dict):
        problems.append(f"parameters: expected a mapping of parameter name -> prior, "
                        f"got {describe_value(params)}")
    else:
        for pname, entry in params.items():
            if pname not in PARAMETERS:
                problems.append(f"parameters.{pname}: unknown parameter"
                                f"{did_you_mean(str(pname), PARAMETERS)}")
                continue
            spec = parse_entry(pname, entry, f"parameters.{pname}", problems)
            if spec is not None:
                specs[pname] = spec
        missing = [p for p in PARAMETERS if p not in specs and p not in params]
        if missing:
            problems.append(f"parameters: missing {', '.join(missing)} (give them, or add "
                            "`base: default` to start from the default preset)")
    return specs


def _build(data: Any, text: str, source: str, source_path: str | None,
           chain: tuple[str, ...]) -> PriorSet:
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping (name:, description:, parameters:), "
                         f"got {describe_value(data)}", source)
    problems: list[str] = []
    for key in data:
        if key not in TOP_KEYS:
            problems.append(f"{key}: unknown key{did_you_mean(key, TOP_KEYS)}; "
                            f"expected one of {', '.join(TOP_KEYS)}")
    name = text_field(data, "name", "name", problems, required=True)
    if name and len(name) > 80:
        problems.append("name: expected a short name (at most 80 characters)")
    description = text_field(data, "description", "description", problems, required=False)

    base = _base(data, chain, problems)
    gap_from = data.get("gap_from", base.gap_from if base else "scaling")
    if gap_from not in GAP_MODES:
        problems.append(f"gap_from: expected one of {', '.join(GAP_MODES)}, got {gap_from!r}"
                        f"{did_you_mean(str(gap_from), GAP_MODES)}")
    gap_weights = _gap_weights(data, gap_from, base, problems)
    speedup_from = _speedup_from(data, base, problems)
    days = _hard_takeoff_days(data, base, problems)
    specs = _specs(data, base, problems)
    correlations = _correlations(data, base, specs, problems)
    if problems:
        raise InputError(problems, source)
    if days is None:  # a None days always leaves a problem, so this cannot happen
        raise ValueError(f"{source}: hard_takeoff_days: no value and no problem recorded")
    return PriorSet(name=name, description=description, gap_from=gap_from,
                    gap_weights=gap_weights, speedup_from=speedup_from,
                    hard_takeoff_days=float(days),
                    specs={p: specs[p] for p in PARAMETERS}, source_path=source_path, text=text,
                    correlations=correlations)


def _correlations(data: dict, base: PriorSet | None, specs: dict[str, PriorSpec],
                  problems: list[str]) -> tuple[Pair, ...]:
    """The file's `correlations:` (Spearman rank correlations, `priors.copula`), or the
    base's when the file gives none; checked against the final priors."""
    if "correlations" in data:
        raw, path = data["correlations"], "correlations"
        if raw is None:
            return ()
    elif base is not None and base.correlations:
        raw, path = [list(p) for p in base.correlations], "correlations (from base:)"
    else:
        return ()
    return parse_correlations(raw, specs, path, problems)


