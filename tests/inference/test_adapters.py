"""Contract tests of the library adapters (`inference.adapters`): the internals foomcalc
reaches behave as the adapters expect on the installed versions (pinned: a new release
series fails here until the contract is checked again), and when a run-time check
fails the public path is taken and gives the same numbers."""

from importlib.metadata import version

import numpy as np
import nutpie
import pytensor
import pytensor.tensor as pt
import pytest

from foomcalc.inference import graph_cache
from foomcalc.inference.adapters import ContractError, nutpie_pyfunc, pytensor_numba
from foomcalc.inference.sampling import compile_model
from tests.inference.toy_models import normal_model


@pytest.mark.parametrize("adapter,package", [(pytensor_numba, "pytensor"),
                                             (nutpie_pyfunc, "nutpie")])
def test_contract_holds_on_the_pinned_installed_version(adapter, package):
    assert version(package).startswith(adapter.TESTED_SERIES + "."), (
        f"{package} {version(package)} is not the series {adapter.TESTED_SERIES} the "
        "adapter was checked on: run this file, check the internals, move TESTED_SERIES")
    assert adapter.contract_problem() is None


def test_a_python_callback_model_samples_a_standard_normal():
    """nutpie's `from_pyfunc` through the adapter: N(0, 1) in two dimensions."""
    def make_logp():
        return lambda x: (float(-0.5 * x @ x), -x)

    def make_expand(seed1, seed2, chain):
        return lambda x: {"x": np.array(x, dtype="float64")}

    model = nutpie_pyfunc.callback_model(
        2, make_logp, make_expand, ["x"], [(2,)], coords={}, dims={},
        initial_point=lambda seed: np.random.default_rng(seed).uniform(-1, 1, 2),
        reparameterized=[])
    trace = nutpie.sample(model, draws=1000, tune=300, chains=2, cores=1, seed=1,
                          progress_bar=False)
    x = trace["posterior"]["x"].values.reshape(-1, 2)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=0.12)
    np.testing.assert_allclose(x.std(axis=0), 1.0, atol=0.1)


def test_broken_nutpie_internal_falls_back_to_nutpies_public_compile(monkeypatch):
    monkeypatch.setattr(nutpie_pyfunc, "contract_problem", lambda: "from_pyfunc moved")
    model = normal_model()
    with pytest.warns(RuntimeWarning, match="from_pyfunc moved"):
        compiled = compile_model(model)
    assert isinstance(compiled, nutpie_pyfunc.PublicModel)
    point = np.array([0.5, -0.2, 1.0])
    value, grad = compiled.logp_func(point)
    expected = model.compile_logp()({"z": point})
    assert float(value) == pytest.approx(float(expected), rel=1e-12)
    np.testing.assert_allclose(grad, model.compile_dlogp()({"z": point}), rtol=1e-12)


def test_broken_numba_function_falls_back_to_the_public_call(monkeypatch):
    """No `vm.jit_fn` (or a different calling convention): PyTensor's own call instead,
    the same logp. nutpie's public compile reads the same attribute, so it is no fallback
    here."""
    reference = compile_model(normal_model())

    def gone(fn):
        raise ContractError("no vm.jit_fn")

    monkeypatch.setattr(pytensor_numba, "jit_function", gone)
    with pytest.warns(RuntimeWarning, match="no vm.jit_fn"):
        fallback = compile_model(normal_model())
    point = np.array([0.5, -0.2, 1.0])
    assert fallback.logp_and_grad(point)[0] == reference.logp_and_grad(point)[0]
    np.testing.assert_array_equal(fallback.logp_and_grad(point)[1],
                                  reference.logp_and_grad(point)[1])


def test_a_numba_function_that_disagrees_is_not_used():
    x = pt.vector("x")
    fn = pytensor.function([x], [pt.exp(x).sum()], mode="NUMBA")
    probe = [np.array([0.0, 1.0])]
    assert pytensor_numba.fast_function(fn, probe) is pytensor_numba.jit_function(fn)
    wrong = pytensor.function([x], [pt.exp(x).sum()], mode="NUMBA")
    wrong.vm.jit_fn = lambda v: (np.sum(v),)  # a changed convention, planted
    with pytest.warns(RuntimeWarning, match="disagrees"):
        assert pytensor_numba.fast_function(wrong, probe) is wrong


def test_graph_cache_without_rewritten_graphs_compiles_uncached(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_cache, "cache_dir", lambda: tmp_path)

    def gone(fn):
        raise ContractError("no maker.fgraph")

    monkeypatch.setattr(graph_cache, "rewritten_graph", gone)
    x = pt.vector("x")
    with pytest.warns(RuntimeWarning, match="graph cache off"):
        out = graph_cache.compile_cached(
            "k", lambda: {"fn": pytensor.function([x], [2 * x], mode="NUMBA"), "n": 3})
    assert out["n"] == 3 and list(tmp_path.iterdir()) == []
    np.testing.assert_array_equal(out["fn"](np.array([1.0, 2.0]))[0], [2.0, 4.0])


def test_every_graph_shaping_library_version_is_in_the_key(monkeypatch):
    """pymc-extras builds the priors' part of the graph (`Prior.create_variable`): a new
    version of it, as of PyTensor, PyMC or numba, must not reuse a stored graph."""
    graph = [normal_model().logp()]
    base = graph_cache.graph_key(graph)
    assert set(graph_cache.GRAPH_LIBRARIES) >= {"pytensor", "pymc", "pymc-extras", "numba"}
    for library in graph_cache.GRAPH_LIBRARIES:
        monkeypatch.setattr(graph_cache, "version",
                            lambda name, lib=library: "9.9" if name == lib else version(name))
        assert graph_cache.graph_key(graph) != base, library
