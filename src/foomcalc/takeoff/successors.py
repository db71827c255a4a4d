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

Only the takeoff time uses the step function. Compression ("X years of progress within
Y months") is measured on the discovered research path P(t) itself (docs/decisions.md):
a release that ships a generation's work at once is not that work done in an instant.
"""

from __future__ import annotations

import numpy as np


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
