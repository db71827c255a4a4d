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
    compute_share: np.ndarray  # 1 - a, compute's share of research input at t = 0
    rho: np.ndarray  # CES exponent 1 - 1 / substitution_elasticity


def log2_research_input(compute_share, rho, log2_labour, log2_compute) -> np.ndarray:
    """log2 of the CES research input R = (a L^rho + (1 - a) C^rho)^(1 / rho).

    a = 1 - compute_share, rho = 1 - 1 / sigma; L = 2^log2_labour (AI labour, x2 per
    usable software doubling) and C = 2^log2_compute (research compute), both 1 at
    t = 0, so R = 1 there. compute_share = 0 gives R = L exactly; rho = 0 is
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
    return DrawParams(
        jump_ooms=jump,
        compute_ooms_per_month=during * np.log10(growth) / 12.0,
        log2_speed0=np.log2(speedup_) - np.log2(sdm),
        penalty=p, r0=r0, limit_doublings=limit_doublings, software_doublings=software,
        retrain_months=np.where(feasible != 0, 0.0, retrain),
        compute_share=share, rho=1.0 - 1.0 / sigma,
    )
