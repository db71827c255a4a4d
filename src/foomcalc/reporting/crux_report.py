"""Report sections on the crux: the initial speed-up at automation (no bottleneck vs
realised), the gap as an axis (table and figure) and the tornado grouped by what each
parameter rests on. Read from summary.json only; `report.build_blocks` places them."""

from __future__ import annotations

from foomcalc.reporting import figures
from foomcalc.reporting.blocks import Block, number, pct
from foomcalc.reporting.sensitivity import BASES, NARROWED_SD_RATIO, narrowed_share
from foomcalc.reporting.summary_schema import DrawSummary, Summary


def speed_up_blocks(summary: Summary) -> list[Block]:
    """The initial research speed-up at automation: `speedup` (no bottleneck) beside the
    realised R(L0, 1)^p, prior and posterior."""
    sp = summary.get("speed_up")
    if not sp:
        return []

    def cell(d: DrawSummary) -> str:
        return f"{number(d['q50'])}x [{number(d['q05'])}, {number(d['q95'])}]"

    built = " (built from its parts: speedup_from parts)" if sp["speedup_from"] == "parts" \
        else ""
    return [Block("h2", "Initial speed-up at automation"),
            Block("p", sp["meaning"][0].upper() + sp["meaning"][1:] + "."),
            Block("table", "Initial research speed-up (median [q05, q95])",
                  headers=("quantity", "prior", "posterior"),
                  rows=((f"speedup, no compute bottleneck{built}", cell(sp["speedup"]["prior"]),
                         cell(sp["speedup"]["posterior"])),
                        ("realised: R(L0, 1)^p", cell(sp["realised"]["prior"]),
                         cell(sp["realised"]["posterior"]))))]


def gap_axis_blocks(summary: Summary) -> list[Block]:
    """The gap as an axis: P(takeoff within each window) for a grid of gap sizes, as a
    table (prior -> posterior) and a figure."""
    axis = summary.get("gap_axis")
    if not axis:
        return []
    windows = axis["windows_days"]
    cells = {(r["gap_years"], r["window_days"]): r for r in axis["rows"]}
    rows = tuple((f"{g:g}", *(f"{pct(cells[g, d]['prior'])} -> {pct(cells[g, d]['posterior'])}"
                             for d in windows)) for g in axis["gap_years"])
    headers = ("gap (years of progress)",
               *(f"within {next(r['label'] for r in axis['rows'] if r['window_days'] == d)}"
                 for d in windows))
    blocks = [Block("h2", "The gap as an axis"),
              Block("p", f"How far 'strongly superhuman' lies beyond par-human is partly a "
                         f"definition. {axis['note']}. Prior -> posterior."),
              Block("table", "P(takeoff within window) by gap size", headers=headers,
                    rows=rows)]
    png = figures.gap_axis_figure(summary)
    if png:
        blocks.append(Block("figure", "P(takeoff within window) against the gap size",
                            png=png, file="gap_axis.png"))
    return blocks


def basis_blocks(summary: Summary) -> list[Block]:
    """The tornado grouped by what each parameter rests on (evidence, parts, judgement),
    with posterior sd / prior sd, and the share of the top-five swing that data narrow."""
    torn = (summary.get("sensitivity") or {}).get("tornado")
    if not torn or not torn["rows"] or "basis" not in torn["rows"][0]:
        return []
    rows = sorted(torn["rows"], key=lambda r: (BASES.index(r["basis"]), -r["swing"]))
    share = narrowed_share(torn["rows"])
    share_text = "n/a" if share is None else f"{100 * share:.0f}%"
    return [Block("p", (
        f"What each crux rests on: evidence (a likelihood reaches it; posterior sd / prior sd "
        f"shown), parts (a measurable part of the speed-up) or judgement (a belief or a "
        f"definition no data reach). Of the five largest swings, {share_text} comes from "
        f"parameters the data narrow (posterior sd at most {NARROWED_SD_RATIO:g} of the "
        f"prior's).")),
        Block("table", "Tornado grouped by basis",
              headers=("basis", "parameter", "swing", "posterior / prior sd"),
              rows=tuple((r["basis"], r["parameter"], f"{100 * r['swing']:.1f} pp",
                          "n/a" if r.get("sd_ratio") is None else f"{r['sd_ratio']:.2f}")
                         for r in rows))]
