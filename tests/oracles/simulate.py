"""Takeoff simulator: vectorised numpy paths, a second oracle for the compiled kernel.

Forward model of DESIGN.md section 2, after Davidson & Houlden (2025), "How quick
and big would a software intelligence explosion be?" (Forethought). Time is in
months since t = 0 (AI fully automates AI R&D); progress is in OOMs (log10) of
effective compute. The equations, units and conventions are in docs/simulator.md.

Work accounting (shared with the per-draw oracle in `simulate_loop`): doubling i
needs research work D_i = prod_{j<=i} 2^(p / r_j) (D_0 = 1, r_j = r0 (1 - j / L));
research speed is S = 2^(p U) / DT_0 where U is the number of doublings usable by
the workforce. With seed-AI RSI U = doublings completed, so DT_i = D_i / S gives
DT_{i+1} = DT_i 2^(p (1/r_{i+1} - 1)). Without it, a doubling becomes usable at the
first successor-training boundary (a multiple of retrain_months) at or after its
completion; a boundary that falls inside a doubling changes the speed there and the
rest of that doubling's work is done at the new speed.
"""

from __future__ import annotations

import numpy as np

from foomcalc.takeoff.params import (
    LOG2_DT_MAX,
    LOG2_DT_MIN,
    LOG2_WORK_MAX,
    LOG10_2,
    MAX_SOFTWARE_DOUBLINGS,
    R_FLOOR,
    DrawParams,
    broadcast_params,
    log2_research_input,
    recent_rate_ooms_per_year,
)
from tests.oracles.takeoff_paths import (
    TakeoffPaths,
    first_passage_months,
    max_progress_in_window,
    path_lengths,
)

# the simulator's public names, some defined in takeoff_params / takeoff_paths
__all__ = [
    "LOG10_2", "MAX_SOFTWARE_DOUBLINGS", "DrawParams", "TakeoffPaths", "broadcast_params",
    "first_passage_months", "log2_research_input", "max_progress_in_window", "path_lengths",
    "recent_rate_ooms_per_year", "simulate_takeoff",
]

_FEASIBLE_BLOCK_CELLS = 2_000_000  # rows x doublings per block (memory)
_FEASIBLE_BLOCK_ROWS = 2048  # rows per block of the feasible (no step loop) path


def _log2_compute(prm: DrawParams, rows: np.ndarray, months) -> np.ndarray:
    """log2 of research compute C(t) / L0 (grows with takeoff compute; C(0) / L0 =
    2^log2_compute0)."""
    return prm.compute_ooms_per_month[rows] * months / LOG10_2 + prm.log2_compute0[rows]


def _ooms(prm: DrawParams, rows: np.ndarray, months, doublings) -> np.ndarray:
    """Total progress (OOMs): jump + software doublings + compute since t = 0."""
    if months.ndim == 2:
        rows = rows[:, None]
    return (prm.jump_ooms[rows] + LOG10_2 * doublings
            + prm.compute_ooms_per_month[rows] * months)


def _pad(months: np.ndarray, ooms: np.ndarray, count: np.ndarray, k: int):
    """Keep the first count[row] breakpoints of each row, repeat the last up to k.

    A masked select, not a gather (np.take_along_axis was the simulator's hot spot)."""
    width = months.shape[1]
    keep = np.clip(count, 1, min(k, width))
    if k > width:  # room for the repeated last values
        extra = ((0, 0), (0, k - width))
        months, ooms = np.pad(months, extra, mode="edge"), np.pad(ooms, extra, mode="edge")
    rows = np.arange(months.shape[0])
    tail = np.arange(k)[None, :] >= keep[:, None]
    return (np.where(tail, months[rows, keep - 1][:, None], months[:, :k]),
            np.where(tail, ooms[rows, keep - 1][:, None], ooms[:, :k]), keep)


def _sequential_log2_dt(prm: DrawParams, rows: np.ndarray, dt: np.ndarray, mask: np.ndarray,
                        invalid: np.ndarray, j: np.ndarray, horizon: float) -> None:
    """Overwrite dt[mask] (log2 doubling months) for CES draws whose research compute
    grows: a loop over doublings (columns), numpy over draws. dt[mask] on entry holds
    log2 DT_i + p log2 R(i, C = 1); R is re-read with C at each doubling's start, as in
    the event loop. Columns after every row has passed the horizon are left as they are
    (those doublings start after the horizon and are never used)."""
    sub = np.flatnonzero(mask)
    p, share, rho = prm.penalty[rows], prm.compute_share[rows], prm.rho[rows]
    log2_c_per_month = prm.compute_ooms_per_month[rows] / LOG10_2
    c0 = prm.log2_compute0[rows]
    base = dt[sub] + p[:, None] * log2_research_input(share[:, None], rho[:, None], j,
                                                       c0[:, None])
    bad = invalid[sub]
    t = np.zeros(sub.size)
    for i in range(base.shape[1]):
        col = base[:, i] - p * log2_research_input(share, rho, float(i),
                                                   log2_c_per_month * t + c0)
        np.clip(col, LOG2_DT_MIN, LOG2_DT_MAX, out=col)
        dt[sub, i] = col
        t = t + np.where(bad[:, i], 0.0, np.exp2(col))
        if np.all(t >= horizon):
            break


def _simulate_feasible(prm: DrawParams, rows: np.ndarray, horizon: float):
    """Paths of draws whose improvements are usable at once (no step loop).

    With U = i the doubling times follow from the parameters alone:
    log2 DT_i = sum_{j<=i} p / r_j + log2(size_i) - log2 S_0 - p i.
    """
    n_doublings = max(1, int(np.ceil(prm.software_doublings[rows].max(initial=0.0))))
    j = np.arange(n_doublings, dtype=float)[None, :]
    p = prm.penalty[rows][:, None]
    size = prm.software_doublings[rows][:, None] - j
    np.clip(size, 0.0, 1.0, out=size)
    invalid = size <= 0
    # ideas get harder: log2 D_i = sum_{1<=j<=i} p / r_j, r_j = r0 (1 - j / L)
    limit = prm.limit_doublings[rows][:, None]
    work = 1.0 - j / np.where(limit > 0, limit, 1.0)
    work *= prm.r0[rows][:, None]
    np.maximum(work, R_FLOOR, out=work)
    np.divide(p, work, out=work)
    work[:, 0] = 0.0
    work[invalid] = 0.0
    np.cumsum(work, axis=1, out=work)
    np.minimum(work, LOG2_WORK_MAX, out=work)
    # log2 DT_i = log2 D_i + log2(size_i) - log2 S_0 - p log2 R_i (R_i = 2^i without CES)
    dt = np.log2(size, out=np.zeros_like(size), where=~invalid)
    dt += work
    dt -= prm.log2_speed0[rows][:, None]
    share = prm.compute_share[rows]
    grow = (share > 0) & (prm.compute_ooms_per_month[rows] > 0)
    if np.any(share > 0):  # CES research input; C / L0 = 2^log2_compute0 while frozen
        dt -= p * log2_research_input(share[:, None], prm.rho[rows][:, None], j,
                                      prm.log2_compute0[rows][:, None])
    else:
        dt -= p * j
    if np.any(grow):  # C(t) grows: doubling i's speed depends on its start time t_i
        _sequential_log2_dt(prm, rows[grow], dt, grow, invalid, j, horizon)
    np.clip(dt, LOG2_DT_MIN, LOG2_DT_MAX, out=dt)
    np.exp2(dt, out=dt)
    dt[invalid] = 0.0
    end = np.cumsum(dt, axis=1)
    start = np.empty_like(end)
    start[:, 0] = 0.0
    start[:, 1:] = end[:, :-1]  # exactly the previous end, as in the step loop
    processed = start < horizon
    processed &= ~invalid
    completed = end <= horizon
    completed &= processed
    n_done = completed.sum(axis=1)
    doublings = size + j
    # the last point: where the horizon cuts a doubling, or the horizon after software stops
    cut = processed & ~completed
    has_cut = cut.any(axis=1)
    k_cut = np.argmax(cut, axis=1)
    r = np.arange(rows.size)
    dt_cut = dt[r, k_cut]
    share = np.minimum(np.divide(horizon - start[r, k_cut], dt_cut, out=np.ones_like(dt_cut),
                                 where=dt_cut > 0), 1.0)
    x_last = np.where(n_done > 0, doublings[r, np.maximum(n_done - 1, 0)], 0.0)
    t_last = np.where(n_done > 0, end[r, np.maximum(n_done - 1, 0)], 0.0)
    x_final = np.where(has_cut, k_cut + size[r, k_cut] * share, x_last)
    has_final = has_cut | (t_last < horizon)

    k = n_doublings + 3
    months = np.zeros((rows.size, k))
    doubl = np.zeros((rows.size, k))
    months[:, 2:-1], doubl[:, 2:-1] = end, doublings
    months[r, n_done + 2], doubl[r, n_done + 2] = horizon, x_final
    ooms = _ooms(prm, rows, months, doubl)
    ooms[:, 0] = 0.0  # the path starts before the instant jump
    return _pad(months, ooms, n_done + 2 + has_final, k)


def _simulate_latency(prm: DrawParams, rows: np.ndarray, horizon: float):
    """Paths of draws that wait for successor training (event loop over doublings).

    All active draws do doubling i in step i. A training boundary inside a doubling
    adds a breakpoint there (the speed changes); the rest runs at the new speed.
    """
    count = np.zeros(rows.size, dtype=np.int64)
    chunks = []  # (local rows, position, months, ooms), in time order per row

    def emit(local, months, ooms):
        if local.size:
            chunks.append((local, count[local], months, ooms))
            count[local] += 1

    local = np.arange(rows.size)
    zeros = np.zeros(rows.size)
    emit(local, zeros, zeros)
    emit(local, zeros, prm.jump_ooms[rows])
    t, usable, log2_work = zeros.copy(), zeros.copy(), zeros.copy()
    for i in range(MAX_SOFTWARE_DOUBLINGS):
        if local.size == 0:
            break
        g = rows[local]
        p, cap = prm.penalty[g], prm.software_doublings[g]
        size = np.minimum(1.0, cap - i)  # the last doubling may stop at the limit
        if i > 0:
            r_i = np.maximum(prm.r0[g] * (1.0 - i / prm.limit_doublings[g]), R_FLOOR)
            log2_work = np.minimum(log2_work + p / r_i, LOG2_WORK_MAX)
        log2_need = log2_work + np.log2(size)
        retrain = prm.retrain_months[g]
        waits = retrain > 0  # always here; kept safe for retrain_months = 0
        boundary = np.where(waits, retrain * np.ceil(t / np.where(waits, retrain, 1.0)), t)
        usable = np.where(boundary <= t, float(i), usable)
        log2_s0 = prm.log2_speed0[g]
        share, rho = prm.compute_share[g], prm.rho[g]
        r_old = log2_research_input(share, rho, usable, _log2_compute(prm, g, t))
        r_new = log2_research_input(share, rho, float(i), _log2_compute(prm, g, boundary))
        dt_old = np.exp2(np.clip(log2_need - log2_s0 - p * r_old, LOG2_DT_MIN, LOG2_DT_MAX))
        dt_new = np.exp2(np.clip(log2_need - log2_s0 - p * r_new, LOG2_DT_MIN, LOG2_DT_MAX))
        gap = boundary - t
        crossed = (gap > 0) & (gap < dt_old)  # a successor arrives mid-doubling
        frac = np.where(crossed, gap / dt_old, 0.0)
        end = np.where(crossed, boundary + (1.0 - frac) * dt_new, t + dt_old)
        usable = np.where(crossed, float(i), usable)

        kink = crossed & (boundary < horizon)
        kx = i + size[kink] * frac[kink]
        emit(local[kink], boundary[kink], _ooms(prm, g[kink], boundary[kink], kx))
        over = end > horizon
        at_horizon = np.where(kink, frac + (horizon - boundary) / dt_new, (horizon - t) / dt_old)
        done_x = np.where(over, i + size * np.minimum(at_horizon, 1.0), i + size)
        done_t = np.where(over, horizon, end)
        emit(local, done_t, _ooms(prm, g, done_t, done_x))
        software_done = (size < 1.0) | (i + 1 >= cap)
        tail = software_done & (end < horizon)  # compute keeps going to the horizon
        tail_t = np.full(tail.sum(), horizon)
        emit(local[tail], tail_t, _ooms(prm, g[tail], tail_t, done_x[tail]))
        keep = ~(over | software_done | (end >= horizon))
        local, t, usable, log2_work = local[keep], end[keep], usable[keep], log2_work[keep]

    k = int(count.max())
    months, ooms = np.zeros((rows.size, k)), np.zeros((rows.size, k))
    for loc, pos, mo, oo in chunks:
        months[loc, pos], ooms[loc, pos] = mo, oo
    return _pad(months, ooms, count, k)


def simulate_takeoff(*, rsi_feasible, retrain_months, returns_r, parallel_penalty, speedup,
                     instant_jump_ooms, limit_ooms, software_doubling_months,
                     compute_growth_per_year, compute_during_takeoff, compute_share=0.0,
                     substitution_elasticity=np.inf,
                     horizon_months: float = 240.0) -> TakeoffPaths:
    """Simulate progress paths for n draws at once (DESIGN.md section 2).

    Array arguments broadcast to (n,). Units: retrain_months and
    software_doubling_months in months, speedup a multiplier, limit_ooms and
    instant_jump_ooms in OOMs, compute_growth_per_year a factor per year,
    compute_during_takeoff a fraction; rsi_feasible boolean (retrain_months is
    ignored where it is True); compute_share (0-1) and substitution_elasticity
    (sigma > 0) make research input a CES aggregate of AI labour and research
    compute (issue 10; defaults: no bottleneck). Returns paths on [0, horizon_months].
    Source: Davidson & Houlden (2025), Forethought; latency model: docs/simulator.md.
    """
    prm = broadcast_params(
        rsi_feasible=rsi_feasible, retrain_months=retrain_months, returns_r=returns_r,
        parallel_penalty=parallel_penalty, speedup=speedup, instant_jump_ooms=instant_jump_ooms,
        limit_ooms=limit_ooms, software_doubling_months=software_doubling_months,
        compute_growth_per_year=compute_growth_per_year,
        compute_during_takeoff=compute_during_takeoff, compute_share=compute_share,
        substitution_elasticity=substitution_elasticity)
    horizon = float(horizon_months)
    if not horizon > 0:
        raise ValueError("simulate_takeoff needs horizon_months > 0")
    n = prm.r0.size
    waits = (prm.retrain_months > 0) & (prm.software_doublings > 0)
    parts = [(rows, _simulate_latency(prm, rows, horizon))
             for rows in [np.flatnonzero(waits)] if rows.size]
    # feasible draws in blocks of similar length (sorted by doublings): each block is
    # only as wide as its own longest path, at most _FEASIBLE_BLOCK_CELLS cells
    feasible = np.flatnonzero(~waits)
    n_doublings = np.maximum(np.ceil(prm.software_doublings[feasible]), 1.0)
    order = np.argsort(n_doublings, kind="stable")
    feasible, n_doublings = feasible[order], n_doublings[order]
    a = 0
    while a < feasible.size:
        width = int(n_doublings[min(a + _FEASIBLE_BLOCK_ROWS, feasible.size) - 1])
        b = a + max(1, min(_FEASIBLE_BLOCK_ROWS, _FEASIBLE_BLOCK_CELLS // width))
        parts.append((feasible[a:b], _simulate_feasible(prm, feasible[a:b], horizon)))
        a = b
    k = max(m.shape[1] for _, (m, _, _) in parts)
    months, ooms = np.empty((n, k)), np.empty((n, k))
    lengths = np.empty(n, dtype=np.int64)
    for rows, (m, x, count) in parts:
        months[rows, :m.shape[1]], ooms[rows, :m.shape[1]] = m, x
        months[rows, m.shape[1]:] = m[:, -1:]
        ooms[rows, m.shape[1]:] = x[:, -1:]
        lengths[rows] = count
    return TakeoffPaths(months, ooms, lengths)
