"""The page's live posterior, without the web: a base posterior per preset, reweighted
as the controls move, and refits in the background where reweighting is not reliable.

- `BaseStore`: each preset's posterior with the bundled evidence (`analysis.run_analysis`,
  the app's draws and seed, the standard compression windows: what "Update with
  evidence" gives for the untouched preset), made once in a worker thread and cached on
  disk under `bases_dir()` by a key of the preset's priors, the evidence files' sha256,
  the draws, the seed and the foomcalc version; later sessions and app starts load it.
- `live_posterior`: the current priors' posterior from the bases (`reweight.reweight`
  with `refit=False`: exact redraws of uninformed parameters, PSIS or indicator weights
  for informed ones, with the Monte Carlo error and k-hat); "needs-refit" when the
  weights are not reliable (k-hat > 0.7, or a prior beyond the base's support).
- `start_refit`: that refit (NUTS on the shared compiled model) in a `jobs.Job`; its
  result is itself a base for the next moves.
- `posterior_numbers`: what the page shows, from a `Reweighted`.

Probabilities are fractions; times are months.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foomcalc import __version__
from foomcalc.app.jobs import Job
from foomcalc.app.state import MONTHS_GRID, gap_axis_rows
from foomcalc.priors.files import PriorSet, load_preset
from foomcalc.takeoff.outcomes import DAYS_PER_MONTH, weighted_cdf


def bases_dir() -> Path:
    """Where base posteriors are cached: $FOOMCALC_APP_BASES, else
    $XDG_CACHE_HOME/foomcalc/app-bases (default ~/.cache/foomcalc/app-bases)."""
    if os.environ.get("FOOMCALC_APP_BASES"):
        return Path(os.environ["FOOMCALC_APP_BASES"])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "foomcalc" / "app-bases"


@dataclass
class BaseStore:
    """Base posteriors per preset (bundled evidence), shared by every session of an app."""

    folder: Path
    draws: int
    seed: int
    results: dict = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _compiled: object = None
    _evidence: list | None = None

    def evidence(self) -> list:
        """The bundled evidence files, loaded once."""
        from foomcalc.evidence.files import bundled_evidence  # pandas: with the first base

        if self._evidence is None:
            self._evidence = bundled_evidence()
        return self._evidence

    def compiled(self):
        """The compiled-model cache every base and refit shares."""
        from foomcalc.analysis.run import CompiledCache  # PyMC: with the first base

        if self._compiled is None:
            self._compiled = CompiledCache()
        return self._compiled

    def path(self, preset: str) -> Path:
        """The cached result file of a preset's base."""
        from foomcalc.analysis.run import SCHEMA_VERSION  # PyMC: with the first base

        key = json.dumps([load_preset(preset).to_dict(), [e.sha256 for e in self.evidence()],
                          self.draws, self.seed, __version__, SCHEMA_VERSION], sort_keys=True)
        return self.folder / f"{preset}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.nc"

    def get(self, preset: str):
        """(the base result, None) once it is there; (None, the job making it) before."""
        with self.lock:
            if preset in self.results:
                return self.results[preset], None
            job = self.jobs.get(preset)
            if job is None or (not job.running and job.error):
                job = self.jobs[preset] = Job(f"base-{preset}").start(
                    lambda j: self._make(j, preset))
            elif not job.running:
                self.results[preset] = job.output()["result"]
                return self.results[preset], None
        return None, job

    def _make(self, job: Job, preset: str) -> dict:
        # the analysis stack (PyMC, nutpie): only in the worker thread
        from foomcalc.analysis.result import load_result, save_result
        from foomcalc.analysis.run import run_analysis
        from foomcalc.inference.sampling import SamplerSettings

        path = self.path(preset)
        if path.is_file():
            job.stage = f"loading the {preset} posterior from {path}"
            return {"result": load_result(path)}
        job.stage = (f"sampling the {preset} posterior with the bundled evidence, once "
                     f"({self.draws} draws x 4 chains; cached in {self.folder})")
        result = run_analysis(load_preset(preset), self.evidence(), seed=self.seed,
                              settings=SamplerSettings(draws=self.draws),
                              cache=self.compiled(), command=f"foomcalc app (base {preset})")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        save_result(result, tmp)
        tmp.replace(path)
        return {"result": result}


def live_posterior(bases: list, priors: PriorSet, seed: int):
    """The priors' posterior reweighted from the first base (latest refit first) that
    gives reliable weights; else the last attempt, method "needs-refit"."""
    from foomcalc.analysis.reweight import reweight  # xarray, ArviZ: with the first answer

    attempt = None
    for base in bases:
        attempt = reweight(base, priors, seed=seed, compression=True, refit=False)
        if attempt.method != "needs-refit":
            return attempt
    return attempt


def start_refit(store: BaseStore, base, priors: PriorSet, seed: int) -> Job:
    """A NUTS refit of `priors` with the bundled evidence in a worker thread; its result
    is {"reweighted": the Reweighted (method "refit", with the refitted tree)}."""
    from foomcalc.analysis.reweight import reweight  # with the first refit
    from foomcalc.inference.sampling import SamplerSettings

    def work(job: Job) -> dict:
        job.stage = (f"refitting the posterior with NUTS ({store.draws} draws x 4 chains)")
        rw = reweight(base, priors, seed=seed, compression=True, evidence=store.evidence(),
                      cache=store.compiled(), refit_settings=SamplerSettings(draws=store.draws))
        return {"reweighted": rw}

    return Job("refit").start(work)


def posterior_numbers(rw) -> dict:
    """P(hard takeoff) with its Monte Carlo error, P(seed-AI RSI feasible), the takeoff
    CDF on MONTHS_GRID, its median (months; None beyond the horizon), the compression
    table, the gap axis (when the base result has one) and how they were had (method,
    k-hat, ESS), from a `Reweighted`."""
    n = rw.numbers()
    o, w = rw.outcomes, rw.weights
    wf = o["weight_feasible"].values
    cdf = (weighted_cdf(o["takeoff_months_feasible"].values, w * wf, MONTHS_GRID)
           + weighted_cdf(o["takeoff_months_infeasible"].values, w * (1 - wf), MONTHS_GRID))
    above = np.flatnonzero(cdf >= 0.5)
    rows = [(float(x), float(y), c["posterior"]) for x, y, c in zip(
        o["years_of_progress"].values, o["within_months"].values, n["compression"],
        strict=True)] if "compression" in n else []
    return {"hard_takeoff": n["hard_takeoff"]["posterior"],
            "hard_takeoff_mcse": n["hard_takeoff"]["mcse"],
            "window_days": rw.hard_takeoff_days, "p_rsi_feasible": n["p_rsi_feasible"],
            "cdf": cdf, "median_months": float(MONTHS_GRID[above[0]]) if above.size else None,
            "compression": rows, "gap_axis": gap_axis_rows(o, w), "method": rw.method,
            "pareto_k": rw.pareto_k, "ess": rw.ess, "seconds": rw.seconds,
            "window_months": rw.hard_takeoff_days / DAYS_PER_MONTH}


def priors_key(priors: PriorSet) -> str:
    """What a posterior depends on in a PriorSet (its numbers, not its name or text)."""
    data = priors.to_dict()
    data.pop("name", None)
    data.pop("description", None)
    return json.dumps(data, sort_keys=True)
