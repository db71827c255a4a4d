"""The takeoff simulator as a compiled kernel (numba): outcomes without paths.

`outcomes` uses this module. Per draw, one walk along the same piecewise-linear path as
the per-draw reference (`simulate_loop.simulate_one`, the oracle: the same recursion in
the same order of operations) yields

- the first passage of every gap (months since t = 0: the takeoff time on the
  discovered research path), settled as the breakpoints arrive, and
- the most progress (OOMs) in any window of each length (compression), from the
  breakpoints of that one draw right after the walk.

No (draws x breakpoints) paths are built: a draw's breakpoints live in a scratch buffer
of at most 2 * MAX_SOFTWARE_DOUBLINGS + 8 points that the next draw overwrites. The
kernel covers everything the numpy simulator (`simulate`) does: both seed-AI RSI
branches (retrain_months 0, or successor-training latency), the instant jump at t = 0,
the limit, compute growth during takeoff and the CES compute bottleneck
(docs/simulator.md). It releases the GIL, so slices of the draws run on a few worker
threads. It is compiled once per machine: every input is converted to writable
C-contiguous float64 arrays (one specialisation) and the machine code is cached on disk
(`cache=True`). Units: time in months, progress in OOMs (log10) of effective compute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
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
)

#: Breakpoints of one path at most: (0, 0), the jump, a successor kink and an end per
#: doubling, the horizon.
_CAPACITY = 2 * MAX_SOFTWARE_DOUBLINGS + 8
_PARTS_PER_THREAD = 4  # slices of the draws per worker thread (load balance)
_MIN_PART_DRAWS = 2048  # fewer draws than this per slice run in the calling thread
_NEGLIGIBLE_LOG2 = 54.0  # 1 + 2^-54 == 1 in float64
_LOG2_10 = 1.0 / LOG10_2  # log2 of research compute = this x OOMs of compute


@dataclass(frozen=True)
class TakeoffOutcomes:
    """What the kernel measures, per draw, on the discovered research path.

    first_passage_months: (n, G) first time progress >= each gap (months since t = 0;
        0 when the instant jump covers it, inf when not reached by the horizon).
    window_gain_ooms: (n, W) most progress (OOMs) in any window of `window_months[w]`
        months inside [0, horizon]; the instant jump counts.
    window_months: the W window lengths, months.
    """

    first_passage_months: np.ndarray
    window_gain_ooms: np.ndarray
    window_months: tuple[float, ...]


@numba.njit(cache=True, inline="always", error_model="numpy")
def _log2_input(share: float, rho: float, log2_a: float, log2_share: float, labour: float,
                log2_compute: float) -> float:
    """log2 of the CES research input, as simulate_loop.research_input_log2 (up to
    rounding: two divisions are multiplications by reciprocals here)."""
    if share == 0.0:
        return labour
    if rho == 0.0:
        return (1.0 - share) * labour + share * log2_compute
    x = log2_a + rho * labour
    y = log2_share + rho * log2_compute
    # log2(2^x + 2^y) = top + log2(1 + 2^-(gap)); below 2^-54 the sum rounds to 1 exactly.
    # 1 / rho does not depend on the path: a multiplication keeps a division off the
    # chain of dependent operations from one doubling to the next
    if x >= y:
        if y - x < -_NEGLIGIBLE_LOG2:
            return x * (1.0 / rho)
        return (x + math.log2(1.0 + 2.0 ** (y - x))) * (1.0 / rho)
    if x - y < -_NEGLIGIBLE_LOG2:
        return y * (1.0 / rho)
    return (y + math.log2(2.0 ** (x - y) + 1.0)) * (1.0 / rho)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _doubling_months(log2_work: float, log2_speed: float) -> float:
    return 2.0 ** min(max(log2_work - log2_speed, LOG2_DT_MIN), LOG2_DT_MAX)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _interp(tb, xb, j: int, q: float) -> float:
    """np.interp(q) on breakpoints tb, xb given j, the last index with tb[j] <= q <
    tb[j + 1]: the same arithmetic as numpy's, so window maxima match the oracle."""
    if tb[j] == q:
        return xb[j]
    slope = (xb[j + 1] - xb[j]) / (tb[j + 1] - tb[j])
    out = slope * (q - tb[j]) + xb[j]
    if math.isnan(out):
        out = slope * (q - tb[j + 1]) + xb[j + 1]
        if math.isnan(out) and xb[j] == xb[j + 1]:
            out = xb[j]
    return out


@numba.njit(cache=True, inline="always", error_model="numpy")
def _emit(m, t, x, tb, xb, gaps, passage):
    """Append breakpoint m = (t months, x OOMs); settle the first passage of every gap
    it reaches: the first breakpoint with x >= gap, interpolated on the segment that
    reaches it (as takeoff_paths.first_passage_months; passage < 0: not reached yet).
    Returns m + 1."""
    tb[m] = t
    xb[m] = x
    for g in range(gaps.size):
        if passage[g] < 0.0 and not x < gaps[g]:
            if m == 0:
                passage[g] = 0.0
            else:
                t0, x0 = tb[m - 1], xb[m - 1]
                rise = x - x0
                frac = (gaps[g] - x0) / rise if rise > 0.0 else 0.0
                passage[g] = t0 + min(max(frac, 0.0), 1.0) * (t - t0)
    return m + 1


@numba.njit(cache=True, inline="always", error_model="numpy")
def _kinks(tb, xb, m: int, starts, ends):
    """Breakpoints where a best window can start (P's slope does not fall there, or the
    path starts) and where one can end (the slope does not rise there, or the path ends).

    The gain g(s) = P(s + w) - P(s) is piecewise linear in the window start s and has a
    local maximum only where its slope falls: at s = t_k where P's slope rises, or at
    s = t_k - w where it falls; the maximum over [0, horizon - w] is at one of those or
    at an end. Slopes are compared by cross products (no division: a vertical segment,
    the instant jump, has infinite slope); ties count as both. Fills `starts`, `ends`
    with indices into tb, xb; returns (n_starts, n_ends).
    """
    n_starts, n_ends = 1, 0
    starts[0] = 0
    for k in range(1, m - 1):
        rise_after = (xb[k + 1] - xb[k]) * (tb[k] - tb[k - 1])  # slope after, x dt before
        rise_before = (xb[k] - xb[k - 1]) * (tb[k + 1] - tb[k])  # slope before, x dt after
        if not rise_before > rise_after:
            starts[n_starts] = k
            n_starts += 1
        if not rise_after > rise_before:
            ends[n_ends] = k
            n_ends += 1
    ends[n_ends] = m - 1
    return n_starts, n_ends + 1


@numba.njit(cache=True, inline="always", error_model="numpy")
def _window_gain(tb, xb, m: int, w: float, starts, n_starts: int, ends,
                 n_ends: int) -> float:
    """Most progress in any w-month window of the path tb[:m], xb[:m] (last point at the
    horizon), as takeoff_paths.max_progress_in_window: the best window starts or ends at
    a breakpoint, one of `_kinks`'s. Two sweeps with one monotone pointer each; a
    candidate whose bound cannot beat the best so far is not interpolated."""
    last = m - 1
    horizon = tb[last]
    if horizon <= w:
        return xb[last] - xb[0]
    best = -np.inf
    j = 0
    for c in range(n_ends):  # windows ending at breakpoint k: x_k - P(t_k - w)
        k = ends[c]
        if tb[k] < w:
            continue
        q = tb[k] - w
        while j < k and tb[j + 1] <= q:  # stops at k at the latest: tb[k] > q
            j += 1
        if xb[k] - xb[j] > best:  # P(q) >= xb[j]
            gain = xb[k] - _interp(tb, xb, j, q)
            if gain > best:
                best = gain
    j = 0
    for c in range(n_starts):  # windows starting at breakpoint s: P(t_s + w) - x_s
        s = starts[c]
        if tb[s] > horizon - w:
            break
        q = tb[s] + w
        if q >= horizon:
            gain = xb[last] - xb[s]
        else:
            while tb[j + 1] <= q:  # stops at last: horizon > q
                j += 1
            if xb[j + 1] - xb[s] <= best:  # P(q) <= xb[j + 1]
                continue
            gain = _interp(tb, xb, j, q) - xb[s]
        if gain > best:
            best = gain
    return best


@numba.njit(cache=True, inline="always", error_model="numpy")
def _one_draw(r0, penalty, log2_speed0, limit_doublings, software_doublings, retrain,
              jump, compute_per_month, share, rho, log2_c0, horizon, gaps, tb, xb,
              passage) -> int:
    """Walk one draw's path (simulate_loop.simulate_one, step for step) into tb, xb and
    settle its first passages; returns the number of breakpoints."""
    passage[:] = -1.0
    log2_a = math.log2(1.0 - share)
    log2_share = math.log2(share) if share > 0.0 else -np.inf
    m = _emit(0, 0.0, 0.0, tb, xb, gaps, passage)
    m = _emit(m, 0.0, jump, tb, xb, gaps, passage)
    t, usable, log2_work, i, doublings = 0.0, 0.0, 0.0, 0, 0.0
    done = False  # the horizon point is emitted
    while i < software_doublings:
        size = min(1.0, software_doublings - i)  # the last doubling may stop at the limit
        if i > 0:  # ideas get harder: r decays linearly to 0 at the limit
            r_i = max(r0 * (1.0 - i / limit_doublings), R_FLOOR)
            log2_work = min(log2_work + penalty / r_i, LOG2_WORK_MAX)
        log2_need = log2_work + math.log2(size) if size < 1.0 else log2_work  # log2(1) = 0
        boundary = retrain * np.ceil(t / retrain) if retrain > 0.0 else t
        if boundary <= t:
            usable = float(i)  # the workforce uses every completed doubling
        speed = log2_speed0 + penalty * _log2_input(
            share, rho, log2_a, log2_share, usable, compute_per_month * t * _LOG2_10 + log2_c0)
        dt_old = _doubling_months(log2_need, speed)
        if boundary > t and boundary - t < dt_old:
            # a successor arrives mid-doubling: the rest of it runs at the new speed
            speed = log2_speed0 + penalty * _log2_input(
                share, rho, log2_a, log2_share, float(i),
                compute_per_month * boundary * _LOG2_10 + log2_c0)
            dt_new = _doubling_months(log2_need, speed)
            frac = (boundary - t) / dt_old
            end = boundary + (1.0 - frac) * dt_new
            usable = float(i)
            if boundary < horizon:
                m = _emit(m, boundary, jump + LOG10_2 * (i + size * frac)
                          + compute_per_month * boundary, tb, xb, gaps, passage)
            if end > horizon:
                if boundary < horizon:
                    part = frac + (horizon - boundary) / dt_new
                else:
                    part = (horizon - t) / dt_old
                doublings = i + size * min(part, 1.0)
                done = True
                break
        else:
            end = t + dt_old
            if end > horizon:
                doublings = i + size * min((horizon - t) / dt_old, 1.0)
                done = True
                break
        doublings = i + size
        m = _emit(m, end, jump + LOG10_2 * doublings + compute_per_month * end, tb, xb,
                  gaps, passage)
        t, i = end, i + 1
        if size < 1.0 or i >= software_doublings:
            break
        if t >= horizon:
            return m
    if done or t < horizon:  # cut at the horizon, or software stopped and compute goes on
        m = _emit(m, horizon, jump + LOG10_2 * doublings + compute_per_month * horizon, tb,
                  xb, gaps, passage)
    return m


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _kernel(r0, penalty, log2_speed0, limit_doublings, software_doublings, retrain, jump,
            compute_per_month, share, rho, log2_c0, horizon, gaps, windows, passage_out,
            window_out):
    """Outcomes of every draw (row) of the input arrays; releases the GIL."""
    tb = np.empty(_CAPACITY)
    xb = np.empty(_CAPACITY)
    starts = np.empty(_CAPACITY, dtype=np.int64)
    ends = np.empty(_CAPACITY, dtype=np.int64)
    passage = np.empty(gaps.shape[1])
    for d in range(r0.size):
        m = _one_draw(r0[d], penalty[d], log2_speed0[d], limit_doublings[d],
                      software_doublings[d], retrain[d], jump[d], compute_per_month[d],
                      share[d], rho[d], log2_c0[d], horizon, gaps[d], tb, xb, passage)
        for g in range(passage.size):
            passage_out[d, g] = passage[g] if passage[g] >= 0.0 else np.inf
        if windows.size == 0:
            continue
        n_starts, n_ends = _kinks(tb, xb, m, starts, ends)
        for k in range(windows.size):
            window_out[d, k] = _window_gain(tb, xb, m, windows[k], starts, n_starts, ends,
                                            n_ends)


def _threads() -> int:
    """Worker threads: numba's thread count (NUMBA_NUM_THREADS; default the CPU count)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]


def _as_f8(a) -> np.ndarray:
    """A writable, C-contiguous float64 array (numba compiles one specialisation per
    layout and per read-only flag; these are the only ones the kernel ever sees)."""
    a = np.asarray(a)
    if a.dtype == np.float64 and a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, dtype=np.float64, order="C")


def kernel_outcomes(prm: DrawParams, gap_ooms, window_months: Sequence[float],
                    horizon_months: float) -> TakeoffOutcomes:
    """First passages and window maxima for draws already in internal units.

    gap_ooms: (n,) or (n, G) gaps in OOMs (one column per gap); window_months: window
    lengths in months (> 0); horizon_months > 0.
    """
    n = prm.r0.size
    horizon = float(horizon_months)
    if not horizon > 0:
        raise ValueError("takeoff_outcomes needs horizon_months > 0")
    if prm.software_doublings.max(initial=0.0) > MAX_SOFTWARE_DOUBLINGS:
        raise ValueError("DrawParams.software_doublings exceeds MAX_SOFTWARE_DOUBLINGS")
    windows = _as_f8(np.atleast_1d(np.asarray(window_months, dtype=float)).ravel())
    if not np.all(windows > 0):
        raise ValueError("takeoff_outcomes needs window_months > 0")
    gaps = np.asarray(gap_ooms, dtype=float)
    gaps = gaps.reshape(-1, 1) if gaps.ndim < 2 else gaps  # one gap column
    gaps = _as_f8(np.broadcast_to(gaps, (n, gaps.shape[1])))
    passage = np.empty((n, gaps.shape[1]))
    gain = np.empty((n, windows.size))
    columns = [_as_f8(a) for a in (
        prm.r0, prm.penalty, prm.log2_speed0, prm.limit_doublings, prm.software_doublings,
        prm.retrain_months, prm.jump_ooms, prm.compute_ooms_per_month, prm.compute_share,
        prm.rho, prm.log2_compute0)]

    def run(a: int, b: int) -> None:
        _kernel(*(c[a:b] for c in columns), horizon, gaps[a:b], windows, passage[a:b],  # type: ignore[call-arg]
                gain[a:b])

    # the kernel releases the GIL: slices of the draws run on worker threads, started
    # for this call (~0.1 ms) and ended with it, so that no thread outlives the call
    # (forked.can_fork: a process with no other thread may fork)
    parts = min(_threads() * _PARTS_PER_THREAD, n // _MIN_PART_DRAWS)
    if parts <= 1:
        run(0, n)
    else:
        bounds = np.linspace(0, n, parts + 1).astype(int)
        with ThreadPoolExecutor(_threads(), thread_name_prefix="foomcalc-kernel") as pool:
            list(pool.map(run, bounds[:-1], bounds[1:]))
    return TakeoffOutcomes(passage, gain, tuple(float(w) for w in windows))


def takeoff_outcomes(*, rsi_feasible, retrain_months, returns_r, parallel_penalty, speedup,
                     instant_jump_ooms, limit_ooms, software_doubling_months,
                     compute_growth_per_year, compute_during_takeoff, gap_ooms,
                     window_months: Sequence[float] = (), compute_share=0.0,
                     substitution_elasticity=np.inf,
                     horizon_months: float = 240.0) -> TakeoffOutcomes:
    """Takeoff outcomes of n draws, computed by the compiled kernel without paths.

    The simulator inputs are those of `simulate.simulate_takeoff` (same units and
    checks; arrays broadcast to (n,)). gap_ooms: (n,) or (n, G) capability gaps in
    OOMs of effective compute; window_months: compression window lengths in months.
    Returns, on the discovered research path over [0, horizon_months], the first
    passage of each gap (months) and each window's maximum gain (OOMs), equal to
    `first_passage_months` and `max_progress_in_window` of `simulate_takeoff`'s paths.
    """
    prm = broadcast_params(
        rsi_feasible=rsi_feasible, retrain_months=retrain_months, returns_r=returns_r,
        parallel_penalty=parallel_penalty, speedup=speedup, instant_jump_ooms=instant_jump_ooms,
        limit_ooms=limit_ooms, software_doubling_months=software_doubling_months,
        compute_growth_per_year=compute_growth_per_year,
        compute_during_takeoff=compute_during_takeoff, compute_share=compute_share,
        substitution_elasticity=substitution_elasticity)
    return kernel_outcomes(prm, gap_ooms, window_months, horizon_months)
