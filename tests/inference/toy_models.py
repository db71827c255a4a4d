"""Small PyMC models with known answers for the sampler and adapter tests."""

from __future__ import annotations

import numpy as np
import pymc as pm


def normal_model() -> pm.Model:
    """z ~ Normal(centre, 2) (3 values, `centre` a pm.Data of 1.0), y ~ Normal(z, 1)
    observed at 0, 1, 2: a conjugate posterior."""
    with pm.Model() as model:
        centre = pm.Data("centre", 1.0)
        z = pm.Normal("z", mu=centre, sigma=2.0, shape=3)
        pm.Normal("y", mu=z, sigma=1.0, observed=np.array([0.0, 1.0, 2.0]))
    return model
