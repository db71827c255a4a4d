"""Simulator inputs shared by the simulator tests: one reference draw and random wide
draws (keyword arguments of `simulate_takeoff` / `takeoff_outcomes`)."""

from __future__ import annotations

import numpy as np

#: OOMs: r stays constant to ~1e-13 over the simulated doublings.
HUGE_LIMIT = 1e15


def reference_params(**overrides) -> dict:
    """One simulator draw: r = 1, p = 0.4, 8x speed-up, no jump, no limit, 3-month
    software doublings, 16x compute a year, frozen compute; `overrides` replace any."""
    base = dict(rsi_feasible=True, retrain_months=0.0, returns_r=1.0, parallel_penalty=0.4,
                speedup=8.0, instant_jump_ooms=0.0, limit_ooms=HUGE_LIMIT,
                software_doubling_months=3.0, compute_growth_per_year=16.0,
                compute_during_takeoff=0.0)
    return base | overrides


def random_params(rng: np.random.Generator, n: int, latency_share: float = 0.5) -> dict:
    """n random draws over wide ranges, a `latency_share` of them without seed-AI RSI."""
    return dict(
        rsi_feasible=rng.random(n) >= latency_share,
        retrain_months=np.exp(rng.uniform(np.log(0.05), np.log(24), n)),
        returns_r=np.exp(rng.uniform(np.log(0.2), np.log(5.0), n)),
        parallel_penalty=rng.uniform(0.0, 1.0, n),
        speedup=np.exp(rng.uniform(0.0, np.log(100.0), n)),
        instant_jump_ooms=rng.exponential(1.0, n) * (rng.random(n) < 0.5),
        limit_ooms=rng.uniform(0.0, 60.0, n),
        software_doubling_months=rng.uniform(2.0, 12.0, n),
        compute_growth_per_year=rng.uniform(1.0, 6.0, n),
        compute_during_takeoff=rng.uniform(0.0, 1.0, n),
    )
