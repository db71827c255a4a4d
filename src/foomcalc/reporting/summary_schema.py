"""The shape of summary.json (schema 1.3, docs/summary-schema.md) as TypedDicts.

`Summary` is what `summary.summarize` returns and `foomcalc report` writes; every
section and key is documented in docs/summary-schema.md (tests/reporting/
test_summary_schema.py checks the two against each other and against a real summary).
Probabilities are fractions in [0, 1], times are in months unless a key says days, and
`None` (JSON null) stands for a number that is not finite.

No `from __future__ import annotations` here: TypedDict reads `NotRequired` from the
evaluated annotations only.
"""

from typing import NotRequired, TypedDict


class Probability(TypedDict):
    """A probability before and after the evidence, with Monte Carlo standard errors."""

    prior: float
    prior_mcse: float
    posterior: float
    mcse: float


class HardTakeoff(TypedDict):
    """P(takeoff time <= the priors' hard-takeoff window)."""

    definition: str
    window_days: float
    prior: float
    prior_mcse: float
    posterior: float
    mcse: float


class WindowRow(TypedDict):
    """P(takeoff time <= one window)."""

    window_days: float
    label: str
    prior: float
    prior_mcse: float
    posterior: float
    mcse: float


class RsiFeasible(TypedDict):
    """The weight of the seed-AI RSI branch, named apart from the parameter."""

    label: str
    meaning: str
    prior: float
    prior_mcse: float
    posterior: float
    mcse: float


class AboveOne(TypedDict):
    """P(returns to software R&D r > 1); no `prior_mcse` when r is fixed."""

    prior: float
    prior_mcse: NotRequired[float]
    posterior: float
    mcse: float


class CompressionRow(TypedDict):
    """P(some window of `within_months` holds >= `years_of_progress` years of progress)."""

    id: str
    years_of_progress: float
    within_months: float
    prior: float
    prior_mcse: float
    posterior: float
    mcse: float


class Quantiles(TypedDict):
    """Named quantiles of the takeoff time in months (None: beyond the horizon)."""

    q05: float | None
    q50: float | None
    q95: float | None


class TakeoffMonths(TypedDict):
    horizon_months: float
    note: str
    prior: Quantiles
    posterior: Quantiles


class DrawSummary(TypedDict):
    """mean, sd and named quantiles of a parameter's draws, in the parameter's unit."""

    mean: float
    sd: float
    q05: float
    q50: float
    q95: float


class ParameterEntry(TypedDict):
    """One registry parameter: `value` when fixed, else `prior` and `posterior`."""

    unit: str
    meaning: str
    source: str
    fixed: bool
    used: bool
    fit_note: str | None
    value: NotRequired[float]
    prior: NotRequired[DrawSummary]
    posterior: NotRequired[DrawSummary]


class Diagnostics(TypedDict):
    """The sampling diagnostics and their gate (`ok`)."""

    max_r_hat: float | None
    min_ess_bulk: float | None
    min_ess_tail: float | None
    divergences: int
    min_bfmi: float | None
    attempts: int
    problems: list[str]
    max_depth_draws: int
    ok: bool


class EvidenceEntry(TypedDict):
    """One evidence file used."""

    kind: str
    label: str
    path: str
    sha256: str
    description: str


class Sampler(TypedDict):
    """The NUTS settings (`inference.sampling.SamplerSettings`)."""

    sampler: str
    draws: int
    tune: int
    chains: int
    target_accept: float
    adaptation: str
    maxdepth: int


class DrawCounts(TypedDict):
    prior: int
    posterior: int


class TornadoRow(TypedDict):
    """P(hard takeoff) with one parameter pinned at its prior's 10th / 90th percentile, and
    what the parameter rests on (1.3): `basis` "evidence" (a likelihood reaches it; `sd_ratio`
    = posterior sd / prior sd), "parts" (a measurable part of the speed-up) or "judgement"."""

    parameter: str
    unit: str
    low_value: float
    high_value: float
    p_low: float
    p_high: float
    swing: float
    basis: NotRequired[str]
    sd_ratio: NotRequired[float | None]


class Tornado(TypedDict):
    base: float
    n_draws: int
    window_days: float
    quantiles: list[float]
    rows: list[TornadoRow]


class PowerScalingRow(TypedDict):
    """Prior and likelihood power-scaling CJS distance gradients of one variable."""

    variable: str
    prior: float | None
    likelihood: float | None
    diagnosis: str


class PowerScaling(TypedDict):
    threshold: float
    rows: list[PowerScalingRow]


class Sensitivity(TypedDict):
    """Which inputs the answer hangs on (docs/compare-and-sensitivity.md)."""

    tornado: Tornado | None
    power_scaling: PowerScaling | None
    hangs_on: str


class GapRoute(TypedDict):
    """One capability-gap route of a mixture: its weight and P(hard takeoff) on it."""

    weight: float
    prior: float
    prior_mcse: float
    posterior: float
    mcse: float


class DrawPair(TypedDict):
    """A quantity's prior and posterior draws described, in its unit."""

    prior: DrawSummary
    posterior: DrawSummary


class SpeedUp(TypedDict):
    """The initial research speed-up at automation (1.3): `speedup` (without a compute
    bottleneck; from its parts when `speedup_from` is "parts") and the realised one,
    R(L0, 1)^p, both multipliers of today's research speed."""

    speedup_from: str
    meaning: str
    speedup: DrawPair
    realised: DrawPair


class GapAxisRow(WindowRow):
    """P(takeoff within `window_days`) had the gap been `gap_years` years of recent progress."""

    gap_years: float


class GapAxis(TypedDict):
    """The gap as an axis of the answer (1.3)."""

    note: str
    gap_years: list[float]
    windows_days: list[float]
    rows: list[GapAxisRow]


class Summary(TypedDict):
    """summary.json, in the order it is written."""

    schema_version: str
    package_version: str
    priors_name: str
    seed: int
    command: str
    gap_from: str
    hard_takeoff: HardTakeoff
    hard_takeoff_by_window: list[WindowRow]
    p_rsi_feasible: RsiFeasible
    p_r_above_1: AboveOne
    compression: list[CompressionRow]
    takeoff_months: TakeoffMonths
    parameters: dict[str, ParameterEntry]
    likelihood_ratio_observations: float
    diagnostics: Diagnostics
    evidence: list[EvidenceEntry]
    sampler: Sampler
    versions: dict[str, str]
    n_draws: DrawCounts
    sensitivity: Sensitivity
    unused_parameters: list[str]
    notes: list[str]
    gap_routes: NotRequired[dict[str, GapRoute]]
    speed_up: NotRequired[SpeedUp]
    gap_axis: NotRequired[GapAxis]
