"""Likelihood of ``scaling`` evidence: the Chinchilla law L(N, D) = E + A/N^a + B/D^b in
the Hoffmann et al. (2022) convention (N parameters, D tokens, loss in nats/token),
fitted in log-loss space with a Student-t (robust to a few gross outliers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.coordinates import softplus_coordinate
from foomcalc.inference.terms.common import NU_ALPHA, NU_BETA, Term, is_deferred, tensor

#: Sampler coordinates of the scaling law (`coordinates`): exponents a, b =
#: EXPONENT_SCALE * softplus(v) (log-like below 0.1, linear above), and the terms at the
#: reference size, A N_ref^-a = NOISE_SCALE * L * softplus(u) with L the data's
#: geometric-mean loss (log-like below 3% of the loss, linear above).
EXPONENT_SCALE, NOISE_SCALE = 0.1, 0.03
#: The parameters whose coordinates `add_scaling` sets when their priors are deferred.
COORDINATES = ("scaling_a", "scaling_b", "scaling_A", "scaling_B")


def scaling_mean_log_loss(params: dict, n: np.ndarray, d: np.ndarray,
                          n_ref: float, d_ref: float) -> pt.TensorVariable:
    """log(E + A/N^a + B/D^b) with centred inputs: A/N^a = (A N_ref^-a) (N/N_ref)^-a."""
    a, b = tensor(params, "scaling_a"), tensor(params, "scaling_b")
    big_e = tensor(params, "scaling_E")
    a_ref = tensor(params, "scaling_A") * pt.exp(-a * np.log(n_ref))
    b_ref = tensor(params, "scaling_B") * pt.exp(-b * np.log(d_ref))
    term_n = a_ref * pt.exp(-a * np.log(n / n_ref))
    term_d = b_ref * pt.exp(-b * np.log(d / d_ref))
    return pt.log(big_e + term_n + term_d)


def reference_scales(table: pd.DataFrame) -> tuple[float, float]:
    """Geometric means of N (parameters) and D (tokens): the centring constants."""
    return (float(np.exp(np.log(table["params"]).mean())),
            float(np.exp(np.log(table["tokens"]).mean())))


def add_scaling(ev: EvidenceSet, params: dict, prefix: str, robust: bool = True) -> None:
    """Chinchilla-form fit: log L ~ StudentT(nu, log(E + A/N^a + B/D^b), sigma).

    sigma (log-loss scale) ~ HalfNormal(0.1); nu ~ Gamma(2, 0.1). With
    `robust=False` a Normal likelihood is used instead (for comparisons only).

    Geometry: when `model.build_model` defers their priors (`DeferredPrior`), a, b, A
    and B are created here in coordinates of their own (EXPONENT_SCALE, NOISE_SCALE),
    with the same priors. A term of the sum that the data show to be below the noise is
    bounded by a likelihood wall that rises like exp(2 log term); on the log scale NUTS
    diverges there. With the reference term linear above 3% of the loss the wall is
    quadratic, and with the exponents near-linear the reference term
    log A - a log N_ref is not a curved function of the exponent's coordinate.
    """
    t = ev.table
    n_ref, d_ref = reference_scales(t)
    observed = pm.Data(f"{prefix}__log_loss_data", np.log(t["loss"].to_numpy()))
    level = pt.mean(observed)  # log of the data's geometric-mean loss
    for expo, coef, ref in (("scaling_a", "scaling_A", n_ref), ("scaling_b", "scaling_B", d_ref)):
        if is_deferred(params, expo):
            softplus_coordinate(params, expo, np.log(EXPONENT_SCALE))
        if is_deferred(params, coef):
            softplus_coordinate(params, coef, np.log(NOISE_SCALE) + level
                                + tensor(params, expo) * np.log(ref))
    mu = scaling_mean_log_loss(params, t["params"].to_numpy(), t["tokens"].to_numpy(),
                               n_ref, d_ref)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=0.1)
    if robust:
        nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
        pm.StudentT(f"{prefix}__loss", nu=nu, mu=mu, sigma=sigma, observed=observed)
    else:
        pm.Normal(f"{prefix}__loss", mu=mu, sigma=sigma, observed=observed)


def own_coordinates(ev: EvidenceSet) -> tuple[str, ...]:
    """The law's exponents and coefficients, always."""
    return COORDINATES


TERM = Term("scaling", add_scaling, own_coordinates)
