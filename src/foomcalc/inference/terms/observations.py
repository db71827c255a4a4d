"""Likelihood of ``observations`` evidence: the summed log likelihood ratio on RSI
feasibility, with the feasibility indicator marginalised exactly (a `pm.Potential`), and
its simulation for SBC (a Potential has no prior predictive)."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kinds.observations import SBC_SIGNALS
from foomcalc.inference.terms.common import Term, tensor

#: Suffix of the `pm.Data` holding a file's summed log likelihood ratio.
LOG_LR = "__log_lr"


def add_observations(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Potential log(p LR + 1 - p): the feasibility indicator marginalised exactly."""
    log_lr = pm.Data(f"{prefix}{LOG_LR}",
                     float(np.sum(np.log(ev.table["likelihood_ratio"].to_numpy()))))
    p = tensor(params, "p_rsi_feasible")
    # log(p LR + 1 - p), stable for extreme ratios and p near 0 or 1
    pm.Potential(f"{prefix}__lr", pt.logaddexp(pt.log(p) + log_lr, pt.log1p(-p)))


def simulate_observations(model: pm.Model, n: int, seed: int,
                          signals: tuple[tuple[float, float], ...] = SBC_SIGNALS,
                          invert: bool = False,
                          ) -> tuple[xr.Dataset, list[dict[str, np.ndarray]]]:
    """p ~ prior; feasible ~ Bernoulli(p); each signal ~ Bernoulli(q1 if feasible else q0).

    The evidence is the summed log likelihood ratio of the signals seen, set as every
    observations term's ``<prefix>__log_lr`` of the model. `invert` flips its sign (a
    deliberate bug, for the negative control).
    """
    prior = pm.sample_prior_predictive(draws=n, model=model, random_seed=seed)["prior"]
    prior = prior.to_dataset().isel(chain=0)
    rng = np.random.default_rng([seed, 1])
    q1, q0 = np.array(signals).T
    p = prior["p_rsi_feasible"].values
    feasible = rng.random(n) < p
    seen = rng.random((n, len(q1))) < np.where(feasible[:, None], q1, q0)
    log_lr = np.where(seen, np.log(q1 / q0), np.log((1 - q1) / (1 - q0))).sum(axis=1)
    sign = -1.0 if invert else 1.0
    names = [d.name for d in model.data_vars if d.name.endswith(LOG_LR)]
    return prior, [{name: np.array(sign * v, dtype=float) for name in names} for v in log_lr]


TERM = Term("observations", add_observations, simulate=simulate_observations)
