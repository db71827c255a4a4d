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

    from foomcalc.priors import priors_from_dict
    from foomcalc.survey import (
        SurveyInput,
        read_survey,
        respondent_seed,
        run_respondent,
        run_survey,
    )
    from foomcalc.workflow import ReportInputs, make_report, resolve_inputs

    full = read_survey(EXAMPLE)
    ids = sorted(full.respondents)[:n]
    survey = SurveyInput({k: full.respondents[k] for k in ids})
    tmp = Path(tempfile.mkdtemp(prefix="foomcalc-bench-survey-"))
    t0 = time.perf_counter()
    base = resolve_inputs(None, "default", [], False, tmp / "base")
    make_report(base, seed=0, draws=draws)
    base_s = time.perf_counter() - t0
    base_path = tmp / "base" / "posterior.nc"
    evidence = [e.path for e in base.evidence]

    t0 = time.perf_counter()
    for rid in ids[:n_loop]:
        priors = priors_from_dict(survey.respondents[rid])
        make_report(ReportInputs(priors, base.evidence, tmp / "loop" / rid, base.compression),
                    seed=respondent_seed(0, rid), draws=draws)
    loop_per_person = (time.perf_counter() - t0) / n_loop

    t0 = time.perf_counter()
    methods = [run_respondent(rid, survey.respondents[rid], str(base_path), evidence,
                              respondent_seed(0, rid))["method"] for rid in ids]
    cheap_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    with Client(cluster) as client:
        run_survey(survey, base_path, [Path(p) for p in evidence], tmp / "dask", client=client)
    cluster.close()
    dask_s = time.perf_counter() - t0
    reweighted = [m in ("exact", "psis", "unchanged") for m in methods]
    return {"n": n, "n_loop": n_loop, "base_s": base_s,
            "loop_people_per_s": 1 / loop_per_person, "cheap_people_per_s": n / cheap_s,
            "dask_people_per_s": n / dask_s,
            "methods": {m: methods.count(m) for m in sorted(set(methods))},
            "share_reweighted": sum(reweighted) / n}


def rows(r: dict) -> list[tuple[str, float, float | None, str]]:
    """(figure, fast, naive, target) rows for the bench table."""
    loop = r["loop_people_per_s"]
    return [
        (f"survey, {r['n']} people, LocalCluster(2) (people/s)", r["dask_people_per_s"], loop,
         ">= 20x the report loop"),
        ("  shared model + reweighting alone, 1 process (people/s)", r["cheap_people_per_s"],
         loop, "(info)"),
        ("  parallelism alone: Dask vs 1 process (ratio)",
         r["dask_people_per_s"] / r["cheap_people_per_s"], None, "(info)"),
    ]


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(survey_benchmark(*args), indent=2))
