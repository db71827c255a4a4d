"""The page's live posterior (output `posterior_live`): the current priors' posterior,
reweighted from the preset's base posterior as the controls move (`app.posterior`), with
its Monte Carlo error and k-hat; when reweighting is not reliable, the last reliable
answer greyed and a refit in the background, whose answer replaces it when it lands.

States (the dict `posterior()` returns, "status"): "base" (the preset's base posterior is
being made or loaded; "job"), "ok" ("numbers": `posterior.posterior_numbers`), "stale"
(a refit runs or waits; "reason", "job", and the last reliable "numbers" if any),
"error" ("text"). Ids on the page: `posterior_live_hard` (a reliable answer),
`posterior_refit` (the refit line), `posterior_stale_hard` (the greyed last answer),
`posterior_base` (the base being made), `posterior_error`.
"""

from __future__ import annotations

from collections.abc import Callable

from shiny import reactive, render, ui

from foomcalc.app.jobs import Job
from foomcalc.app.live import LivePriors, safe_numbers
from foomcalc.app.posterior import (
    BaseStore,
    live_posterior,
    posterior_numbers,
    priors_key,
    start_refit,
)
from foomcalc.parameters import HORIZON_MONTHS
from foomcalc.reporting.report import months_text, pct

#: Seconds between checks on a running base or refit job.
POLL_SECONDS = 0.5


def register_posterior(live: LivePriors, store: BaseStore, seed: int) -> Callable[[], dict]:
    """The session's posterior calc and its output; returns the calc."""
    refits: dict[str, Job] = {}
    bases: list = []  # refitted results, newest first: bases for the next moves
    last: dict = {}   # the last reliable numbers

    def refit_state(key: str, pr, base, reason: str, khat) -> dict:
        job = refits.get(key)
        if job is None and not any(j.running for j in refits.values()):
            job = refits[key] = start_refit(store, base, pr, seed)
        reactive.invalidate_later(POLL_SECONDS)
        return {"status": "stale", "reason": reason, "pareto_k": khat, "job": job,
                "numbers": last.get("numbers")}

    def finished(job: Job) -> dict:
        if job.error:
            return {"status": "error", "text": f"the refit failed: {job.error}"}
        rw = job.output()["reweighted"]
        if rw.refitted is not None and all(b is not rw.refitted for b in bases):
            bases.insert(0, rw.refitted)
            del bases[3:]
        numbers, err = safe_numbers(lambda: posterior_numbers(rw), "posterior answer")
        return _ok(numbers, err, last)

    @reactive.calc
    def posterior() -> dict:
        pr, err = live.priors()
        if pr is None:
            return {"status": "error", "text": "no posterior until the priors are fixed"}
        base, job = store.get(live.state().preset)
        if base is None:
            if job.error:
                return {"status": "error", "text": f"the base posterior failed: {job.error}"}
            reactive.invalidate_later(POLL_SECONDS)
            return {"status": "base", "job": job}
        key = priors_key(pr)
        if key in refits and not refits[key].running:
            return finished(refits[key])
        rw, err = safe_numbers(lambda: live_posterior([*bases, base], pr, seed),
                               "posterior answer")
        if rw is None:
            return {"status": "error", "text": err}
        if rw.method == "needs-refit":
            return refit_state(key, pr, base, rw.reason, rw.pareto_k)
        numbers, err = safe_numbers(lambda: posterior_numbers(rw), "posterior answer")
        return _ok(numbers, err, last)

    @render.ui
    def posterior_live():
        return posterior_view(posterior(), live.state().preset, store.draws)

    return posterior


def _ok(numbers: dict | None, err: str | None, last: dict) -> dict:
    if numbers is None:
        return {"status": "error", "text": err}
    last["numbers"] = numbers
    return {"status": "ok", "numbers": numbers}


def _method_text(n: dict, preset: str) -> str:
    how = {"unchanged": f"the {preset} posterior as it is",
           "exact": f"the {preset} posterior, parameters no evidence informs redrawn exactly",
           "indicator": f"the {preset} posterior restricted to your narrower uniform prior "
                        "(exact weights)",
           "psis": f"the {preset} posterior reweighted (PSIS)",
           "refit": "a NUTS refit of your priors"}[n["method"]]
    k = f"; Pareto k-hat {n['pareto_k']:.2f}" if n["pareto_k"] is not None else ""
    return f"From {how}{k}; ESS {n['ess']:,.0f}."


def _answer(n: dict, stale: bool) -> ui.TagList:
    med = months_text(n["median_months"], HORIZON_MONTHS)
    return ui.TagList(
        ui.div(pct(n["hard_takeoff"]), class_="fc-headline" + (" fc-stale" if stale else ""),
               id="posterior_stale_hard" if stale else "posterior_live_hard"),
        ui.p(f"posterior P(takeoff within {n['window_days']:g} days) "
             f"± {100 * n['hard_takeoff_mcse']:.1f} pp Monte Carlo error; P(seed-AI RSI "
             f"feasible | observations): {pct(n['p_rsi_feasible'])}; median takeoff time: "
             f"{med}.", class_="fc-stale" if stale else None))


def posterior_view(post: dict, preset: str, draws: int) -> ui.TagChild:
    """The posterior card for a `posterior()` state."""
    status = post["status"]
    if status == "error":
        return ui.div(post["text"], class_="fc-error", id="posterior_error")
    if status == "base":
        job = post["job"]
        return ui.div(f"{job.stage} ... {job.seconds():.0f} s", id="posterior_base",
                      class_="fc-note")
    if status == "ok":
        n = post["numbers"]
        return ui.TagList(_answer(n, False), ui.p(_method_text(n, preset), class_="fc-note",
                                                   id="posterior_method"))
    job = post["job"]
    line = (f"Reweighting is not reliable here ({post['reason']}): refitting in the "
            f"background ({draws} draws x 4 chains) ... {job.seconds():.0f} s" if job else
            f"Reweighting is not reliable here ({post['reason']}): waiting for the refit "
            "in progress")
    shown = _answer(post["numbers"], True) if post.get("numbers") else None
    return ui.TagList(ui.div(line, id="posterior_refit", class_="fc-note"), shown,
                      ui.p("The greyed answer is the last reliable one." if shown else "",
                           class_="fc-note"))
