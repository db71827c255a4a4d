"""Recovery and direction of the compute_shares (-> compute_share) and
compute_equivalent_gains (-> instant_jump_ooms) likelihoods (slow: nutpie on tiny models,
and full analyses for the direction of P(hard takeoff))."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymc as pm
import pytest
from scipy import stats

from foomcalc.analysis.run import run_analysis
from foomcalc.evidence.files import load_evidence
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.inference.scaling_fit import posterior_summary, sample_model
from foomcalc.inference.terms import add_evidence
from foomcalc.priors.entry import PriorSpec
from foomcalc.reporting.summary import summarize

pytestmark = pytest.mark.slow
Z90 = stats.norm.ppf(0.95)


def fit(evidence, priors: dict, names: list[str], seed: int = 0):
    with pm.Model() as model:
        params = {k: make(k) for k, make in priors.items()}
        add_evidence(evidence, params)
    return posterior_summary(sample_model(model, seed=seed, draws=800, tune=800), names)


def shares_csv(path: Path, share: float, tau: float, k: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.03, 0.08, k)
    obs = share + tau * rng.normal(size=k) + se * rng.normal(size=k)
    obs = np.clip(obs, 0.01, 0.99)
    rows = "".join(f"s{i},{o:.4f},{max(o - Z90 * s, 0.0):.4f},{min(o + Z90 * s, 1.0):.4f},0.9,"
                   f"sim\n" for i, (o, s) in enumerate(zip(obs, se, strict=True)))
    path.write_text("source,compute_share,lower,upper,interval,citation\n" + rows)
    return path


def gains_csv(path: Path, centre: float, tau: float, k: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.1, 0.3, k)
    log10 = centre + tau * rng.normal(size=k) + se * rng.normal(size=k)
    rows = "".join(f"s{i},e{i},{10**g:.4f},{10**(g - Z90 * s):.4f},{10**(g + Z90 * s):.4f},"
                   f"0.9,sim\n" for i, (g, s) in enumerate(zip(log10, se, strict=True)))
    path.write_text("study,enhancement,ceg,lower,upper,interval,citation\n" + rows)
    return path


SHARE_PRIOR = {"compute_share": lambda k: pm.Beta(k, 2.0, 2.0)}
JUMP_PRIOR = {"instant_jump_ooms": lambda k: pm.HalfNormal(k, 1.0)}


@pytest.mark.parametrize("share", [0.3, 0.7])
def test_compute_shares_recover_the_share(tmp_path, share):
    ev = load_evidence(shares_csv(tmp_path / "s.csv", share, tau=0.04, k=10, seed=4))
    post = fit([ev], SHARE_PRIOR, ["compute_share", "s__tau"])
    s = post["compute_share"]
    assert s["q05"] <= share <= s["q95"] and s["r_hat"] < 1.01
    assert s["q95"] - s["q05"] < 0.15  # ten sources pin it (prior 90% width 0.72)
    assert post["s__tau"]["q05"] <= 0.04 <= post["s__tau"]["q95"]


def test_gains_recover_the_typical_gain_and_keep_the_spread_in_the_jump(tmp_path):
    """Thirty enhancements around 0.8 OOM with spread 0.3: the typical CEG is recovered
    narrowly, tau is covered, and the jump (one new enhancement) keeps about tau of spread."""
    ev = load_evidence(gains_csv(tmp_path / "g.csv", 0.8, tau=0.3, k=30, seed=7))
    post = fit([ev], JUMP_PRIOR, ["instant_jump_ooms", "g__tau", "g__typical_log10_ceg"])
    typical = post["g__typical_log10_ceg"]
    assert typical["q05"] <= 0.8 <= typical["q95"] and typical["r_hat"] < 1.01
    assert typical["q95"] - typical["q05"] < 0.3
    assert post["g__tau"]["q05"] <= 0.3 <= post["g__tau"]["q95"]
    jump = post["instant_jump_ooms"]
    assert 0.6 < jump["q50"] < 0.9 and jump["r_hat"] < 1.02
    assert jump["q95"] - jump["q05"] > 2 * (typical["q95"] - typical["q05"])


def test_gains_move_the_jump_both_ways(tmp_path):
    """Measured gains near 1x pull the jump below the prior's median, gains near 30x above."""
    low = load_evidence(gains_csv(tmp_path / "lo.csv", 0.0, tau=0.1, k=8, seed=6))
    high = load_evidence(gains_csv(tmp_path / "hi.csv", 1.5, tau=0.1, k=8, seed=7))
    prior_median = stats.halfnorm(scale=1.0).median()
    lo = fit([low], JUMP_PRIOR, ["instant_jump_ooms"])["instant_jump_ooms"]["q50"]
    hi = fit([high], JUMP_PRIOR, ["instant_jump_ooms"])["instant_jump_ooms"]["q50"]
    assert lo < prior_median - 0.2 < prior_median + 0.3 < hi


def test_higher_compute_share_lowers_hard_takeoff(tmp_path, default_priors):
    """Spending data saying compute is 85% of R&D input (a tighter bottleneck at automation)
    against 15% move compute_share apart and lower the chance of >= 1 year of progress
    within 1 month (default priors) and P(hard takeoff) (default priors without the instant
    jump, which no bottleneck touches, so speed decides) beyond 3 combined MCSEs."""
    settings = SamplerSettings(draws=2000, tune=500, chains=2)
    no_jump = default_priors.with_spec(
        "instant_jump_ooms", PriorSpec("instant_jump_ooms", None, 0.0, "test: no jump"))

    def run(priors, share: float, name: str):
        ev = load_evidence(shares_csv(tmp_path / name, share, tau=0.02, k=6, seed=8))
        return summarize(run_analysis(priors, [ev], seed=3, settings=settings,
                                      n_prior_draws=2000))

    low, high = run(default_priors, 0.15, "low.csv"), run(default_priors, 0.85, "high.csv")
    assert high["parameters"]["compute_share"]["posterior"]["q05"] > 0.7
    assert low["parameters"]["compute_share"]["posterior"]["q95"] < 0.3

    def fast(s) -> dict:
        return next(c for c in s["compression"]
                    if c["years_of_progress"] == 1.0 and c["within_months"] == 1.0)

    a, b = fast(low), fast(high)
    assert a["posterior"] - b["posterior"] > 3 * np.hypot(a["mcse"], b["mcse"]), (a, b)
    a, b = (run(no_jump, share, f"nj{share}.csv")["hard_takeoff"] for share in (0.15, 0.85))
    assert a["posterior"] - b["posterior"] > 3 * np.hypot(a["mcse"], b["mcse"]), (a, b)
