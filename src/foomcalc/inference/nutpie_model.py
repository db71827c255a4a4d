"""A PyMC model as a nutpie model, through public APIs only.

nutpie's `compile_pymc_model` (numba backend) wraps PyTensor's logp-and-gradient function
in a C callback that numba compiles again in every process (10-20 s; it cannot be cached
on disk). Here the same function, compiled by PyTensor's numba mode and cached on disk by
PyTensor, goes to nutpie's public Python-callback interface
(`nutpie.compiled_pyfunc.from_pyfunc`), with the model's `pm.Data` values bound to the
callbacks; `CompiledModel.with_data` rebinds new values without recompiling.

The graphs mirror nutpie 0.16's private `compile_pymc._make_functions` (the same
rewrites, flat layout, trace variables and jittered support-point initial values), built
from PyMC and PyTensor public functions (`pymc.pytensorf.compile`, `clone_replace`,
`rewrite_graph`, `make_initial_point_fn`); tests/inference/test_sampling.py checks them
against nutpie's own compile. The internals reached (nutpie's `from_pyfunc`, PyTensor's
numba function of a compiled function) go through `inference.adapters`, which check
them at run time: `ContractError` sends `sampling.compile_model` to nutpie's public
compile. A Python callback costs ~10-50 us per gradient more than nutpie's C callback
(benchmarks/README.md, "ESS/s").
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from math import prod
from typing import cast

import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.initial_point import make_initial_point_fn
from pymc.pytensorf import compile as compile_pymc
from pytensor.graph import clone_replace, rewrite_graph

from foomcalc.inference.adapters.nutpie_pyfunc import PyFuncModel, callback_model
from foomcalc.inference.adapters.pytensor_numba import fast_function
from foomcalc.inference.graph_cache import compile_cached, graph_key, remembered_key

#: nutpie's coordinate of the flat unconstrained parameter vector.
UNCONSTRAINED = "unconstrained_parameter"


def trace_shapes(model: pm.Model) -> dict[str, tuple[int, ...]]:
    """Shapes of the value variables, free RVs and deterministics at the initial point."""
    point = make_initial_point_fn(model=model, return_transformed=True)(0)
    observed = set(model.observed_RVs) | set(model.potentials)
    trace_vars = {v.name: v for v in model.value_vars + model.free_RVs + model.deterministics
                  if v not in observed}
    shape_fn = pytensor.function(
        inputs=[], outputs=[pt.as_tensor(v.shape) for v in trace_vars.values()],
        givens=[(obs, model.rvs_to_values[obs]) for obs in model.observed_RVs]
        + [(trace_vars[n], point[n]) for n in trace_vars if n in point],
        mode="FAST_COMPILE", on_unused_input="ignore")
    return {n: tuple(int(d) for d in s) for n, s in zip(trace_vars, shape_fn(), strict=True)}


def _dims_and_coords(model: pm.Model, names: list[str], shapes: list[tuple[int, ...]],
                     n_vars: int, reparameterized: list[str]) -> tuple[dict, dict]:
    """Coordinates and dims for the trace (as nutpie builds them, unnamed dims named)."""
    coords = {name: pd.Index(vals if vals is not None
                             else pd.RangeIndex(int(model.dim_lengths[name].eval())))
              for name, vals in model.coords.items()}
    flat = [base if not shape else f"{base}_{'.'.join(map(str, idx))}"
            for base, shape in zip(names[:n_vars], shapes[:n_vars], strict=True)
            for idx in itertools.product(*[range(n) for n in shape])]
    coords[UNCONSTRAINED] = pd.Index(flat)
    dims = dict(model.named_vars_to_dims)
    value_to_rv = {v.name: rv.name for v, rv in model.values_to_rvs.items()}
    shape_of = dict(zip(names, shapes, strict=True))
    for value_name in reparameterized:  # a transformed value keeps its RV's dims
        rv = value_to_rv.get(value_name)
        if rv is not None and rv in dims and shape_of.get(rv) == shape_of.get(value_name):
            dims[value_name] = dims[rv]
    for name, shape in zip(names, shapes, strict=True):
        dims.setdefault(name, tuple(f"{name}_dim_{i}" for i in range(len(shape))))
        for dim, size in zip(dims[name], shape, strict=True):
            coords.setdefault(dim, np.arange(size))
    return dims, coords


def _key_extras(model: pm.Model, rewrites: list[str]) -> tuple:
    """What the compiled functions depend on beyond the graphs' content (and the PyTensor
    settings `graph_key` adds): the rewrites, the data variables in order with their
    shapes (trace shapes follow them), and the values of the dimension lengths."""
    data = [(v.name, np.shape(v.get_value(borrow=True))) for v in model.data_vars]
    lengths = sorted((name, np.asarray(v.get_value() if hasattr(v, "get_value") else v.data)
                      .tolist()) for name, v in model.dim_lengths.items())
    return ("nutpie_model", tuple(rewrites), bool(model.check_bounds), tuple(data),
            tuple(lengths))


def _compile_functions(model: pm.Model, logp, rewrites: list[str]) -> dict:
    """The logp-and-gradient and trace-expansion functions (PyTensor NUMBA mode) of the
    flat unconstrained vector and the data values, and the trace shapes."""
    shapes = trace_shapes(model)
    logp = rewrite_graph(logp, include=rewrites)
    values = [model.rvs_to_values[rv] for rv in model.free_RVs]
    grad = pt.concatenate([pt.as_tensor(g).ravel() for g in cast(list, pt.grad(logp, values))])
    names = [v.name for v in values]
    free_shapes = [shapes[n] for n in names]
    n_free = sum(prod(s) for s in free_shapes)
    joined = pt.TensorType("float64", shape=(n_free,))(name="_unconstrained_point")
    bounds = np.cumsum([0, *[prod(s) for s in free_shapes]])
    pieces = [joined[a:b] for a, b in itertools.pairwise(bounds)]
    replace = {v: piece.reshape(s).astype(rv.dtype) for v, piece, s, rv in
               zip(values, pieces, free_shapes, model.free_RVs, strict=True)}
    # pm.Data become explicit inputs, so one compiled function serves any data values
    data_vars = list(model.data_vars)
    data_inputs = [v.type(name=v.name) for v in data_vars]
    as_inputs = dict(zip(data_vars, data_inputs, strict=True))
    logp, grad = clone_replace([logp, grad], {**replace, **as_inputs})
    remaining = [v for v in model.unobserved_value_vars if v.name not in names]
    expanded = clone_replace([*pieces, *remaining], {**replace, **as_inputs})
    with model:
        logp_fn = compile_pymc([joined, *data_inputs], [logp, grad], mode="NUMBA",
                               on_unused_input="ignore")
        expand_fn = compile_pymc([joined, *data_inputs], expanded, mode="NUMBA",
                                 on_unused_input="ignore")
    return {"logp": logp_fn, "expand": expand_fn, "shapes": shapes,
            "remaining": [v.name for v in remaining]}


def _callbacks(logp_jit: Callable, expand_jit: Callable, args: tuple, out_names: list[str],
               out_shapes: list[tuple[int, ...]]) -> tuple[Callable, Callable]:
    """nutpie's callback factories: logp and gradient at a flat point, and the expansion
    of a flat point into the traced variables, with the data values `args` bound."""
    def make_logp() -> Callable:
        def logp_at(x: np.ndarray) -> tuple[float, np.ndarray]:
            value, gradient = logp_jit(x, *args)
            return float(value), gradient
        return logp_at

    def make_expand(seed1: int, seed2: int, chain: int) -> Callable:
        def expand(x: np.ndarray) -> dict[str, np.ndarray]:
            outs = expand_jit(x, *args)
            return {n: np.asarray(v, dtype="float64").reshape(s)
                    for n, v, s in zip(out_names, outs, out_shapes, strict=True)}
        return expand

    return make_logp, make_expand


def _initial_point_fn(model: pm.Model, names: list[str], data_vars: list
                      ) -> Callable[[dict[str, np.ndarray], int], np.ndarray]:
    """nutpie's starting points: the jittered support point for given data values, as a
    flat vector of the free variables `names`. The model's `pm.Data` are set first, so
    the start depends on the bound hyperparameters alone, not on which priors the model
    was compiled with (a reused compiled model gives the draws a fresh one gives)."""
    point_fn = make_initial_point_fn(
        model=model, default_strategy="support_point", jitter_rvs=set(model.free_RVs),
        return_transformed=True)
    lock = threading.Lock()  # nutpie asks for initial points from several threads

    def initial_point(data: dict[str, np.ndarray], seed: int) -> np.ndarray:
        with lock:
            for v in data_vars:
                v.set_value(data[v.name])
            point = point_fn(seed)
        return np.concatenate([np.asarray(point[n], dtype="float64").ravel() for n in names])

    return initial_point


def nutpie_model(model: pm.Model, inputs: tuple | None = None) -> CompiledModel:
    """Compile `model` for nutpie: logp and gradient on the flat unconstrained vector
    (PyTensor numba mode; the rewritten graphs and the machine code cached on disk,
    `graph_cache`), trace expansion, jittered support-point initial values; `pm.Data`
    values are bound to the callbacks (swap them with `.with_data`). `inputs`: what
    determines the model's graphs (`model.model_identity`), if known: then the graphs'
    key is remembered and a later compile of the same inputs skips building logp."""
    rewrites = ["canonicalize", "stabilize"]
    if not model.check_bounds:
        rewrites.append("local_remove_check_parameter")
    logp = functools.cache(model.logp)  # built only when needed

    def key_of_graphs() -> str:
        return graph_key([logp(), *model.unobserved_value_vars], _key_extras(model, rewrites))

    key = (key_of_graphs() if inputs is None
           else remembered_key(("nutpie_model", tuple(rewrites), *inputs), key_of_graphs))
    compiled = compile_cached(key, lambda: _compile_functions(model, logp(), rewrites))
    shapes = compiled["shapes"]
    names = [model.rvs_to_values[rv].name for rv in model.free_RVs]
    free_shapes = [shapes[n] for n in names]
    n_free = sum(prod(s) for s in free_shapes)
    data_vars = list(model.data_vars)
    data_names = [v.name for v in data_vars]
    data = {v.name: np.array(v.get_value(), order="C") for v in data_vars}
    probe = (np.zeros(n_free), *(data[n] for n in data_names))  # checks the numba functions
    logp_jit = fast_function(compiled["logp"], probe)
    expand_jit = fast_function(compiled["expand"], probe)
    out_names = names + compiled["remaining"]
    out_shapes = free_shapes + [shapes[n] for n in compiled["remaining"]]

    initial_point = _initial_point_fn(model, names, data_vars)
    reparameterized = [model.rvs_to_values[rv].name for rv in model.free_RVs
                       if model.rvs_to_transforms.get(rv) is not None]
    dims, coords = _dims_and_coords(model, out_names, out_shapes, len(names), reparameterized)

    def bind(data: dict[str, np.ndarray]) -> PyFuncModel:
        """nutpie's model with the data values bound as positional arguments (nutpie's
        own `shared_data` would pass ~40 keyword arguments per gradient: +15 us)."""
        args = tuple(data[n] for n in data_names)
        make_logp, make_expand = _callbacks(logp_jit, expand_jit, args, out_names, out_shapes)
        return callback_model(n_free, make_logp, make_expand, out_names, out_shapes,
                              coords=coords, dims=dims,
                              initial_point=lambda seed: initial_point(data, seed),
                              reparameterized=reparameterized)

    return CompiledModel(bind(data), data, bind, initial_point, logp_jit)


@dataclass(frozen=True)
class CompiledModel:
    """A compiled nutpie model and the `pm.Data` values it holds (`nutpie.sample(.nutpie)`).

    `bind(data)` makes the nutpie model for other data values (public `from_pyfunc`);
    `initial_point_at(data, seed)` is what nutpie calls for starting points (flat
    unconstrained vector); `kernel(x, *data values in data order)` is the PyTensor numba
    logp-and-gradient function (tests and benchmarks/gradient_cost.py)."""

    nutpie: PyFuncModel
    data: dict[str, np.ndarray]
    bind: Callable[[dict[str, np.ndarray]], PyFuncModel]
    initial_point_at: Callable[[dict[str, np.ndarray], int], np.ndarray]
    kernel: Callable

    def initial_point(self, seed: int) -> np.ndarray:
        """The jittered support point nutpie starts a chain from, for this data."""
        return self.initial_point_at(self.data, seed)

    def logp_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """logp and its gradient at the flat unconstrained point `x` with this data."""
        value, gradient = self.kernel(x, *self.data.values())
        return float(value), gradient

    def with_data(self, **values) -> CompiledModel:
        """New values for `pm.Data` variables, nothing recompiled. Each is checked (name,
        number of dimensions) and copied as a writeable C-ordered array of the compiled
        dtype: numba would otherwise compile (or refuse) a new specialisation for a Python
        float, another dtype or a read-only view."""
        cast = {}
        for name, value in values.items():
            if name not in self.data:
                raise ValueError(f"Unknown data variable: {name}")
            old = self.data[name]
            new = np.array(value, dtype=old.dtype, order="C")  # a copy; 0-d stays 0-d
            if new.ndim != old.ndim:
                raise ValueError(f"data variable {name}: expected {old.ndim} dimensions, "
                                 f"got {new.ndim}")
            cast[name] = new
        data = {**self.data, **cast}
        return replace(self, nutpie=self.bind(data), data=data)
