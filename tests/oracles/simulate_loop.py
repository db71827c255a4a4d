"""Per-draw reference implementation of the takeoff simulator (plain Python loops).

The readable version of the simulator: same recursion, same outputs, one draw at a
time. Tests use it as the oracle of the compiled kernel (`kernel`) and of the
vectorised numpy simulator (`simulate`), benchmarks as the naive baseline. Equations
and units: docs/simulator.md; source: Davidson & Houlden (2025), "How quick and big
would a software intelligence explosion be?".
"""

from __future__ import annotations

import math

import numpy as np

from foomcalc.takeoff.params import (
    LOG2_DT_MAX,
    LOG2_DT_MIN,
    LOG2_WORK_MAX,
    LOG10_2,
    R_FLOOR,
    broadcast_params,
)
from tests.oracles.takeoff_paths import TakeoffPaths


def _doubling_months(log2_work: float, log2_speed: float) -> float:
    """Months to do 2^log2_work units of research work at 2^log2_speed per month."""
    return 2.0 ** min(max(log2_work - log2_speed, LOG2_DT_MIN), LOG2_DT_MAX)


def research_input_log2(compute_share: float, rho: float, labour_doublings: float,
                        log2_compute: float) -> float:
    """log2 R, R = (a L^rho + (1 - a) C^rho)^(1/rho), L = 2^labour_doublings, C = 2^log2_compute,
    a = 1 - compute_share (issue 10; R = L when compute_share = 0, Cobb-Douglas at rho = 0)."""
    if compute_share == 0.0:
        return labour_doublings
    a = 1.0 - compute_share
    if rho == 0.0:
        return a * labour_doublings + compute_share * log2_compute
    x = math.log2(a) + rho * labour_doublings
    y = math.log2(compute_share) + rho * log2_compute
    top = max(x, y)
    return (top + math.log2(2.0 ** (x - top) + 2.0 ** (y - top))) / rho


def simulate_one(*, r0: float, penalty: float, log2_speed0: float, limit_doublings: float,
                 software_doublings: float, retrain_months: float, jump_ooms: float,
                 compute_ooms_per_month: float, horizon_months: float,
                 compute_share: float = 0.0, rho: float = 1.0, log2_compute0: float = 0.0
                 ) -> list[tuple[float, float]]:
    """Breakpoints (months, progress OOMs) of one draw's path.

    Research speed is 2^log2_speed0 (R / L0)^penalty work units per month, R the CES
    research input of the usable labour L0 2^usable and of research compute at the start
    of each segment (a doubling, or its part after a successor arrives); compute is
    2^log2_compute0 L0 at t = 0 (R / L0 = R(2^usable, C / L0): CES is homogeneous of
    degree 1); R / L0 = 2^usable without CES."""

    def log2_speed(labour: float, months: float) -> float:
        log2_compute = compute_ooms_per_month * months / LOG10_2 + log2_compute0
        return log2_speed0 + penalty * research_input_log2(compute_share, rho, labour,
                                                           log2_compute)

    def point(months: float, doublings: float) -> tuple[float, float]:
        return months, jump_ooms + LOG10_2 * doublings + compute_ooms_per_month * months

    path = [(0.0, 0.0), (0.0, jump_ooms)]
    t, usable, log2_work, i, doublings = 0.0, 0, 0.0, 0, 0.0
    while i < software_doublings:
        size = min(1.0, software_doublings - i)  # the last doubling may stop at the limit
        if i > 0:  # ideas get harder: r decays linearly to 0 at the limit
            r_i = max(r0 * (1.0 - i / limit_doublings), R_FLOOR)
            log2_work = min(log2_work + penalty / r_i, LOG2_WORK_MAX)
        log2_need = log2_work + math.log2(size)
        # next successor-training boundary (t itself when RSI is feasible)
        boundary = retrain_months * math.ceil(t / retrain_months) if retrain_months > 0 else t
        if boundary <= t:
            usable = i  # the workforce uses every completed doubling
        dt_old = _doubling_months(log2_need, log2_speed(usable, t))
        dt_new = _doubling_months(log2_need, log2_speed(i, boundary))
        if boundary > t and boundary - t < dt_old:
            # a successor arrives mid-doubling: the rest of it runs at the new speed
            frac = (boundary - t) / dt_old
            end = boundary + (1.0 - frac) * dt_new
            usable = i
            if boundary < horizon_months:
                path.append(point(boundary, i + size * frac))
            if end > horizon_months:
                if boundary < horizon_months:
                    share = frac + (horizon_months - boundary) / dt_new
                else:
                    share = (horizon_months - t) / dt_old
                path.append(point(horizon_months, i + size * min(share, 1.0)))
                return path
        else:
            end = t + dt_old
            if end > horizon_months:
                share = (horizon_months - t) / dt_old
                path.append(point(horizon_months, i + size * min(share, 1.0)))
                return path
        doublings = i + size
        path.append(point(end, doublings))
        t, i = end, i + 1
        if size < 1.0 or i >= software_doublings:
            break
        if t >= horizon_months:
            return path
    if t < horizon_months:  # software has stopped; compute keeps going
        path.append(point(horizon_months, doublings))
    return path


def simulate_takeoff_loop(*, rsi_feasible, retrain_months, returns_r, parallel_penalty, speedup,
                          instant_jump_ooms, limit_ooms, software_doubling_months,
                          compute_growth_per_year, compute_during_takeoff, compute_share=0.0,
                          substitution_elasticity=np.inf,
                          horizon_months: float = 240.0) -> TakeoffPaths:
    """Same contract as `tests.oracles.simulate.simulate_takeoff`, one draw at a time."""
    prm = broadcast_params(
        rsi_feasible=rsi_feasible, retrain_months=retrain_months, returns_r=returns_r,
        parallel_penalty=parallel_penalty, speedup=speedup, instant_jump_ooms=instant_jump_ooms,
        limit_ooms=limit_ooms, software_doubling_months=software_doubling_months,
        compute_growth_per_year=compute_growth_per_year,
        compute_during_takeoff=compute_during_takeoff, compute_share=compute_share,
        substitution_elasticity=substitution_elasticity)
    paths = [
        simulate_one(
            r0=float(prm.r0[k]), penalty=float(prm.penalty[k]),
            log2_speed0=float(prm.log2_speed0[k]),
            limit_doublings=float(prm.limit_doublings[k]),
            software_doublings=float(prm.software_doublings[k]),
            retrain_months=float(prm.retrain_months[k]), jump_ooms=float(prm.jump_ooms[k]),
            compute_ooms_per_month=float(prm.compute_ooms_per_month[k]),
            horizon_months=float(horizon_months), compute_share=float(prm.compute_share[k]),
            rho=float(prm.rho[k]), log2_compute0=float(prm.log2_compute0[k]))
        for k in range(prm.r0.size)
    ]
    width = max(len(p) for p in paths)
    padded = [p + [p[-1]] * (width - len(p)) for p in paths]
    arr = np.array(padded, dtype=float).reshape(len(paths), width, 2)
    return TakeoffPaths(arr[:, :, 0].copy(), arr[:, :, 1].copy())


def first_passage_months_loop(paths: TakeoffPaths, gap_ooms) -> np.ndarray:
    """Per-draw first passage: walk the segments until progress reaches the gap."""
    n = paths.months.shape[0]
    gaps = np.broadcast_to(np.asarray(gap_ooms, dtype=float), (n,))
    out = np.full(n, np.inf)
    for k in range(n):
        t, x, gap = paths.months[k], paths.progress_ooms[k], gaps[k]
        if x[0] >= gap:
            out[k] = t[0]
            continue
        for j in range(1, t.size):
            if x[j] >= gap:
                out[k] = t[j - 1] + (gap - x[j - 1]) / (x[j] - x[j - 1]) * (t[j] - t[j - 1])
                break
    return out


def max_progress_in_window_loop(paths: TakeoffPaths, window_months: float) -> np.ndarray:
    """Per-draw window maximum: try every window that starts or ends at a breakpoint."""
    n = paths.months.shape[0]
    out = np.empty(n)
    for k in range(n):
        t, x = paths.months[k], paths.progress_ooms[k]
        horizon = t[-1]
        if horizon <= window_months:
            out[k] = x[-1] - x[0]
            continue
        best = -np.inf
        for j in range(t.size):
            if t[j] <= horizon - window_months:  # start at breakpoint j
                best = max(best, np.interp(t[j] + window_months, t, x) - x[j])
            if t[j] >= window_months:  # end at breakpoint j
                best = max(best, x[j] - np.interp(t[j] - window_months, t, x))
        out[k] = best
    return out
