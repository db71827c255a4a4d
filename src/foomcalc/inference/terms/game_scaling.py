"""Likelihood of ``game_scaling`` evidence: Elo against log10 training compute on the
compute frontier (Jones 2021's change-point form); the incline's slope is elo_per_oom."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.terms.common import NU_ALPHA, NU_BETA, Term, tensor

#: Prior scale (Elo) of each board's upper plateau around 0 and of its incline intercept.
ELO_CEILING_SD, ELO_INTERCEPT_SD = 200.0, 1000.0


def add_game_scaling(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Compute-frontier fit of Elo on log10 training compute (Jones 2021's change-point form).

    Per board size b: elo_i ~ StudentT(nu, clip(c_b + elo_per_oom (x_i - mean x_b),
    ceil_b - span_b, ceil_b), sigma), x = log10 FLOP: a shared incline slope (Elo per OOM)
    between a lower plateau (random-play-like start) and an upper plateau (perfect play).
    c_b ~ Normal(mean elo_b, 1000); ceil_b ~ Normal(max elo_b, 200); span_b ~
    LogNormal(log(max - min elo_b + 1), 1); sigma (Elo) ~ HalfNormal(200); nu ~ Gamma(2, 0.1).
    """
    t = ev.table
    boards = sorted(set(t["board_size"]))
    index = np.array([boards.index(b) for b in t["board_size"]])
    x = t["log10_flop"].to_numpy()
    elo = t["elo"].to_numpy()
    k = len(boards)
    x_mid = np.array([x[index == j].mean() for j in range(k)])
    e_mean = np.array([elo[index == j].mean() for j in range(k)])
    e_max = np.array([elo[index == j].max() for j in range(k)])
    e_range = np.array([np.ptp(elo[index == j]) for j in range(k)])
    slope = tensor(params, "elo_per_oom")
    c = pm.Normal(f"{prefix}__intercept", mu=pm.Data(f"{prefix}__intercept_mu", e_mean),
                  sigma=ELO_INTERCEPT_SD, shape=k)
    ceil = pm.Normal(f"{prefix}__ceiling", mu=pm.Data(f"{prefix}__ceiling_mu", e_max),
                     sigma=ELO_CEILING_SD, shape=k)
    span = pm.LogNormal(f"{prefix}__span", mu=pm.Data(f"{prefix}__span_mu",
                                                      np.log(e_range + 1.0)), sigma=1.0, shape=k)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=200.0)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    incline = c[index] + slope * (x - x_mid[index])
    mu = pt.minimum(pt.maximum(incline, ceil[index] - span[index]), ceil[index])
    pm.StudentT(f"{prefix}__elo", nu=nu, mu=mu, sigma=sigma,
                observed=pm.Data(f"{prefix}__elo_data", elo))


TERM = Term("game_scaling", add_game_scaling)
