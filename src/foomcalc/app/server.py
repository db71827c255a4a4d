"""`foomcalc app`: a local web page with sliders for your priors (Shiny for Python).

The page (`app.page`) redraws the prior P(hard takeoff), the takeoff-time curve and the
compression table from prior-only draws as the controls move (`app.live`, numbers from
`app.state`); "Update with evidence" and "Compare" run the report and compare workflows
in a worker thread (`app.runs`, work in `app.jobs`) with a progress line. The state
lives in the URL (a link to share) and in a downloadable priors YAML. This module
imports the core; nothing in the core imports it. Served on 127.0.0.1 only, behind
`app.guard.CallerCheck` (Host and Origin checked, uploads capped); every asset comes
from the installed Shiny wheel, so the page needs no network.
"""

from __future__ import annotations

import logging
import socket
import sys
import tempfile
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

import uvicorn
from shiny import App, Inputs, Outputs, Session, ui
from starlette.requests import Request

from foomcalc.app import page as app_page
from foomcalc.app.config import AppConfig
from foomcalc.app.guard import LOG, CallerCheck
from foomcalc.app.live import (
    live_priors,
    register_correlations,
    register_download,
    register_figures,
    register_link,
    register_prior_outputs,
)
from foomcalc.app.live_posterior import register_posterior
from foomcalc.app.posterior import BaseStore, bases_dir
from foomcalc.app.runs import register_compare, register_report_run, register_uploads
from foomcalc.app.state import initial_state, warm_up
from foomcalc.errors import InputError
from foomcalc.priors.files import load_preset

__all__ = ["AppConfig", "make_app", "make_server", "run_app"]


def make_server(config: AppConfig, store: BaseStore | None = None
                ) -> Callable[[Inputs, Outputs, Session], None]:
    """The Shiny server function: per session, the live prior answer and posterior (from
    `store`'s base posteriors), the link, the correlations and the priors download, the
    evidence uploads, the report run and the comparison."""
    store = store or base_store(config)

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        live = live_priors(input, session, config.seed)
        register_link(session, live)
        posterior = register_posterior(live, store, config.seed)
        register_prior_outputs(live)
        register_figures(live, posterior, config.seed)
        register_correlations(input, live)
        register_download(live)
        uploads = register_uploads(input, config.work_dir / f"uploads-{session.id[:8]}")
        job = register_report_run(input, config, live, uploads)
        register_compare(input, config, job, uploads)

    return server


def base_store(config: AppConfig) -> BaseStore:
    """The app's base posteriors (`config.bases_dir`, default `posterior.bases_dir()`)."""
    return BaseStore(config.bases_dir or bases_dir(), config.draws, config.seed)


def make_app(config: AppConfig) -> App:
    """The Shiny app; `config.work_dir` is served at /runs (report folders). The default
    preset's base posterior starts loading (or sampling, once) at once, and the quantile
    fits warm up in a thread."""
    config.work_dir.mkdir(parents=True, exist_ok=True)
    store = base_store(config)
    store.get("default")
    threading.Thread(target=warm_up, name="foomcalc-warm-up", daemon=True).start()

    def page(request: Request) -> ui.Tag:
        state, err = initial_state(request.url.query)
        return app_page.page(state, load_preset(state.preset), err)

    return App(page, make_server(config, store), static_assets={"/runs": str(config.work_dir)})


def run_app(port: int = 8050, open_browser: bool = True, work_dir: Path | None = None,
            draws: int = 1000, seed: int = 0) -> None:
    """Serve the app on 127.0.0.1:`port` until Ctrl-C; open the browser unless told not to.

    Raises InputError when `work_dir` is a file or the port is taken on 127.0.0.1;
    without `work_dir` the runs go to a new temporary folder."""
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
    if not LOG.handlers:  # refused callers, one line each, on stderr
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("foomcalc app: %(asctime)s %(message)s"))
        LOG.addHandler(handler)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(CallerCheck(application, port), host="127.0.0.1", port=port,
                log_level="warning")
