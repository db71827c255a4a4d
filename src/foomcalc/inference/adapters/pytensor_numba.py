"""PyTensor internals, in one place: the numba function inside a compiled PyTensor
function and the rewritten graph it was compiled from.

`pytensor.function(..., mode="NUMBA")` returns a `Function` whose virtual machine holds
the numba-compiled function of the whole graph (`fn.vm.jit_fn`): calling it directly
skips PyTensor's per-call Python wrapper (~10-20 us per call; nutpie's own numba backend
reads the same attribute, so nutpie's public compile is no fallback for this one).
`fn.maker.fgraph` is the graph after PyTensor's rewrites; `graph_cache` pickles it to
skip the rewrites in a new process. Neither is documented API. At run time:
`fast_function` checks the numba function against the `Function`'s own (public) call on
the caller's arguments and returns the `Function` itself when they disagree or the
attribute is gone; `rewritten_graph` raises `ContractError`, and `graph_cache` then
compiles without its disk cache. `contract_problem` is the whole contract on a small
function (tests/inference/test_adapters.py).
"""

from __future__ import annotations

import functools
import pickle
import warnings
from collections.abc import Callable, Sequence
from importlib.metadata import version

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile import Function
from pytensor.compile.mode import Mode
from pytensor.graph.basic import Variable

from foomcalc.inference.adapters import ContractError

#: The PyTensor release series the contract test ran on; on another series that test
#: fails until the contract is checked again (and this pin moved).
TESTED_SERIES = "3.3"

Graph = tuple[list[Variable], list[Variable]]  # (inputs, outputs)


def jit_function(fn: Function) -> Callable:
    """The numba function of `fn` (compiled in NUMBA mode): the same positional inputs,
    a tuple of the outputs. ContractError when PyTensor no longer exposes it."""
    jit = getattr(getattr(fn, "vm", None), "jit_fn", None)
    if not callable(jit):
        raise ContractError(f"pytensor {version('pytensor')}: a NUMBA-mode function has "
                            "no vm.jit_fn")
    return jit


def _same(got: Sequence, want: Sequence) -> bool:
    if len(got) != len(want):
        return False
    return all(np.shape(g) == np.shape(w)
               and np.allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float),
                               rtol=1e-9, atol=0.0, equal_nan=True)
               for g, w in zip(got, want, strict=True))


def fast_function(fn: Function, probe: Sequence[object]) -> Callable:
    """`fn`'s numba function when it returns what `fn` returns at the arguments `probe`
    (a tuple of outputs either way), else `fn` itself (public, slower by PyTensor's
    per-call overhead) with a warning naming what broke."""
    try:
        jit = jit_function(fn)
        if _same(tuple(jit(*probe)), tuple(fn(*probe))):
            return jit
        problem = "its numba function disagrees with the function's own call"
    except ContractError as exc:
        problem = str(exc)
    warnings.warn(f"PyTensor internals changed ({problem}): calling the compiled "
                  "function through its public interface (slower)", RuntimeWarning,
                  stacklevel=2)
    return fn


def rewritten_graph(fn: Function) -> Graph:
    """The graph `fn` runs (after PyTensor's rewrites), detached from it: a copy that
    pickles and links again with `link_rewritten`. ContractError when unavailable."""
    try:
        fgraph = fn.maker.fgraph.clone(check_integrity=False)
        return list(fgraph.inputs), list(fgraph.outputs)
    except AttributeError as exc:
        raise ContractError(f"pytensor {version('pytensor')}: no rewritten graph on a "
                            f"compiled function ({exc})") from exc


def link_rewritten(graph: Graph) -> Function:
    """A NUMBA function of an already rewritten graph: no rewrites (optimizer=None), and
    PyTensor's numba disk cache for the machine code."""
    inputs, outputs = graph
    return pytensor.function(inputs, outputs, mode=Mode(linker="numba", optimizer=None),  # type: ignore[arg-type]
                             accept_inplace=True, on_unused_input="ignore")


@functools.cache
def contract_problem() -> str | None:
    """None when the internals behave as this module expects on this PyTensor, else what
    broke: compiles f(x) = (sum(exp(x)), exp(x)) in NUMBA mode, calls its numba function,
    then pickles its rewritten graph, links it again and calls that (~0.7 s)."""
    x = pt.vector("x", dtype="float64")
    fn = pytensor.function([x], [pt.exp(x).sum(), pt.exp(x)], mode="NUMBA")
    point = np.array([0.0, 1.0, -2.0])
    want = (float(np.exp(point).sum()), np.exp(point))
    try:
        first = tuple(jit_function(fn)(point))
        graph = pickle.loads(pickle.dumps(rewritten_graph(fn), protocol=5))
        again = tuple(jit_function(link_rewritten(graph))(point))
    except Exception as exc:  # whatever an internal raises is the finding, not a crash
        return f"pytensor {version('pytensor')}: {type(exc).__name__}: {exc}"
    for got in (first, again):
        if not _same(got, want):
            return f"pytensor {version('pytensor')}: the numba function returned {got!r}"
    return None
