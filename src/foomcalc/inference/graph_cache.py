"""A disk cache of rewritten PyTensor graphs: compile a model's functions without
re-running PyTensor's graph rewrites in every process.

PyTensor caches the numba machine code of a compiled function on disk, but it reaches
that cache only after rewriting the graph (canonicalise, specialise, fuse, inplace),
which took ~3-4 s of the default model's ~5 s compile in every new process. Here the
rewritten graph itself is stored: `compile_cached(key, build)` looks up `key` (a
content hash of the *unrewritten* graphs, `graph_key`); on a miss it calls `build()`,
which compiles with PyTensor's NUMBA mode as usual, and stores the rewritten graphs;
either way the functions are linked from the stored graphs with no rewriting
(`Mode(linker="numba", optimizer=None)`), so a cold and a warm cache run the same
code. Entries live in `<pytensor compiledir>/foomcalc-graphs/` (emptied with it) and
are written atomically; an unreadable entry is rebuilt.

The key covers everything the rewritten graph depends on: every node's op (pickled, so
its parameters count), the wiring, each constant's dtype, shape and bytes, each input's
name and type, plus the versions of every library that builds or compiles the graph
(PyTensor, PyMC, pymc-extras: its `Prior.create_variable` builds the priors' part; numba),
the PyTensor settings
that steer the rewrites, and the caller's extras (rewrite list, data shapes). Variable
names given by PyTensor's counters and debugging traces are left out, so the same model
built in another process has the same key. Building a graph only to hash it still costs
time, so `remembered_key` stores the key under what determined the graph (the model's
inputs, foomcalc's source, versions, settings) and a repeated compile skips the build.

The rewritten graph of a compiled function is a PyTensor internal
(`adapters.pytensor_numba`); when it is unavailable (`ContractError`) the functions are
compiled as usual, without the disk cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
import warnings
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import pytensor
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import toposort

from foomcalc.inference.adapters import ContractError
from foomcalc.inference.adapters.pytensor_numba import link_rewritten, rewritten_graph

#: Bump when the stored layout or the way functions are linked changes.
CACHE_FORMAT = 1
#: The libraries whose versions change the graphs or their machine code (key part).
GRAPH_LIBRARIES = ("pytensor", "pymc", "pymc-extras", "numba")
#: PyTensor settings that change what the rewrites produce (or the numba code of it).
_REWRITE_FLAGS = ("floatX", "optimizer", "optimizer_excluding", "optimizer_including",
                  "optimizer_requiring", "cast_policy", "numba__fastmath")


def cache_dir() -> Path:
    """Where entries live: inside PyTensor's compiledir, so emptying it empties both."""
    return Path(pytensor.config.compiledir) / "foomcalc-graphs"


def _root_key(var: Variable) -> bytes:
    if isinstance(var, Constant):
        data = var.data
        raw = data.tobytes() if hasattr(data, "tobytes") else pickle.dumps(data, protocol=5)
        shape = getattr(data, "shape", ())
        return (f"const {var.type} {getattr(data, 'dtype', type(data).__name__)} "
                f"{shape} ").encode() + hashlib.sha256(raw).digest()
    return f"input {var.name} {var.type}".encode()


def _environment() -> tuple:
    """What every key depends on besides the graph: the cache format, the versions of
    GRAPH_LIBRARIES, and the PyTensor settings that steer the rewrites."""
    flags = tuple(str(getattr(pytensor.config, name)) for name in _REWRITE_FLAGS)
    return CACHE_FORMAT, tuple(version(name) for name in GRAPH_LIBRARIES), flags


def graph_key(outputs: Sequence[Variable], extras: Sequence[object] = ()) -> str:
    """Content hash (hex) of the graphs computing `outputs` (see the module docstring)."""
    digest = hashlib.sha256()
    for part in (*_environment(), *extras):
        digest.update(repr(part).encode() + b"\0")
    index: dict[Variable, int] = {}
    op_keys: dict[int, bytes] = {}

    def ref(var: Variable) -> bytes:
        if var not in index:  # a root: constant or input
            index[var] = len(index)
            digest.update(b"root " + _root_key(var) + b"\0")
        return str(index[var]).encode()

    for node in toposort(outputs):
        op = node.op
        if id(op) not in op_keys:
            op_keys[id(op)] = hashlib.sha256(pickle.dumps(op, protocol=5)).digest()
        wires = b",".join(ref(v) for v in node.inputs)
        digest.update(b"node " + op_keys[id(op)] + b"(" + wires + b")")
        for out in node.outputs:
            index[out] = len(index)
            digest.update(f" {out.type}".encode())
        digest.update(b"\0")
    digest.update(b"outputs " + b",".join(ref(v) for v in outputs))
    return digest.hexdigest()


@functools.cache
def source_digest() -> str:
    """sha256 of foomcalc's own source files (the code that builds the graphs)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes()
                      + b"\0")
    return digest.hexdigest()


def remembered_key(inputs: Sequence[object], compute: Callable[[], str]) -> str:
    """The graph key of the graphs that `inputs` determine, remembered on disk.

    Building a model's logp graph only to hash it costs ~0.4-0.7 s; when the same inputs
    (e.g. `model.model_identity`: the priors, the evidence content) were compiled before
    with the same foomcalc source, library versions and PyTensor settings, the key stored
    then is returned and `compute()` (which builds and hashes the graphs) is not called.
    """
    digest = hashlib.sha256(repr((*_environment(), source_digest(), *inputs)).encode())
    path = cache_dir() / f"inputs-{digest.hexdigest()}.key"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        key = path.read_text().strip()
        if len(key) == 64 and all(c in "0123456789abcdef" for c in key):
            return key
    key = compute()
    with contextlib.suppress(OSError):  # a read-only cache still compiles
        _write_atomically(path, key.encode())
    return key


def _write_atomically(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def compile_cached(key: str, build: Callable[[], dict]) -> dict:
    """Compiled numba functions and plain values for `key`, from the cache or `build`.

    `build()` returns a dict whose values are PyTensor functions (compiled in NUMBA
    mode: their rewritten graphs are stored) or picklable values (stored as they are).
    Returns the same dict with every function re-linked from its stored graph.
    """
    path = cache_dir() / f"{key}.pkl"
    entry = None
    if path.exists():
        try:
            entry = pickle.loads(path.read_bytes())
        except Exception:  # truncated or from an incompatible version: rebuild it
            entry = None
    if entry is None:
        built = build()
        try:
            entry = {name: ("graph", rewritten_graph(value))
                     if isinstance(value, pytensor.compile.Function) else ("value", value)
                     for name, value in built.items()}
        except ContractError as exc:  # PyTensor internals changed: no disk cache
            warnings.warn(f"graph cache off: {exc}", RuntimeWarning, stacklevel=2)
            return built
        with contextlib.suppress(OSError):  # a read-only cache still compiles
            _write_atomically(path, pickle.dumps(entry, protocol=5))
        entry = pickle.loads(pickle.dumps(entry, protocol=5))  # as a later hit sees it
    return {name: link_rewritten(value) if kind == "graph" else value
            for name, (kind, value) in entry.items()}
