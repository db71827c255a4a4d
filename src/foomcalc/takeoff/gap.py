"""The capability gap, par-human -> strongly superhuman, in OOMs of effective compute.

Routes (DESIGN.md section 2, extended with horizon, elo and the mixture):
- "scaling": gap_ooms = log10(capability_factor) / alpha_C, where alpha_C = a*b/(a+b)
  is the compute-optimal exponent of a Chinchilla-form law L(N, D) = E + A/N^a + B/D^b
  (Hoffmann et al. 2022, eq. 4 with the compute-optimal allocation). A reducible-loss
  ratio k needs compute multiplied by k^(1/alpha_C); small exponents mean a big gap.
- "years": gap_ooms = gap_years * recent rate (OOM/yr), the gap given directly as
  years of progress at recent rates.
- "horizon": gap years = horizon_doublings * horizon_doubling_months / 12 (doublings of the
  METR 50% time horizon), then OOMs as "years".
- "elo": gap_ooms = elo_gap / elo_per_oom (Elo per 10x compute on the compute frontier,
  Jones 2021).
- "mixture": each draw takes one route in proportion to user weights (`mixture_routes`).
"""

from __future__ import annotations

import numpy as np


def compute_optimal_exponent(scaling_a: np.ndarray, scaling_b: np.ndarray) -> np.ndarray:
    """alpha_C = a*b/(a+b): exponent of reducible loss in compute along the optimal path."""
    a = np.asarray(scaling_a, dtype=float)
    b = np.asarray(scaling_b, dtype=float)
    return a * b / (a + b)


def gap_ooms_from_scaling(
    capability_factor: np.ndarray, scaling_a: np.ndarray, scaling_b: np.ndarray
) -> np.ndarray:
    """OOMs of effective compute that divide reducible loss by `capability_factor`."""
    return np.log10(np.asarray(capability_factor, dtype=float)) / compute_optimal_exponent(
        scaling_a, scaling_b
    )


def gap_ooms_from_years(gap_years: np.ndarray | float,
                        recent_rate_ooms_per_year: np.ndarray | float) -> np.ndarray:
    """OOMs of effective compute in `gap_years` years of progress at the recent rate."""
    return np.asarray(gap_years, dtype=float) * np.asarray(recent_rate_ooms_per_year, dtype=float)


def gap_years_from_horizon(
    horizon_doublings: np.ndarray, horizon_doubling_months: np.ndarray
) -> np.ndarray:
    """Years of recent progress in `horizon_doublings` doublings of the METR time horizon
    at one doubling per `horizon_doubling_months` months."""
    return (np.asarray(horizon_doublings, dtype=float)
            * np.asarray(horizon_doubling_months, dtype=float) / 12.0)


def gap_ooms_from_elo(elo_gap: np.ndarray, elo_per_oom: np.ndarray) -> np.ndarray:
    """OOMs of compute that buy `elo_gap` Elo points at `elo_per_oom` Elo per 10x compute
    (the compute-frontier slope; Jones 2021)."""
    return np.asarray(elo_gap, dtype=float) / np.asarray(elo_per_oom, dtype=float)


#: Golden-ratio step of the low-discrepancy sequence that assigns draws to routes.
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def mixture_routes(n: int, weights: dict[str, float]) -> np.ndarray:
    """Route index (into `list(weights)`) for each of `n` draws, in proportion to `weights`.

    Deterministic and independent of the draws: u_i = frac((i + 1) * 0.618...) (a Weyl
    sequence, evenly spread over (0, 1) for every n) picks the route whose cumulative-weight
    interval holds u_i. Every route's share of draws is within 1/n-ish of its weight, and
    since draws are exchangeable the mixture's P(event) = sum_k w_k P_k(event).
    """
    w = np.asarray(list(weights.values()), dtype=float)
    cum = np.cumsum(w / w.sum())
    u = np.mod((np.arange(n) + 1.0) * _GOLDEN, 1.0)
    return np.minimum(np.searchsorted(cum, u, side="right"), len(w) - 1)
