"""The Python-callback compile path: vector parameters, data swaps, and agreement with
nutpie's own compile on the same model."""

import numpy as np
import pymc as pm
import pytest

from foomcalc.sampling import SamplerSettings, compile_model, diagnose, sample

SETTINGS = SamplerSettings(draws=500, tune=500)


def normal_model():
    with pm.Model() as model:
        centre = pm.Data("centre", 1.0)
        z = pm.Normal("z", mu=centre, sigma=2.0, shape=3)
        pm.Normal("y", mu=z, sigma=1.0, observed=np.array([0.0, 1.0, 2.0]))
    return model


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
