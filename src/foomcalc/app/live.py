"""The page's live prior answer: the session's state from the URL and the controls, the
prior-only numbers, and the outputs redrawn from them as the controls move.

Outputs registered here (Shiny ids): `headline`, `prior_problems`, `cdf`, `compression`
and `download_priors`, plus the effect that writes the state into the address bar
(custom message `foomcalc-url`). Probabilities are fractions, shown as percent; the
takeoff-time curve is in months on `MONTHS_GRID`; the hard-takeoff window is in days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from shiny import Inputs, Session, reactive, render, ui

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

#: The takeoff-time axis ticks (months) and their labels.
CDF_TICKS = ([1 / DAYS_PER_MONTH, 1, 12, 120], ["1 day", "1 month", "1 year", "10 years"])


@dataclass(frozen=True)
class LivePriors:
    """One session's reactive calcs, shared by the outputs and the runs.

    base(): (the state the page was loaded with, its preset's controls, that preset);
    state(): the current AppState; priors(): (PriorSet, None) or (None, error text);
    numbers(): `prior_numbers` of the current priors (None while they are bad);
    preset_numbers(): the preset's own numbers with the page's hard-takeoff window."""

    base: Callable[[], tuple[AppState, dict[str, Control], PriorSet]]
    state: Callable[[], AppState]
    priors: Callable[[], tuple[PriorSet | None, str | None]]
    numbers: Callable[[], dict | None]
    preset_numbers: Callable[[], dict]


def control_values(input: Inputs, c: Control) -> tuple[float, ...] | None:
    """One parameter's current values from its inputs (None while not all are set):
    (q10, q50, q90) of an uncertain prior, or (value,) when fixed."""
    raw: list[float] = []
    for i in app_page.input_ids(c):
        v = input[i]()
        raw.extend(v if isinstance(v, tuple | list) else [v])
    if any(v is None or v == "" for v in raw):
        return None
    vals = tuple(float(v) for v in raw)
    return (vals[0], vals[2], vals[1]) if c.slider and not c.fixed else vals


def edited_state(initial: AppState, ctrls: dict[str, Control], preset: PriorSet,
                 input: Inputs) -> AppState:
    """The state the controls show: only parameters moved off the preset's values, and
    the gap mode and window (days) only where they differ from the preset's."""
    edits = []
    for name, c in ctrls.items():
        vals = control_values(input, c)
        if vals is not None and c.edited(vals):
            edits.append((name, vals))
    gap = input.gap_from()
    days = input.days()
    return AppState(initial.preset, tuple(edits),
                    gap if gap != preset.gap_from else None,
                    float(days) if days and float(days) != preset.hard_takeoff_days
                    else None)


def live_priors(input: Inputs, session: Session, seed: int) -> LivePriors:
    """The session's reactive calcs (see LivePriors); prior numbers use `seed`."""

    @reactive.calc
    def base() -> tuple[AppState, dict[str, Control], PriorSet]:
        state, _ = initial_state(session.clientdata.url_search())
        preset = load_preset(state.preset)
        return state, controls(preset), preset

    @reactive.calc
    def state() -> AppState:
        return edited_state(*base(), input)

    @reactive.calc
    def priors() -> tuple[PriorSet | None, str | None]:
        try:
            return state_priors(state()), None
        except InputError as exc:
            return None, str(exc)

    @reactive.calc
    def numbers() -> dict | None:
        pr, _ = priors()
        return None if pr is None else prior_numbers(pr, seed=seed)

    @reactive.calc
    def preset_numbers() -> dict:
        window = state().hard_takeoff_days or base()[2].hard_takeoff_days
        return prior_numbers(replace(base()[2], hard_takeoff_days=window), seed=seed)

    return LivePriors(base, state, priors, numbers, preset_numbers)


def headline_view(n: dict, pr: PriorSet, state: AppState, preset_hard: float) -> ui.TagList:
    """The prior answer: P(hard takeoff) with its Monte Carlo error and the preset's,
    P(seed-AI RSI feasible), the median takeoff time and what was edited."""
    med = months_text(n["median_months"], HORIZON_MONTHS)
    return ui.TagList(
        ui.div(pct(n["hard_takeoff"]), class_="fc-headline", id="prior_hard"),
        ui.p(f"prior P(hard takeoff): P(takeoff within {n['window_days']:g} days) "
             f"± {100 * n['hard_takeoff_mcse']:.1f} pp Monte Carlo error, from "
             f"{n['n_draws']:,} prior draws; preset {state.preset}: "
             f"{pct(preset_hard)}."),
        ui.p(f"P(seed-AI RSI feasible), prior branch weight: "
             f"{pct(n['p_rsi_feasible'])}; median takeoff time: {med}."),
        ui.p("Edited: " + (", ".join(
            f"{k} ({pr.specs[k].fit_note or 'exact'})" for k, _ in state.edits)
            or "nothing (the preset as it is)"), class_="small", id="edited"))


def cdf_figure(n: dict | None, preset_cdf: np.ndarray, preset: str) -> Figure:
    """P(takeoff within t) against t (months, log axis): the preset's curve dashed, the
    user's solid with the hard-takeoff window marked (none while the priors are bad)."""
    fig, ax = plt.subplots()
    ax.plot(MONTHS_GRID, preset_cdf, "--", color="0.5", label=f"preset {preset}")
    if n is not None:
        ax.plot(MONTHS_GRID, n["cdf"], color="C0", label="your priors")
        ax.axvline(n["window_days"] / DAYS_PER_MONTH, color="C3", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xticks(*CDF_TICKS)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(takeoff within t)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout(pad=1.2)
    return fig


def register_link(session: Session, live: LivePriors) -> None:
    """Send the state's query string to the page whenever it changes (the page's script
    puts it in the address bar and the share box)."""

    @reactive.effect
    async def _url() -> None:
        await session.send_custom_message("foomcalc-url", {"query": live.state().query()})


def register_prior_outputs(live: LivePriors) -> None:
    """The outputs `headline`, `prior_problems`, `cdf` and `compression`."""

    @render.ui
    def headline():
        n = live.numbers()
        if n is None:
            return ui.div("No answer until the priors below are fixed.", class_="fc-error")
        pr, _ = live.priors()
        return headline_view(n, pr, live.state(), live.preset_numbers()["hard_takeoff"])

    @render.ui
    def prior_problems():
        _, err = live.priors()
        return ui.div(err, class_="fc-error", id="prior_error") if err else None

    @render.plot(alt="Prior takeoff-time CDF")
    def cdf():
        n = live.numbers()
        return cdf_figure(n, live.preset_numbers()["cdf"], live.state().preset)

    @render.ui
    def compression():
        n = live.numbers()
        return None if n is None else app_page.compression_table(n["compression"])


def register_download(live: LivePriors) -> None:
    """The `download_priors` button: the state as a priors YAML for `foomcalc report`."""

    @render.download_button(filename=lambda: f"{live.state().preset}-app-priors.yaml")
    def download_priors():
        yield priors_yaml(live.state())
