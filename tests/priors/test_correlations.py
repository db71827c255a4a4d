"""Rank correlations in priors files (`correlations:`) and the Gaussian copula that joins
the marginals: validation (each refusal names its entry), the rank-to-Pearson map, the
copula's density, conditional draws and their inverse. No PyMC, no simulator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from foomcalc.errors import InputError
from foomcalc.priors import priors_from_dict
from foomcalc.priors.copula import (
    Copula,
    correlate,
    from_innovations,
    innovations,
    log_copula_density,
    pearson_of_spearman,
)
from foomcalc.priors.draws import normal_scores

PAIRS = [["returns_r", "limit_ooms", 0.6], ["speedup", "returns_r", -0.4],
         ["p_rsi_feasible", "limit_ooms", 0.3]]


def with_corr(correlations, **extra) -> dict:
    return {"name": "t", "base": "default", "correlations": correlations, **extra}


def refused(data: dict) -> list[str]:
    with pytest.raises(InputError) as info:
        priors_from_dict(data)
    return info.value.problems


def fisher_z_close(r_hat: float, rho: float, n: int, sds: float = 4.0) -> bool:
    """Spearman's rho estimate within `sds` standard errors on Fisher's z scale
    (var ~ 1.06 / (n - 3), Fieller et al. 1957)."""
    return abs(math.atanh(r_hat) - math.atanh(rho)) < sds * math.sqrt(1.06 / (n - 3))


def test_pearson_of_spearman_round_trips_through_the_bivariate_normal():
    for rho in (-0.9, -0.3, 0.0, 0.5, 0.95):
        r = pearson_of_spearman(rho)
        assert 6 / math.pi * math.asin(r / 2) == pytest.approx(rho, abs=1e-12)


@pytest.mark.parametrize("entry,expected", [
    ([["returns_r", "limit_ooms", 1.0]], "correlations[0]: the rank correlation must lie "
                                         "strictly between -1 and 1, got 1"),
    ([["returns_r", "limit_ooms", -1.2]], "correlations[0]: the rank correlation must lie "
                                          "strictly between -1 and 1, got -1.2"),
    ([["retruns_r", "limit_ooms", 0.2]], "correlations[0]: unknown parameter 'retruns_r' "
                                         "(did you mean 'returns_r'?)"),
    ([["returns_r", "automation_year", 0.2]], "correlations[0]: automation_year is fixed"),
    ([["returns_r", "returns_r", 0.2]], "correlations[0]: a parameter cannot be correlated "
                                        "with itself"),
    ([["returns_r", "limit_ooms", 0.2], ["limit_ooms", "returns_r", 0.3]],
     "correlations[1]: the pair limit_ooms, returns_r is given twice (also correlations[0])"),
    ([["returns_r", "limit_ooms"]], "correlations[0]: expected [parameter, parameter, rank"),
    ([["returns_r", "limit_ooms", "lots"]], "correlations[0]: expected a rank correlation"),
    ("returns_r limit_ooms 0.5", "correlations: expected a list of [parameter, parameter"),
])
def test_bad_correlations_are_refused_naming_the_entry(entry, expected):
    problems = refused(with_corr(entry))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_a_set_that_is_not_a_correlation_matrix_is_refused_naming_its_entries():
    """r-limit and r-speedup strongly positive, limit-speedup strongly negative: no
    positive-definite matrix; removing any one of the three entries repairs it."""
    problems = refused(with_corr([["returns_r", "limit_ooms", 0.9],
                                  ["returns_r", "speedup", 0.9],
                                  ["limit_ooms", "speedup", -0.9],
                                  ["p_rsi_feasible", "retrain_months", 0.2]]))
    assert len(problems) == 1
    assert problems[0].startswith("correlations: these rank correlations cannot hold together")
    assert "weaken one of correlations[0], correlations[1], correlations[2]" in problems[0]
    assert "correlations[3]" not in problems[0]


def test_with_spec_fixing_a_correlated_parameter_drops_its_pairs():
    """A crux adopting a fixed value for a correlated parameter drops its pairs (only
    uncertain parameters can be correlated)."""
    base = priors_from_dict(with_corr([["returns_r", "limit_ooms", 0.5]]))
    assert base.correlations == (("returns_r", "limit_ooms", 0.5),)
    fixed = base.with_spec("limit_ooms", base.specs["automation_year"])
    assert fixed.correlations == ()  # with_spec: a fixed value is uncorrelated


def test_zero_correlations_are_no_correlations():
    plain = priors_from_dict({"name": "t", "base": "default"})
    zero = priors_from_dict(with_corr([["returns_r", "limit_ooms", 0.0]]))
    assert zero.correlations == () and zero.copula() is None
    assert zero.to_dict() == plain.to_dict()


def test_correlations_round_trip_in_registry_order():
    s = priors_from_dict(with_corr(PAIRS))
    assert s.correlations == (("p_rsi_feasible", "limit_ooms", 0.3),
                              ("returns_r", "speedup", -0.4),
                              ("returns_r", "limit_ooms", 0.6))
    again = priors_from_dict(s.to_dict())
    assert again.correlations == s.correlations


def test_copula_log_density_is_the_normal_ratio():
    """log c(z) = log N(z; 0, R) - sum log N(z_i; 0, 1), checked against scipy."""
    copula = priors_from_dict(with_corr(PAIRS)).copula()
    z = np.random.default_rng(0).normal(size=(len(copula.names), 50))
    want = stats.multivariate_normal(np.zeros(len(copula.names)), copula.matrix).logpdf(z.T) \
        - stats.norm.logpdf(z).sum(axis=0)
    assert copula.log_density(z) == pytest.approx(want, rel=1e-10)
    assert Copula(copula.names, np.eye(len(copula.names))).log_density(z) == \
        pytest.approx(np.zeros(50), abs=1e-12)


def independent(priors, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: spec.sample(n, rng) for name, spec in priors.specs.items()}


def test_correlated_draws_have_the_stated_rank_correlations_and_marginals():
    """100,000 draws: each pair's Spearman rho within 4 standard errors (Fisher z); each
    marginal unchanged (KS against its own distribution, p > 0.001); the uncorrelated
    parameters' draws untouched."""
    priors = priors_from_dict(with_corr(PAIRS))
    n = 100_000
    draws = independent(priors, n, 1)
    new = correlate(priors.copula(), priors.specs, draws)
    assert set(new) == {"p_rsi_feasible", "returns_r", "speedup", "limit_ooms"}
    joined = {**draws, **new}
    for a, b, rho in priors.correlations:
        r_hat = stats.spearmanr(joined[a], joined[b])[0]
        assert fisher_z_close(r_hat, rho, n), (a, b, r_hat, rho)
    for name in new:
        spec = priors.specs[name]
        u = stats.norm.cdf(normal_scores(spec.prior, joined[name]))
        assert stats.kstest(u, "uniform").pvalue > 1e-3, name
    assert all(np.array_equal(joined[k], draws[k]) for k in draws if k not in new)


def test_conditional_draws_given_some_parameters_reproduce_the_joint():
    """Drawing limit_ooms and speedup conditional on independent returns_r and
    p_rsi_feasible draws gives the joint's rank correlations (the posterior's case: the
    informed parameters given, the rest drawn from the copula's conditional)."""
    priors = priors_from_dict(with_corr(PAIRS))
    n = 100_000
    draws = independent(priors, n, 2)
    given = ["returns_r", "p_rsi_feasible"]
    new = correlate(priors.copula(), priors.specs, draws, given)
    assert set(new) == {"speedup", "limit_ooms"}
    joined = {**draws, **new}
    for a, b, rho in priors.correlations:
        assert fisher_z_close(stats.spearmanr(joined[a], joined[b])[0], rho, n), (a, b)


def test_innovations_invert_conditional_draws():
    priors = priors_from_dict(with_corr(PAIRS))
    copula = priors.copula()
    draws = independent(priors, 2000, 3)
    given = ["returns_r"]
    joined = {**draws, **correlate(copula, priors.specs, draws, given)}
    e = innovations(copula, priors.specs, joined, given)
    back = from_innovations(copula, priors.specs, joined, e, given)
    for name, values in back.items():
        assert values == pytest.approx(joined[name], rel=1e-8), name
    assert log_copula_density(None, priors.specs, joined) == 0.0
