"""The model's parameters: names, units, support and meaning.

One registry that priors files, the PyMC model, the simulator adapter and the
reports all read, so a parameter is named and described in exactly one place.
Units are in the names where they fit (`retrain_months`, `limit_ooms`) and in
`unit` always. Meanings follow DESIGN.md section 3 and Davidson & Houlden (2025),
"How quick and big would a software intelligence explosion be?", Forethought.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: A month is 30.4375 days (365.25 / 12), the time unit of the simulator.
DAYS_PER_MONTH = 365.25 / 12
#: How far the simulator looks ahead; a takeoff slower than this counts as not reached.
HORIZON_MONTHS = 240.0
#: Davidson & Houlden's compression grid: (years of progress, within months).
STANDARD_COMPRESSION = tuple((x, y) for x in (1.0, 3.0, 10.0) for y in (1.0, 4.0, 12.0))

Support = Literal["positive", "unit_interval", "nonnegative", "above_one", "real"]


@dataclass(frozen=True)
class Parameter:
    """One model parameter: its name, unit, support and a one-line meaning."""

    name: str
    unit: str
    support: Support
    meaning: str


_PARAMETERS = [
    Parameter(
        "p_rsi_feasible", "probability", "unit_interval",
        "credence that seed-AI-style recursive self-improvement works in deep learning "
        "(improvements usable at once, no successor training)",
    ),
    Parameter(
        "retrain_months", "months", "positive",
        "latency to train a successor when seed-AI RSI is not feasible",
    ),
    Parameter(
        "returns_r", "dimensionless", "positive",
        "returns to software R&D r = lambda*alpha/beta: software doublings per doubling "
        "of cumulative research input (r > 1 accelerates, r < 1 fizzles)",
    ),
    Parameter(
        "returns_tau", "log units", "positive",
        "between-domain spread of log returns, for returns estimates from other fields",
    ),
    Parameter(
        "parallel_penalty", "dimensionless", "unit_interval",
        "diminishing returns to parallel research labour p = lambda*alpha",
    ),
    Parameter(
        "speedup", "multiplier", "above_one",
        "research speed-up at full automation of AI R&D when compute is no bottleneck: "
        "AI research labour jumps to L0 = speedup^(1/p) times today's workforce; the "
        "realised initial speed-up is R(L0, 1)^p <= speedup (CES research input)",
    ),
    Parameter(
        "instant_jump_ooms", "OOMs of effective compute", "nonnegative",
        "overhang usable at once at t = 0",
    ),
    Parameter(
        "limit_ooms", "OOMs of effective compute", "positive",
        "distance from par-human software to the effective limits of software",
    ),
    Parameter(
        "software_doubling_months", "months", "positive",
        "recent human-driven doubling time of software (algorithmic) efficiency",
    ),
    Parameter(
        "compute_growth_per_year", "multiplier per year", "above_one",
        "recent growth factor of frontier training compute",
    ),
    Parameter(
        "compute_during_takeoff", "fraction", "unit_interval",
        "fraction of the recent compute growth that continues during takeoff",
    ),
    Parameter(
        "substitution_elasticity", "dimensionless", "positive",
        "elasticity of substitution sigma between AI research labour and research compute "
        "(CES research input; sigma < 1 complements: compute bottlenecks, sigma -> inf "
        "perfect substitutes)",
    ),
    Parameter(
        "compute_share", "fraction", "unit_interval",
        "compute's share 1 - a of research input before automation, i.e. compute's share "
        "of frontier-lab R&D spending (CES weight with today's labour and compute "
        "normalised to 1; 0 = labour alone, no bottleneck)",
    ),
    Parameter(
        "scaling_a", "dimensionless", "positive",
        "parameter exponent a of the Chinchilla law L = E + A/N^a + B/D^b",
    ),
    Parameter(
        "scaling_b", "dimensionless", "positive",
        "data exponent b of the Chinchilla law L = E + A/N^a + B/D^b",
    ),
    Parameter("scaling_E", "nats per token", "positive", "irreducible loss E"),
    Parameter("scaling_A", "nats per token", "positive", "parameter-term coefficient A"),
    Parameter("scaling_B", "nats per token", "positive", "data-term coefficient B"),
    Parameter(
        "capability_factor", "ratio", "above_one",
        "reducible-loss ratio from par-human to strongly superhuman AI",
    ),
    Parameter(
        "gap_years", "years of recent progress", "positive",
        "capability gap par-human -> strongly superhuman, given directly "
        "(used when gap_from is 'years')",
    ),
    Parameter(
        "horizon_doublings", "doublings of the 50% time horizon", "positive",
        "capability gap par-human AI researcher -> strongly superhuman, counted in doublings "
        "of the METR time horizon (used when gap_from is 'horizon')",
    ),
    Parameter(
        "horizon_doubling_months", "months", "positive",
        "recent doubling time of the frontier 50% time horizon (METR; Kwa et al. 2025: "
        "about 7 months); informed by time_horizons evidence",
    ),
    Parameter(
        "elo_gap", "Elo points", "positive",
        "capability gap par-human -> strongly superhuman as an Elo difference "
        "(used when gap_from is 'elo')",
    ),
    Parameter(
        "elo_per_oom", "Elo points per OOM of compute", "positive",
        "Elo gained per 10x of training compute on the compute frontier (Jones 2021, Hex); "
        "informed by game_scaling evidence",
    ),
    Parameter(
        "automation_year", "calendar year (decimal)", "real",
        "year of full automation of AI R&D; the training-duration trend is read at this year "
        "to inform retrain_months (only used by training_durations evidence)",
    ),
    # the parts of the speed-up (speedup_from: parts); last, so that adding them left the
    # prior draws of every earlier parameter unchanged (draws follow registry order)
    Parameter(
        "research_inference_flop_per_s", "FLOP/s", "positive",
        "inference compute available to run AI researchers at full automation (a part of "
        "the speed-up; used when speedup_from is 'parts')",
    ),
    Parameter(
        "researcher_flop_per_s", "FLOP/s per AI researcher-equivalent", "positive",
        "inference compute one AI researcher-equivalent uses while running at its serial "
        "speed (tokens per second x FLOP per token; used when speedup_from is 'parts')",
    ),
    Parameter(
        "ai_serial_speed", "multiplier", "positive",
        "serial speed of an AI researcher-equivalent relative to a human researcher (used "
        "when speedup_from is 'parts')",
    ),
    Parameter(
        "research_workforce", "researchers", "positive",
        "today's research workforce (headcount) that the automated researchers replace "
        "(used when speedup_from is 'parts')",
    ),
]

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _PARAMETERS}

#: Routes from par-human to strongly superhuman that a capability gap can be measured by;
#: a priors file's `gap_from` is one of them or "mixture" (a weighted draw of routes).
GAP_ROUTES = ("scaling", "years", "horizon", "elo")
GAP_MODES = (*GAP_ROUTES, "mixture")

#: Parameters that set the capability gap in each gap mode.
GAP_PARAMETERS = {
    "scaling": ("scaling_a", "scaling_b", "capability_factor"),
    "years": ("gap_years",),
    "horizon": ("horizon_doublings", "horizon_doubling_months"),
    "elo": ("elo_gap", "elo_per_oom"),
}
#: gap_from "mixture" draws each route by weight, so every route's parameters matter.
GAP_PARAMETERS["mixture"] = tuple(dict.fromkeys(p for v in GAP_PARAMETERS.values() for p in v))


#: How `speedup` is set: given directly (a prior on it), or built from measurable parts
#: (a priors file's `speedup_from`; takeoff.params.speedup_from_parts).
SPEEDUP_MODES = ("direct", "parts")
#: The parts `speedup_from: parts` builds the speed-up from.
SPEEDUP_PARTS = ("research_inference_flop_per_s", "researcher_flop_per_s", "ai_serial_speed",
                 "research_workforce")


def unused_speedup_parameters(speedup_from: str, informed: set[str] | frozenset[str] = frozenset()
                              ) -> set[str]:
    """Parameters of the speed-up route not taken that no evidence informs: the parts when
    `speedup` is given directly, `speedup` itself when it is built from the parts."""
    unused = {"speedup"} if speedup_from == "parts" else set(SPEEDUP_PARTS)
    return unused - set(informed)


def unused_gap_parameters(gap_from: str, informed: set[str] | frozenset[str] = frozenset(),
                          weights: dict[str, float] | None = None) -> set[str]:
    """Parameters that only set the gap in routes other than `gap_from` (for a mixture:
    other than the routes of positive weight) and that no evidence informs: they cannot
    move the answer, so tables and the tornado omit them."""
    if gap_from == "mixture" and weights:
        used = {p for route, w in weights.items() if w > 0 for p in GAP_PARAMETERS[route]}
    else:
        used = set(GAP_PARAMETERS.get(gap_from, ()))
    others = {p for params in GAP_PARAMETERS.values() for p in params} - used
    return others - set(informed)
