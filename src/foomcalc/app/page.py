"""The web app's page (Shiny for Python UI), built per request from the URL's state.

Every parameter gets its unit and meaning from `foomcalc.parameters` and a control:
a range slider for its 10-90% interval plus a field for the median, three number
fields where a linear slider cannot resolve the range, or one field when fixed. All
assets are Shiny's own (bundled in the wheel): the page loads with no network.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Literal

from shiny import ui

from foomcalc.app.state import AppState, Control, controls
from foomcalc.parameters import GAP_MODES
from foomcalc.priors.files import PriorSet, list_presets
from foomcalc.takeoff.outcomes import window_label

#: shiny's screen breakpoints, the keys of `ui.layout_columns`' col_widths
Breakpoint = Literal["xs", "sm", "md", "lg", "xl", "xxl"]

_JS = """
(function () {
  function setLink(query) {
    history.replaceState(null, '', '?' + query);
    var box = document.getElementById('share_link');
    if (box) { box.value = window.location.href; }
  }
  Shiny.addCustomMessageHandler('foomcalc-url', function (msg) { setLink(msg.query); });
  // fit quality next to each control: {name: [text, is_error]}; others are cleared
  Shiny.addCustomMessageHandler('foomcalc-fits', function (msg) {
    document.querySelectorAll('.fc-fit').forEach(function (el) {
      var item = msg[el.id.slice(4)];
      el.textContent = item ? item[0] : '';
      el.classList.toggle('fc-fit-error', !!(item && item[1]));
    });
  });
  document.addEventListener('click', function (ev) {
    if (ev.target && ev.target.id === 'copy_link') {
      var box = document.getElementById('share_link');
      var done = function () { ev.target.textContent = 'Copied'; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(box.value).then(done, function () {
          box.select(); document.execCommand('copy'); done();
        });
      } else { box.select(); document.execCommand('copy'); done(); }
    }
  });
  // a range slider sends its value when the handle is released, not after Shiny's
  // 250 ms debounce (that debounce still thins the values sent while dragging)
  var dragged = null;
  document.addEventListener('pointerdown', function (ev) {
    var box = ev.target.closest && ev.target.closest('.irs');
    dragged = box ? box.parentNode.querySelector('input.js-range-slider') : null;
  }, true);
  document.addEventListener('pointerup', function () {
    var input = dragged;
    dragged = null;
    if (!input) { return; }
    setTimeout(function () {
      var slider = $(input).data('ionRangeSlider');
      if (slider && window.Shiny) {
        Shiny.setInputValue(input.id, [Number(slider.result.from), Number(slider.result.to)]);
      }
    }, 0);
  }, true);
  document.addEventListener('change', function (ev) {
    if (ev.target && ev.target.id === 'preset_pick') {
      window.location.search = '?preset=' + encodeURIComponent(ev.target.value);
    }
  });
})();
"""

_CSS = """
.fc-param, .fc-corr { border-bottom: 1px solid #e5e5e5; padding: 0.3rem 0 0.4rem; }
.fc-param .fc-name { font-weight: 600; font-family: monospace; }
.fc-param .fc-unit { color: #555; font-size: 0.85em; }
.fc-param .fc-meaning { color: #666; font-size: 0.8em; line-height: 1.2; margin-bottom: 0.2rem; }
.fc-param .form-group, .fc-param .shiny-input-container { margin-bottom: 0.1rem; width: 100%; }
.fc-row { display: flex; gap: 0.4rem; align-items: center; }
.fc-row .shiny-input-container { flex: 1; }
#cdf img { max-width: 100%; height: auto; }
.fc-headline { font-size: 2.2rem; font-weight: 700; }
.fc-fit { color: #2a6b2a; font-size: 0.78em; line-height: 1.2; }
.fc-fit-error { color: #a40000; }
.fc-stale { opacity: 0.45; }
.fc-note { color: #555; font-size: 0.85em; }
.fc-error { color: #a40000; white-space: pre-wrap; font-family: monospace; font-size: 0.85em; }
.fc-table { border-collapse: collapse; width: 100%; }
.fc-table td, .fc-table th { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; }
.fc-table th:first-child, .fc-table td:first-child { text-align: left; }
"""


def input_ids(c: Control, n_values: int | None = None) -> tuple[str, ...]:
    """The Shiny input ids behind one parameter's control, for the values it shows
    (`n_values`: 1 a fixed value, 3 quantiles; default the preset's): a field `v_`, a
    range slider `r_` with a median field `m_`, or three fields `lo_`, `m_`, `hi_`."""
    n = len(c.values) if n_values is None else n_values
    if n == 1:
        return (f"v_{c.name}",)
    if c.slider and not c.fixed:
        return (f"r_{c.name}", f"m_{c.name}")
    return (f"lo_{c.name}", f"m_{c.name}", f"hi_{c.name}")


def _param_row(c: Control, values: tuple[float, ...]) -> ui.Tag:
    head = ui.div(ui.span(c.name, class_="fc-name"), " ", ui.span(f"({c.unit})",
                                                                     class_="fc-unit"))
    meaning = ui.div(c.meaning, class_="fc-meaning")
    ids = input_ids(c, len(values))
    fit = ui.div(id=f"fit_{c.name}", class_="fc-fit")
    if len(values) == 1:
        body = ui.input_numeric(ids[0], "fixed value", values[0], step=c.step)
    elif len(ids) == 2:
        lo, hi = min(c.lo, values[0]), max(c.hi, values[2])
        body = ui.TagList(  # type: ignore[assignment]
            ui.input_slider(ids[0], "10% - 90% interval", lo, hi, (values[0], values[2]),
                            step=c.step, sep=""),
            ui.input_numeric(ids[1], "median (50%)", values[1], step=c.step))
    else:
        body = ui.div(*(ui.input_numeric(i, f"{q}%", v)
                        for i, q, v in zip(ids, (10, 50, 90), values, strict=True)),
                      class_="fc-row")
    return ui.div(head, meaning, body, fit, class_="fc-param", id=f"param-{c.name}")


def sidebar(state: AppState, base: PriorSet) -> ui.Tag:
    """The priors column: preset picker, gap mode, window (days) and a row per parameter,
    showing `state`'s edits and `base`'s values elsewhere."""
    edits = dict(state.edits)
    presets = [name for name, _ in list_presets()]
    pick = ui.tags.select(*(ui.tags.option(n, value=n, selected=(n == state.preset) or None)
                            for n in presets), id="preset_pick", class_="form-select")
    rows = [_param_row(c, edits.get(name, c.values)) for name, c in controls(base).items()]
    return ui.sidebar(  # type: ignore[return-value]
        ui.tags.label("Preset (loads its priors)", **{"for": "preset_pick"}), pick,
        ui.input_select("gap_from", "Capability gap from", list(GAP_MODES),
                        selected=state.gap_from or base.gap_from),
        ui.input_numeric("days", "Hard takeoff = takeoff within (days)",
                         state.hard_takeoff_days or base.hard_takeoff_days, min=0.01),
        correlation_editor(base),
        ui.h6("Your priors: 10% / 50% / 90% quantiles", class_="mt-2"),
        *rows, width=430, open="always")


def correlation_editor(base: PriorSet) -> ui.Tag:
    """Rank correlations between two uncertain parameters: pick the pair and rho (0
    removes the pair); the list (output `corr_list`) shows those set."""
    names = [n for n, s in base.specs.items() if s.prior is not None]
    return ui.div(
        ui.h6("Rank correlations (Spearman, -1 to 1)", class_="mt-2"),
        ui.div(ui.input_select("corr_a", "parameter", names, selected="returns_r"),
               ui.input_select("corr_b", "with", names, selected="limit_ooms"),
               class_="fc-row"),
        ui.div(ui.input_numeric("corr_rho", "rank correlation", 0.5, min=-0.99, max=0.99,
                                step=0.05),
               ui.input_action_button("corr_set", "Set (0 removes)", class_="btn-sm"),
               class_="fc-row"),
        ui.output_ui("corr_list"), class_="fc-corr", id="corr_editor")


def col_widths(xl: tuple[int, ...]) -> dict[Breakpoint, Iterable[int] | int | None]:
    """`ui.layout_columns`' col_widths: the cards stacked full width up to large screens,
    side by side with widths `xl` on extra-large ones."""
    return {"sm": (12,) * len(xl), "xl": xl}


def main_panel() -> ui.TagList:
    """The answer cards: prior answer, share and save, curve, compression table, update
    with evidence and compare (the outputs are filled by the server)."""
    return ui.TagList(
        ui.layout_columns(
            ui.card(ui.card_header("Prior answer (no evidence), redrawn as you move"),
                    ui.output_ui("headline"), ui.output_ui("prior_problems")),
            ui.card(ui.card_header("Posterior (bundled evidence), redrawn as you move"),
                    ui.output_ui("posterior_live")),
            col_widths=col_widths((6, 6))),
        ui.layout_columns(
            ui.card(ui.card_header("Takeoff time: P(takeoff within t)"),
                    ui.output_ui("cdf")),
            ui.card(ui.card_header("Compression: P(X years of progress within Y months)"),
                    ui.output_ui("compression")),
            col_widths=col_widths((7, 5))),
        ui.card(ui.card_header("The gap as an axis: P(takeoff within t) had strongly "
                               "superhuman lain X years of recent progress beyond par-human"),
                ui.output_ui("gap_axis")),
        ui.layout_columns(
            ui.card(ui.card_header("Share and save"),
                    ui.tags.label("Link to this state", **{"for": "share_link"}),
                    ui.div(ui.tags.input(id="share_link", type="text", readonly=True,
                                         class_="form-control"),
                           ui.tags.button("Copy link", id="copy_link", type="button",
                                          class_="btn btn-outline-secondary"),
                           class_="fc-row"),
                    ui.download_button("download_priors", "Download priors YAML",
                                       class_="mt-2"),
                    ui.p("foomcalc report --priors FILE runs it unchanged.",
                         class_="small text-muted")),
            ui.card(ui.card_header("Update with evidence (full posterior, as foomcalc report)"),
                ui.input_checkbox("bundled", "use the bundled published evidence", True),
                ui.input_file("upload", "Add an evidence CSV", accept=[".csv"], multiple=True),
                ui.output_ui("upload_status"),
                ui.input_action_button("update", "Update with evidence", class_="btn-primary",
                                       width="16rem"),
                ui.output_ui("run_status")),
            col_widths=col_widths((5, 7))),
        ui.card(ui.card_header("Compare (crux table, as foomcalc compare)"),
                ui.layout_columns(
                    ui.input_select("compare_with", "Compare the posterior above with",
                                    {"preset": "a preset", "folder": "a saved report folder"}),
                    ui.input_select("compare_preset", "preset",
                                    [n for n, _ in list_presets()]),
                    ui.input_text("compare_folder", "report folder", placeholder="reports/default"),
                    col_widths=col_widths((4, 3, 5))),
                ui.input_action_button("compare", "Compare", class_="btn-secondary", width="16rem"),
                ui.output_ui("compare_status")),
    )


def page(state: AppState, base: PriorSet, link_error: str | None) -> ui.Tag:
    """The whole page for `state` on preset `base`, with the link's error (if any) on top."""
    notice = ui.div(f"The link could not be read; showing the preset instead.\n{link_error}",
                    class_="fc-error", id="link_error") if link_error else None
    return ui.page_sidebar(
        sidebar(state, base),  # type: ignore[arg-type]
        notice, main_panel(),
        ui.tags.style(_CSS), ui.tags.script(_JS),
        title="foomcalc: P(hard takeoff) from your priors", fillable=False)


def compression_table(rows: list[tuple[float, float, float]],
                      posterior: list[tuple[float, float, float]] | None = None,
                      stale: bool = False) -> ui.HTML:
    """A years x months grid of probabilities (percent): the posterior's with the prior's
    in brackets when there is a posterior (greyed when `stale`), else the prior's."""
    return _grid("compression_table", "progress", rows, posterior, stale,
                 lambda x: f"{x:g} year{'s' if x != 1 else ''}",
                 lambda m: f"within {m:g} mo", "")


def gap_axis_table(rows: list[tuple[float, float, float]],
                   posterior: list[tuple[float, float, float]] | None = None,
                   stale: bool = False) -> ui.HTML:
    """A gap (years of recent progress) x window (days) grid of P(takeoff within the
    window), as `compression_table`."""
    return _grid("gap_axis_table", "gap", rows, posterior, stale,
                 lambda g: f"{g:g} year{'s' if g != 1 else ''}",
                 lambda d: f"within {window_label(d)}",
                 "; whatever your gap prior: the headline integrates over it "
                 "(docs/simulator.md, the gap axis)")


def _grid(table_id: str, corner: str, rows: list[tuple[float, float, float]],
          posterior: list[tuple[float, float, float]] | None, stale: bool,
          row_label: Callable[[float], str], column_label: Callable[[float], str],
          note: str) -> ui.HTML:
    """(row, column, probability) triples as an HTML table in percent, the posterior's
    with the prior's in brackets when there is a posterior (greyed when `stale`)."""
    keys = sorted({r for r, _, _ in rows})
    columns = sorted({c for _, c, _ in rows})
    p = {(r, c): v for r, c, v in rows}
    q = {(r, c): v for r, c, v in posterior or []}

    def cell(r: float, c: float) -> str:
        if (r, c) not in q:
            return f"<td>{100 * p[(r, c)]:.1f}%</td>"
        return (f"<td><span class='{'fc-stale' if stale else ''}'>{100 * q[(r, c)]:.1f}%"
                f"</span> <span class='fc-note'>({100 * p[(r, c)]:.1f}%)</span></td>")

    head = "".join(f"<th>{column_label(c)}</th>" for c in columns)
    body = "".join(f"<tr><td>{row_label(r)}</td>" + "".join(cell(r, c) for c in columns)
                   + "</tr>" for r in keys)
    what = "posterior (prior)" if q else "prior"
    return ui.HTML(f'<table class="fc-table" id="{table_id}"><tr><th>{corner}</th>{head}'
                   f"</tr>{body}</table><p class='fc-note'>{what}{note}</p>")


def crux_table(data: dict) -> ui.HTML:
    """The crux rows of comparison.json as an HTML table."""
    parts = []
    for c in data["cruxes"]:
        a, b = html.escape(c["a"]), html.escape(c["b"])
        rows = "".join(
            f"<tr><td>{html.escape(r['parameter'])}</td><td>{html.escape(r['prior_a'])}</td>"
            f"<td>{html.escape(r['prior_b'])}</td>"
            f"<td>{100 * (r['shift_a'] or 0):+.1f} ± {100 * (r['shift_mcse_a'] or 0):.1f} pp</td>"
            f"<td>{100 * (r['shift_b'] or 0):+.1f} ± {100 * (r['shift_mcse_b'] or 0):.1f} pp</td>"
            f"<td>{'yes' if r['crux'] else 'no (within the error)'}</td></tr>"
            for r in c["rows"])
        parts.append(
            f"<h6>Cruxes: {a} vs {b}</h6><table class='fc-table' id='crux_table'><tr>"
            f"<th>parameter</th><th>{a} prior</th><th>{b} prior</th>"
            f"<th>{a} adopting {b}'s</th><th>{b} adopting {a}'s</th><th>crux</th></tr>"
            + (rows or "<tr><td colspan=6>identical priors</td></tr>") + "</table>")
    return ui.HTML("".join(parts))

