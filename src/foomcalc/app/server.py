"""`foomcalc app`: a local web page with sliders for your priors (Shiny for Python).

The page (app_page.py) redraws the prior P(hard takeoff), the takeoff-time curve and
the compression table from prior-only draws as the controls move (app_state.py);
"Update with evidence" and "Compare" run the report and compare workflows in a worker
thread (app_jobs.py) with a progress line. The state lives in the URL (a link to
share) and in a downloadable priors YAML. This module imports the core; nothing in
the core imports it. Served on 127.0.0.1 only; every asset comes from the installed
Shiny wheel, so the page needs no network.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from shiny import App, Inputs, Outputs, Session, reactive, render, ui

from foomcalc.app import page as app_page
from foomcalc.app.jobs import Job, add_upload, run_comparison, run_report
from foomcalc.app.state import (
    MONTHS_GRID,
    AppState,
    Control,
    controls,
    prior_numbers,
    priors_yaml,
    state_from_query,
    state_priors,
)
from foomcalc.errors import InputError
from foomcalc.priors.files import load_preset
from foomcalc.reporting.report import months_text, pct


@dataclass(frozen=True)
class AppConfig:
    """Where runs are written and how big they are (draws per chain, seed)."""

    work_dir: Path
    draws: int = 1000
    seed: int = 0


def _initial(search: str) -> tuple[AppState, str | None]:
    try:
        return state_from_query(search), None
    except InputError as exc:
        return AppState(), str(exc)


def _values(input: Inputs, c: Control) -> tuple[float, ...] | None:
    """One parameter's current values from its inputs (None while not all are set)."""
    raw = []
    for i in app_page.input_ids(c):
        v = input[i]()
        raw.extend(v if isinstance(v, tuple | list) else [v])
    if any(v is None or v == "" for v in raw):
        return None
    vals = tuple(float(v) for v in raw)
    return (vals[0], vals[2], vals[1]) if c.slider and not c.fixed else vals


def make_server(config: AppConfig):
    def server(input: Inputs, output: Outputs, session: Session) -> None:
        uploads: reactive.Value[list[tuple[Path, str]]] = reactive.value([])
        upload_error = reactive.value("")
        job: reactive.Value[Job | None] = reactive.value(None)
        cmp_job: reactive.Value[Job | None] = reactive.value(None)
        uploads_dir = config.work_dir / f"uploads-{session.id[:8]}"

        @reactive.calc
        def base() -> tuple[AppState, dict[str, Control], object]:
            state, _ = _initial(session.clientdata.url_search())
            preset = load_preset(state.preset)
            return state, controls(preset), preset

        @reactive.calc
        def state() -> AppState:
            initial, ctrls, preset = base()
            edits = []
            for name, c in ctrls.items():
                vals = _values(input, c)
                if vals is not None and c.edited(vals):
                    edits.append((name, vals))
            gap = input.gap_from()
            days = input.days()
            return AppState(initial.preset, tuple(edits),
                            gap if gap != preset.gap_from else None,
                            float(days) if days and float(days) != preset.hard_takeoff_days
                            else None)

        @reactive.calc
        def priors():
            try:
                return state_priors(state()), None
            except InputError as exc:
                return None, str(exc)

        @reactive.calc
        def numbers():
            pr, _ = priors()
            return None if pr is None else prior_numbers(pr, seed=config.seed)

        @reactive.calc
        def preset_numbers():
            """The preset's own priors, with the page's hard-takeoff window."""
            window = state().hard_takeoff_days or base()[2].hard_takeoff_days
            return prior_numbers(dataclasses.replace(base()[2], hard_takeoff_days=window),
                                 seed=config.seed)

        @reactive.effect
        async def _url() -> None:
            await session.send_custom_message("foomcalc-url", {"query": state().query()})

        @render.ui
        def headline():
            n = numbers()
            if n is None:
                return ui.div("No answer until the priors below are fixed.", class_="fc-error")
            pr, _ = priors()
            med = months_text(n["median_months"], 240.0)
            return ui.TagList(
                ui.div(pct(n["hard_takeoff"]), class_="fc-headline", id="prior_hard"),
                ui.p(f"prior P(hard takeoff): P(takeoff within {n['window_days']:g} days) "
                     f"± {100 * n['hard_takeoff_mcse']:.1f} pp Monte Carlo error, from "
                     f"{n['n_draws']:,} prior draws; preset {state().preset}: "
                     f"{pct(preset_numbers()['hard_takeoff'])}."),
                ui.p(f"P(seed-AI RSI feasible), prior branch weight: "
                     f"{pct(n['p_rsi_feasible'])}; median takeoff time: {med}."),
                ui.p("Edited: " + (", ".join(
                    f"{k} ({pr.specs[k].fit_note or 'exact'})" for k, _ in state().edits)
                    or "nothing (the preset as it is)"), class_="small", id="edited"))

        @render.ui
        def prior_problems():
            _, err = priors()
            return ui.div(err, class_="fc-error", id="prior_error") if err else None

        @render.plot(alt="Prior takeoff-time CDF")
        def cdf():
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots()
            n = numbers()
            ax.plot(MONTHS_GRID, preset_numbers()["cdf"], "--", color="0.5",
                    label=f"preset {state().preset}")
            if n is not None:
                ax.plot(MONTHS_GRID, n["cdf"], color="C0", label="your priors")
                ax.axvline(n["window_days"] / 30.4375, color="C3", lw=0.8, ls=":")
            ax.set_xscale("log")
            ticks = [1 / 30.4375, 1, 12, 120]
            ax.set_xticks(ticks, ["1 day", "1 month", "1 year", "10 years"])
            ax.set_ylim(0, 1)
            ax.set_ylabel("P(takeoff within t)")
            ax.legend(loc="upper left", fontsize=8)
            fig.tight_layout(pad=1.2)
            return fig

        @render.ui
        def compression():
            n = numbers()
            return None if n is None else app_page.compression_table(n["compression"])

        @render.download_button(filename=lambda: f"{state().preset}-app-priors.yaml")
        def download_priors():
            yield priors_yaml(state())

        @reactive.effect
        @reactive.event(input.upload)
        def _upload() -> None:
            errors, added = [], list(uploads())
            for f in input.upload() or []:
                try:
                    added.append(add_upload(uploads_dir, f["name"], f["datapath"]))
                except InputError as exc:
                    errors.append(str(exc))
            uploads.set(added)
            upload_error.set("\n".join(errors))

        @render.ui
        def upload_status():
            items = [ui.tags.li(desc) for _, desc in uploads()]
            err = upload_error()
            return ui.TagList(
                ui.tags.ul(*items, id="upload_list") if items else None,
                ui.div(err, class_="fc-error", id="upload_error") if err else None)

        def _start_report(text: str, stem: str) -> Job:
            evidence = [p for p, _ in uploads()]
            no_bundled = not input.bundled()  # read here: the worker has no reactive context
            return Job("run").start(lambda j: run_report(
                j, config.work_dir, text, stem, evidence, no_bundled, config.draws, config.seed))

        @reactive.effect
        @reactive.event(input.update)
        def _update() -> None:
            if job() and job().running:
                return
            if priors()[0] is None:
                job.set(_failed("run", "fix the priors first: " + (priors()[1] or "")))
                return
            job.set(_start_report(priors_yaml(state()), state().preset + "-app"))

        @render.ui
        def run_status():
            return _job_status(job(), _posterior_view)

        @reactive.effect
        @reactive.event(input.compare)
        def _compare() -> None:
            mine = job()
            if mine is None or mine.result is None or (cmp_job() and cmp_job().running):
                cmp_job.set(_failed("compare", "run 'Update with evidence' first"))
                return
            folder = Path(mine.result["folder"])
            if input.compare_with() == "folder":
                other = Path(input.compare_folder().strip() or ".")
                cmp_job.set(Job("compare").start(
                    lambda j: run_comparison(j, config.work_dir, folder, other)))
                return
            preset = input.compare_preset()
            text = f"name: {preset}\ndescription: preset {preset}\nbase: {preset}\n"
            evidence = [p for p, _ in uploads()]
            no_bundled = not input.bundled()

            def work(j: Job) -> dict:
                theirs = run_report(j, config.work_dir, text, preset, evidence, no_bundled,
                                    config.draws, config.seed)
                return run_comparison(j, config.work_dir, folder, Path(theirs["folder"]))

            cmp_job.set(Job("compare").start(work))

        @render.ui
        def compare_status():
            return _job_status(cmp_job(), lambda r: ui.TagList(
                app_page.crux_table(r), ui.p(f"Written to {r['folder']}/comparison.html",
                                             class_="small")))

    return server


def _failed(label: str, message: str) -> Job:
    j = Job(label)
    j.error, j.finished = message, j.started
    return j


def _job_status(j: Job | None, view) -> ui.Tag | None:
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
    return ui.div(ui.p(f"done in {j.seconds():.0f} s", class_="small"), view(j.result))


def _posterior_view(s: dict) -> ui.TagList:
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


def make_app(config: AppConfig) -> App:
    """The Shiny app; `config.work_dir` is served at /runs (report folders)."""
    config.work_dir.mkdir(parents=True, exist_ok=True)

    def page(request):
        state, err = _initial(request.url.query)
        return app_page.page(state, load_preset(state.preset), err)

    return App(page, make_server(config), static_assets={"/runs": str(config.work_dir)})


def run_app(port: int = 8050, open_browser: bool = True, work_dir: Path | None = None,
            draws: int = 1000, seed: int = 0) -> None:
    """Serve the app on 127.0.0.1:`port` until Ctrl-C; open the browser unless told not to."""
    import socket

    import uvicorn

    if work_dir is not None and Path(work_dir).exists() and not Path(work_dir).is_dir():
        raise InputError("--work-dir: expected a folder, this is a file", source=work_dir)
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise InputError(f"--port {port}: the port is in use on 127.0.0.1; "
                             "choose another with --port") from None
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="foomcalc-app-"))
    application = make_app(AppConfig(work, draws, seed))
    url = f"http://127.0.0.1:{port}/"
    print(f"foomcalc app: {url} (runs are written to {work}; Ctrl-C stops)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(application, host="127.0.0.1", port=port, log_level="warning")
