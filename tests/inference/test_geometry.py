"""Sampler coordinates (issue 13, "Geometry"; `foomcalc.coordinates`): the priors are kept,
and hard corners of the SBC that made NUTS diverge no longer do."""

from __future__ import annotations

import warnings

import numpy as np
import pymc as pm
import pytest
from scipy import stats

from foomcalc.inference import model as model_module
from foomcalc.inference.calibration import CASES, FIT_SETTINGS, checked_parameters
from foomcalc.inference.coordinates import COORD_SUFFIX
from foomcalc.inference.model import build_model
from foomcalc.inference.sampling import compile_model, diagnose, sample
from foomcalc.inference.terms.scaling import EXPONENT_SCALE, NOISE_SCALE, reference_scales
from foomcalc.priors.files import load_preset

SCALING, HORIZONS = CASES["scaling-law fit"], CASES["time-horizon trend"]


def _lognormal(name: str):
    p = load_preset("default").specs[name].prior.parameters
    return stats.lognorm(s=p["sigma"], scale=np.exp(p["mu"]))


def test_coordinates_are_sampled_and_parameters_keep_their_names():
    m = build_model(load_preset("default"), [SCALING.evidence(), HORIZONS.evidence()])
    coords = {v.name for v in m.free_RVs if v.name.endswith(COORD_SUFFIX)}
    assert {"scaling_a__coord", "scaling_A__coord", "scaling_b__coord", "scaling_B__coord",
            "sbc_2__mean_log_months__coord"} <= coords
    for name in ("scaling_a", "scaling_A", "horizon_doubling_months", "sbc_2__z"):
        assert name in {d.name for d in m.deterministics}
    checked = checked_parameters(build_model(load_preset("default"), [HORIZONS.evidence()]))
    assert "horizon_doubling_months" in checked and "sbc__z" in checked
    assert not any(n.endswith(COORD_SUFFIX) for n in checked)


def test_prior_draws_keep_the_prior():
    m = build_model(load_preset("default"), [SCALING.evidence(), HORIZONS.evidence()])
    names = ["scaling_a", "scaling_A", "scaling_B", "horizon_doubling_months"]
    prior = pm.sample_prior_predictive(draws=3000, model=m, var_names=[*names, "sbc_2__z"],
                                       random_seed=5)["prior"]
    for name in names:
        assert stats.kstest(prior[name].values.ravel(), _lognormal(name).cdf).pvalue > 0.001
    z = prior["sbc_2__z"].values.reshape(-1, 3)
    assert stats.kstest(z.ravel(), "norm").pvalue > 0.001
    assert np.abs(np.corrcoef(z.T) - np.eye(3)).max() < 0.06


def test_coordinate_density_is_prior_times_jacobian():
    """log p(u) = log prior(A(u)) + log dA/du, A = NOISE_SCALE L N_ref^a softplus(u)."""
    ev = SCALING.evidence()
    m = build_model(load_preset("default"), [ev])
    logp = m.compile_logp(vars=[m["scaling_A__coord"]], sum=True)
    n_ref, _ = reference_scales(ev.table)
    level = np.log(ev.table["loss"].to_numpy()).mean()
    point = m.initial_point(random_seed=1)
    for v, u in [(0.3, -4.0), (1.5, 0.2), (3.0, 6.0), (-1.0, 40.0)]:
        point = {**point, "scaling_a__coord": np.array(v), "scaling_A__coord": np.array(u)}
        a = EXPONENT_SCALE * np.log1p(np.exp(v))
        scale = NOISE_SCALE * np.exp(level) * n_ref**a
        big_a = scale * np.log1p(np.exp(u))
        expected = _lognormal("scaling_A").logpdf(big_a) + np.log(scale / (1 + np.exp(-u)))
        assert logp(point) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def _plain_model(case, monkeypatch) -> pm.Model:
    """The case's model with every prior created by build_model (log scale): for the
    scaling law these are the coordinates used before issue 13."""
    with monkeypatch.context() as patch:
        patch.setattr(model_module, "own_coordinates", lambda ev: ())
        return build_model(load_preset("default"), [case.evidence()])


def _refits(m: pm.Model, data: np.ndarray, fits: int = 2) -> tuple[int, float]:
    """Divergent transitions and worst r_hat of `fits` refits of model `m` to `data`."""
    name = m.rvs_to_values[m.observed_RVs[0]].name
    compiled = compile_model(m).with_data(**{name: data})
    total, worst = 0, 0.0
    for seed in range(fits):
        diag = diagnose(sample(compiled, seed=seed, settings=FIT_SETTINGS))
        total, worst = total + diag.divergences, max(worst, diag.max_r_hat)
    return total, worst


@pytest.mark.slow
def test_scaling_corner_no_longer_diverges(monkeypatch):
    """An SBC draw where A/N^a is ~800 nats/token: B/D^b and E sit below the noise and the
    data bound them only from above. On the log scale NUTS diverged at that wall."""
    truth = {"scaling_a": 0.144, "scaling_b": 0.387, "scaling_E": 2.611, "scaling_A": 16353.0,
             "scaling_B": 17729.0, "sbc__sigma": 0.073, "sbc__nu": 12.4}
    plain = _plain_model(SCALING, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = pm.draw(plain.observed_RVs[0], random_seed=11,
                       givens={plain[k]: np.asarray(v) for k, v in truth.items()})
    new, new_r_hat = _refits(build_model(load_preset("default"), [SCALING.evidence()]), data)
    assert new == 0 and new_r_hat < 1.05
    old, _ = _refits(plain, data)
    assert old > 0  # the corner was hard in the old coordinates


@pytest.mark.slow
def test_horizon_corner_no_longer_diverges():
    """An SBC draw with small tau and each domain's slope pinned by the data: with z
    sampled directly NUTS diverged and stalled (r_hat 2.1)."""
    months, tau, z = 8.47, 0.106, np.array([1.862, 1.487, 0.579])
    intercept, sigma, nu = np.array([6.98, 11.68, -3.17]), 0.096, 53.3
    table = HORIZONS.design()
    domain = np.searchsorted(sorted(set(table["domain"])), table["domain"])
    year = table["year"].to_numpy()
    centre = np.array([year[domain == k].mean() for k in range(3)])
    slope = 12.0 / (months * np.exp(tau * z))
    noise = sigma * np.random.default_rng(11).standard_t(nu, len(year))
    data = intercept[domain] + slope[domain] * (year - centre[domain]) + noise
    divergences, r_hat = _refits(build_model(load_preset("default"), [HORIZONS.evidence()]),
                                 data)
    assert divergences == 0 and r_hat < 1.05
