"""The web app's state, without the web: controls, priors from slider values, the
shareable link, the priors YAML and the prior-only numbers.

State = a preset + per-parameter 10/50/90% quantiles the user moved (or a fixed value)
+ rank correlations + the gap mode + the hard-takeoff window (days). It is carried in the
URL query (`?preset=default&returns_r=0.5,1.2,3&corr=returns_r:limit_ooms:0.5&days=30`)
and in a priors YAML that `foomcalc report --priors` reads unchanged (`base:` the preset,
edited parameters as `quantiles:` fitted to the preset's family or a better one, and the
`correlations:`). The prior numbers come from the prior draws a report makes
(`analysis.run.draw_prior`, N_PRIOR_DRAWS draws, the same seed) through
`outcomes.compute_outcomes`, no sampling, so an untouched preset's prior number is its
report's. Probabilities are fractions; times are months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

import numpy as np
import yaml

from foomcalc.errors import InputError
from foomcalc.parameters import GAP_MODES, PARAMETERS
from foomcalc.priors.families import FAMILIES, from_prior
from foomcalc.priors.files import PriorSet, list_presets, load_preset, priors_from_dict
from foomcalc.takeoff.outcomes import (
    DAYS_PER_MONTH,
    GAP_AXIS_YEARS,
    STANDARD_COMPRESSION,
    STANDARD_WINDOWS_DAYS,
    compute_outcomes,
    gap_axis_probability,
    weighted_cdf,
)

#: Quantile levels the app edits (probabilities).
QUANTILES = (0.1, 0.5, 0.9)
#: Prior draws behind the live numbers: as many as a report's prior (the same draws with
#: the same seed, so the page's prior number is the report's; Monte Carlo SE of a 10%
#: probability: 0.2 pp).
N_LIVE_DRAWS = 20_000
#: Takeoff-time grid (months) of the live curve: 1 day to the 20-year horizon.
MONTHS_GRID = np.geomspace(1.0 / DAYS_PER_MONTH, 240.0, 160)
_SUPPORT_RANGE = {"unit_interval": (0.0, 1.0), "above_one": (1.0, math.inf),
                  "positive": (0.0, math.inf), "nonnegative": (0.0, math.inf),
                  "real": (-math.inf, math.inf)}


def sig(x: float, digits: int = 3) -> float:
    """x rounded to `digits` significant figures (0 stays 0)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.{digits}g}")


@dataclass(frozen=True)
class Control:
    """One parameter's control: the preset's values and the slider's range and step.

    `values` are the (q10, q50, q90) of an uncertain prior or (value,) when fixed."""

    name: str
    unit: str
    meaning: str
    fixed: bool
    values: tuple[float, ...]
    lo: float
    hi: float
    step: float
    slider: bool = True  # False: a range too wide for a linear slider; number fields

    def edited(self, values: tuple[float, ...]) -> bool:
        """Whether `values` differ from the preset's values as the control shows them
        (`values`, on the slider's grid) by more than half a step."""
        return len(values) != len(self.values) or any(
            abs(a - b) > max(self.step / 2, 1e-9 * abs(b)) for a, b in
            zip(values, self.values, strict=True))

    def snap(self, v: float) -> float:
        """v on the slider's grid lo + k * step (what the range slider reports for it)."""
        k = round((v - self.lo) / self.step)
        return sig(min(max(self.lo + k * self.step, self.lo), self.hi), 10)


def controls(base: PriorSet) -> dict[str, Control]:
    """A control per registry parameter, ranges from the preset's 1% and 99% quantiles."""
    out = {}
    for name, p in PARAMETERS.items():
        spec = base.specs[name]
        lo_s, hi_s = _SUPPORT_RANGE[p.support]
        values: tuple[float, ...]
        if spec.prior is None:
            v = spec.fixed()
            lo, hi = (0.0, 1.0) if p.support == "unit_interval" else (
                max(lo_s, min(0.0, v)), max(1.0, abs(v) * 3))
            values = (v,)
        else:
            values = tuple(sig(spec.quantile(q)) for q in QUANTILES)
            lo, hi = spec.quantile(0.01), spec.quantile(0.99)
            lo, hi = max(lo_s, lo - 0.5 * (hi - lo)), min(hi_s, hi + 0.5 * (hi - lo))
        finest = abs(values[0]) / 20 if values[0] else (hi - lo) / 400
        step = sig(min((hi - lo) / 400, finest), 1)
        slider = (hi - lo) / step <= 2000
        lo = max(lo_s, math.floor(lo / step) * step)
        hi = min(hi_s, math.ceil(hi / step) * step)
        c = Control(name, p.unit, p.meaning, spec.prior is None, values, sig(lo, 6),
                    sig(hi, 6), step, slider)
        if slider and spec.prior is not None:  # the range slider shows q10, q90 on its grid
            c = replace(c, values=(c.snap(values[0]), values[1], c.snap(values[2])))
        out[name] = c
    return out


@dataclass(frozen=True)
class AppState:
    """What the page shows: a preset and the user's changes to it."""

    preset: str = "default"
    edits: tuple[tuple[str, tuple[float, ...]], ...] = ()
    gap_from: str | None = None
    hard_takeoff_days: float | None = None
    #: rank correlations (a, b, rho) the user set (the preset has none)
    correlations: tuple[tuple[str, str, float], ...] = ()

    def query(self) -> str:
        """The URL query string (without '?') that reproduces this state."""
        items = [("preset", self.preset)]
        if self.gap_from is not None:
            items.append(("gap_from", self.gap_from))
        if self.hard_takeoff_days is not None:
            items.append(("days", f"{self.hard_takeoff_days:g}"))
        items += [(n, ",".join(f"{v:.6g}" for v in vals)) for n, vals in self.edits]
        if self.correlations:
            items.append(("corr", ",".join(f"{a}:{b}:{r:g}" for a, b, r in self.correlations)))
        return urlencode(items, safe=",:")


def state_from_query(search: str) -> AppState:
    """Parse a query string (with or without '?'); InputError names the bad field."""
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True)
    problems: list[str] = []
    fields = dict(pairs)
    preset = fields.pop("preset", "default")
    names = [n for n, _ in list_presets()]
    if preset not in names:
        problems.append(f"preset: unknown preset {preset!r}; presets: {', '.join(names)}")
    gap_from = fields.pop("gap_from", None)
    if gap_from is not None and gap_from not in GAP_MODES:
        problems.append(f"gap_from: expected one of {', '.join(GAP_MODES)}, got {gap_from!r}")
    days = None
    if "days" in fields:
        try:
            days = float(fields.pop("days"))
            if not (math.isfinite(days) and days > 0):
                raise ValueError
        except ValueError:
            problems.append("days: expected a positive number of days")
    correlations = _link_correlations(fields.pop("corr", None), problems)
    edits = []
    for name, raw in fields.items():
        if name not in PARAMETERS:
            problems.append(f"{name}: unknown parameter")
            continue
        try:
            vals = tuple(float(v) for v in raw.split(","))
            if len(vals) not in (1, 3) or not all(math.isfinite(v) for v in vals):
                raise ValueError
        except ValueError:
            problems.append(f"{name}: expected one value or three quantiles (10,50,90%), "
                            f"got {raw!r}")
            continue
        edits.append((name, vals))
    if problems:
        raise InputError(problems, source="link")
    return AppState(preset, tuple(edits), gap_from, days, correlations)


def _link_correlations(raw: str | None, problems: list[str]) -> tuple:
    """`corr=a:b:rho,c:d:rho` -> ((a, b, rho), ...); the priors check them (names, |rho|
    < 1, a valid matrix) when the state becomes priors."""
    if not raw:
        return ()
    out = []
    for item in raw.split(","):
        parts = item.split(":")
        try:
            if len(parts) != 3:
                raise ValueError
            out.append((parts[0], parts[1], float(parts[2])))
        except ValueError:
            problems.append(f"corr: expected parameter:parameter:rank correlation items "
                            f"separated by commas, got {item!r}")
    return tuple(out)


def initial_state(search: str) -> tuple[AppState, str | None]:
    """The state of a link's query string and None, or, when the link cannot be read,
    the default state and the error text to show."""
    try:
        return state_from_query(search), None
    except InputError as exc:
        return AppState(), str(exc)


def priors_document(state: AppState, base: PriorSet | None = None) -> dict:
    """The priors file (as a mapping) for a state: `base:` the preset, plus the edits."""
    base = base or load_preset(state.preset)
    params = {}
    for name, vals in state.edits:
        spec = base.specs[name]
        source = "set in the foomcalc app"
        if len(vals) == 1:
            params[name] = {"value": vals[0], "source": source}
            continue
        if spec.prior is not None:
            family, kwargs = from_prior(spec.prior)
            extra = {k: v for k, v in kwargs.items() if k not in FAMILIES[family].shape}
        else:
            family, extra = None, {}
        entry: dict = {"dist": family, **extra} if family else {}
        entry["quantiles"] = {int(100 * q): v for q, v in zip(QUANTILES, vals, strict=True)}
        entry["source"] = source + " (10/50/90% quantiles)"
        params[name] = entry
    edited = ", ".join([n for n, _ in state.edits] + (["correlations"] if state.correlations
                                                       else []))
    doc: dict[str, object] = {
        "name": f"{state.preset}-app" if edited else state.preset,
        "description": base.description + (
            f" (edited in the foomcalc app: {edited})" if edited else ""),
        "base": state.preset,
    }
    if state.gap_from is not None:
        doc["gap_from"] = state.gap_from
    if state.hard_takeoff_days is not None:
        doc["hard_takeoff_days"] = state.hard_takeoff_days
    doc["parameters"] = params
    if state.correlations:
        doc["correlations"] = [[a, b, r] for a, b, r in state.correlations]
    return doc


def state_priors(state: AppState) -> PriorSet:
    """The PriorSet of a state (InputError if an edit cannot be fitted)."""
    return priors_from_dict(priors_document(state), source="app")


def priors_yaml(state: AppState) -> str:
    """A priors file `foomcalc report --priors` accepts unchanged."""
    header = ("# foomcalc priors from the web app (foomcalc app).\n"
              f"# Link: ?{state.query()}\n"
              "# Run: foomcalc report --priors THIS_FILE\n")
    return header + yaml.safe_dump(priors_document(state), sort_keys=False, allow_unicode=True)


def prior_numbers(priors: PriorSet, n_draws: int = N_LIVE_DRAWS, seed: int = 0,
                  compression: bool = True) -> dict:
    """Prior-only answer: P(hard takeoff), P(RSI feasible), the takeoff-time CDF on
    `MONTHS_GRID`, its median (months; None beyond the horizon) and, unless
    `compression=False` (faster: no window maxima), the compression table, from
    `n_draws` prior draws (a report's: `analysis.run.draw_prior`, correlated where the
    priors say; no evidence, no sampling)."""
    # analysis.run loads PyMC: imported here, so `foomcalc app` reports a busy port or a
    # bad --work-dir before that load, and the first live numbers pay for it instead
    from foomcalc.analysis.run import draw_prior, parameter_draws

    ds = draw_prior(priors, (1, n_draws), seed)  # the report's prior draws (run_analysis)
    draws = {k: v.reshape(-1) for k, v in parameter_draws(priors, ds, (1, n_draws)).items()}
    windows = STANDARD_COMPRESSION if compression else []
    out = compute_outcomes(draws, gap_from=priors.gap_from, gap_weights=priors.gap_weights,
                           compression=windows,
                           gap_axis_years=GAP_AXIS_YEARS if compression else ())
    w = out["weight_feasible"]
    t1, t0 = out["takeoff_months_feasible"], out["takeoff_months_infeasible"]
    window = priors.hard_takeoff_days / DAYS_PER_MONTH
    hard = float(np.mean(w * (t1 <= window) + (1 - w) * (t0 <= window)))
    cdf = (weighted_cdf(t1, w, MONTHS_GRID) + weighted_cdf(t0, 1 - w, MONTHS_GRID)) / w.size
    above = np.flatnonzero(cdf >= 0.5)
    rows = []
    if compression:
        per = w[:, None] * out["compressed_feasible"] + \
            (1 - w[:, None]) * out["compressed_infeasible"]
        rows = [(x, y, float(p)) for (x, y), p in
                zip(STANDARD_COMPRESSION, per.mean(axis=0), strict=True)]
    return {
        "n_draws": n_draws,
        "hard_takeoff": hard,
        "hard_takeoff_mcse": math.sqrt(max(hard * (1 - hard), 1e-12) / n_draws),
        "window_days": float(priors.hard_takeoff_days),
        "p_rsi_feasible": float(np.mean(w)),
        "cdf": cdf,
        "median_months": float(MONTHS_GRID[above[0]]) if above.size else None,
        "compression": rows,
        "gap_axis": gap_axis_rows(out, np.full(w.size, 1.0 / w.size)) if compression else [],
    }


def gap_axis_rows(outcomes, weights: np.ndarray) -> list[tuple[float, float, float]]:
    """(gap in years of recent progress, window in days, P(takeoff within the window)) for
    the gap axis (GAP_AXIS_YEARS x STANDARD_WINDOWS_DAYS), the draws weighted by `weights`
    (summing to 1, the shape of the draws); [] when the outcomes have no gap axis."""
    if "gap_axis__takeoff_months_feasible" not in outcomes:
        return []
    w = np.asarray(weights, dtype=float)[..., None]
    axes = tuple(range(w.ndim - 1))
    return [(float(g), float(d), float(p)) for d in STANDARD_WINDOWS_DAYS
            for g, p in zip(GAP_AXIS_YEARS, (w * gap_axis_probability(outcomes, d)).sum(
                axis=axes), strict=True)]


def warm_up() -> None:
    """Import and compile what the first numeric quantile fit needs (PreliZ, ~3-5 s), so
    the first dragged handle that needs another family does not wait for it."""
    from foomcalc.priors.quantiles import fit_family  # PreliZ loads on the first fit

    fit_family("LogSkewNormal", {0.1: 0.46, 0.5: 1.0, 0.9: 3.5})
