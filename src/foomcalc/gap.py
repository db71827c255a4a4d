"""The capability gap, par-human -> strongly superhuman, in OOMs of effective compute.

Two modes (DESIGN.md section 2):
- "scaling": gap_ooms = log10(capability_factor) / alpha_C, where alpha_C = a*b/(a+b)
  is the compute-optimal exponent of a Chinchilla-form law L(N, D) = E + A/N^a + B/D^b
  (Hoffmann et al. 2022, eq. 4 with the compute-optimal allocation). A reducible-loss
  ratio k needs compute multiplied by k^(1/alpha_C); small exponents mean a big gap.
- "years": gap_ooms = gap_years * recent rate (OOM/yr), the gap given directly as
  years of progress at recent rates.
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


def gap_ooms_from_years(gap_years: np.ndarray, recent_rate_ooms_per_year: np.ndarray) -> np.ndarray:
    """OOMs of effective compute in `gap_years` years of progress at the recent rate."""
    return np.asarray(gap_years, dtype=float) * np.asarray(recent_rate_ooms_per_year, dtype=float)
