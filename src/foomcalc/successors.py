"""Capability realised only by training successors ("RSI at home").

When seed-AI RSI is not feasible, a deep net cannot rewrite itself: every improvement,
in software or from new compute, reaches a deployed model only when a successor is
trained. Successors finish at generation boundaries t = R, 2R, ... (R = retrain_months),
so the *realised* capability is a step function of the discovered progress P(t) that
the simulator computes (where the research workforce is itself frozen within a
generation, simulate.py):

    realised(t) = P(R * floor(t / R)),  with realised(0) = P(0) = the instant jump.

This is the seed essay's distinction: a hard takeoff needs the gap crossed within the
window, which successor training of months rules out unless an overhang covers it.
As R -> 0 the step function tends to P(t) (tests check it).
"""

from __future__ import annotations

import numpy as np

from foomcalc.simulate import TakeoffPaths, max_progress_in_window

#: Boundaries evaluated per draw for the compression metric; a draw with more (R under
#: horizon / MAX_BOUNDARIES, ~7 days for 240 months) uses the continuous path instead,
#: an error of at most one generation's progress. First passage is always exact.
MAX_BOUNDARIES = 1000


def realised_first_passage(
    discovered_months: np.ndarray, retrain_months: np.ndarray, horizon_months: float
) -> np.ndarray:
    """First time realised progress reaches the gap: the first boundary at or after the
    discovered first passage (0 if the jump covers it; inf beyond the horizon)."""
    t = np.asarray(discovered_months, dtype=float)
    r = np.broadcast_to(np.asarray(retrain_months, dtype=float), t.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        ceil = np.where(np.isfinite(t) & (r > 0), r * np.ceil(t / np.where(r > 0, r, 1.0)), t)
    # floating-point: t an exact multiple of r must not move to the next boundary
    ceil = np.where(np.isclose(ceil - r, t, rtol=1e-12, atol=0.0), ceil - r, ceil)
    ceil = np.where(t <= 0, 0.0, ceil)
    return np.where(ceil > horizon_months, np.inf, ceil)


def _progress_at(paths: TakeoffPaths, rows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Discovered progress of draws `rows` at `times` (> 0), by one flattened np.interp."""
    months = paths.months
    span = float(np.nanmax(months)) + 1.0
    xp = (months + span * np.arange(months.shape[0])[:, None]).ravel()
    return np.interp(times + span * rows, xp, paths.progress_ooms.ravel())


def realised_max_progress_in_window(
    paths: TakeoffPaths, retrain_months: np.ndarray, window_months: float
) -> np.ndarray:
    """Max realised progress (OOMs) gained within any window of `window_months`.

    A window (t, t + Y] holds at most k = ceil(Y / R) boundaries, so the best window gains
    P((m + k) R) - P(m R) for some m >= 0, or, starting just before t = 0 (so the jump
    counts), P(floor(Y / R) R) - 0.
    """
    n = paths.months.shape[0]
    horizon = paths.months[:, -1]
    r = np.broadcast_to(np.asarray(retrain_months, dtype=float), (n,))
    n_bound = np.floor(horizon / np.where(r > 0, r, np.inf)).astype(np.int64)
    exact = (r > 0) & (n_bound <= MAX_BOUNDARIES)
    out = np.empty(n)
    approx = np.flatnonzero(~exact)
    if approx.size:  # continuous path: the R -> 0 limit
        out[approx] = max_progress_in_window(_subset(paths, approx), window_months)
    rows = np.flatnonzero(exact)
    if rows.size == 0:
        return out
    counts = n_bound[rows] + 1  # boundaries 0..M
    row_of = np.repeat(rows, counts)
    starts = np.cumsum(counts) - counts
    m = np.arange(counts.sum()) - np.repeat(starts, counts)
    values = _progress_at(paths, row_of, np.maximum(m * r[row_of], 1e-300))
    values[starts] = _at_zero(paths, rows)
    k = np.ceil(window_months / r[rows] - 1e-12).astype(np.int64)
    whole = np.floor(window_months / r[rows] + 1e-12).astype(np.int64)
    best = values[starts + np.minimum(whole, counts - 1)]  # window starting just before 0
    # spans of k boundaries: index pairs (s + m, s + m + k) with m + k <= M
    lengths = np.maximum(counts - k, 0)
    if lengths.sum():
        owner = np.repeat(np.arange(rows.size), lengths)
        offs = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        lo = starts[owner] + offs
        gains = values[lo + k[owner]] - values[lo]
        span_best = np.full(rows.size, -np.inf)
        np.maximum.at(span_best, owner, gains)
        best = np.maximum(best, span_best)
    out[rows] = best
    return out


def _subset(paths: TakeoffPaths, rows: np.ndarray) -> TakeoffPaths:
    lengths = None if paths.lengths is None else paths.lengths[rows]
    return TakeoffPaths(paths.months[rows], paths.progress_ooms[rows], lengths)


def _at_zero(paths: TakeoffPaths, rows: np.ndarray) -> np.ndarray:
    """Progress at t = 0 after the instant jump (the top of the vertical segment at 0)."""
    at_zero = np.where(paths.months[rows] <= 0.0, paths.progress_ooms[rows], -np.inf)
    return at_zero.max(axis=1)
