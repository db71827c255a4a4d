"""The Gaussian copula's log density on the evidence-informed parameters, in the PyMC
model (`model.build_model`): a `pm.Potential` named "copula".

For each correlated informed parameter x_i with prior CDF F_i, its normal score
z_i = Phi^-1(F_i(x_i)) is computed in the graph from PyMC's `logcdf` of its prior (the
untransformed variable of a transformed prior, `<name>_raw`, whose CDF is the same);
the potential is log c(z) = -1/2 z' P z - 1/2 log det R with P = R^-1 - I, R the
copula's correlation matrix over these parameters (`priors.copula`). P and log det R
are `pm.Data` (`copula__precision`, `copula__logdet`), so new correlation values refit
the compiled model with new data only. The marginal priors stay the variables' own.
"""

from __future__ import annotations

import math

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from foomcalc.errors import InputError
from foomcalc.inference.coordinates import realise
from foomcalc.inference.pymc_priors import pymc_prior
from foomcalc.priors.copula import Copula
from foomcalc.priors.files import PriorSet

COPULA_PRECISION = "copula__precision"
COPULA_LOGDET = "copula__logdet"
#: Prior families PyMC has a CDF for (the copula needs F_i in the graph).
CDF_FAMILIES = ("Normal", "TruncatedNormal", "LogNormal", "Uniform", "Beta", "Gamma",
                "HalfNormal", "Exponential", "StudentT")


def normal_score(log_cdf: pt.TensorVariable) -> pt.TensorVariable:
    """Phi^-1(u) from log u, accurate in both tails (the upper one through 1 - u =
    -expm1(log u)); each branch's argument is clipped so neither produces inf, whose
    zero-weighted gradient would still be NaN."""
    lower = pt.minimum(pt.exp(log_cdf), 0.5)
    upper = pt.minimum(-pt.expm1(log_cdf), 0.5)
    root2 = math.sqrt(2.0)
    return pt.switch(log_cdf < math.log(0.5), -root2 * pt.erfcinv(2.0 * lower),
                     root2 * pt.erfcinv(2.0 * upper))


def _score(model: pm.Model, priors: PriorSet, name: str, params: dict) -> pt.TensorVariable:
    prior = priors.specs[name].form()
    if prior.distribution not in CDF_FAMILIES:
        raise InputError(
            f"correlations: {name} is informed by the evidence and correlated, which needs "
            f"its prior's CDF in the PyMC model; PyMC has none for {prior.distribution} "
            f"(families with one: {', '.join(CDF_FAMILIES)}); choose another family or drop "
            f"the correlation")
    kwargs = {k: model[f"{name}__{k}"] for k in prior.parameters}
    dist = pymc_prior(prior.distribution, **kwargs).pymc_distribution.dist(**kwargs)
    value = realise(params, name)
    if prior.transform is not None:
        value = model[f"{name}_raw"]
    return normal_score(pm.logcdf(dist, value))


def add_copula(model: pm.Model, priors: PriorSet, block: Copula, params: dict) -> None:
    """Add the copula's log density over `block`'s parameters (all in the model)."""
    z = pt.stack([_score(model, priors, n, params) for n in block.names])
    precision = pm.Data(COPULA_PRECISION,
                        np.linalg.inv(block.matrix) - np.eye(len(block.names)))
    logdet = pm.Data(COPULA_LOGDET, float(np.linalg.slogdet(block.matrix)[1]))
    pm.Potential("copula", -0.5 * pt.dot(z, pt.dot(precision, z)) - 0.5 * logdet)


def add_copula_draws(model: pm.Model, priors: PriorSet, block: Copula, params: dict) -> None:
    """The block's parameters made jointly, for forward sampling: z ~ MvNormal(0, R)
    ("copula__z"), x_i = F_i^-1(Phi(z_i)) (PyMC's icdf of each untransformed prior),
    each a Deterministic named as the parameter."""
    z = pm.MvNormal("copula__z", mu=np.zeros(len(block.names)), cov=block.matrix)
    u = 0.5 * pt.erfc(-z / math.sqrt(2.0))
    for i, name in enumerate(block.names):
        prior = priors.specs[name].form()
        if prior.transform is not None or prior.distribution not in CDF_FAMILIES:
            raise InputError(f"correlations: simulating {name}'s {prior} jointly needs an "
                             f"untransformed prior of {', '.join(CDF_FAMILIES)}")
        kwargs = {k: model[f"{name}__{k}"] for k in prior.parameters}
        dist = pymc_prior(prior.distribution, **kwargs).pymc_distribution.dist(**kwargs)
        params[name] = pm.Deterministic(name, pm.icdf(dist, u[i]))
