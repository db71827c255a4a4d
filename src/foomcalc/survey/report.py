"""The survey report: how people's P(hard takeoff) spreads, before and after the shared
evidence, which beliefs drive the disagreement, and whether people form clusters.

Reads only the per-respondent results (survey.run writes them). Disagreement is measured
on the log-odds scale, logit(P) with P clipped to [0.001, 0.999] (a 0.0% and a 0.01%
answer are not 7 log-odds apart in any useful sense).

- Narrowing: sd and interquartile range of logit P across people, prior vs posterior.
- Variance decomposition: ordinary least squares of each person's posterior logit P on
  their standardised prior medians (log scale for positive parameters) of the parameters
  people disagree on; each parameter's share of the explained variance by the Shapley
  (LMG) decomposition of R^2: its gain in R^2 when added, averaged over every order of
  entry (Lindeman, Merenda & Gold 1980; Groemping 2006, J. Stat. Softw. 17(1)). The
  shares are never negative and sum to R^2 (Pratt's coefficient x correlation, used
  before, goes negative for a suppressor); exact up to MAX_SHAPLEY parameters, Pratt's
  measure beyond, with a note.
- Clusters: k-means (scipy.cluster.vq.kmeans2) on the standardised prior medians for
  k = 2..4, kept only if the mean silhouette is >= 0.5 (Kaufman & Rousseeuw: "a strong
  structure"); otherwise "no clear clusters".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from foomcalc.parameters import PARAMETERS
from foomcalc.reporting.output import write_json_atomically

SURVEY_SCHEMA = "1.1"
CLIP = 1e-3
MIN_SILHOUETTE = 0.5
#: Most parameters for the exact Shapley decomposition (2^p regressions).
MAX_SHAPLEY = 12


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)) of probabilities clipped to [CLIP, 1 - CLIP]."""
    p = np.clip(np.asarray(p, dtype=float), CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def _spread(values: np.ndarray) -> dict:
    q25, q75 = np.quantile(values, [0.25, 0.75])
    return {"sd_logit": float(values.std(ddof=1)) if values.size > 1 else 0.0,
            "iqr_logit": float(q75 - q25)}


def belief_matrix(rows: list[dict]) -> tuple[list[str], np.ndarray]:
    """Standardised prior medians (people x parameters) of parameters people disagree on."""
    names, columns = [], []
    for name in PARAMETERS:
        values = np.array([r["prior_medians"][name] for r in rows], dtype=float)
        if np.all(values > 0):
            values = np.log(values)
        if values.std() > 1e-9 * max(1.0, abs(values.mean())):
            names.append(name)
            columns.append((values - values.mean()) / values.std())
    return names, (np.column_stack(columns) if columns else np.zeros((len(rows), 0)))


def r_squared(x: np.ndarray, y: np.ndarray) -> float:
    """R^2 of least squares of y on the columns of x (both centred: no intercept)."""
    if x.shape[1] == 0:
        return 0.0
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(1.0 - np.sum((y - x @ beta) ** 2) / np.sum(y ** 2))


def shapley_shares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each column's Shapley share of R^2: sum over subsets S without j of
    |S|! (p - |S| - 1)! / p! x (R^2(S + j) - R^2(S)); every subset's R^2 once."""
    p = x.shape[1]
    r2 = {mask: r_squared(x[:, [j for j in range(p) if mask >> j & 1]], y)
          for mask in range(1 << p)}
    shares = np.zeros(p)
    for mask, value in r2.items():
        size = bin(mask).count("1")
        for j in range(p):
            if not mask >> j & 1:
                weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
                shares[j] += weight * (r2[mask | 1 << j] - value)
    return shares


def decomposition(rows: list[dict]) -> dict:
    """Shares of the variance of posterior logit P explained by prior medians: Shapley
    (LMG, non-negative) up to MAX_SHAPLEY parameters, Pratt's measure beyond."""
    names, x = belief_matrix(rows)
    y = logit([r["posterior_hard_takeoff"] for r in rows])  # type: ignore[arg-type]
    if x.shape[1] == 0 or y.std() == 0 or len(rows) <= x.shape[1] + 1:
        return {"r_squared": None, "shares": [], "note": "too few people or no disagreement"}
    ys = (y - y.mean()) / y.std()
    beta, *_ = np.linalg.lstsq(x, ys, rcond=None)
    if x.shape[1] <= MAX_SHAPLEY:
        shares, method = shapley_shares(x, ys), "shapley"
    else:
        shares, method = beta * (x.T @ ys / len(ys)), "pratt"
    order = np.argsort(-np.abs(shares))
    out = {"r_squared": r_squared(x, ys), "method": method,
           "shares": [{"parameter": names[i], "share": float(shares[i]),
                       "coefficient": float(beta[i])} for i in order]}
    if method == "pratt":
        out["note"] = (f"more than {MAX_SHAPLEY} parameters: Pratt's shares (coefficient x "
                       "correlation); a negative share marks a suppressor, a parameter that "
                       "explains the others' residual rather than the answer itself")
    return out


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width (Euclidean), 0 for a single cluster."""
    groups = np.unique(labels)
    if groups.size < 2:
        return 0.0
    dist = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1))
    scores = []
    for i in range(len(x)):
        own = labels == labels[i]
        a = dist[i, own].sum() / max(own.sum() - 1, 1)
        b = min(dist[i, labels == g].mean() for g in groups if g != labels[i])
        scores.append(0.0 if own.sum() == 1 else (b - a) / max(a, b))
    return float(np.mean(scores))


def clusters(rows: list[dict], seed: int = 0) -> dict:
    """Best k-means split (k = 2..4) of people's standardised prior medians, if clear."""
    # scipy: only for the report, not when survey.run reads the survey file
    from scipy.cluster.vq import kmeans2

    _, x = belief_matrix(rows)
    best: dict[str, Any] = {"k": 1, "silhouette": 0.0, "groups": []}
    if x.shape[1] == 0 or len(rows) < 6:
        return best
    for k in (2, 3, 4):
        _, labels = kmeans2(x, k, seed=seed, minit="++")
        score = silhouette(x, labels)
        if score > best["silhouette"]:
            groups = []
            for g in np.unique(labels):
                members = [rows[i] for i in np.flatnonzero(labels == g)]
                groups.append({
                    "size": len(members),
                    "respondents": [m["respondent"] for m in members],
                    "posterior_hard_takeoff_median": float(np.median(
                        [m["posterior_hard_takeoff"] for m in members]))})
            best = {"k": k, "silhouette": score, "groups": groups}
    if best["silhouette"] < MIN_SILHOUETTE:
        return {"k": 1, "silhouette": best["silhouette"], "groups": [],
                "note": f"no clear clusters (best mean silhouette {best['silhouette']:.2f} "
                        f"< {MIN_SILHOUETTE})"}
    return best


def summarize_survey(results: dict[str, dict], skipped: dict[str, str], meta: dict) -> dict:
    """survey.json: per person rows and the group-level analysis."""
    rows = [results[k] for k in sorted(results)]
    prior = np.array([r["prior_hard_takeoff"] for r in rows])
    post = np.array([r["posterior_hard_takeoff"] for r in rows])
    qs = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
    spread_prior, spread_post = _spread(logit(prior)), _spread(logit(post))
    return {
        "schema_version": SURVEY_SCHEMA, **meta,
        "n_respondents": len(rows), "skipped": skipped,
        "hard_takeoff_across_people": {
            "prior": {k: float(np.quantile(prior, q)) for k, q in qs.items()},
            "posterior": {k: float(np.quantile(post, q)) for k, q in qs.items()},
        },
        "disagreement": {"prior": spread_prior, "posterior": spread_post,
                         "narrowed_by": (1 - spread_post["sd_logit"] / spread_prior["sd_logit"])
                         if spread_prior["sd_logit"] > 0 else None},
        "decomposition": decomposition(rows),
        "clusters": clusters(rows),
        "methods": {m: sum(r["method"] == m for r in rows)
                    for m in sorted({r["method"] for r in rows})},
        "respondents": rows,
    }


def method_sentence(summary: dict) -> str:
    """How the answers were computed: the methods used and any proposal bases."""
    methods = ", ".join(f"{n} {m}" for m, n in summary.get("methods", {}).items())
    text = (f"Methods ({methods}): psis and exact reweight a shared base posterior per "
            "preset; refit is a full NUTS run (docs/survey.md).")
    widened = summary.get("proposal_parameters") or {}
    if widened:
        text += " Proposal priors in the bases, where respondents go beyond the preset: " + \
            "; ".join(f"{preset}: {', '.join(names)}" for preset, names in widened.items()) + "."
    return text


def write_survey_report(out_dir: Path, summary: dict, per_person: bool = False) -> None:
    """survey.json, survey.md and survey.html (figure embedded), each written atomically."""
    # matplotlib and ArviZ (figures, report): only for the report, not when survey.run
    # reads the survey file
    from foomcalc.reporting.figures import survey_figure
    from foomcalc.reporting.report import Block, pct, render_html, render_markdown

    h = summary["hard_takeoff_across_people"]
    d = summary["disagreement"]
    blocks = [Block("h1", f"foomcalc survey: {summary['n_respondents']} people"),
              Block("lead", (
                  f"Median P(hard takeoff) across people: {pct(h['prior']['q50'])} (prior) -> "
                  f"{pct(h['posterior']['q50'])} (posterior, shared evidence). Middle half of "
                  f"people: {pct(h['posterior']['q25'])} to {pct(h['posterior']['q75'])}. "
                  f"Disagreement (sd of log-odds): {d['prior']['sd_logit']:.2f} -> "
                  f"{d['posterior']['sd_logit']:.2f}."))]
    if summary["skipped"]:
        blocks.append(Block("warn", "Skipped respondents: " + "; ".join(
            f"{k}: {v}" for k, v in summary["skipped"].items())))
    blocks.append(Block("figure", "P(hard takeoff) across people",
                        png=survey_figure(summary, clip=CLIP), file="survey.png"))
    dec = summary["decomposition"]
    if dec["shares"]:
        how = ("Shapley shares: each parameter's average gain in R² over the orders of entry"
               if dec.get("method", "pratt") == "shapley" else dec.get("note", "Pratt shares"))
        blocks.append(Block("table", f"What drives the disagreement (posterior log-odds; "
                                     f"R² = {dec['r_squared']:.2f}; {how})",
                            headers=("parameter", "share of variance", "std. coefficient"),
                            rows=tuple((s["parameter"], f"{s['share']:.2f}",
                                        f"{s['coefficient']:+.2f}") for s in dec["shares"])))
    cl = summary["clusters"]
    blocks.append(Block("p", cl.get("note") or (
        f"{cl['k']} clusters of people (mean silhouette {cl['silhouette']:.2f}): " + "; ".join(
            f"{g['size']} people, median P(hard) {pct(g['posterior_hard_takeoff_median'])}"
            for g in cl["groups"]))))
    blocks.append(Block("p", method_sentence(summary)))
    link = (lambda rid: f"[{rid}](people/{rid}/report.html)") if per_person else (lambda r: r)
    blocks.append(Block("table", "People", headers=(
        "respondent", "prior P(hard)", "posterior P(hard)", "MCSE", "method"), rows=tuple(
        (link(r["respondent"]), pct(r["prior_hard_takeoff"]), pct(r["posterior_hard_takeoff"]),
         f"{100 * r['posterior_mcse']:.2f} pp", r["method"]) for r in summary["respondents"])))
    write_json_atomically(out_dir / "survey.json", summary)
    for name, text in (("survey.md", render_markdown(blocks)),
                       ("survey.html", render_html(blocks, "foomcalc survey"))):
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(out_dir / name)
