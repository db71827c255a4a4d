"""Issue 9 part 1: the capability gap from METR time horizons, game Elo, and a mixture.

Fast: closed forms, each route reducing to gap_from "years", the mixture's bookkeeping,
priors validation, evidence cell checks, the likelihoods' closed forms. Slow: NUTS recovers
known doubling times / Elo slopes, and evidence moves P(hard takeoff) the right way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymc as pm
import pytest
from scipy import stats

from foomcalc.errors import InputError
from foomcalc.evidence.files import bundled_evidence, load_evidence, parameters_informed
from foomcalc.evidence.kinds.time_horizons import frontier_mask
from foomcalc.inference.terms import add_evidence
from foomcalc.priors.files import load_preset, priors_from_dict
from foomcalc.takeoff.gap import gap_ooms_from_elo, gap_years_from_horizon, mixture_routes
from foomcalc.takeoff.outcomes import DAYS_PER_MONTH, compute_outcomes, gap_ooms
from tests.evidence_files import assert_report_refuses, evidence_error, write_evidence
from tests.oracles.simulate import recent_rate_ooms_per_year


def draws(n: int = 3000, seed: int = 3) -> dict:
    """Wide random draws of every simulator and gap parameter."""
    rng = np.random.default_rng(seed)
    return dict(
        p_rsi_feasible=rng.uniform(0, 1, n), retrain_months=rng.uniform(0.5, 12, n),
        returns_r=np.exp(rng.normal(0.0, 0.6, n)), parallel_penalty=rng.uniform(0.15, 0.6, n),
        speedup=np.exp(rng.uniform(np.log(2), np.log(32), n)),
        instant_jump_ooms=rng.exponential(0.3, n), limit_ooms=rng.uniform(14, 38, n),
        software_doubling_months=rng.uniform(3, 12, n),
        compute_growth_per_year=rng.uniform(2, 6, n), compute_during_takeoff=rng.uniform(0, 1, n),
        gap_years=rng.uniform(1, 10, n), capability_factor=1 + np.exp(rng.normal(1, 0.5, n)),
        scaling_a=rng.uniform(0.2, 0.5, n), scaling_b=rng.uniform(0.2, 0.5, n),
        horizon_doublings=rng.uniform(2, 12, n), horizon_doubling_months=rng.uniform(3, 12, n),
        elo_gap=rng.uniform(300, 2500, n), elo_per_oom=rng.uniform(150, 900, n),
    )


def p_hard(out: dict, days: float = 30.0, prefix: str = "") -> float:
    m = days / DAYS_PER_MONTH
    w = out["weight_feasible"]
    return float(np.mean(w * (out[f"{prefix}takeoff_months_feasible"] <= m)
                         + (1 - w) * (out[f"{prefix}takeoff_months_infeasible"] <= m)))


def test_closed_forms():
    # 7 doublings at 6 months each = 3.5 years; 1000 Elo at 500 Elo/OOM = 2 OOM
    assert gap_years_from_horizon(7.0, 6.0) == pytest.approx(3.5)
    assert gap_ooms_from_elo(1000.0, 500.0) == pytest.approx(2.0)


def test_horizon_reduces_to_years():
    """gap_from horizon with doubling months fixed == gap_from years with the matching years."""
    d = draws()
    years = {**d, "gap_years": d["horizon_doublings"] * d["horizon_doubling_months"] / 12.0}
    assert np.allclose(gap_ooms(d, "horizon"), gap_ooms(years, "years"))
    a = compute_outcomes(d, gap_from="horizon", compression=[(1.0, 1.0)])
    b = compute_outcomes(years, gap_from="years", compression=[(1.0, 1.0)])
    for key in ("takeoff_months_feasible", "takeoff_months_infeasible", "gap_ooms"):
        assert np.array_equal(a[key], b[key]), key


def test_elo_reduces_to_years():
    """gap_from elo == gap_from years with gap_years = (elo_gap / elo_per_oom) / recent rate."""
    d = draws()
    rate = recent_rate_ooms_per_year(d["software_doubling_months"], d["compute_growth_per_year"])
    years = {**d, "gap_years": d["elo_gap"] / d["elo_per_oom"] / rate}
    a = compute_outcomes(d, gap_from="elo", compression=[])
    b = compute_outcomes(years, gap_from="years", compression=[])
    assert np.allclose(a["gap_ooms"], b["gap_ooms"])
    for key in ("takeoff_months_feasible", "takeoff_months_infeasible"):  # up to float rounding
        assert np.allclose(a[key], b[key], rtol=1e-9, atol=1e-9), key


def test_direction_faster_horizon_doubling_raises_p_hard():
    """Fewer months per horizon doubling -> the same doublings take fewer years of recent
    progress -> a smaller gap in OOMs -> crossed sooner -> higher P(hard takeoff)."""
    d = draws()
    fast = compute_outcomes({**d, "horizon_doubling_months": np.full(3000, 3.0)},
                            gap_from="horizon", compression=[])
    slow = compute_outcomes({**d, "horizon_doubling_months": np.full(3000, 12.0)},
                            gap_from="horizon", compression=[])
    assert np.all(fast["gap_ooms"] < slow["gap_ooms"])
    assert p_hard(fast) > p_hard(slow) + 0.02


def test_direction_more_elo_per_oom_raises_p_hard():
    """More Elo per OOM -> fewer OOMs for the same Elo gap -> higher P(hard takeoff)."""
    d = draws()
    steep = compute_outcomes({**d, "elo_per_oom": np.full(3000, 900.0)}, gap_from="elo",
                             compression=[])
    flat = compute_outcomes({**d, "elo_per_oom": np.full(3000, 200.0)}, gap_from="elo",
                            compression=[])
    assert p_hard(steep) > p_hard(flat) + 0.02


def test_mixture_routes_proportions_and_determinism():
    w = {"scaling": 0.2, "horizon": 0.5, "elo": 0.3}
    for n in (10, 1000, 4001):
        pick = mixture_routes(n, w)
        share = np.bincount(pick, minlength=3) / n
        assert np.allclose(share, [0.2, 0.5, 0.3], atol=2.0 / n + 1e-9)
        assert np.array_equal(pick, mixture_routes(n, w))
    assert set(mixture_routes(500, {"scaling": 0.0, "elo": 1.0})) == {1}


def test_mixture_is_the_weighted_mix_of_routes():
    d = draws(4000)
    w = {"scaling": 0.3, "horizon": 0.5, "elo": 0.2}
    out = compute_outcomes(d, gap_from="mixture", gap_weights=w, compression=[])
    routes = {r: p_hard(out, prefix=f"route_{r}__") for r in w}
    for r in w:  # the per-route block equals running that route alone
        alone = compute_outcomes(d, gap_from=r, compression=[])
        assert routes[r] == pytest.approx(p_hard(alone))
    # each draw takes the route `mixture_routes` assigns it: exactly the mean of the
    # assigned routes' per-draw values (a wrong route or weight changes it)
    m = 30.0 / DAYS_PER_MONTH
    per_route = [out["weight_feasible"] * (out[f"route_{r}__takeoff_months_feasible"] <= m)
                 + (1 - out["weight_feasible"])
                 * (out[f"route_{r}__takeoff_months_infeasible"] <= m) for r in w]
    pick = mixture_routes(4000, w)
    assigned = np.choose(pick, per_route)
    assert p_hard(out) == pytest.approx(float(assigned.mean()), rel=1e-12)
    # and the weighted mix of the routes' answers up to the assignment's sampling error
    mixed = sum(w[r] * routes[r] for r in w)
    se = np.sqrt(sum(w[r] * per_route[i].var() for i, r in enumerate(w)) / pick.size)
    assert p_hard(out) == pytest.approx(mixed, abs=4 * se)
    one = compute_outcomes(d, gap_from="mixture", gap_weights={"elo": 1.0}, compression=[])
    assert np.array_equal(one["gap_ooms"], gap_ooms(d, "elo"))


def minimal(**top) -> dict:
    return {"name": "t", "description": "test", "base": "default", **top}


def problems(data: dict) -> str:
    with pytest.raises(InputError) as info:
        priors_from_dict(data)
    return "\n".join(info.value.problems)


def test_priors_gap_from_and_weights():
    s = priors_from_dict(minimal(gap_from="mixture", gap_weights={"scaling": 2, "horizon": 2}))
    assert s.gap_weights == {"scaling": 0.5, "horizon": 0.5}
    assert priors_from_dict(minimal(gap_from="elo")).gap_weights == {}
    again = priors_from_dict(s.to_dict())
    assert again.gap_weights == s.gap_weights and again.gap_from == "mixture"
    assert "expected one of scaling, years, horizon, elo, mixture" in problems(
        minimal(gap_from="horizn"))
    assert "did you mean 'horizon'" in problems(minimal(gap_from="horizn"))
    assert "unknown route" in problems(minimal(gap_from="mixture", gap_weights={"elos": 1}))
    assert "non-negative" in problems(minimal(gap_from="mixture", gap_weights={"elo": -1}))
    assert "all zero" in problems(minimal(gap_from="mixture", gap_weights={"elo": 0}))
    assert "only used with gap_from: mixture" in problems(
        minimal(gap_from="years", gap_weights={"elo": 1}))
    assert "mapping route -> weight" in problems(minimal(gap_from="mixture", gap_weights=[1]))


def test_every_preset_loads_and_default_is_the_documented_mixture():
    for name in ("default", "deep-learning-sceptic", "forethought-2025", "seed-ai-foom"):
        p = load_preset(name)
        assert p.gap_from in ("mixture", "years", "scaling")
    d = load_preset("default")
    assert d.gap_from == "mixture"
    assert d.gap_weights == pytest.approx({"horizon": 0.5, "scaling": 0.3, "elo": 0.2})


# ---------------------------------------------------------------- evidence

H_HEADER = "model,release_date,horizon_minutes,domain\n"
H_GOOD = H_HEADER + "a,2020-01-01,2,sw\nb,2021-01-01,1,sw\nc,2022-01-01,8,sw\nd,2022-01-01,5,sw\n"
G_HEADER = "train_flop,elo,board_size\n"
G_GOOD = G_HEADER + "1e11,-1500,9\n1e12,-1000,9\n1e13,-500,9\n"


def write(tmp_path: Path, text: str, name: str = "ev.csv") -> Path:
    return write_evidence(tmp_path, text, name)


def error(tmp_path: Path, text: str) -> str:
    return evidence_error(tmp_path, text, "ev.csv")


def test_kinds_inferred_and_frontier_marked(tmp_path):
    ev = load_evidence(write(tmp_path, H_GOOD))
    assert ev.kind == "time_horizons" and ev.describe() == "time_horizons: 4 models from ev.csv"
    assert ev.table["frontier"].tolist() == [True, False, True, False]
    assert np.allclose(ev.table["log2_horizon"], np.log2([2, 1, 8, 5]))
    g = load_evidence(write(tmp_path, G_GOOD, "g.csv"))
    assert g.kind == "game_scaling" and np.allclose(g.table["log10_flop"], [11, 12, 13])
    assert parameters_informed([ev, g]) == {"horizon_doubling_months", "elo_per_oom"}
    assert frontier_mask(np.array([1.0, 2.0, 3.0]), np.array([5.0, 4.0, 6.0]),
                         ["x", "x", "x"]).tolist() == [True, False, True]


@pytest.mark.parametrize("text,fragments", [
    ("# kind: time_horizons\nmodel,release_date,horizon_hours\na,2020-01-01,2\n",
     ("missing column", "horizon_minutes")),
    (H_HEADER + "a,2020-01-01,2 hours,sw\n", ("horizon_minutes", "number of minutes")),
    (H_HEADER + "a,2020-01-01,7056822,sw\n", ("horizon_minutes", "seconds")),
    (H_HEADER + "a,14/03/2023,2,sw\n", ("release_date", "ISO date")),
    (H_HEADER + "a,2020-01-01,0,sw\n", ("horizon_minutes", "must be positive")),
    (H_HEADER + "a,2020-01-01,-4,sw\n", ("horizon_minutes", "must be positive")),
    ("# kind: game_scaling\ntrain_flop,rating\n1e12,-100\n", ("missing column", "elo")),
    (G_HEADER + "12.5,-100,9\n", ("train_flop", "log10")),
    (G_HEADER + "-1e12,-100,9\n", ("train_flop", "must be positive")),
    (G_HEADER + "1e12,abc,9\n", ("elo", "not a number")),
    (G_HEADER + "1e12,-60000,9\n", ("elo", "not a plausible Elo")),
])
def test_bad_input_names_column(tmp_path, text, fragments):
    message = error(tmp_path, text)
    assert "ev.csv" in message
    for fragment in fragments:
        assert fragment in message, message


def test_cli_bad_horizons_exit_2_nothing_written(tmp_path):
    bad = write(tmp_path, H_HEADER + "a,2020-01-01,90 min,sw\n")
    assert_report_refuses(bad, tmp_path / "report", "horizon_minutes")


def test_time_horizons_likelihood_closed_form(tmp_path):
    ev = load_evidence(write(tmp_path, H_GOOD))
    with pm.Model() as model:
        add_evidence([ev], {"horizon_doubling_months": pm.math.constant(6.0)})
    point = {"ev__intercept": np.array([1.5]), "ev__sigma_log__": np.log(0.5),
             "ev__nu_log__": np.log(4.0)}
    logp = model.compile_fn(model.observedlogp, inputs=model.value_vars)(point)
    t = ev.table[ev.table["frontier"]]
    mu = 1.5 + 2.0 * (t["year"].to_numpy() - t["year"].mean())  # 12/6 doublings per year
    expected = stats.t.logpdf(t["log2_horizon"], df=4.0, loc=mu, scale=0.5).sum()
    assert logp == pytest.approx(expected, rel=1e-6)


def test_game_scaling_likelihood_closed_form(tmp_path):
    ev = load_evidence(write(tmp_path, G_GOOD))
    with pm.Model() as model:
        add_evidence([ev], {"elo_per_oom": pm.math.constant(400.0)})
    point = {"ev__intercept": np.array([-1000.0]), "ev__ceiling": np.array([-700.0]),
             "ev__span_log__": np.log([600.0]), "ev__sigma_log__": np.log(50.0),
             "ev__nu_log__": np.log(6.0)}
    logp = model.compile_fn(model.observedlogp, inputs=model.value_vars)(point)
    incline = -1000.0 + 400.0 * (np.array([11.0, 12.0, 13.0]) - 12.0)
    mu = np.clip(incline, -1300.0, -700.0)  # [-1400, -1000, -600] -> [-1300, -1000, -700]
    expected = stats.t.logpdf([-1500, -1000, -500], df=6.0, loc=mu, scale=50.0).sum()
    assert logp == pytest.approx(expected, rel=1e-6)


def test_bundled_gap_evidence():
    names = {Path(e.path).name: e for e in bundled_evidence()}
    th, gs = names["time_horizons.csv"], names["game_scaling.csv"]
    assert th.kind == "time_horizons" and len(th.table) == 16 and th.table["frontier"].sum() >= 8
    o3 = th.table[th.table["model"] == "o3"]["horizon_minutes"].iloc[0]
    assert o3 == pytest.approx(117.6, abs=0.1)  # METR: o3 ~ 1.5-2 h (seconds / 60 here)
    assert gs.kind == "game_scaling" and set(gs.table["board_size"]) == {str(b) for b in
                                                                          range(3, 10)}


# ---------------------------------------------------------------- slow: sampling

def synthetic_horizons(months: dict[str, float], sd: float = 0.4, seed: int = 0) -> str:
    """Frontier-only horizons: log2 h = level + (12 / months_d)(year - 2022) + t noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for d, m in months.items():
        year = np.linspace(2019.0, 2025.3, 10)
        log2_h = 2.0 + 12.0 / m * (year - 2022.0) + sd * rng.standard_t(8, year.size)
        log2_h = np.maximum.accumulate(log2_h) + np.arange(year.size) * 1e-3  # records only
        rows += [f"{d}{i},{y:.3f},{2 ** h:.6g},{d}\n" for i, (y, h) in
                 enumerate(zip(year, log2_h, strict=True))]
    return H_HEADER + "".join(rows)


def fit(ev, name: str, prior) -> np.ndarray:
    from foomcalc.inference.scaling_fit import sample_model
    with pm.Model() as model:
        rv = prior()
        add_evidence([ev], {name: rv})
    return sample_model(model, seed=3, draws=500, tune=500, chains=2)["posterior"][
        name].values.ravel()


@pytest.mark.slow
def test_recovers_horizon_doubling_months(tmp_path):
    """One domain, truth 6 months: 90% interval covers it, median within 5%, the interval
    a factor < 1.5 wide (the prior's: 11.8). Three domains
    around 6 months (4.5, 6, 8): the pooled median covers 6 within its 90% interval."""
    prior = lambda: pm.LogNormal("horizon_doubling_months", np.log(6.9), 0.75)  # noqa: E731
    one = fit(load_evidence(write(tmp_path, synthetic_horizons({"sw": 6.0}), "one.csv")),
              "horizon_doubling_months", prior)
    lo, med, hi = np.quantile(one, [0.05, 0.5, 0.95])
    # the prior's median is 6.9 (15% off) and its 90% interval spans a factor 11.8
    assert lo < 6.0 < hi and abs(med / 6.0 - 1) < 0.05 and hi / lo < 1.5
    three = fit(load_evidence(write(tmp_path, synthetic_horizons(
        {"sw": 4.5, "math": 6.0, "video": 8.0}, seed=1), "three.csv")),
        "horizon_doubling_months", prior)
    lo, hi = np.quantile(three, [0.05, 0.95])
    assert lo < 6.0 < hi and hi / lo < 4.0


@pytest.mark.slow
def test_recovers_elo_per_oom(tmp_path):
    """Truth 400 Elo/OOM, two boards with plateaus: 90% interval covers it and is a factor
    < 1.2 wide, median within 5%."""
    rng = np.random.default_rng(2)
    rows = []
    for board, (c, ceil, span) in {"7": (-900.0, -20.0, 1500.0),
                                   "9": (-1300.0, -30.0, 1900.0)}.items():
        x = np.linspace(10.0, 17.0, 30)
        mu = np.clip(c + 400.0 * (x - x.mean()), ceil - span, ceil)
        elo = mu + 40.0 * rng.standard_t(8, x.size)
        rows += [f"{10 ** xi:.6g},{e:.1f},{board}\n" for xi, e in zip(x, elo, strict=True)]
    ev = load_evidence(write(tmp_path, G_HEADER + "".join(rows)))
    post = fit(ev, "elo_per_oom", lambda: pm.LogNormal("elo_per_oom", np.log(450.0), 0.93))
    lo, med, hi = np.quantile(post, [0.05, 0.5, 0.95])
    # the prior's median is 450 (12.5% off) and its 90% interval spans a factor 21
    assert lo < 400.0 < hi and abs(med / 400.0 - 1) < 0.05 and hi / lo < 1.2


@pytest.mark.slow
def test_faster_horizon_evidence_raises_p_hard(tmp_path):
    """gap_from horizon: data showing 3-month doublings give a higher P(hard takeoff) than
    data showing 14-month doublings (smaller gap in OOMs; see the fast direction test)."""
    from foomcalc.analysis.run import run_analysis
    from foomcalc.inference.sampling import SamplerSettings
    from foomcalc.reporting.summary import summarize
    priors = priors_from_dict(minimal(gap_from="horizon"))
    p = {}
    for months in (3.0, 14.0):
        ev = load_evidence(write(tmp_path, synthetic_horizons({"sw": months}), f"h{months}.csv"))
        s = summarize(run_analysis(priors, [ev], seed=1, n_prior_draws=2000,
                                   settings=SamplerSettings(draws=500, tune=500)))
        p[months] = s["hard_takeoff"]
        post = s["parameters"]["horizon_doubling_months"]["posterior"]["q50"]
        assert abs(post / months - 1) < 0.2
    gap = p[3.0]["posterior"] - p[14.0]["posterior"]
    assert gap > 3 * np.hypot(p[3.0]["mcse"], p[14.0]["mcse"]), p
