"""nutpie internals, in one place: its Python-callback model and the type of its own
PyMC compile.

nutpie exports `compile_pymc_model` and `sample`; the Python-callback interface
`nutpie.compiled_pyfunc.from_pyfunc` is not exported (nutpie's own JAX backend uses it),
and `nutpie_model` builds the graphs it is given as nutpie's private
`compile_pymc._make_functions` does (flat layout, trace variables, jittered support
point). `callback_model` checks at run time that the module and the keyword arguments
it passes still exist and raises `ContractError` if not; `sampling.compile_model` then
takes the public path, `public_compile` (`nutpie.compile_pymc_model`). The graphs'
agreement with nutpie's own compile is tests/inference/test_sampling.py's
`test_agrees_with_nutpies_own_compile`; tests/inference/test_adapters.py pins the version.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import numpy as np
import nutpie
import pymc as pm
from nutpie.compile_pymc import CompiledPyMCModel

from foomcalc.inference.adapters import ContractError

try:  # not exported by nutpie: a release may move it (then the public path is taken)
    from nutpie.compiled_pyfunc import PyFuncModel, from_pyfunc
except ImportError:  # pragma: no cover - only on a nutpie that moved it
    PyFuncModel, from_pyfunc = Any, None

#: The nutpie release series the contract tests ran on.
TESTED_SERIES = "0.16"
#: The keyword arguments `callback_model` passes to `from_pyfunc`.
KEYWORDS = ("coords", "dims", "make_initial_point_fn", "reparameterized_names")

#: nutpie's model from its own PyMC compile (`public_compile`; `nutpie.sample` takes it).
PublicModel = CompiledPyMCModel


def contract_problem() -> str | None:
    """None when `from_pyfunc` exists with the positional and keyword arguments
    `callback_model` passes, else what is missing."""
    if from_pyfunc is None:
        return f"nutpie {version('nutpie')}: no nutpie.compiled_pyfunc.from_pyfunc"
    params = inspect.signature(from_pyfunc).parameters
    missing = [k for k in KEYWORDS if k not in params]
    if len(params) < 6 or missing:
        return f"nutpie {version('nutpie')}: from_pyfunc lacks {missing or 'arguments'}"
    return None


def callback_model(n_dim: int, make_logp: Callable, make_expand: Callable,
                   names: list[str], shapes: list[tuple[int, ...]], *,
                   coords: dict, dims: dict, initial_point: Callable[[int], np.ndarray],
                   reparameterized: list[str]) -> PyFuncModel:
    """nutpie's model of Python callbacks: `make_logp()` returns x -> (logp, gradient) on
    the flat unconstrained vector of length `n_dim`; `make_expand(seed1, seed2, chain)`
    returns x -> {name: float64 array of its shape} for the traced `names`."""
    problem = contract_problem()
    if problem:
        raise ContractError(problem)
    return from_pyfunc(n_dim, make_logp, make_expand, [np.dtype("float64")] * len(names),
                       shapes, names, coords=coords, dims=dims,
                       make_initial_point_fn=initial_point,
                       reparameterized_names=reparameterized)


def public_compile(model: pm.Model) -> CompiledPyMCModel:
    """nutpie's own compile of a PyMC model (numba C callback; 10-20 s per process)."""
    return nutpie.compile_pymc_model(model)
