"""The page's evidence uploads and its background runs: "Update with evidence" (the full
posterior, as `foomcalc report`) and "Compare" (the crux table, as `foomcalc compare`).

Outputs registered here (Shiny ids): `upload_status`, `run_status` and `compare_status`,
with effects on the inputs `upload`, `update` and `compare`. The work itself is in
`foomcalc.app.jobs`, run in worker threads; a running job's status line is redrawn
every 0.5 s with its stage and elapsed seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from shiny import Inputs, reactive, render, ui

from foomcalc.app import page as app_page
from foomcalc.app.config import AppConfig
from foomcalc.app.jobs import Job, check_uploads, run_comparison, run_report
from foomcalc.app.live import LivePriors
from foomcalc.app.state import priors_yaml
from foomcalc.reporting.report import pct

#: Uploaded evidence: (path in the work folder, description shown on the page).
Uploads = reactive.Value[list[tuple[Path, str]]]


def failed_job(label: str, message: str) -> Job:
    """A job that never ran, finished with `message` as its error."""
    j = Job(label)
    j.error, j.finished = message, j.started
    return j


def job_status(j: Job | None, view: Callable[[dict], ui.TagChild]) -> ui.Tag | None:
    """A job's status: a progress bar with its stage and seconds while it runs (ids
    `<label>_progress`), its error (`<label>_error`), or `view` of its result."""
    if j is None:
        return None
    if j.running:
        reactive.invalidate_later(0.5)
        return ui.div(
            ui.div(ui.div(class_="progress-bar progress-bar-striped progress-bar-animated",
                          style="width: 100%"), class_="progress my-2"),
            ui.span(f"{j.stage} ... {j.seconds():.0f} s", id=f"{j.label}_progress"),
            class_="fc-running")
    if j.error:
        return ui.div(j.error, class_="fc-error", id=f"{j.label}_error")
    return ui.div(ui.p(f"done in {j.seconds():.0f} s", class_="small"), view(j.result))  # type: ignore[arg-type]


def posterior_view(s: dict) -> ui.TagList:
    """A finished run: posterior P(hard takeoff) (id `posterior_hard`), the prior beside
    it, P(seed-AI RSI feasible), the workflow's notes and a link to its report.html
    (served from the work folder at /runs)."""
    hard = s["hard_takeoff"]
    rsi = s["p_rsi_feasible"]
    return ui.TagList(
        ui.div(pct(hard["posterior"]), class_="fc-headline", id="posterior_hard"),
        ui.p(f"posterior P(hard takeoff within {hard['window_days']:g} days) "
             f"(prior {pct(hard['prior'])}); P(seed-AI RSI feasible), branch weight: "
             f"{pct(rsi['posterior'] if isinstance(rsi, dict) else rsi)}."),
        *(ui.p("note: " + n, class_="small") for n in s.get("notes", [])),
        ui.p("Report: ", ui.a("report.html", href=f"runs/{Path(s['folder']).name}/report.html",
                              target="_blank"), f" ({s['folder']})", class_="small"))


def comparison_view(r: dict) -> ui.TagList:
    """A finished comparison: its crux tables and where comparison.html was written."""
    return ui.TagList(app_page.crux_table(r),
                      ui.p(f"Written to {r['folder']}/comparison.html", class_="small"))


def evidence_choice(input: Inputs, uploads: Uploads) -> tuple[list[Path], bool]:
    """The uploaded evidence files and whether the bundled evidence is left out, read in
    the effect: the worker thread has no reactive context."""
    return [p for p, _ in uploads()], not input.bundled()


def register_uploads(input: Inputs, uploads_dir: Path) -> Uploads:
    """Validate each uploaded CSV into `uploads_dir` (output `upload_status`: the list,
    ids `upload_list`, the files being checked, `upload_checking`, and the CLI's messages
    for rejected files, `upload_error`).

    The files are checked in a worker thread (`jobs.check_uploads` through a Shiny
    ExtendedTask), so the server answers other requests meanwhile; a new upload clears
    the previous one's message at once. Each file is stored once (moved from the server's
    temporary copy); one with the name of an earlier upload replaces it in the list."""
    uploads: Uploads = reactive.value([])
    upload_error = reactive.value("")
    checking = reactive.value("")

    @reactive.extended_task
    async def check(files: list[dict]) -> tuple[list[tuple[Path, str]], list[str]]:
        return await asyncio.to_thread(check_uploads, uploads_dir, files)

    @reactive.effect
    @reactive.event(input.upload)
    def _upload() -> None:
        files = [{"name": f["name"], "datapath": f["datapath"]} for f in input.upload() or []]
        upload_error.set("")
        checking.set(", ".join(f["name"] for f in files))
        check.invoke(files)

    @reactive.effect
    def _checked() -> None:
        if check.status() not in ("success", "error"):
            return
        if check.status() == "error":  # not bad input (that is a message): a failure
            added: list = []
            errors = [f"{type(check.error()).__name__}: {check.error()}"]
        else:
            added, errors = check.result()
        with reactive.isolate():
            kept = [(p, d) for p, d in uploads() if p not in {a for a, _ in added}]
            uploads.set(kept + added)
        upload_error.set("\n".join(errors))
        checking.set("")

    @render.ui
    def upload_status():
        items = [ui.tags.li(desc) for _, desc in uploads()]
        err, busy = upload_error(), checking()
        return ui.TagList(
            ui.tags.ul(*items, id="upload_list") if items else None,
            ui.div(f"checking {busy} ...", class_="small", id="upload_checking")
            if busy else None,
            ui.div(err, class_="fc-error", id="upload_error") if err else None)

    return uploads


def register_report_run(input: Inputs, config: AppConfig, live: LivePriors,
                        uploads: Uploads) -> reactive.Value[Job | None]:
    """"Update with evidence": the page's priors YAML through the report workflow in a
    new folder under the work folder (output `run_status`); returns the latest job."""
    job: reactive.Value[Job | None] = reactive.value(None)

    @reactive.effect
    @reactive.event(input.update)
    def _update() -> None:
        if job() and job().running:  # type: ignore[union-attr]
            return
        if live.priors()[0] is None:
            job.set(failed_job("run", "fix the priors first: " + (live.priors()[1] or "")))
            return
        text, stem = priors_yaml(live.state()), live.state().preset + "-app"
        evidence, no_bundled = evidence_choice(input, uploads)
        job.set(Job("run").start(lambda j: run_report(
            j, config.work_dir, text, stem, evidence, no_bundled, config.draws, config.seed)))

    @render.ui
    def run_status():
        return job_status(job(), posterior_view)

    return job


def preset_comparison(config: AppConfig, mine: Path, preset: str, evidence: list[Path],
                      no_bundled: bool) -> Callable[[Job], dict]:
    """A job's work: run `preset` with the same evidence, then compare `mine` with it."""
    text = f"name: {preset}\ndescription: preset {preset}\nbase: {preset}\n"

    def work(j: Job) -> dict:
        theirs = run_report(j, config.work_dir, text, preset, evidence, no_bundled,
                            config.draws, config.seed)
        return run_comparison(j, config.work_dir, mine, Path(theirs["folder"]))

    return work


def register_compare(input: Inputs, config: AppConfig, job: reactive.Value[Job | None],
                     uploads: Uploads) -> None:
    """"Compare": the finished run's folder against a preset (run with the same
    evidence) or a saved report folder (output `compare_status`)."""
    cmp_job: reactive.Value[Job | None] = reactive.value(None)

    @reactive.effect
    @reactive.event(input.compare)
    def _compare() -> None:
        mine, running = job(), cmp_job()
        if mine is None or mine.result is None or (running is not None and running.running):
            cmp_job.set(failed_job("compare", "run 'Update with evidence' first"))
            return
        folder = Path(mine.result["folder"])
        if input.compare_with() == "folder":
            other = Path(input.compare_folder().strip() or ".")
            cmp_job.set(Job("compare").start(
                lambda j: run_comparison(j, config.work_dir, folder, other)))
            return
        preset = input.compare_preset()
        cmp_job.set(Job("compare").start(
            preset_comparison(config, folder, preset, *evidence_choice(input, uploads))))

    @render.ui
    def compare_status():
        return job_status(cmp_job(), comparison_view)
