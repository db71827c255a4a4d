"""Report figures, drawn from a saved result only. Each returns PNG bytes.

Figures are `matplotlib.figure.Figure` objects, not pyplot ones, so importing this
module never switches a notebook's backend and nothing is left open.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import matplotlib.ticker
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from foomcalc.parameters import PARAMETERS
from foomcalc.reporting.summary import unused_parameters
from foomcalc.reporting.summary_schema import Summary, Tornado
from foomcalc.takeoff.outcomes import DAYS_PER_MONTH, takeoff_cdf

PRIOR_STYLE: dict[str, Any] = {"color": "#888888", "label": "prior"}
POSTERIOR_STYLE: dict[str, Any] = {"color": "#c0392b", "label": "posterior"}
#: Parameters shown prior-vs-posterior when they are uncertain.
KEY_PARAMETERS = ("returns_r", "p_rsi_feasible", "speedup", "software_doubling_months",
                  "compute_growth_per_year", "scaling_a", "scaling_b", "parallel_penalty")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def takeoff_cdf_figure(results: dict[str, xr.DataTree], hard_days: float) -> bytes:
    """CDF of takeoff time (log axis, hours to the horizon); prior dashed, posterior solid.

    `results` maps a label to a saved result, so comparisons overlay several.
    """
    first = next(iter(results.values()))
    horizon = float(first.attrs["horizon_months"])
    grid = np.logspace(np.log10(1 / (24 * DAYS_PER_MONTH)), np.log10(horizon), 300)
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, result) in enumerate(results.items()):
        colour = POSTERIOR_STYLE["color"] if len(results) == 1 else colours[i % len(colours)]
        prior = takeoff_cdf(result["prior_outcomes"].to_dataset(), grid)
        post = takeoff_cdf(result["posterior_outcomes"].to_dataset(), grid)
        suffix = "" if len(results) == 1 else f" ({label})"
        ax.plot(grid, prior, ls="--", color=PRIOR_STYLE["color"] if len(results) == 1 else colour,
                label="prior" + suffix)
        ax.plot(grid, post, color=colour, label="posterior" + suffix)
    ax.axvline(hard_days / DAYS_PER_MONTH, color="black", lw=0.8, ls=":")
    ax.text(hard_days / DAYS_PER_MONTH, 0.98, f" hard: {hard_days:g} days", va="top", fontsize=8)
    ax.set_xscale("log")
    ticks = {"1 hour": 1 / (24 * DAYS_PER_MONTH), "1 day": 1 / DAYS_PER_MONTH,
             "1 week": 7 / DAYS_PER_MONTH, "1 month": 1, "1 year": 12, "10 years": 120}
    ax.set_xticks([v for v in ticks.values() if v <= horizon], [k for k, v in ticks.items()
                                                               if v <= horizon])
    ax.set_ylim(0, 1)
    ax.set_xlabel("takeoff time t (par-human to strongly superhuman), log scale")
    ax.set_ylabel("P(takeoff time <= t)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def hard_by_window_figure(summary: Summary) -> bytes:
    """P(takeoff within window) for each standard window, prior vs posterior bars."""
    rows = summary["hard_takeoff_by_window"]
    x = np.arange(len(rows))
    fig = Figure(figsize=(6, 3.2))
    ax = fig.subplots()
    ax.bar(x - 0.2, [r["prior"] for r in rows], 0.4, **PRIOR_STYLE)
    ax.bar(x + 0.2, [r["posterior"] for r in rows], 0.4,
           yerr=[2 * r["mcse"] for r in rows], **POSTERIOR_STYLE)
    ax.set_xticks(x, [r["label"] for r in rows])
    ax.set_ylabel("P(takeoff within window)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def gap_axis_figure(summary: Summary) -> bytes | None:
    """P(takeoff within each standard window) against the gap size (years of recent
    progress, log axis): one line per window, prior dashed, posterior solid with +-2 MCSE
    bars. None without a gap axis in the summary."""
    axis = summary.get("gap_axis")
    if not axis:
        return None
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    colours = ("#1f77b4", "#2ca02c", "#c0392b", "#7f3c8d")
    for colour, days in zip(colours, axis["windows_days"], strict=False):
        rows = [r for r in axis["rows"] if r["window_days"] == days]
        gaps = [r["gap_years"] for r in rows]
        ax.plot(gaps, [r["prior"] for r in rows], ls="--", color=colour, alpha=0.7)
        ax.errorbar(gaps, [r["posterior"] for r in rows], yerr=[2 * r["mcse"] for r in rows],
                    color=colour, marker="o", ms=3, label=f"within {rows[0]['label']}")
    ax.set_xscale("log")
    ax.set_xticks(axis["gap_years"], [f"{g:g}" for g in axis["gap_years"]])
    ax.set_xlabel("capability gap (years of progress at recent rates)")
    ax.set_ylabel("P(takeoff within window)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, title="posterior (solid), prior (dashed)", title_fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def parameters_figure(result: xr.DataTree) -> bytes | None:
    """Prior vs posterior histograms of the key uncertain parameters (log x where positive),
    each titled with its unit; gap parameters of an unused gap route are left out."""
    prior = result["prior"].to_dataset()
    post = result["posterior"].to_dataset()
    unused = unused_parameters(result)
    names = [n for n in KEY_PARAMETERS if n in prior and n in post and n not in unused]
    if not names:
        return None
    # three across: at the report's ~980 px width each panel's labels stay readable
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig = Figure(figsize=(3.3 * cols, 2.5 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        a = prior[name].values.ravel()
        b = post[name].values.ravel()
        lo, hi = np.quantile(np.concatenate([a, b]), [0.005, 0.995])
        log = lo > 0 and hi / lo > 20 and PARAMETERS[name].support != "unit_interval"
        bins = np.geomspace(lo, hi, 50) if log else np.linspace(lo, hi, 50)
        ax.hist(a, bins=bins, density=True, histtype="step", **PRIOR_STYLE)
        ax.hist(b, bins=bins, density=True, histtype="stepfilled", alpha=0.5, **POSTERIOR_STYLE)
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.set_title(f"{name}\n({PARAMETERS[name].unit})", fontsize=9)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def tornado_figure(tornado: Tornado, max_bars: int = 12) -> bytes | None:
    """Tornado of P(hard takeoff): each parameter pinned at its prior's 10th and 90th
    percentile (summary.json `sensitivity.tornado`), largest swing on top."""
    rows = [r for r in tornado["rows"] if r["swing"] > 0][:max_bars]
    if not rows:
        return None
    base = tornado["base"]
    fig = Figure(figsize=(7, 0.42 * len(rows) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    for yi, r in zip(y, rows, strict=True):
        for value, colour in ((r["p_low"], "#2e86c1"), (r["p_high"], "#c0392b")):
            ax.barh(yi, value - base, left=base, color=colour, height=0.6)
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(y, [f"{r['parameter']} ({r.get('unit', '')})" for r in rows], fontsize=8)
    ax.set_xlabel(f"P(hard takeoff, <= {tornado['window_days']:g} days), probability")
    handles = [Patch(color="#2e86c1", label="pinned at prior q10"),
               Patch(color="#c0392b", label="pinned at prior q90")]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def survey_figure(summary: dict, clip: float = 1e-3) -> bytes:
    """Histogram across people of log10 P(hard takeoff), prior vs posterior (survey)."""
    rows = summary["respondents"]
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.subplots()
    bins = np.linspace(np.log10(clip), 0, 25)
    for key, style in (("prior_hard_takeoff", {**PRIOR_STYLE, "histtype": "step", "lw": 2}),
                       ("posterior_hard_takeoff", {**POSTERIOR_STYLE, "alpha": 0.6})):
        ax.hist(np.log10(np.clip([r[key] for r in rows], clip, 1.0)), bins=bins, **style)  # type: ignore[arg-type]
    ax.set_xlabel(f"log10 P(hard takeoff), one value per person (clipped at {clip:g})")
    ax.set_ylabel("people")
    ax.legend(fontsize=8)
    return _png(fig)

