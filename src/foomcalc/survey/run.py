"""`foomcalc survey`: many people's priors, each updated on the same evidence, on Dask.

A survey is a folder of priors files, or one YAML mapping (respondent id -> priors
mapping) or one CSV, read and validated up front by `survey.inputs.read_survey` (bad
respondents are listed and skipped; an id given twice stops the survey).

The work per respondent is the cheapest exact path through a shared base result (the
`--base` preset with the shared evidence, sampled once): parameters no evidence informs
are redrawn from the respondent's prior (exact), evidence-informed ones are
importance-reweighted (PSIS, k-hat <= 0.7), and anything else is refitted with NUTS on
a compiled model kept once per worker (`analysis.reweight.reweight`). The prior P(hard takeoff)
comes from the respondent's own prior draws. Seeds come from the survey seed and the
respondent id, never from the worker, so a LocalCluster and any other cluster agree.

Tasks run on `dask.distributed` (a LocalCluster by default, `--scheduler ADDRESS` for an
existing one) with retries, so a killed worker's respondents are recomputed. Each
finished respondent is written atomically to OUT/respondents/<id>.json; `--resume` skips
those. Only then is the survey report written (survey.report).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from foomcalc.analysis.result import load_result
from foomcalc.errors import InputError
from foomcalc.priors.copula import correlate
from foomcalc.priors.files import PriorSet, priors_from_dict
from foomcalc.reporting.output import write_json_atomically
from foomcalc.survey.inputs import SurveyInput, read_survey
from foomcalc.survey.report import summarize_survey, write_survey_report

if TYPE_CHECKING:
    from dask.distributed import Client

    from foomcalc.reporting.workflow import ReportInputs

# The analysis modules (pandas, xarray, numba, PyMC) and Dask are imported inside the
# functions that run once the survey file is read and valid, or on the Dask workers: a
# bad survey file is answered at once.

#: Prior draws per respondent for the prior P(hard takeoff).
N_PRIOR_DRAWS = 4000
_WORKER_STATE: dict = {}  # per worker process: (base, evidence) -> loaded state; compiled models


def respondent_seed(survey_seed: int, respondent: str) -> int:
    """A seed from the survey seed and the respondent id alone (not the worker)."""
    entropy = [int(survey_seed), zlib.crc32(respondent.encode("utf-8"))]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] % (2**31 - 1))


def _worker_state(base_path: str, evidence_paths: Sequence[str]) -> dict:
    """Base result and evidence, loaded once per worker process and base (a survey has one
    base per preset), and one compiled-model cache per worker shared by all bases."""
    key = (base_path, tuple(evidence_paths))
    if key not in _WORKER_STATE:
        # on a Dask worker: PyMC (compiled-model cache) and pandas (evidence) load here
        from foomcalc.analysis.run import CompiledCache
        from foomcalc.evidence.files import load_evidence

        cache = _WORKER_STATE.setdefault("compiled", CompiledCache())
        _WORKER_STATE[key] = {"result": load_result(base_path),
                              "evidence": [load_evidence(p) for p in evidence_paths],
                              "cache": cache}
    return _WORKER_STATE[key]


def prior_hard_takeoff(priors: PriorSet, seed: int, n: int = N_PRIOR_DRAWS
                       ) -> tuple[float, float]:
    """P(hard takeoff) under a prior alone from `n` prior draws, and its Monte Carlo
    standard error (both fractions)."""
    # the takeoff simulator (xarray, numba): on a Dask worker, not when the survey is read
    from foomcalc.analysis.reweight import hard_per_draw
    from foomcalc.takeoff.outcomes import compute_outcomes

    rng = np.random.default_rng([seed, 30_000])
    draws = {name: spec.sample(n, rng) for name, spec in priors.specs.items()}
    if (copula := priors.copula()) is not None:  # rank correlations (priors.copula)
        draws.update(correlate(copula, priors.specs, draws))
    per = hard_per_draw(compute_outcomes(draws, gap_from=priors.gap_from,
                                         gap_weights=priors.gap_weights, compression=[]),
                        priors.hard_takeoff_days)
    return float(per.mean()), float(per.std() / np.sqrt(n))


def run_respondent(rid: str, priors_dict: dict, base_path: str,
                   evidence_paths: Sequence[str], seed: int) -> dict:
    """One respondent's prior and posterior answer (runs on a Dask worker)."""
    # reweighting (xarray, numba; PyMC for a refit): on a Dask worker
    from foomcalc.analysis.reweight import reweight

    state = _worker_state(base_path, evidence_paths)
    priors = priors_from_dict(priors_dict, source=f"respondent {rid}")
    post = reweight(state["result"], priors, seed=seed, evidence=state["evidence"],
                    cache=state["cache"])
    numbers = post.numbers()
    prior_p, prior_mcse = prior_hard_takeoff(priors, seed)
    medians = {name: spec.quantile(0.5) for name, spec in priors.specs.items()}
    return {"respondent": rid, "seed": seed, "method": post.method,
            "pareto_k": post.pareto_k, "ess": post.ess,
            "prior_hard_takeoff": prior_p, "prior_mcse": prior_mcse,
            "posterior_hard_takeoff": numbers["hard_takeoff"]["posterior"],
            "posterior_mcse": numbers["hard_takeoff"]["mcse"],
            "p_rsi_feasible_posterior": numbers["p_rsi_feasible"],
            "hard_takeoff_days": priors.hard_takeoff_days, "gap_from": priors.gap_from,
            "prior_medians": medians, "worker_pid": os.getpid()}


@contextlib.contextmanager
def survey_client(scheduler: str | None = None) -> Iterator[Client]:
    """A Dask client: on the scheduler at `scheduler`, or on a LocalCluster with one
    single-threaded worker process per core (closed afterwards)."""
    # Dask: imported where a cluster starts
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def run_survey(
    survey: SurveyInput, base_path: Path | dict[str, Path], evidence_paths: Sequence[Path],
    out_dir: Path, *, seed: int = 0, client: Client | None = None, resume: bool = False,
    on_result: Callable[[dict], None] | None = None,
) -> dict[str, dict]:
    """Every respondent's answer, computed as Dask tasks on `client` (a LocalCluster with
    one single-threaded worker per core when None); written to OUT/respondents/.

    `base_path` is one saved base result for everyone, or one per base preset (keyed by
    `survey.bases`; respondents reweight from the base their priors start from)."""
    # Dask: imported where the tasks run
    from dask.distributed import as_completed

    folder = out_dir / "respondents"
    folder.mkdir(parents=True, exist_ok=True)
    done = {}
    if resume:
        for rid in survey.respondents:
            path = folder / f"{rid}.json"
            if path.is_file():
                done[rid] = json.loads(path.read_text())
    todo = [rid for rid in survey.respondents if rid not in done]
    own = survey_client() if client is None and todo else contextlib.nullcontext(client)
    with own as client:
        def base_of(rid: str) -> str:
            if isinstance(base_path, dict):
                return str(base_path[survey.bases.get(rid) or "default"])
            return str(base_path)

        futures = [client.submit(run_respondent, rid, survey.respondents[rid], base_of(rid),  # type: ignore[union-attr]
                                 [str(p) for p in evidence_paths],
                                 respondent_seed(seed, rid), key=f"respondent-{seed}-{rid}",
                                 retries=3, pure=False) for rid in todo]
        for future in as_completed(futures):
            row = future.result()
            write_json_atomically(folder / f"{row['respondent']}.json", row)
            done[row["respondent"]] = row
            if on_result:
                on_result(row)
    return {rid: done[rid] for rid in survey.respondents}


def plan_bases(
    survey: SurveyInput, out_dir: Path, evidence: Sequence[Path], no_evidence: bool,
    seed: int = 0,
) -> tuple[dict[str, ReportInputs], dict[str, list[str]]]:
    """The inputs of one shared base result per preset that respondents start from
    (`survey.bases`), to go in OUT/base/<preset>/. Where respondents' priors leave the
    preset's support for an evidence-informed parameter, the base uses a proposal prior
    covering them (`survey.bases.proposal_priors`). Validates the evidence (InputError).
    Returns (preset -> ReportInputs, preset -> widened parameters)."""
    # PyMC (the model's parameters), pandas (evidence) and xarray (proposals): once the
    # survey is valid
    from foomcalc.inference.model import modelled_parameters
    from foomcalc.reporting.workflow import resolve_inputs
    from foomcalc.survey.bases import proposal_priors

    plans, widened = {}, {}
    for preset in sorted(set(survey.bases.values())):
        inputs = resolve_inputs(None, preset, evidence, no_evidence, out_dir / "base" / preset)
        people = [survey.parsed.get(rid)
                  or priors_from_dict(survey.respondents[rid], source=f"respondent {rid}")
                  for rid in survey.respondents if survey.bases.get(rid) == preset]
        proposal, widened[preset] = proposal_priors(
            inputs.priors, people, modelled_parameters(inputs.evidence), seed)
        plans[preset] = dataclasses.replace(inputs, priors=proposal)
    return plans, widened


def sample_bases(plans: dict[str, ReportInputs], client: Client, *, seed: int = 0,
                 draws: int = 1000, resume: bool = False,
                 log: Callable[[str], None] = lambda _message: None) -> dict[str, Path]:
    """Sample the planned bases as Dask tasks on `client` (in parallel; with `resume`, a
    base already written is kept). Returns preset -> its posterior.nc."""
    # the report workflow (pandas): once the survey is valid
    from foomcalc.reporting.workflow import make_report

    futures = []
    for preset, inputs in plans.items():
        if resume and (inputs.out_dir / "posterior.nc").is_file():
            continue
        log(f"sampling the shared base {inputs.priors.name} "
            f"({len(inputs.evidence)} evidence file(s))")
        futures.append(client.submit(make_report, inputs, seed=seed, draws=draws,
                                     key=f"base-{seed}-{preset}", retries=3, pure=False))
    client.gather(futures)
    return {preset: inputs.out_dir / "posterior.nc" for preset, inputs in plans.items()}


def make_survey(
    input_path: Path, out_dir: Path, *, base: str = "default", evidence: Sequence[Path] = (),
    no_evidence: bool = False, seed: int = 0, draws: int = 1000, scheduler: str | None = None,
    resume: bool = False, per_person: bool = False,
    log: Callable[[str], None] = lambda _message: None,
) -> dict:
    """The `survey` command: validate, sample the shared base once, run every respondent
    on Dask, then write the survey report. Returns the survey summary."""
    survey = read_survey(input_path)
    if not survey.respondents:
        raise InputError("no valid respondent: " + "; ".join(
            f"{k}: {v}" for k, v in survey.skipped.items()), input_path)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("the output path exists and is not a folder", out_dir)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not resume:
        raise InputError("the output folder is not empty; use --resume to continue a survey "
                         "there, or choose another --out", out_dir)
    for rid, problem in survey.skipped.items():
        log(f"skipped {rid}: {problem}")
    for rid in survey.respondents:  # respondents without their own `base:` use --base
        survey.bases[rid] = survey.bases.get(rid) or base
    plans, widened = plan_bases(survey, out_dir, evidence, no_evidence, seed)
    evidence_sets = next(iter(plans.values())).evidence
    for preset, names in widened.items():
        if names:
            log(f"base {preset}: proposal priors for {', '.join(names)} (respondents go "
                "beyond the preset's support)")
    with survey_client(scheduler) as client:
        log(f"{len(survey.respondents)} respondents on "
            f"{'the scheduler at ' + scheduler if scheduler else 'a local Dask cluster'}")
        base_paths = sample_bases(plans, client, seed=seed, draws=draws, resume=resume,
                                  log=log)
        results = run_survey(survey, base_paths, [Path(e.path) for e in evidence_sets],
                             out_dir, seed=seed, client=client, resume=resume,
                             on_result=lambda r: log(f"{r['respondent']}: {r['method']}"))
    if per_person:
        _per_person_reports(survey, out_dir, evidence, no_evidence, seed, draws, log)
    meta = {"input": str(input_path), "base": base, "bases": sorted(base_paths),
            "proposal_parameters": {k: v for k, v in widened.items() if v},
            "seed": seed,
            "evidence": [{"path": e.path, "sha256": e.sha256} for e in evidence_sets],
            "per_person": per_person}
    summary = summarize_survey(results, survey.skipped, meta)
    write_survey_report(out_dir, summary, per_person)
    return summary


def _per_person_reports(survey: SurveyInput, out_dir: Path, evidence: Sequence[Path],
                        no_evidence: bool, seed: int, draws: int,
                        log: Callable[[str], None]) -> None:
    """A full report per respondent in OUT/people/<id>/ (skipped where one exists)."""
    # the report workflow (pandas): once the survey is valid
    from foomcalc.reporting.workflow import ReportInputs, make_report, resolve_inputs

    for rid, priors_dict in survey.respondents.items():
        folder = out_dir / "people" / rid
        if (folder / "summary.json").is_file():
            continue
        shared = resolve_inputs(None, "default", evidence, no_evidence, folder)
        priors = priors_from_dict(priors_dict, source=f"respondent {rid}")
        log(f"report for {rid}")
        make_report(ReportInputs(priors, shared.evidence, folder, shared.compression,
                                 shared.notes), seed=respondent_seed(seed, rid), draws=draws)

