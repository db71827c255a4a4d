"""The takeoff simulators' inputs: per-draw parameters in internal units, and shared numerics.

Shared by the three implementations of one forward model (docs/simulator.md): the
compiled kernel (`kernel`, what `outcomes` uses), the vectorised numpy simulator
(`simulate`, paths) and the per-draw reference (`simulate_loop`, the oracle). Time is
in months since t = 0 (AI fully automates AI R&D); progress in OOMs (log10) of
effective compute; software progress in doublings. Source: Davidson & Houlden (2025),
"How quick and big would a software intelligence explosion be?" (Forethought).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOG10_2 = float(np.log10(2.0))
#: Software doublings simulated at most (about 301 OOMs); larger limits are cut here.
MAX_SOFTWARE_DOUBLINGS = 1000
#: Doubling durations are clipped to 2^[LOG2_DT_MIN, LOG2_DT_MAX] months (no under/overflow).
LOG2_DT_MIN, LOG2_DT_MAX = -1000.0, 60.0
#: Cap on log2 of the research work of one doubling.
LOG2_WORK_MAX = 1e300
#: Floor on the returns r_i (they reach 0 at the limit).
R_FLOOR = 1e-300


@dataclass(frozen=True)
class DrawParams:
    """Per-draw inputs broadcast to shape (n,), in the simulator's internal units."""

    jump_ooms: np.ndarray
    compute_ooms_per_month: np.ndarray
    log2_speed0: np.ndarray  # log2 of research speed at t = 0, work units per month
    penalty: np.ndarray  # p
    r0: np.ndarray
    limit_doublings: np.ndarray  # true limit L, sets the decay of r
    software_doublings: np.ndarray  # min(L, MAX_SOFTWARE_DOUBLINGS), 0 if r0 <= 0
    retrain_months: np.ndarray  # 0 where seed-AI RSI is feasible
    compute_share: np.ndarray  # 1 - a, compute's share of research input before automation
    rho: np.ndarray  # CES exponent 1 - 1 / substitution_elasticity
    #: log2 of research compute at t = 0 in units of the labour multiple L0 at automation,
    #: log2(C0 / L0) = -log2(speedup) / p (0 where compute_share = 0: unused there)
    log2_compute0: np.ndarray


def log2_research_input(compute_share, rho, log2_labour, log2_compute) -> np.ndarray:
    """log2 of the CES research input R = (a L^rho + (1 - a) C^rho)^(1 / rho).

    a = 1 - compute_share, rho = 1 - 1 / sigma; L = 2^log2_labour (research labour) and
    C = 2^log2_compute (research compute), both normalised to 1 before automation (today's
    researchers and research compute), so R = 1 there. R is homogeneous of degree 1, so
    the simulators pass L / L0 = 2^(usable doublings) and C / L0 (`DrawParams.log2_compute0`)
    and get log2 R - log2 L0. compute_share = 0 gives R = L exactly; rho = 0 is
    Cobb-Douglas L^a C^(1-a). Computed in log2 (no overflow); arrays broadcast.
    """
    share, rho = np.asarray(compute_share, dtype=float), np.asarray(rho, dtype=float)
    lab, comp = np.asarray(log2_labour, dtype=float), np.asarray(log2_compute, dtype=float)
    labour_w = np.log2(1.0 - share)
    compute_w = np.log2(share, out=np.full(np.broadcast(share, lab).shape, -np.inf),
                        where=np.broadcast_to(share > 0, np.broadcast(share, lab).shape))
    flat = rho == 0
    rho_safe = np.where(flat, 1.0, rho)
    with np.errstate(under="ignore"):  # a term far below the other is harmlessly dropped
        ces = np.logaddexp2(labour_w + rho_safe * lab, compute_w + rho_safe * comp) / rho_safe
    cobb = (1.0 - share) * lab + share * comp
    return np.where(share == 0, lab, np.where(flat, cobb, ces))


def labour_multiple_log2(speedup, parallel_penalty) -> np.ndarray:
    """log2 L0 = log2(speedup) / p: the AI research labour at full automation, as a multiple
    of today's research workforce, that gives research speed-up `speedup` when compute is no
    bottleneck (research speed goes as labour^p). inf where p = 0 and speedup > 1 (no
    finite labour multiple; `log2_realised_speedup` takes the limit there)."""
    log2_s = np.log2(np.asarray(speedup, dtype=float))
    p = np.asarray(parallel_penalty, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(log2_s == 0, 0.0, log2_s / p)


def speedup_from_parts(research_inference_flop_per_s, researcher_flop_per_s, ai_serial_speed,
                       research_workforce, parallel_penalty) -> np.ndarray:
    """The speed-up without a compute bottleneck, L0^p, built from measurable parts.

    L0 = (research_inference_flop_per_s / researcher_flop_per_s) x ai_serial_speed /
    research_workforce: the AI researcher-equivalents the research inference compute can
    run (each at its serial speed), times that speed relative to a human, against today's
    research workforce; floored at 1 (automation never leaves less research labour than
    today's). Research speed goes as labour^p (p = parallel_penalty), so speedup = L0^p.
    Units: FLOP/s, FLOP/s per researcher-equivalent, a multiplier, researchers."""
    log10_l0 = (np.log10(np.asarray(research_inference_flop_per_s, dtype=float))
                - np.log10(np.asarray(researcher_flop_per_s, dtype=float))
                + np.log10(np.asarray(ai_serial_speed, dtype=float))
                - np.log10(np.asarray(research_workforce, dtype=float)))
    return 10.0 ** (np.asarray(parallel_penalty, dtype=float) * np.maximum(log10_l0, 0.0))


def log2_realised_speedup(speedup, parallel_penalty, compute_share=0.0,
                          substitution_elasticity=np.inf) -> np.ndarray:
    """log2 of the realised initial research speed-up R(L0, 1)^p at full automation.

    Research input is normalised before automation (today's researchers and research
    compute: L = C = 1, R = 1); at automation labour jumps to L0 = speedup^(1/p)
    (`labour_multiple_log2`) while compute stays at 1, so research speed is
    R(L0, 1)^p times today's. R is a weighted power mean of L0 and 1, so for speedup >= 1
    the realised speed-up never exceeds `speedup` (equal when compute_share = 0), and for
    sigma < 1 it is at most compute_share^(p / rho) whatever L0 is. p = 0 is the limit
    p -> 0 at fixed speedup: speedup (sigma > 1), speedup^(1 - share) (sigma = 1), 1
    (sigma < 1). Arrays broadcast.
    """
    share = np.asarray(compute_share, dtype=float)
    rho = 1.0 - 1.0 / np.asarray(substitution_elasticity, dtype=float)
    p = np.asarray(parallel_penalty, dtype=float)
    log2_s = np.log2(np.asarray(speedup, dtype=float))
    log2_l0 = labour_multiple_log2(speedup, p)
    finite = np.isfinite(log2_l0)
    with np.errstate(invalid="ignore"):
        ces = log2_s + p * log2_research_input(share, rho, 0.0, np.where(finite, -log2_l0, 0.0))
    limit = log2_s * np.where(rho > 0, 1.0, np.where(rho == 0, 1.0 - share, 0.0))
    return np.where(share == 0, log2_s, np.where(finite, ces, limit))


def recent_rate_ooms_per_year(software_doubling_months, compute_growth_per_year) -> np.ndarray:
    """Recent rate of AI progress, OOMs of effective compute per year (DESIGN.md 2).

    log10(2) * 12 / software_doubling_months + log10(compute_growth_per_year).
    """
    sdm = np.asarray(software_doubling_months, dtype=float)
    growth = np.asarray(compute_growth_per_year, dtype=float)
    return LOG10_2 * 12.0 / sdm + np.log10(growth)


def broadcast_params(*, rsi_feasible, retrain_months, returns_r, parallel_penalty, speedup,
                     instant_jump_ooms, limit_ooms, software_doubling_months,
                     compute_growth_per_year, compute_during_takeoff, compute_share=0.0,
                     substitution_elasticity=np.inf) -> DrawParams:
    """Broadcast the simulator inputs to (n,), check them and convert units."""
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (
            rsi_feasible, retrain_months, returns_r, parallel_penalty, speedup,
            instant_jump_ooms, limit_ooms, software_doubling_months,
            compute_growth_per_year, compute_during_takeoff, compute_share,
            substitution_elasticity)))
    (feasible, retrain, r0, p, speedup_, jump, limit, sdm, growth, during, share, sigma) = (
        np.atleast_1d(a).ravel().copy() for a in arrays)
    checks = {
        "speedup > 0": speedup_ > 0, "software_doubling_months > 0": sdm > 0,
        "compute_growth_per_year >= 1": growth >= 1, "compute_during_takeoff >= 0": during >= 0,
        "instant_jump_ooms >= 0": jump >= 0, "parallel_penalty >= 0": p >= 0,
        "retrain_months >= 0 where rsi_feasible is False": (feasible != 0) | (retrain >= 0),
        "0 <= compute_share < 1": (share >= 0) & (share < 1),
        "substitution_elasticity > 0": sigma > 0,
    }
    for name, ok in checks.items():
        if not np.all(ok):  # NaN fails too
            raise ValueError(f"simulate_takeoff needs {name}")
    limit_doublings = np.maximum(np.nan_to_num(limit, nan=0.0), 0.0) / LOG10_2
    software = np.where(r0 > 0, np.minimum(limit_doublings, MAX_SOFTWARE_DOUBLINGS), 0.0)
    log2_l0 = labour_multiple_log2(speedup_, p)
    # p = 0 (or a labour multiple beyond float range): research speed does not depend on
    # research input, so it is the realised speed-up (the p -> 0 limit) for the whole path
    frozen = (share > 0) & ~np.isfinite(log2_l0)
    log2_speedup = np.where(frozen, log2_realised_speedup(speedup_, p, share, sigma),
                            np.log2(speedup_))
    return DrawParams(
        jump_ooms=jump,
        compute_ooms_per_month=during * np.log10(growth) / 12.0,
        log2_speed0=log2_speedup - np.log2(sdm),
        penalty=p, r0=r0, limit_doublings=limit_doublings, software_doublings=software,
        retrain_months=np.where(feasible != 0, 0.0, retrain),
        compute_share=np.where(frozen, 0.0, share), rho=1.0 - 1.0 / sigma,
        log2_compute0=np.where((share > 0) & ~frozen, -log2_l0, 0.0),
    )
