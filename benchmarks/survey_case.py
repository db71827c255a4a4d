"""Survey benchmark (issue 12): people per second for `foomcalc survey` on a 2-worker
LocalCluster, against a plain sequential loop of full reports (the naive way), with the
in-process cheap path in between, so the two speed-ups are measured separately:

- shared compiled model + reweighting: sequential full reports -> sequential cheap path;
- parallelism (Dask, 2 workers): sequential cheap path -> LocalCluster.

The full-report loop runs on the first `n_loop` respondents and is extrapolated (each
report is independent, so time scales linearly); the cheap path and Dask run all `n`.

    python benchmarks/survey_case.py [N] [N_LOOP]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "examples" / "survey" / "respondents.csv"


def survey_benchmark(n: int = 200, n_loop: int = 3, draws: int = 1000) -> dict:
    from dask.distributed import Client, LocalCluster

    from foomcalc.priors.files import priors_from_dict
    from foomcalc.reporting.workflow import ReportInputs, make_report, resolve_inputs
    from foomcalc.survey.run import (
        SurveyInput,
        plan_bases,
        read_survey,
        respondent_seed,
        run_respondent,
        run_survey,
        sample_bases,
    )

    full = read_survey(EXAMPLE)
    ids = sorted(full.respondents)[:n]
    bases = {rid: full.bases.get(rid) or "default" for rid in ids}
    survey = SurveyInput({k: full.respondents[k] for k in ids}, bases=bases)
    tmp = Path(tempfile.mkdtemp(prefix="foomcalc-bench-survey-"))
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    client = Client(cluster)
    client.run(lambda: None)  # workers up before timing
    # one base per preset, proposal priors where respondents leave its support, sampled in
    # parallel on the cluster: as `foomcalc survey`
    t0 = time.perf_counter()
    plans, widened = plan_bases(survey, tmp, [], False)
    base_paths = sample_bases(plans, client, draws=draws)
    base_s = time.perf_counter() - t0
    shared = resolve_inputs(None, "default", [], False, tmp / "unused")
    evidence = [e.path for e in shared.evidence]

    t0 = time.perf_counter()
    for rid in ids[:n_loop]:
        priors = priors_from_dict(survey.respondents[rid])
        make_report(ReportInputs(priors, shared.evidence, tmp / "loop" / rid,
                                 shared.compression), seed=respondent_seed(0, rid), draws=draws)
    loop_per_person = (time.perf_counter() - t0) / n_loop

    methods, seconds = {}, {}
    for rid in ids:
        t0 = time.perf_counter()
        methods[rid] = run_respondent(rid, survey.respondents[rid], str(base_paths[bases[rid]]),
                                      evidence, respondent_seed(0, rid))["method"]
        seconds[rid] = time.perf_counter() - t0
    cheap_s = sum(seconds.values())
    reweighted = [rid for rid in ids if methods[rid] in ("exact", "psis", "unchanged")]

    def dask_seconds(people: list[str], out: Path) -> float:
        sub = SurveyInput({k: survey.respondents[k] for k in people},
                          bases={k: bases[k] for k in people})
        t0 = time.perf_counter()
        run_survey(sub, base_paths, [Path(p) for p in evidence], out, client=client)
        return time.perf_counter() - t0

    try:
        dask_s = dask_seconds(ids, tmp / "dask")
        dask_rw_s = dask_seconds(reweighted, tmp / "dask-reweighted") if reweighted else 0.0
    finally:
        client.close()
        cluster.close()
    return {"n": n, "n_loop": n_loop, "base_s": base_s, "n_bases": len(base_paths),
            "proposal_parameters": widened,
            "loop_people_per_s": 1 / loop_per_person, "cheap_people_per_s": n / cheap_s,
            "dask_people_per_s": n / dask_s,
            "total_people_per_s": n / (base_s + dask_s),
            "reweighted_people_per_s_1proc": len(reweighted) / max(
                sum(seconds[r] for r in reweighted), 1e-9),
            "dask_reweighted_people_per_s": len(reweighted) / dask_rw_s if dask_rw_s else None,
            "methods": {m: list(methods.values()).count(m) for m in sorted(set(methods.values()))},
            "share_reweighted": len(reweighted) / n}


def rows(r: dict) -> list[tuple[str, float, float | None, str]]:
    """(figure, fast, naive, target) rows for the bench table."""
    loop = r["loop_people_per_s"]
    share = f"{r['share_reweighted']:.0%}"
    return [
        (f"survey, {r['n']} people, LocalCluster(2), bases included (people/s)",
         r["total_people_per_s"], loop, ">= 20x the report loop"),
        ("  same, respondents only (bases already sampled) (people/s)",
         r["dask_people_per_s"], loop, "(info)"),
        (f"  where reweighting applies ({share} of people), LocalCluster(2) (people/s)",
         r["dask_reweighted_people_per_s"] or 0.0, None, ">= 10 people/s"),
        ("  shared model + reweighting alone, 1 process (people/s)", r["cheap_people_per_s"],
         loop, "(info)"),
        ("  parallelism alone: Dask vs 1 process (ratio)",
         r["dask_people_per_s"] / r["cheap_people_per_s"], None, "(info)"),
        (f"  one-off: {r['n_bases']} shared bases, one per preset, on the cluster (s)",
         r["base_s"], None, "(info)"),
    ]


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(survey_benchmark(*args), indent=2))
