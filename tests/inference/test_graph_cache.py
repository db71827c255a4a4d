"""The disk cache of rewritten graphs (`graph_cache`): keys follow the graph's content and
nothing else, a hit computes what a fresh compile computes, a broken entry is rebuilt."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pymc as pm
import pytensor
import pytest

from foomcalc.inference import graph_cache
from foomcalc.inference.graph_cache import compile_cached, graph_key
from foomcalc.inference.nutpie_model import nutpie_model


def small_model(observed=(0.0, 1.0, 2.0), sigma=1.0, shape=3):
    with pm.Model() as model:
        centre = pm.Data("centre", 1.0)
        z = pm.Normal("z", mu=centre, sigma=2.0, shape=shape)
        pm.Normal("y", mu=z, sigma=sigma, observed=np.array(observed[:shape]))
    return model


def test_key_follows_content_not_process_state():
    base = graph_key([small_model().logp()])
    assert graph_key([small_model().logp()]) == base  # rebuilt: same key
    assert graph_key([small_model(observed=(0.0, 1.0, 2.5)).logp()]) != base  # constant
    assert graph_key([small_model(sigma=2.0).logp()]) != base  # parameter
    assert graph_key([small_model(shape=2).logp()]) != base  # shape
    assert graph_key([small_model().logp()], extras=("other rewrites",)) != base
    with pm.Model() as other:  # another op, the same shapes
        centre = pm.Data("centre", 1.0)
        z = pm.Laplace("z", mu=centre, b=2.0, shape=3)
        pm.Normal("y", mu=z, sigma=1.0, observed=np.array([0.0, 1.0, 2.0]))
    assert graph_key([other.logp()]) != base


def test_key_is_the_same_in_another_process():
    """The key must not depend on names from PyTensor's counters or on call stacks."""
    code = ("from tests.inference.test_graph_cache import small_model; "
            "from foomcalc.inference.graph_cache import graph_key; "
            "import pymc; pymc.Normal.dist(); "  # other graphs built first
            "print(graph_key([small_model().logp()]))")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == graph_key([small_model().logp()])


def test_hit_equals_fresh_compile_and_broken_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_cache, "cache_dir", lambda: tmp_path)
    x = pytensor.tensor.vector("x")
    out = (pytensor.tensor.exp(x) * 2.0).sum()
    calls = []

    def build():
        calls.append(1)
        return {"f": pytensor.function([x], [out, pytensor.grad(out, x)], mode="NUMBA"),
                "n": 7}

    point = np.array([0.1, -0.3, 2.0])
    fresh = compile_cached("k", build)
    hit = compile_cached("k", build)
    assert len(calls) == 1 and hit["n"] == 7
    for got in (fresh["f"](point), hit["f"](point)):
        assert got[0] == pytest.approx(2 * np.exp(point).sum(), rel=1e-15)
        np.testing.assert_array_equal(got[1], 2 * np.exp(point))
    (tmp_path / "k.pkl").write_bytes(b"truncated")
    rebuilt = compile_cached("k", build)
    assert len(calls) == 2 and rebuilt["f"](point)[0] == fresh["f"](point)[0]


def test_model_from_cache_gives_the_logp_of_a_fresh_compile(tmp_path, monkeypatch, default_priors,
                                                            bundled):
    """The default model compiled with an empty graph cache and again from the cache:
    the same logp and gradient, bit for bit."""
    from foomcalc.inference.model import build_model

    monkeypatch.setattr(graph_cache, "cache_dir", lambda: tmp_path)
    model = build_model(default_priors, bundled)
    with pytensor.config.change_flags(numba__fastmath=False):
        cold = nutpie_model(model)
        assert len(list(tmp_path.glob("*.pkl"))) == 1
        warm = nutpie_model(build_model(default_priors, bundled))
    assert len(list(tmp_path.glob("*.pkl"))) == 1  # the rebuilt model hit the entry
    for seed in (1, 2, 3):
        x = cold.initial_point(seed)
        np.testing.assert_array_equal(x, warm.initial_point(seed))
        v1, g1 = cold.logp_and_grad(x)
        v2, g2 = warm.logp_and_grad(x)
        assert v1 == v2
        np.testing.assert_array_equal(g1, g2)


def test_key_follows_pytensor_settings_that_steer_rewrites():
    logp = small_model().logp()
    base = graph_key([logp])
    with pytensor.config.change_flags(floatX="float32"):
        assert graph_key([logp]) != base
    with pytensor.config.change_flags(numba__fastmath=not pytensor.config.numba__fastmath):
        assert graph_key([logp]) != base
    assert graph_key([logp]) == base


def test_remembered_key_skips_building_the_graph_only_for_the_same_inputs(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(graph_cache, "cache_dir", lambda: tmp_path)
    calls = []

    def compute(key="a" * 64):
        calls.append(key)
        return key

    assert graph_cache.remembered_key(("model", 1), compute) == "a" * 64
    assert graph_cache.remembered_key(("model", 1), lambda: 1 / 0) == "a" * 64  # remembered
    assert graph_cache.remembered_key(("model", 2), lambda: compute("b" * 64)) == "b" * 64
    # other foomcalc code, other settings or a broken memo: computed again
    with pytensor.config.change_flags(floatX="float32"):
        assert graph_cache.remembered_key(("model", 1), lambda: compute("c" * 64)) == "c" * 64
    monkeypatch.setattr(graph_cache, "source_digest", lambda: "edited")
    assert graph_cache.remembered_key(("model", 1), lambda: compute("d" * 64)) == "d" * 64
    for memo in tmp_path.glob("inputs-*.key"):
        memo.write_text("not a key")
    assert graph_cache.remembered_key(("model", 1), lambda: compute("e" * 64)) == "e" * 64
    assert calls == ["a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64]


def test_remembered_model_compiles_without_building_logp(tmp_path, monkeypatch, default_priors,
                                                         bundled):
    """The default model compiled twice with its identity: the second compile builds no
    logp graph and computes what the first did; other priors get their own memo."""
    from foomcalc.inference.model import build_model, model_identity
    from foomcalc.priors.files import load_preset

    monkeypatch.setattr(graph_cache, "cache_dir", lambda: tmp_path)
    priors, evidence = default_priors, bundled
    with pytensor.config.change_flags(numba__fastmath=False):
        first = nutpie_model(build_model(priors, evidence), model_identity(priors, evidence))
        again = build_model(priors, evidence)
        monkeypatch.setattr(again, "logp", lambda *a, **k: pytest.fail("logp was built"))
        second = nutpie_model(again, model_identity(priors, evidence))
    x = first.initial_point(4)
    assert first.logp_and_grad(x)[0] == second.logp_and_grad(x)[0]
    other = load_preset("seed-ai-foom")
    assert model_identity(other, evidence) != model_identity(priors, evidence)
    assert model_identity(priors, evidence[:-1]) != model_identity(priors, evidence)
