"""The compute bottleneck acts at automation (issue 21): with compute frozen during
takeoff, sigma 0.3 and compute's share 0.5, prior P(hard takeoff) is at most 0.6 of the
same priors without a bottleneck; the compute-bottleneck preset's chance of >= 1 year of
progress within 1 month is well below default's. Prior draws only (no evidence, no NUTS):
20,000 draws, the same seed for both sides (common random numbers)."""

from __future__ import annotations

import pytest

from foomcalc.analysis.reweight import hard_per_draw
from foomcalc.analysis.run import run_analysis
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.priors.files import PriorSet, load_preset, priors_from_dict
from foomcalc.takeoff.outcomes import mixture_probability

N_DRAWS = 20_000


def fixed(priors: PriorSet, **values: float) -> PriorSet:
    data = priors.to_dict()
    for name, value in values.items():
        data["parameters"][name] = {"value": value, "source": "test"}
    return priors_from_dict(data)


def prior_outcomes(priors: PriorSet):
    result = run_analysis(priors, [], seed=0, settings=SamplerSettings(draws=50),
                          n_prior_draws=N_DRAWS)
    return result["prior_outcomes"].to_dataset()


@pytest.fixture(scope="module")
def default():
    return load_preset("default")


def test_a_strong_bottleneck_with_frozen_compute_cuts_hard_takeoff(default):
    """Measured: 2.5% against 4.7% (ratio 0.52); ignoring compute_share gives 1."""
    frozen = dict(compute_during_takeoff=0.0)
    bottleneck = hard_per_draw(prior_outcomes(fixed(
        default, compute_share=0.5, substitution_elasticity=0.3, **frozen)), 30.0).mean()
    none = hard_per_draw(prior_outcomes(fixed(default, compute_share=0.0, **frozen)),
                         30.0).mean()
    assert none > 0.02  # enough hard takeoffs for the ratio to mean something
    assert bottleneck <= 0.6 * none


def test_the_compute_bottleneck_preset_compresses_progress_far_less(default):
    """P(>= 1 year of progress within 1 month), prior: 4.6% against default's 13.7%; its
    P(hard takeoff) is lower too (2.4% against 3.4%)."""
    def one_year_in_a_month(outcomes) -> float:
        per = mixture_probability(outcomes["compressed_feasible"].values,
                                  outcomes["compressed_infeasible"].values,
                                  outcomes["weight_feasible"].values)
        column = list(outcomes["compression"].values).index("1y_in_1m")
        return float(per[..., column].mean())

    cb, dflt = prior_outcomes(load_preset("compute-bottleneck")), prior_outcomes(default)
    assert one_year_in_a_month(cb) < 0.5 * one_year_in_a_month(dflt)
    assert hard_per_draw(cb, 30.0).mean() < 0.85 * hard_per_draw(dflt, 30.0).mean()
