"""`foomcalc survey` on dask.distributed: input validation, the group analysis on known
structure, agreement with per-person runs, a killed worker, and --resume."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

from foomcalc.errors import InputError
from foomcalc.survey.report import clusters, decomposition, summarize_survey
from foomcalc.survey.run import read_survey, respondent_seed, run_respondent, run_survey

HEADER = "respondent,base,speedup@10,speedup@50,speedup@90,p_rsi_feasible@50,p_rsi_feasible@90\n"


def survey_csv(path: Path, n: int, seed: int = 0, bad: bool = False) -> Path:
    """n respondents around the default preset (speed-up and RSI credence vary)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        mid = float(np.exp(rng.uniform(np.log(3), np.log(20))))
        p50 = float(rng.uniform(0.05, 0.6))
        rows.append(f"p{i:03d},default,{mid / 2:.3f},{mid:.3f},{mid * 3:.3f},"
                    f"{p50:.3f},{min(0.95, p50 + 0.3):.3f}\n")
    if bad:
        rows.append("broken,default,5,3,10,0.2,0.5\n")  # quantiles out of order
        rows.append("typo,default,2,4,8,0.2,abc\n")
    path.write_text(HEADER + "".join(rows))
    return path


def test_csv_respondents_are_validated_and_bad_ones_skipped(tmp_path):
    survey = read_survey(survey_csv(tmp_path / "s.csv", 4, bad=True))
    assert sorted(survey.respondents) == ["p000", "p001", "p002", "p003"]
    assert set(survey.skipped) == {"broken", "typo"}
    assert "abc" in survey.skipped["typo"]
    assert "speedup" in survey.skipped["broken"]
    assert set(survey.bases.values()) == {"default"}
    q = survey.respondents["p000"]["parameters"]["speedup"]
    assert q["source"] == "survey respondent p000"


def test_folder_and_yaml_inputs(tmp_path):
    folder = tmp_path / "people"
    folder.mkdir()
    (folder / "ann.yaml").write_text("name: ann\ndescription: x\nbase: seed-ai-foom\n")
    (folder / "ben.yaml").write_text("name: ben\ndescription: x\nbase: nope\n")
    survey = read_survey(folder)
    assert list(survey.respondents) == ["ann"] and "nope" in survey.skipped["ben"]
    assert survey.bases == {"ann": "seed-ai-foom"}  # each reweights from its own preset
    mapping = tmp_path / "s.yaml"
    mapping.write_text("cat:\n  base: forethought-2025\n  hard_takeoff_days: 7\ndan: 3\n"
                       "eve:\n  hard_takeoff_days: 3\n")
    survey = read_survey(mapping)
    assert survey.respondents["cat"]["hard_takeoff_days"] == 7 and "dan" in survey.skipped
    assert survey.bases == {"cat": "forethought-2025"}  # eve: the survey's --base
    with pytest.raises(InputError):
        read_survey(tmp_path / "missing.txt")


def test_seed_depends_on_the_respondent_not_the_order():
    assert respondent_seed(1, "a") == respondent_seed(1, "a")
    assert len({respondent_seed(1, r) for r in ("a", "b", "c")}) == 3
    assert respondent_seed(1, "a") != respondent_seed(2, "a")


def synthetic_rows(n: int, seed: int = 0, groups: bool = False) -> list[dict]:
    """People whose posterior log-odds are driven by their speed-up median alone."""
    from foomcalc.parameters import PARAMETERS

    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        log_speedup = rng.normal(2.0, 0.5) + (2.5 if groups and i % 2 else 0.0)
        medians = {p: 1.0 for p in PARAMETERS}
        log_r = rng.normal(0, 0.3) + (1.5 if groups and i % 2 else 0.0)  # two camps
        medians.update(speedup=float(np.exp(log_speedup)), returns_r=float(np.exp(log_r)))
        logit_p = -3.0 + 1.5 * (log_speedup - 2.0) + rng.normal(0, 0.1)
        p = 1 / (1 + np.exp(-logit_p))
        rows.append({"respondent": f"r{i}", "prior_medians": medians, "method": "exact",
                     "prior_hard_takeoff": min(0.99, p * 1.5), "posterior_hard_takeoff": p,
                     "posterior_mcse": 0.01})
    return rows


def test_decomposition_finds_the_belief_that_drives_the_spread():
    dec = decomposition(synthetic_rows(200))
    assert dec["shares"][0]["parameter"] == "speedup"
    assert dec["shares"][0]["share"] > 0.9 and dec["r_squared"] > 0.9


def test_clusters_only_when_there_are_clusters():
    assert clusters(synthetic_rows(120, groups=True))["k"] == 2
    assert clusters(synthetic_rows(120))["k"] == 1


def test_summary_reports_narrowing_and_skips():
    rows = {r["respondent"]: r for r in synthetic_rows(50)}
    summary = summarize_survey(rows, {"bad": "why"}, {"seed": 0})
    assert summary["n_respondents"] == 50 and summary["skipped"] == {"bad": "why"}
    d = summary["disagreement"]
    assert d["prior"]["sd_logit"] > 0 and d["narrowed_by"] is not None


# ------------------------------------------------------------------ on a real cluster

@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The shared base: default preset with the bundled evidence, sampled once."""
    from foomcalc.reporting.workflow import make_report, resolve_inputs

    folder = tmp_path_factory.mktemp("survey") / "base"
    inputs = resolve_inputs(None, "default", [], False, folder)
    make_report(inputs, seed=1, draws=300)
    return folder / "posterior.nc", [Path(e.path) for e in inputs.evidence]


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    with Client(cluster) as c:
        yield c
    cluster.close()


def mcse(per_draw: np.ndarray) -> float:
    """Monte Carlo standard error of the mean of per-draw values (chain, draw) from NUTS
    chains: sd / sqrt(bulk ESS) (ArviZ), so autocorrelation counts."""
    import arviz as az
    import xarray as xr

    ess = float(az.ess(xr.Dataset({"x": (("chain", "draw"), per_draw)}), method="bulk")["x"])
    return float(per_draw.std() / np.sqrt(min(ess, per_draw.size)))


#: Agreement within Z_AGREE combined Monte Carlo standard errors (a two-sided 0.3% band;
#: the seeds are fixed, so the test is deterministic). 4 would also hold for the right
#: answer, but since the compute bottleneck acts at automation no respondent of the CSV
#: form moves far enough from the base for a 4-SE band to exclude the base's answer.
Z_AGREE = 3.0


@pytest.mark.slow
def test_cluster_survey_equals_per_person_runs(tmp_path, base, client):
    """20 people on a 2-worker LocalCluster: each person's numbers equal an in-process run
    of the same path with the same seed exactly, and the two people whose answers differ
    most from the shared base agree with a full independent analysis of their priors
    within Z_AGREE combined Monte Carlo standard errors (autocorrelation counted, no fixed
    allowance) while for the farthest (a believer) the base's answer (a survey that
    ignored their priors) is more than Z_AGREE away."""
    from foomcalc.analysis.result import load_result
    from foomcalc.analysis.reweight import hard_per_draw, result_priors, reweight
    from foomcalc.analysis.run import run_analysis
    from foomcalc.evidence.files import load_evidence
    from foomcalc.inference.sampling import SamplerSettings
    from foomcalc.priors.files import priors_from_dict

    base_path, evidence = base
    path = survey_csv(tmp_path / "s.csv", 19, seed=4)
    # a believer far from the base (since the compute bottleneck acts at automation the
    # speed-up moves the 30-day answer little, the RSI credence a lot)
    path.write_text(path.read_text() + "p019,default,10,20,60,0.95,0.99\n")
    survey = read_survey(path)
    results = run_survey(survey, base_path, evidence, tmp_path / "out", seed=9, client=client)
    assert sorted(results) == sorted(survey.respondents)
    assert len({r["worker_pid"] for r in results.values()}) == 2  # both workers used
    for rid in ("p000", "p007", "p019"):
        local = run_respondent(rid, survey.respondents[rid], str(base_path),
                               [str(p) for p in evidence], respondent_seed(9, rid))
        for key in ("prior_hard_takeoff", "posterior_hard_takeoff", "method"):
            assert results[rid][key] == local[key]
    base_result = load_result(base_path)
    base_answer = reweight(base_result, result_priors(base_result)).hard_takeoff()
    loaded = [load_evidence(p) for p in evidence]
    far = sorted(results, key=lambda r: -abs(results[r]["posterior_hard_takeoff"]
                                             - base_answer))[:2]
    assert far[0] == "p019"
    for rid in far:
        priors = priors_from_dict(survey.respondents[rid])
        survey_answer = results[rid]["posterior_hard_takeoff"]
        # the survey's per-draw values, as its worker computed them (same seed)
        mine = reweight(base_result, priors, seed=respondent_seed(9, rid), evidence=loaded)
        assert mine.hard_takeoff() == survey_answer
        full = run_analysis(priors, loaded, seed=21, settings=SamplerSettings(draws=300),
                            n_prior_draws=500)
        per = hard_per_draw(full["posterior_outcomes"].to_dataset(), priors.hard_takeoff_days)
        se = np.hypot(mcse(per), mcse(hard_per_draw(mine.outcomes, priors.hard_takeoff_days)))
        assert abs(per.mean() - survey_answer) < Z_AGREE * se, (rid, per.mean(), survey_answer,
                                                                 se)
        if rid == far[0]:  # the farthest: a survey ignoring its priors would fail
            assert abs(per.mean() - base_answer) > Z_AGREE * se, (rid, per.mean(), base_answer,
                                                                  se)


@pytest.mark.slow
def test_killed_worker_is_survived_and_resume_skips_done(tmp_path, base):
    """Kill one of two worker processes for real mid-survey: its tasks are retried and
    every respondent is present. Then --resume recomputes only missing respondents."""
    from dask.distributed import Client, LocalCluster

    base_path, evidence = base
    survey = read_survey(survey_csv(tmp_path / "s.csv", 12, seed=5))
    out = tmp_path / "out"
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    killed = threading.Event()
    with Client(cluster) as c:
        pids = list(c.run(os.getpid).values())

        def kill_one(row: dict) -> None:
            if not killed.is_set():
                killed.set()
                os.kill(pids[0], signal.SIGKILL)
        results = run_survey(survey, base_path, evidence, out, seed=3, client=c,
                             on_result=kill_one)
    cluster.close()
    assert killed.is_set() and sorted(results) == sorted(survey.respondents)
    for rid in ("p001", "p006"):
        (out / "respondents" / f"{rid}.json").unlink()
    computed = []
    again = run_survey(survey, base_path, evidence, out, seed=3, resume=True,
                       on_result=lambda row: computed.append(row["respondent"]))
    assert sorted(computed) == ["p001", "p006"]
    for rid in survey.respondents:
        assert again[rid]["posterior_hard_takeoff"] == results[rid]["posterior_hard_takeoff"]
        assert json.loads((out / "respondents" / f"{rid}.json").read_text())["respondent"] == rid


def forethought_people(n: int, seed: int = 0) -> list:
    """Respondents starting from forethought-2025 with log-normal returns_r (outside the
    preset's LogUniform(0.4, 3.6) support)."""
    from foomcalc.priors.files import priors_from_dict

    rng = np.random.default_rng(seed)
    people = []
    for i in range(n):
        mid = float(np.exp(rng.normal(0.1, 0.3)))
        people.append(priors_from_dict({
            "name": f"f{i}", "description": "x", "base": "forethought-2025",
            "parameters": {"returns_r": {"quantiles": {10: mid / 2.2, 50: mid, 90: mid * 2.2},
                                         "source": "test"}}}))
    return people


def test_proposal_base_covers_respondents_beyond_the_preset():
    from foomcalc.analysis.reweight import prior_support, support_within
    from foomcalc.priors.files import load_preset
    from foomcalc.survey.bases import proposal_priors

    preset = load_preset("forethought-2025")
    people = forethought_people(8)
    assert not support_within(people[0].specs["returns_r"], preset.specs["returns_r"])
    proposal, widened = proposal_priors(preset, people, ["returns_r", "retrain_months"])
    assert widened == ["returns_r"]  # retrain_months: everyone keeps the preset's
    spec = proposal.specs["returns_r"]
    assert prior_support(spec) == (0.0, np.inf)
    assert proposal.specs["retrain_months"] == preset.specs["retrain_months"]
    for person in (*people, preset):  # every prior's 1-99% range well inside the proposal
        own = person.specs["returns_r"]
        assert support_within(own, spec)
        assert spec.quantile(0.001) < own.quantile(0.01) < own.quantile(0.99) \
            < spec.quantile(0.999)
    unchanged, none = proposal_priors(preset, [preset], ["returns_r"])
    assert unchanged is preset and none == []


@pytest.mark.slow
def test_respondent_beyond_the_preset_reweights_from_the_proposal_base(tmp_path):
    """A forethought-2025 respondent with a log-normal returns_r (outside the preset's
    support, so the preset's own base would need a refit) reweights (PSIS) from the
    survey's proposal base, and the answer agrees with a full analysis of their priors
    within Monte Carlo error."""
    import dataclasses

    from foomcalc.analysis.result import load_result
    from foomcalc.analysis.reweight import hard_per_draw, reweight
    from foomcalc.analysis.run import run_analysis
    from foomcalc.inference.sampling import SamplerSettings
    from foomcalc.reporting.workflow import make_report, resolve_inputs
    from foomcalc.survey.bases import proposal_priors

    people = forethought_people(6, seed=2)
    inputs = resolve_inputs(None, "forethought-2025", [], False, tmp_path / "base")
    proposal, widened = proposal_priors(inputs.priors, people, ["returns_r"])
    assert widened == ["returns_r"]
    make_report(dataclasses.replace(inputs, priors=proposal), seed=1, draws=1000)
    base = load_result(tmp_path / "base")
    person = people[3]
    post = reweight(base, person, seed=5, evidence=inputs.evidence)
    assert post.method == "psis" and post.pareto_k <= 0.7
    full = run_analysis(person, inputs.evidence, seed=21, settings=SamplerSettings(draws=500),
                        n_prior_draws=500)
    per = hard_per_draw(full["posterior_outcomes"].to_dataset(), person.hard_takeoff_days)
    r_full = float(full["posterior"]["returns_r"].median())
    r_weighted = float(np.interp(0.5, np.cumsum(post.weights.ravel()[np.argsort(
        base["posterior"]["returns_r"].values.ravel())]), np.sort(
        base["posterior"]["returns_r"].values.ravel())))
    assert abs(r_full - r_weighted) < 0.05 * r_full  # the evidence-informed parameter
    numbers = post.numbers()["hard_takeoff"]
    se = np.hypot(2 * per.std() / np.sqrt(per.size), numbers["mcse"])
    assert abs(per.mean() - numbers["posterior"]) < 4 * se + 0.005


def test_report_says_how_answers_were_computed():
    from foomcalc.survey.report import method_sentence

    rows = {r["respondent"]: r for r in synthetic_rows(5)}
    summary = summarize_survey(rows, {}, {"proposal_parameters": {"forethought-2025":
                                                                  ["returns_r"]}})
    text = method_sentence(summary)
    assert "5 exact" in text and "forethought-2025: returns_r" in text
    assert "Proposal" not in method_sentence(summarize_survey(rows, {}, {}))
