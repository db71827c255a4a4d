"""report.md and report.html from a saved result and its summary.

Both are rendered from one list of blocks (headings, paragraphs, tables, figures),
so they always say the same thing. HTML is self-contained (figures inlined as
base64 PNG) and escapes every piece of user text.
"""

from __future__ import annotations

import base64
import html
import json

import xarray as xr

from foomcalc.reporting import figures
from foomcalc.reporting.blocks import Block, months_text, number, pct, pct_pm
from foomcalc.reporting.crux_report import basis_blocks, gap_axis_blocks, speed_up_blocks
from foomcalc.reporting.markdown import md_cell, md_fence, md_text
from foomcalc.reporting.summary import RSI_BRANCH_LABEL, RSI_PARAMETER_LABEL
from foomcalc.reporting.summary_schema import Summary, Tornado
from foomcalc.takeoff.outcomes import window_label


def diagnostics_blocks(summary: Summary) -> list[Block]:
    """A warning naming the sampling problems when the diagnostics failed; else none."""
    d = summary["diagnostics"]
    if d["ok"]:
        return []
    text = ("Sampling problems: the posterior below may be unreliable. "
            + "; ".join(d["problems"])
            + f" (after {d['attempts']} attempt(s), the second with higher target acceptance and "
              "longer tuning).")
    return [Block("warn", text)]


def gap_route_blocks(summary: Summary) -> list[Block]:
    """For gap_from "mixture": each gap route's weight and P(hard takeoff)."""
    routes = summary.get("gap_routes")
    if not routes:
        return []
    return [Block("table", "Capability gap: each route's P(hard takeoff) had every draw used "
                           "it; the headline mixes them by weight (docs/decisions.md, the "
                           "capability gap from data)",
                  headers=("gap route", "weight", "prior", "posterior", "MCSE"),
                  rows=tuple((route, f"{r['weight']:.2f}", pct(r["prior"]), pct(r["posterior"]),
                              f"{100 * r['mcse']:.2f} pp") for route, r in routes.items()))]


def build_blocks(
    summary: Summary, result: xr.DataTree, extra: list[Block] | None = None
) -> list[Block]:
    """The report's content, top to bottom: the headline, `extra` blocks, a table of
    contents, then the sections."""
    blocks = [*headline_blocks(summary), *(extra or []), Block("toc"),
              *takeoff_blocks(summary, result), *gap_axis_blocks(summary),
              *compression_blocks(summary), *speed_up_blocks(summary),
              *parameter_blocks(summary, result), *sensitivity_blocks(summary),
              *basis_blocks(summary), *provenance_blocks(summary)]
    toc = toc_block(blocks)
    return [toc if b.kind == "toc" else b for b in blocks]


def headline_blocks(summary: Summary) -> list[Block]:
    """Title, any sampling warning (before any number), the headline numbers and
    warnings about the inputs."""
    h = summary["hard_takeoff"]
    blocks = [Block("h1", f"foomcalc report: {summary['priors_name']}")]
    blocks += diagnostics_blocks(summary)
    blocks.append(Block("lead", (
        f"P(hard takeoff) = {pct_pm(h['posterior'], h['mcse'])} after the evidence "
        f"({pct(h['prior'])} before it). Hard takeoff: {h['definition']}.")))
    blocks.append(Block("p", branch_sentence(summary)))
    blocks.append(Block("p", takeoff_sentence(summary)))
    for note in summary.get("notes", []):
        blocks.append(Block("warn", f"Evidence may count twice: {note}."))
    return blocks + gap_route_blocks(summary)


def takeoff_sentence(summary: Summary) -> str:
    """Median takeoff time with its 90% interval, before and after, and P(r > 1)."""
    horizon = summary["takeoff_months"]["horizon_months"]
    tq = summary["takeoff_months"]

    def interval(which: str) -> str:
        q = {k: months_text(v, horizon) for k, v in tq[which].items()}  # type: ignore[literal-required]
        return f"{q['q50']} ({q['q05']} to {q['q95']})"

    return (f"Takeoff time (par-human to strongly superhuman), median "
            f"(90% interval): after the evidence {interval('posterior')}; "
            f"before it {interval('prior')}. "
            "P(returns to software R&D r > 1): "
            f"{pct(summary['p_r_above_1']['prior'])} -> "
            f"{pct(summary['p_r_above_1']['posterior'])}.")


def takeoff_blocks(summary: Summary, result: xr.DataTree) -> list[Block]:
    """The takeoff-time section: CDF figure, P(takeoff within window) table and bars."""
    hard_days = summary["hard_takeoff"]["window_days"]
    return [
        Block("h2", "Takeoff time"),
        Block("figure", "Takeoff-time CDF, prior (dashed) vs posterior",
              png=figures.takeoff_cdf_figure({"": result}, hard_days), file="takeoff_cdf.png"),
        Block("table", "P(takeoff within window)",
              headers=("window", "prior", "posterior", "MCSE"),
              rows=tuple((r["label"], pct(r["prior"]), pct(r["posterior"]),
                          f"{100 * r['mcse']:.2f} pp")
                         for r in summary["hard_takeoff_by_window"])),
        Block("figure", "P(takeoff within window)",
              png=figures.hard_by_window_figure(summary), file="hard_by_window.png"),
    ]


def compression_blocks(summary: Summary) -> list[Block]:
    """The compression section (Davidson & Houlden 2025's metric)."""
    return [
        Block("h2", "Compression (Davidson & Houlden 2025 metric)"),
        Block("p", "P(some window of Y months holds at least X years of progress at "
                   "recent rates)."),
        Block("table", "Compression", headers=("X years", "within Y months", "prior",
                                               "posterior", "MCSE"),
              rows=tuple((f"{r['years_of_progress']:g}", f"{r['within_months']:g}",
                          pct(r["prior"]), pct(r["posterior"]),
                          f"{100 * r['mcse']:.2f} pp") for r in summary["compression"])),
    ]


def parameter_blocks(summary: Summary, result: xr.DataTree) -> list[Block]:
    """The parameters section: prior-vs-posterior figure, the two RSI numbers told
    apart, the table of used parameters and a note naming the unused ones."""
    blocks = [Block("h2", "Parameters")]
    png = figures.parameters_figure(result)
    if png:
        blocks.append(Block("figure", "Key parameters, prior vs posterior", png=png,
                            file="parameters.png"))
    blocks.append(Block("p", (
        f"The parameter p_rsi_feasible is the prior credence in seed-AI RSI before the "
        f"observations; {RSI_BRANCH_LABEL} ({pct(summary['p_rsi_feasible']['posterior'])} "
        "above) is that credence updated by the observations' likelihood ratios, so the two "
        "differ.")))
    rows = parameter_rows(summary)  # numbers never wrap; sources in a table of their own
    rows += tuple((f"{a} ~ {b}", "", f"rank correlation {r:g}", "", "joined by a Gaussian copula "
                   "(docs/priors.md)") for a, b, r in json.loads(result.attrs.get(
                       "priors_json", "{}")).get("correlations", []))
    blocks += [Block("table", "Parameters (median [q05, q95], in the unit shown)", headers=(
        "parameter", "unit", "prior", "posterior"), rows=tuple(r[:4] for r in rows),
        nowrap=(2, 3)), Block("table", "Sources of the priors", headers=("parameter", "source"),
                              rows=tuple((r[0], r[4]) for r in rows))]
    unused = summary.get("unused_parameters", [])
    if unused:
        blocks.append(Block("p", (
            f"Not shown: {', '.join(unused)}, which set the capability gap only when it comes "
            f"from another route (here the gap comes from {summary['gap_from']}).")))
    return blocks


def parameter_rows(summary: Summary) -> tuple[tuple[str, ...], ...]:
    """One row per used parameter: name, unit, prior and posterior median [q05, q95]
    (or the fixed value) and the source, with any approximate quantile fit noted."""
    rows = []
    for name, p in summary["parameters"].items():
        if not p.get("used", True):
            continue
        label = RSI_PARAMETER_LABEL if name == "p_rsi_feasible" else name
        fit = p.get("fit_note") or ""
        fit = f"; quantile fit {fit}" if fit.startswith("approximate") else ""
        if p["fixed"]:
            rows.append((label, p["unit"], f"fixed {number(p['value'])}", "",
                         p["source"] + fit))
        else:
            a, b = p["prior"], p["posterior"]
            rows.append((label, p["unit"],
                         f"{number(a['q50'])} [{number(a['q05'])}, {number(a['q95'])}]",
                         f"{number(b['q50'])} [{number(b['q05'])}, {number(b['q95'])}]",
                         p["source"] + fit))
    return tuple(rows)


def branch_sentence(summary: Summary) -> str:
    """The two RSI branches in one sentence (docs/simulator.md)."""
    rsi = summary["p_rsi_feasible"]
    return (f"Every draw is run twice: once with seed-AI RSI feasible (AI improves itself at "
            f"once, no successor training) and once without (gains arrive only when a successor "
            f"model is trained), weighted by {RSI_BRANCH_LABEL} = {pct(rsi['posterior'])} "
            f"({pct(rsi['prior'])} before the evidence).")


def toc_block(blocks: list[Block]) -> Block:
    """A table of contents of the h2 sections."""
    return Block("toc", rows=tuple((b.text,) for b in blocks if b.kind == "h2"))


def anchor(text: str) -> str:
    """A heading's link target: the text in lower case, each character that is not a
    letter or digit a hyphen, hyphens stripped at the ends."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def sensitivity_blocks(summary: Summary) -> list[Block]:
    """Tornado of P(hard takeoff) and the power-scaling table (docs/compare-and-sensitivity.md)."""
    sens = summary.get("sensitivity")
    if not sens:
        return []
    blocks = [Block("h2", "Sensitivity: which inputs the answer hangs on"),
              Block("p", sens["hangs_on"])]
    torn = sens.get("tornado")
    if torn:
        blocks.append(Block("p", tornado_caption(torn, summary["hard_takeoff"]["posterior"])))
        png = figures.tornado_figure(torn)
        if png:
            blocks.append(Block("figure", "Tornado of P(hard takeoff)", png=png,
                                file="tornado.png"))
        blocks.append(Block("table", "Tornado (largest swing first)",
                            headers=("parameter", "unit", "q10 value", "P(hard) at q10",
                                     "q90 value", "P(hard) at q90", "swing"),
                            rows=tuple((r["parameter"], r.get("unit", ""), number(r["low_value"]),
                                        pct(r["p_low"]), number(r["high_value"]), pct(r["p_high"]),
                                        f"{100 * r['swing']:.1f} pp") for r in torn["rows"])))
    ps = sens.get("power_scaling")
    if ps:
        blocks.append(Block("p", (
            "Power-scaling (Kallioinen et al. 2024, ArviZ psense_summary): how far each "
            "evidence-informed posterior moves when the prior or the likelihood is raised to "
            f"a power near 1 (CJS distance gradient; above {ps['threshold']:g} counts as "
            "sensitive). hard_takeoff is the per-draw P(hard takeoff).")))
        blocks.append(Block("table", "Prior and likelihood sensitivity",
                            headers=("variable", "prior", "likelihood", "diagnosis"),
                            rows=tuple((r["variable"], number(r["prior"]),
                                        number(r["likelihood"]),
                                        "ok" if r["diagnosis"] == "\u2713" else r["diagnosis"])
                                       for r in ps["rows"])))
    return blocks


def tornado_caption(torn: Tornado, headline: float) -> str:
    """The tornado's caption, its baseline (nothing pinned, its thinned draws) labelled."""
    gap = (f"; the headline {pct(headline)} uses every posterior draw: the two differ by "
           "Monte Carlo error only" if pct(torn["base"]) != pct(headline) else "")
    return (f"Tornado: P(hard takeoff) with one parameter's prior pinned at its 10th or 90th "
            f"percentile, the others at their posterior draws ({torn['n_draws']} evenly "
            f"thinned draws; baseline, nothing pinned, on them: {pct(torn['base'])}{gap}).")


def provenance_blocks(summary: Summary) -> list[Block]:
    """The evidence files (kind, description, sha256), the sampler and its diagnostics,
    the seed, the command and the package versions."""
    ev = summary["evidence"]
    blocks = [Block("h2", "Evidence and provenance")]
    if ev:
        blocks.append(Block("table", "Evidence", headers=("kind", "file", "sha256"),
                            rows=tuple((e["kind"], e["description"], e["sha256"][:16])
                                       for e in ev)))
    else:
        blocks.append(Block("p", "No evidence: the posterior equals the prior."))
    d = summary["diagnostics"]
    blocks.append(Block("p", (
        f"Sampler: {summary['sampler']['sampler']}, {summary['sampler']['chains']} chains x "
        f"{summary['sampler']['draws']} draws; max r_hat {d['max_r_hat']:.3f}, min bulk ESS "
        f"{d['min_ess_bulk']:.0f}, min tail ESS {d['min_ess_tail']:.0f}, divergences "
        f"{d['divergences']}. Prior probabilities from {summary['n_draws']['prior']} independent "
        f"draws. Seed {summary['seed']}. Command: {summary['command']}"
    )))
    blocks.append(Block("p", "Versions: " + ", ".join(f"{k} {v}" for k, v in
                                                      summary["versions"].items())))
    return blocks


def render_markdown(blocks: list[Block]) -> str:
    """The blocks as Markdown (figures linked as figures/<file>); every piece of text
    through `md_text` / `md_cell` / `md_fence`."""
    e = md_text
    out = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {e(b.text)}\n")
        elif b.kind == "toc":
            out.append("Contents: " + " · ".join(f"[{e(r[0])}](#{anchor(r[0])})"
                                                 for r in b.rows) + "\n")
        elif b.kind == "h2":
            out.append(f"## {e(b.text)}\n")
        elif b.kind == "warn":
            out.append(f"> **Warning.** {e(b.text)}\n")
        elif b.kind == "p":
            out.append(e(b.text) + "\n")
        elif b.kind == "lead":
            out.append(f"**{e(b.text)}**\n")
        elif b.kind == "pre":
            out.append(md_fence(b.text))
        elif b.kind == "figure":
            out.append(f"![{e(b.text)}](figures/{b.file})\n")
        elif b.kind == "table":
            out.append("| " + " | ".join(md_cell(h) for h in b.headers) + " |")
            out.append("|" + "---|" * len(b.headers))
            out.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in b.rows)
            out.append("")
    return "\n".join(out)


CSS = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top;
overflow-wrap:anywhere}td:last-child{min-width:8em}th{background:#f3f3f3}
.warn{background:#fdecea;border-left:4px solid #c0392b;padding:.6em 1em}
img{max-width:100%}.lead{font-size:1.2em;background:#f6f6f6;padding:.7em 1em;
border-left:4px solid #555}caption{text-align:left;font-weight:600;padding:.3em 0}
.toc{background:#fafafa;border:1px solid #ddd;padding:.5em 1em;display:inline-block}
.toc ol{margin:.3em 0;padding-left:1.4em}figure{margin:1em 0}
figcaption{font-size:.9em;color:#555}"""


def render_html(blocks: list[Block], title: str) -> str:
    """The blocks as one self-contained HTML page: figures inlined as base64 PNG, every
    piece of text escaped."""
    e = html.escape
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
           f"<style>{CSS}</style></head><body>"]
    for b in blocks:
        if b.kind == "h1":
            out.append(f"<h1>{e(b.text)}</h1>")
        elif b.kind == "h2":
            out.append(f"<h2 id='{anchor(b.text)}'>{e(b.text)}</h2>")
        elif b.kind == "toc":
            items = "".join(f"<li><a href='#{anchor(r[0])}'>{e(r[0])}</a></li>" for r in b.rows)
            out.append(f"<nav class='toc'><strong>Contents</strong><ol>{items}</ol></nav>")
        elif b.kind == "warn":
            out.append(f"<p class='warn'><strong>Warning.</strong> {e(b.text)}</p>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "lead":
            out.append(f"<p class='lead'>{e(b.text)}</p>")
        elif b.kind == "pre":
            out.append(f"<pre>{e(b.text)}</pre>")
        elif b.kind == "figure":
            data = base64.b64encode(b.png).decode("ascii")
            out.append(f"<figure><img alt='{e(b.text)}' src='data:image/png;base64,{data}'>"
                       f"<figcaption>{e(b.text)}</figcaption></figure>")
        elif b.kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in b.headers)
            body = "".join("<tr>" + "".join(
                f"<td style='white-space:nowrap'>{e(c)}</td>" if i in b.nowrap
                else f"<td>{e(c)}</td>" for i, c in enumerate(row)) + "</tr>"
                for row in b.rows)
            out.append(f"<table><caption>{e(b.text)}</caption><tr>{head}</tr>{body}</table>")
    out.append("</body></html>")
    return "\n".join(out)


def short_summary(summary: Summary) -> str:
    """The few lines printed at the end of `foomcalc report`."""
    h = summary["hard_takeoff"]
    lines = [
        f"P(hard takeoff, <= {window_label(h['window_days'])}): {pct(h['prior'])} (prior) -> "
        f"{pct_pm(h['posterior'], h['mcse'])} (posterior)",
        f"{RSI_BRANCH_LABEL}: {pct(summary['p_rsi_feasible']['prior'])} -> "
        f"{pct(summary['p_rsi_feasible']['posterior'])};  P(r > 1): "
        f"{pct(summary['p_r_above_1']['prior'])} -> {pct(summary['p_r_above_1']['posterior'])}",
    ]
    for name, p in summary["parameters"].items():
        if (p.get("fit_note") or "").startswith("approximate") and p.get("used", True):
            lines.append(f"note: {name}: quantile fit {p['fit_note']} (prior median "
                         f"{number(p['prior']['q50']) if 'prior' in p else 'n/a'})")
    if not summary["diagnostics"]["ok"]:
        lines.append("WARNING: sampling problems: " + "; ".join(summary["diagnostics"]["problems"]))
    return "\n".join(lines)
