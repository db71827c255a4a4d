"""The page's live answers: the session's state from the URL and the controls, the prior
numbers and the outputs redrawn from them as the controls move.

Outputs registered here (Shiny ids): `headline`, `prior_problems`, `cdf` and
`compression` (drawn in a worker thread after the numbers, `register_figures`),
`corr_list` and `download_priors`, plus the effects that write the state into the
address bar (custom message `foomcalc-url`) and the fit quality under each control
(`foomcalc-fits`). The posterior beside them: `app.live_posterior`. Probabilities are
fractions, shown as percent; the takeoff-time curve is in months on `MONTHS_GRID`; the
hard-takeoff window is in days. A failure to compute an answer is shown on the page and
logged (logger "foomcalc.app"), never a blank panel.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from shiny import Inputs, Session, reactive, render, ui
from shiny.types import SilentException

from foomcalc.app import page as app_page
from foomcalc.app.state import (
    MONTHS_GRID,
    AppState,
    Control,
    controls,
    initial_state,
    prior_numbers,
    priors_yaml,
    state_priors,
)
from foomcalc.errors import InputError
from foomcalc.parameters import DAYS_PER_MONTH, HORIZON_MONTHS
from foomcalc.priors.files import PriorSet, load_preset
from foomcalc.reporting.report import months_text, pct

# Agg: the curve is rendered to a PNG with no display (the server may run headless)
matplotlib.use("Agg")
LOG = logging.getLogger("foomcalc.app")

#: The takeoff-time axis ticks (months) and their labels.
CDF_TICKS = ([1 / DAYS_PER_MONTH, 1, 12, 120], ["1 day", "1 month", "1 year", "10 years"])
Pairs = tuple[tuple[str, str, float], ...]
#: Seconds the curve and table wait before drawing (the numbers' flush is sent meanwhile;
#: a newer move within it replaces the drawing).
FIGURE_DELAY_SECONDS = 0.05


@dataclass(frozen=True)
class LivePriors:
    """One session's reactive calcs, shared by the outputs and the runs.

    base(): (the state the page was loaded with, its preset's controls, that preset);
    state(): the current AppState; priors(): (PriorSet, None) or (None, error text);
    numbers(): (`prior_numbers` of the current priors, None) or (None, error text);
    preset_numbers(): the preset's own numbers with the page's hard-takeoff window."""

    base: Callable[[], tuple[AppState, dict[str, Control], PriorSet]]
    state: Callable[[], AppState]
    priors: Callable[[], tuple[PriorSet | None, str | None]]
    numbers: Callable[[], tuple[dict | None, str | None]]
    preset_numbers: Callable[[], dict]
    pairs: reactive.Value[Pairs]


#: What a `safe_numbers` computation returns. (A TypeVar, not PEP 695 syntax: the
#: project's structure check parses the package with Python 3.11.)
T = TypeVar("T")

def control_values(input: Inputs, c: Control, n_values: int) -> tuple[float, ...] | None:
    """One parameter's current values from its inputs (None while not all are set):
    (q10, q50, q90) of an uncertain prior, or (value,) when fixed (`n_values` 1)."""
    ids = app_page.input_ids(c, n_values)
    raw: list[Any] = []  # shiny input values: numbers, "" or None while being typed
    for i in ids:
        v = input[i]()
        raw.extend(v if isinstance(v, tuple | list) else [v])
    if any(v is None or v == "" for v in raw):
        return None
    vals = tuple(float(v) for v in raw)
    return (vals[0], vals[2], vals[1]) if len(ids) == 2 else vals


def edited_state(initial: AppState, ctrls: dict[str, Control], preset: PriorSet,
                 input: Inputs, pairs: Pairs) -> AppState:
    """The state the controls show: only parameters moved off the preset's values, the
    correlations set, and the gap mode and window (days) only where they differ from the
    preset's."""
    shown = dict(initial.edits)
    edits = []
    for name, c in ctrls.items():
        vals = control_values(input, c, len(shown.get(name, c.values)))
        if vals is not None and c.edited(vals):
            edits.append((name, vals))
    gap = input.gap_from()
    days = input.days()
    return AppState(initial.preset, tuple(edits),
                    gap if gap != preset.gap_from else None,
                    float(days) if days and float(days) != preset.hard_takeoff_days
                    else None, pairs)


def safe_numbers(compute: Callable[[], T], what: str) -> tuple[T | None, str | None]:  # noqa: UP047
    """(compute(), None), or (None, the message) when it fails: an InputError's text as a
    priors file would give it, anything else named; both logged."""
    try:
        return compute(), None
    except InputError as exc:
        LOG.warning("%s: %s", what, exc)
        return None, str(exc)
    except Exception as exc:  # shown on the page and logged: never a blank panel
        LOG.exception("%s failed", what)
        return None, f"could not compute the {what} for these priors ({type(exc).__name__}: {exc})"


def live_priors(input: Inputs, session: Session, seed: int) -> LivePriors:
    """The session's reactive calcs (see LivePriors); prior numbers use `seed`."""
    with reactive.isolate():  # the link's correlations start the pair editor's list
        start, _ = initial_state(session.clientdata.url_search())
    pairs: reactive.Value[Pairs] = reactive.value(start.correlations)

    @reactive.calc
    def base() -> tuple[AppState, dict[str, Control], PriorSet]:
        state, _ = initial_state(session.clientdata.url_search())
        preset = load_preset(state.preset)
        return state, controls(preset), preset

    @reactive.calc
    def state() -> AppState:
        return edited_state(*base(), input, pairs())

    @reactive.calc
    def priors() -> tuple[PriorSet | None, str | None]:
        try:
            return state_priors(state()), None
        except InputError as exc:
            LOG.warning("priors from the page: %s", exc)
            return None, str(exc)

    @reactive.calc
    def numbers() -> tuple[dict | None, str | None]:
        pr, err = priors()
        if pr is None:
            return None, err
        # the compression windows come later, with the curve (`register_figures`)
        return safe_numbers(lambda: prior_numbers(pr, seed=seed, compression=False),
                            "prior answer")

    window: reactive.Value[float | None] = reactive.value(None)

    @reactive.effect
    def _window() -> None:  # a Value invalidates only on a new window, not on every move
        window.set(state().hard_takeoff_days or base()[2].hard_takeoff_days)

    @reactive.calc
    def preset_numbers() -> dict:
        days = window() or base()[2].hard_takeoff_days
        return prior_numbers(replace(base()[2], hard_takeoff_days=days), seed=seed,
                             compression=False)

    return LivePriors(base, state, priors, numbers, preset_numbers, pairs)


def headline_view(n: dict, pr: PriorSet, state: AppState, preset_hard: float) -> ui.TagList:
    """The prior answer: P(hard takeoff) with its Monte Carlo error and the preset's,
    P(seed-AI RSI feasible), the median takeoff time and what was edited."""
    med = months_text(n["median_months"], HORIZON_MONTHS)
    edits = [f"{k} ({pr.specs[k].fit_note or 'exact'})" for k, _ in state.edits]
    edits += [f"{a}-{b} rank correlation {r:g}" for a, b, r in state.correlations]
    return ui.TagList(
        ui.div(pct(n["hard_takeoff"]), class_="fc-headline", id="prior_hard"),
        ui.p(f"prior P(hard takeoff): P(takeoff within {n['window_days']:g} days) "
             f"± {100 * n['hard_takeoff_mcse']:.1f} pp Monte Carlo error, from "
             f"{n['n_draws']:,} prior draws (a report's prior draws, same seed); preset "
             f"{state.preset}: {pct(preset_hard)}."),
        ui.p(f"P(seed-AI RSI feasible), prior branch weight: "
             f"{pct(n['p_rsi_feasible'])}; median takeoff time: {med}."),
        ui.p(("Edited: " + ", ".join(edits)) if edits else
             f"The {state.preset} preset as it is.", class_="small", id="edited"))


def cdf_png(n: dict | None, preset_cdf: np.ndarray, preset: str,
            post: dict | None = None, stale: bool = False) -> bytes:
    """P(takeoff within t) against t (months, log axis) as a PNG (640 x 300 px, laid out
    at that size, so no label is clipped): the preset's prior dashed grey, the user's
    prior dashed, the posterior solid (greyed while a refit runs), the hard-takeoff
    window marked (no user curves while the priors are bad). Thread-safe: a `Figure`,
    not pyplot."""
    fig = Figure(figsize=(6.4, 3.0), dpi=100, layout="tight")
    ax = fig.subplots()
    ax.plot(MONTHS_GRID, preset_cdf, "--", color="0.6", lw=1, label=f"preset {preset}, prior")
    if n is not None:
        ax.plot(MONTHS_GRID, n["cdf"], "--", color="C0", label="your prior")
        ax.axvline(n["window_days"] / DAYS_PER_MONTH, color="C3", lw=0.8, ls=":")
    if post is not None:
        ax.plot(MONTHS_GRID, post["cdf"], color="0.7" if stale else "C1",
                label="your posterior" + (" (refitting)" if stale else ""))
    ax.set_xscale("log")
    ax.set_xticks(*CDF_TICKS)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(takeoff within t)")
    ax.legend(loc="upper left", fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def register_link(session: Session, live: LivePriors) -> None:
    """Send the state's query string to the page whenever it changes (the page's script
    puts it in the address bar and the share box), and the fit quality of each edited
    control (or the priors-file problem that names it)."""

    @reactive.effect
    async def _url() -> None:
        await session.send_custom_message("foomcalc-url", {"query": live.state().query()})

    @reactive.effect
    async def _fits() -> None:
        # a copy typed as shiny's message (its dict value type is invariant)
        await session.send_custom_message("foomcalc-fits", dict(fit_messages(live)))


def fit_messages(live: LivePriors) -> dict[str, tuple[str, bool]]:
    """{parameter: (text, is_error)}: the fit of each edited parameter ("fit: exact",
    "fit: approximate: max error 2%; ..."), or the problems naming it."""
    pr, err = live.priors()
    edited = [n for n, _ in live.state().edits]
    if pr is not None:
        return {n: (f"fit: {pr.specs[n].fit_note}", False) for n in edited
                if pr.specs[n].fit_note}
    out: dict[str, tuple[str, bool]] = {}
    for line in (err or "").splitlines():
        for name in edited:
            if f"parameters.{name}" in line:
                text = out.get(name, ("", True))[0]
                out[name] = ((text + "\n" if text else "") + line.split(": ", 1)[-1], True)
    return out


def register_prior_outputs(live: LivePriors) -> None:
    """The outputs `headline` and `prior_problems`."""

    @render.ui
    def headline():
        n, err = live.numbers()
        if n is None:
            return ui.div("No answer until the priors below are fixed."
                          if live.priors()[0] is None else err, class_="fc-error",
                          id="prior_answer_error")
        pr, _ = live.priors()
        return headline_view(n, pr, live.state(), live.preset_numbers()["hard_takeoff"])

    @render.ui
    def prior_problems():
        _, err = live.priors()
        return ui.div(err, class_="fc-error", id="prior_error") if err else None



def _figures(token: int, latest: dict, pr: PriorSet | None, n: dict | None, preset_cdf,
             preset: str, post: dict, seed: int) -> dict | None:
    """The curve (PNG), the compression and gap-axis tables (HTML) for these answers; None when a
    newer request has come in meanwhile (the page shows that one instead)."""
    if token != latest["token"]:
        return None
    out: dict = {"png": cdf_png(n, preset_cdf, preset, post.get("numbers"),
                                post["status"] == "stale")}
    if pr is not None and n is not None:
        prior = prior_numbers(pr, seed=seed)
        numbers = post.get("numbers") or {}
        stale = post["status"] == "stale"
        out["table"] = str(app_page.compression_table(prior["compression"],
                                                      numbers.get("compression"), stale))
        out["gap_table"] = str(app_page.gap_axis_table(prior["gap_axis"],
                                                       numbers.get("gap_axis"), stale))
    return out


def register_figures(live: LivePriors, posterior: Callable[[], dict], seed: int) -> None:
    """The outputs `cdf` (an img, id `cdf_img`) and `compression`, drawn in a worker
    thread after the numbers have gone out (a Shiny extended task): the slider's answer
    does not wait for matplotlib or the compression windows."""
    latest = {"token": 0}
    shown: dict = {}

    @reactive.extended_task
    async def figures(token: int, pr, n, preset_cdf, preset, post) -> dict | None:
        # let this flush's numbers go out first: the thread would take their CPU
        await asyncio.sleep(FIGURE_DELAY_SECONDS)
        return await asyncio.to_thread(_figures, token, latest, pr, n, preset_cdf, preset,
                                       post, seed)

    @reactive.effect
    def _draw() -> None:
        n, _ = live.numbers()
        pr, _ = live.priors()
        post = posterior()
        latest["token"] += 1
        figures.invoke(latest["token"], pr, n, live.preset_numbers()["cdf"],
                       live.state().preset, post)

    def current() -> dict:
        try:
            result = figures.result()
        except SilentException:  # still drawing: the last figures stay on the page
            raise
        except Exception as exc:  # shown and logged, the last figures kept
            LOG.exception("drawing the curve and the table failed")
            return {**shown, "error": f"{type(exc).__name__}: {exc}"}
        if result is not None:
            shown.clear()
            shown.update(result)
        return shown

    @render.ui
    def cdf():
        got = current()
        if "png" not in got:
            return None
        src = "data:image/png;base64," + base64.b64encode(got["png"]).decode("ascii")
        return ui.img(src=src, id="cdf_img", alt="Takeoff-time CDF, prior and posterior")

    @render.ui
    def compression():
        got = current()
        return ui.HTML(got["table"]) if "table" in got else None

    @render.ui
    def gap_axis():
        got = current()
        return ui.HTML(got["gap_table"]) if "gap_table" in got else None


def register_correlations(input: Inputs, live: LivePriors) -> None:
    """The pair editor: "Set" stores (a, b, rho) (rho 0 removes the pair); `corr_list`."""

    @reactive.effect
    @reactive.event(input.corr_set)
    def _set() -> None:
        a, b, rho = input.corr_a(), input.corr_b(), input.corr_rho()
        if not a or not b or rho is None:
            return
        kept = tuple(p for p in live.pairs() if {p[0], p[1]} != {a, b})
        live.pairs.set(kept + (((a, b, float(rho)),) if float(rho) != 0 else ()))

    @render.ui
    def corr_list():
        items = [ui.tags.li(f"{a} ~ {b}: {r:g}") for a, b, r in live.pairs()]
        return ui.tags.ul(*items, id="corr_pairs", class_="small") if items else \
            ui.p("none (independent priors)", class_="small text-muted")


def register_download(live: LivePriors) -> None:
    """The `download_priors` button: the state as a priors YAML for `foomcalc report`."""

    @render.download_button(filename=lambda: f"{live.state().preset}-app-priors.yaml")
    def download_priors():
        yield priors_yaml(live.state())
