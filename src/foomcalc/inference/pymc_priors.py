"""foomcalc's priors (`priors.families.PriorForm`) as `pymc_extras.prior.Prior`s, with
the foomcalc transforms registered: the one place a prior meets PyMC."""

from __future__ import annotations

import functools
from typing import Any

import pytensor.tensor as pt
from pymc_extras.prior import Prior, register_tensor_transform

from foomcalc.priors.families import PriorForm


@functools.cache
def register_transforms() -> None:
    """Register `one_plus` (x -> 1 + x; `ShiftedLogNormal`) and `one_plus_exp`
    (x -> 1 + exp(x); `ShiftedLogSkewNormal`) with pymc_extras, once."""
    register_tensor_transform("one_plus", lambda x: 1 + x)
    register_tensor_transform("one_plus_exp", lambda x: 1 + pt.exp(x))


def pymc_prior(distribution: str, transform: str | None = None, **parameters: Any) -> Prior:
    """`Prior(distribution, transform=..., **parameters)`; parameters may be tensors
    (`pm.Data`)."""
    register_transforms()
    return Prior(distribution, transform=transform, **parameters)


def to_pymc(prior: PriorForm | Prior) -> Prior:
    """The `Prior` of a `PriorForm` (a `Prior` is returned as it is)."""
    if isinstance(prior, Prior):
        return prior
    return pymc_prior(prior.distribution, transform=prior.transform, **prior.parameters)
