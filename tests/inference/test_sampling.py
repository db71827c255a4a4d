"""The Python-callback compile path: vector parameters, data swaps, and agreement with
nutpie's own compile on the same model."""

import numpy as np
import pymc as pm
import pytest

from foomcalc.inference.sampling import SamplerSettings, compile_model, diagnose, sample
from tests.inference.toy_models import normal_model

SETTINGS = SamplerSettings(draws=500, tune=500)



@pytest.mark.slow
def test_vector_parameter_recovers_conjugate_posterior():
    """Normal-normal: posterior mean (y/1 + mu/4) / (1 + 1/4), sd sqrt(1/(1 + 1/4))."""
    compiled = compile_model(normal_model())
    trace = sample(compiled, seed=0, settings=SETTINGS)
    z = trace["posterior"]["z"].values.reshape(-1, 3)
    y = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(z.mean(axis=0), (y + 1.0 / 4) / 1.25, atol=0.08)
    np.testing.assert_allclose(z.std(axis=0), np.sqrt(1 / 1.25), rtol=0.1)
    assert diagnose(trace).ok
    # new prior centre through with_data, no recompile: the posterior mean follows it
    moved = sample(compiled.with_data(centre=np.array(9.0)), seed=0, settings=SETTINGS)
    z9 = moved["posterior"]["z"].values.reshape(-1, 3)
    np.testing.assert_allclose(z9.mean(axis=0), (y + 9.0 / 4) / 1.25, atol=0.08)


def test_with_data_rejects_unknown_names_and_wrong_shapes():
    compiled = compile_model(normal_model())
    with pytest.raises(ValueError, match="Unknown data"):
        compiled.with_data(nope=1.0)
    with pytest.raises(ValueError, match="dimensions"):
        compiled.with_data(centre=np.ones(2))
    read_only = np.array(2.0)
    read_only.flags.writeable = False
    compiled.with_data(centre=read_only)  # a read-only input is copied, not refused


def test_swapped_hyperparameters_give_the_logp_of_a_fresh_model(default_priors, bundled):
    """Issue 14: a cached compiled model is refitted by swapping the prior hyperparameters
    (pm.Data, `compiled.with_data`); the swapped model's logp must equal that of a model
    built afresh with the new priors, at the same point."""
    import dataclasses

    from foomcalc.inference.model import build_model, hyperparameter_values, structure_key
    from foomcalc.priors.families import to_prior

    evidence = bundled
    old = default_priors
    new_spec = dataclasses.replace(old.specs["returns_r"],
                                   prior=to_prior("LogNormal", {"mu": 0.4, "sigma": 0.3}))
    new = old.with_spec("returns_r", new_spec)
    assert structure_key(old, evidence) == structure_key(new, evidence)
    swapped, fresh = build_model(old, evidence), build_model(new, evidence)
    with swapped:
        pm.set_data(hyperparameter_values(new, evidence))
    point = fresh.initial_point(random_seed=3)
    point = {k: v + 0.1 for k, v in point.items()}  # away from the support point
    logp_swapped = swapped.compile_logp()(point)
    logp_fresh = fresh.compile_logp()(point)
    logp_old = build_model(old, evidence).compile_logp()(point)
    assert logp_swapped == pytest.approx(logp_fresh, rel=1e-12, abs=1e-9)
    assert abs(logp_old - logp_fresh) > 1e-3  # the swap did change something


def test_public_compile_path_matches_pymc_logp_and_gradient(default_priors, bundled):
    """Contract of `nutpie_model` (built from public PyMC/PyTensor/nutpie APIs): on the
    default model with the bundled evidence, its logp and gradient on the flat
    unconstrained vector equal PyMC's own `compile_logp` / `compile_dlogp` at jittered
    initial points, and its initial points and trace names follow the model's variables."""
    from foomcalc.inference.model import build_model

    model = build_model(default_priors, bundled)
    compiled = compile_model(model)
    pymc_logp, pymc_dlogp = model.compile_logp(), model.compile_dlogp()
    values = [model.rvs_to_values[rv] for rv in model.free_RVs]
    for seed in (1, 2):
        x = compiled.initial_point(seed)
        point, start = {}, 0
        for v in values:
            size = int(np.prod(model.initial_point()[v.name].shape))
            point[v.name] = x[start:start + size].reshape(model.initial_point()[v.name].shape)
            start += size
        assert start == x.size == compiled.nutpie.n_dim
        value, grad = compiled.logp_and_grad(x)
        assert value == pytest.approx(float(pymc_logp(point)), rel=1e-10)
        np.testing.assert_allclose(grad, pymc_dlogp(point), rtol=1e-8, atol=1e-10)


def test_reused_compiled_model_starts_where_a_fresh_one_does():
    """Initial points follow the bound hyperparameters, not the priors the model was
    compiled with: a compiled model reused for other priors (CompiledCache) starts its
    chains where a model compiled for those priors does, so a report's draws do not
    depend on what the process ran before."""
    compiled = compile_model(normal_model())
    moved = compiled.with_data(centre=np.array(9.0))
    fresh_model = normal_model()
    with fresh_model:
        pm.set_data({"centre": 9.0})
    fresh = compile_model(fresh_model)
    for seed in (1, 2):
        np.testing.assert_array_equal(moved.initial_point(seed), fresh.initial_point(seed))
        assert abs(moved.initial_point(seed).mean() - 9.0) < 1.01  # jitter is U(-1, 1)
    np.testing.assert_array_equal(compiled.initial_point(1),
                                  compile_model(normal_model()).initial_point(1))


def test_structure_key_follows_evidence_file_names_and_order(tmp_path, default_priors, bundled):
    """A file's label (its stem) names its likelihood's variables, so the same content
    under another name, or files in another order, is another graph: neither may share
    a compiled model or a remembered graph key (model.model_identity)."""
    import shutil

    from foomcalc.evidence.files import load_evidence
    from foomcalc.inference.model import build_model, model_identity, structure_key

    priors = default_priors
    source = next(e for e in bundled if e.kind == "returns")
    copy = load_evidence(shutil.copyfile(source.path, tmp_path / "my_returns.csv"))
    assert copy.sha256 == source.sha256
    other = next(e for e in bundled if e.kind == "substitution")
    names = [set(build_model(priors, [e]).named_vars) for e in (source, copy)]
    assert names[0] != names[1]
    for key in (structure_key, model_identity):
        assert key(priors, [source]) != key(priors, [copy])
        assert key(priors, [source, other]) != key(priors, [other, source])
        assert key(priors, [source]) == key(priors, [source])


def test_agrees_with_nutpies_own_compile(default_priors, bundled):
    """The graphs `nutpie_model` builds mirror nutpie's private `_make_functions`; here
    they meet nutpie's own public compile (`nutpie.compile_pymc_model`, the fallback) on a
    model with vector, log-transformed and Student-t parameters (default priors with the
    returns, time-horizon and game-scaling evidence): the same number of unconstrained
    dimensions, the same jittered initial points, bit-for-bit the same logp and gradient
    at and away from them, and the same dims wherever nutpie names them."""
    from foomcalc.inference.model import build_model

    evidence = [e for e in bundled if e.kind in ("returns", "time_horizons", "game_scaling")]
    assert len({e.kind for e in evidence}) == 3
    model = build_model(default_priors, evidence)
    ours, theirs = compile_model(model), compile_model(model, backend="numba")
    assert ours.nutpie.n_dim == theirs.n_dim > 10
    for seed in (1, 2, 3):
        x = ours.initial_point(seed)
        np.testing.assert_array_equal(x, theirs.initial_point_func(seed))
        for point in (x, x + 0.3 * np.sin(np.arange(x.size) + seed)):
            value, grad = ours.logp_and_grad(point)
            their_value, their_grad = theirs.logp_func(point)
            assert np.isfinite(value) and value == pytest.approx(float(their_value), rel=1e-12)
            np.testing.assert_allclose(grad, their_grad, rtol=1e-10, atol=1e-12)
    assert {k: v for k, v in ours.nutpie.dims.items() if k in theirs.dims} == dict(theirs.dims)
    assert set(theirs.coords) <= set(ours.nutpie.coords)
