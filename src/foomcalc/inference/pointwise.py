"""Pointwise log-likelihood of each evidence term at posterior draws: the
`log_likelihood` group of a result, which power-scaling sensitivity reads
(`reporting.sensitivity`). Compiled through the graph cache, like the sampler's logp."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pytensor
import xarray as xr
from pymc.model.transform.conditioning import remove_value_transforms
from pytensor.graph import clone_replace

from foomcalc.inference.adapters.pytensor_numba import fast_function
from foomcalc.inference.graph_cache import compile_cached, graph_key, remembered_key
from foomcalc.inference.model import build_model, model_identity
from foomcalc.priors.files import PriorSet


def pointwise_log_likelihood(priors: PriorSet, evidence: Sequence, posterior: xr.Dataset
                             ) -> xr.Dataset:
    """Pointwise log-likelihood of each evidence term (observed variable) at the posterior
    draws: PyMC's elementwise logp of the observed variables, as
    `pm.compute_log_likelihood` computes it (value transforms removed, so the draws enter
    on the parameter scale), compiled through `graph_cache` (no graph rewriting in a new
    process) with the data values as inputs."""
    # as sampling.compile_model: no creation traces; no fast-math (cold = warm cache)
    with pytensor.config.change_flags(traceback__limit=0, numba__fastmath=False):
        model = remove_value_transforms(build_model(priors, list(evidence)))
        observed = list(model.observed_RVs)
        outs = functools.cache(lambda: model.logp(vars=observed, sum=False))  # when needed
        values = [model.rvs_to_values[rv] for rv in model.free_RVs]
        data_vars = list(model.data_vars)
        data = [np.array(v.get_value(), order="C") for v in data_vars]
        extras = ("log_likelihood", tuple(v.name for v in values),
                  tuple((v.name, d.shape) for v, d in zip(data_vars, data, strict=True)))

        def build() -> dict:
            inputs = [v.type(name=v.name) for v in data_vars]
            graph = clone_replace(outs(), dict(zip(data_vars, inputs, strict=True)))
            return {"fn": pytensor.function([*values, *inputs], graph, mode="NUMBA",
                                            on_unused_input="ignore")}

        # the graphs' key, remembered for these priors and evidence: a new process skips
        # building the elementwise logp graph (~0.7 s) when they were compiled before
        key = remembered_key((*extras, *model_identity(priors, list(evidence))),
                             lambda: graph_key(outs(), extras))
        fn = compile_cached(key, build)["fn"]
    shape = (posterior.sizes["chain"], posterior.sizes["draw"])
    n = shape[0] * shape[1]
    draws = [np.array(posterior[rv.name].values, dtype=v.type.dtype, order="C")
             .reshape(n, *posterior[rv.name].shape[2:]) for rv, v in zip(model.free_RVs, values,
                                                                        strict=True)]
    # the numba function itself (no per-call wrapper), checked against fn at the first draw
    loglik = fast_function(fn, [*(d[0:1].reshape(d.shape[1:]) for d in draws), *data])
    # a slice keeps a scalar draw a 0-d array (the compiled type), not a numpy float
    rows = [loglik(*(d[i:i + 1].reshape(d.shape[1:]) for d in draws), *data)
            for i in range(n)]
    return xr.Dataset({
        rv.name: (("chain", "draw", f"{rv.name}_dim_0"),
                  np.stack([np.asarray(row[k]) for row in rows]).reshape(*shape, -1))
        for k, rv in enumerate(observed)},
        coords={"chain": posterior["chain"], "draw": posterior["draw"]})
