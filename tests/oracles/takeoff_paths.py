"""Piecewise-linear takeoff paths and what outcomes measure on them (numpy, vectorised).

`TakeoffPaths` is what the path simulators return (`simulate.simulate_takeoff`, vectorised;
`simulate_loop.simulate_takeoff_loop`, per draw). `first_passage_months` and
`max_progress_in_window` measure takeoff time and compression on such paths. The
compiled kernel (`kernel`) computes the same two outcomes without building paths; tests
compare the two. Time in months since t = 0, progress in OOMs of effective compute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_INTERP_BLOCK_ROWS = 256  # rows per np.interp call (bounds the row-offset rounding)
_WINDOW_BLOCK_ROWS = 1024  # rows of similar length trimmed to a common width


@dataclass(frozen=True)
class TakeoffPaths:
    """Piecewise-linear progress paths, one row per draw.

    months: (n, K) breakpoint times, months since t = 0, nondecreasing; row 0 of each
        path is (0, 0) and the instant jump is a vertical segment at t = 0; the last
        breakpoint is at the horizon; padded with repeated last values.
    progress_ooms: (n, K) cumulative progress at the breakpoints, OOMs of effective
        compute, nondecreasing, linear between breakpoints.
    """

    months: np.ndarray
    progress_ooms: np.ndarray
    #: (n,) breakpoints per row before the padding, when known (simulate_takeoff sets it)
    lengths: np.ndarray | None = None


def first_passage_months(paths: TakeoffPaths, gap_ooms) -> np.ndarray:
    """First time (months) at which progress >= gap_ooms, per draw.

    Exact for the piecewise-linear paths; 0 if the instant jump (or a gap <= 0)
    already covers the gap; np.inf if the gap is not reached by the horizon.
    """
    t, x = paths.months, paths.progress_ooms
    gap = np.broadcast_to(np.asarray(gap_ooms, dtype=float), (t.shape[0],))
    j = (x < gap[:, None]).sum(axis=1)  # first index with progress >= gap
    reached = j < t.shape[1]
    hi = np.minimum(j, t.shape[1] - 1)
    lo = np.maximum(hi - 1, 0)
    rows = np.arange(t.shape[0])
    t0, t1, x0, x1 = t[rows, lo], t[rows, hi], x[rows, lo], x[rows, hi]
    rise = x1 - x0
    frac = np.divide(gap - x0, rise, out=np.zeros_like(rise), where=rise > 0)
    out = np.where(j == 0, 0.0, t0 + np.clip(frac, 0.0, 1.0) * (t1 - t0))
    return np.where(reached, out, np.inf)


def _interp_rows(t: np.ndarray, x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Row-wise linear interpolation of paths (t, x) at times q (n, m).

    Rows are shifted apart by a row offset so a single np.interp serves a block of
    rows; blocks keep the offsets small (rounding ~1e-11 months). At a repeated time
    (vertical segment) np.interp returns the last, i.e. highest, value.
    """
    n = t.shape[0]
    span = max(float(np.max(t, initial=0.0)), float(np.max(q, initial=0.0))) + 1.0
    out = np.empty(q.shape)
    for a in range(0, n, _INTERP_BLOCK_ROWS):
        b = min(n, a + _INTERP_BLOCK_ROWS)
        offset = (np.arange(b - a, dtype=float) * span)[:, None]
        out[a:b] = np.interp((q[a:b] + offset).ravel(), (t[a:b] + offset).ravel(),
                             x[a:b].ravel()).reshape(b - a, -1)
    return out


def path_lengths(paths: TakeoffPaths) -> np.ndarray:
    """Breakpoints per row before the padding (repeats of the last breakpoint), >= 1."""
    t, x = paths.months, paths.progress_ooms
    differs = (t != t[:, -1:]) | (x != x[:, -1:])
    last = t.shape[1] - 1 - np.argmax(differs[:, ::-1], axis=1)  # last differing column
    return np.where(differs.any(axis=1), last + 2, 1)


def _max_gain_block(t: np.ndarray, x: np.ndarray, w: float) -> np.ndarray:
    """`max_progress_in_window` for rows whose horizons (last times) all exceed w."""
    horizon = t[:, -1:]
    # windows starting at breakpoint k (its own value is the lowest of any vertical
    # group's first member) and windows ending at breakpoint k (the highest: last member)
    gain_from = np.where(t <= horizon - w, _interp_rows(t, x, np.minimum(t + w, horizon)) - x,
                         -np.inf)
    gain_to = np.where(t >= w, x - _interp_rows(t, x, np.maximum(t - w, 0.0)), -np.inf)
    return np.maximum(gain_from.max(axis=1), gain_to.max(axis=1))


def max_progress_in_window(paths: TakeoffPaths, window_months: float) -> np.ndarray:
    """Most progress (OOMs) gained in any window [s, s + window] inside [0, horizon].

    Exact for piecewise-linear paths (up to ~1e-11 months of rounding): the gain is
    piecewise linear in s with kinks where s or s + window meets a breakpoint, so
    the maximum is at a window that starts or ends at a breakpoint. The instant jump
    at t = 0 counts (progress gained in zero time): the path starts at (0, 0). If the
    window is longer than a row's horizon, returns that row's progress at the horizon.
    Rows are processed in blocks of similar length, trimmed of their padding (a few
    long explosive paths set the padded width, ~20x the typical row's).
    """
    t, x = paths.months, paths.progress_ooms
    w = float(window_months)
    out = x[:, -1] - x[:, 0]
    rows = np.flatnonzero(t[:, -1] > w)
    lengths = paths.lengths[rows] if paths.lengths is not None else (
        path_lengths(TakeoffPaths(t[rows], x[rows])) if rows.size else rows)
    rows = rows[np.argsort(lengths, kind="stable")]
    lengths = np.sort(lengths)
    for a in range(0, rows.size, _WINDOW_BLOCK_ROWS):
        block = rows[a:a + _WINDOW_BLOCK_ROWS]
        k = int(lengths[min(a + _WINDOW_BLOCK_ROWS, rows.size) - 1])
        out[block] = _max_gain_block(t[block, :k], x[block, :k], w)
    return out
