"""Frontier training-run durations from Epoch AI's models database: bundle and validate.

Source: ../shared/sources/epoch-ai-models/all_ml_systems_full_view.csv (Epoch AI, "Data
on AI Models", June 2025 snapshot; PROVENANCE.md there). Two uses:

1. `write_bundled()` writes data/evidence/training_durations.csv: frontier language
   models as Epoch AI define them in "Frontier training runs will likely stop getting
   longer by around 2027" (data insight, 25 July 2025, epoch.ai/data-insights/
   longest-training-run): among the top 5 by training compute when published (Epoch's
   `Compute rank when published` <= 5), domain Language, published 2020 onwards, with a
   training-time estimate. Columns model, publication_date, training_hours, training_flop.
2. `section()`: markdown for docs/validation.md comparing foomcalc's robust trend
   (`terms.training_durations.add_training_durations`) with Epoch's published growth rates:
   frontier LLMs since 2020, 1.4x/yr (90% CI 1.3-1.5x, 38 models; the insight above),
   and notable models since 2010 excluding fine-tunes, 1.2x/yr (an Epoch AI data insight,
   quoted: "Since 2010, the length of training runs has increased by 1.2x per year among
   notable models, excluding those that are fine-tuned from base models"; its title, date
   and interval were not verified).

Run: .venv/bin/python scripts/training_durations.py [--write]  (deterministic).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm

from foomcalc.evidence.files import load_evidence
from foomcalc.inference.terms.training_durations import add_training_durations

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "sources" / "epoch-ai-models" / "all_ml_systems_full_view.csv"
BUNDLED = ROOT / "data" / "evidence" / "training_durations.csv"
#: Epoch AI (25 Jul 2025): frontier LLMs since 2020, x/yr with 90% CI, 38 models.
EPOCH_FRONTIER = (1.4, 1.3, 1.5, 38)
#: Epoch AI data insight: notable models since 2010 excluding fine-tunes, x/yr.
EPOCH_NOTABLE = 1.2
HEADER = """# kind: training_durations
# Frontier training-run durations -> retrain_months (the trend's value at automation_year).
# Source: Epoch AI, "Data on AI Models" (epoch.ai/data/ai-models), June 2025 snapshot in
# ../shared/sources/epoch-ai-models (sha256 7450913...9ec2), columns Model, Publication date,
# Training time (hours), Training compute (FLOP). Rows: language models ranked in the top 5
# by training compute when published (Epoch's 'Compute rank when published' <= 5), published
# 2020-01-01 onwards, with a training-time estimate: the frontier definition of Epoch AI,
# "Frontier training runs will likely stop getting longer by around 2027" (25 Jul 2025),
# who find 1.4x/yr (90% CI 1.3-1.5x) on 38 such models. Made by scripts/training_durations.py
# (--write); do not edit by hand.
"""


def _raw() -> pd.DataFrame:
    raw = pd.read_csv(SOURCE, low_memory=False)
    raw["date"] = pd.to_datetime(raw["Publication date"], errors="coerce")
    raw["hours"] = pd.to_numeric(raw["Training time (hours)"], errors="coerce")
    raw["flop"] = pd.to_numeric(raw["Training compute (FLOP)"], errors="coerce")
    return raw[raw["hours"].gt(0) & raw["date"].notna()]


def frontier_rows() -> pd.DataFrame:
    """Epoch's frontier LLMs: top-5 compute rank when published, Language, 2020 onwards."""
    raw = _raw()
    keep = (raw["Compute rank when published"] <= 5) & (raw["date"] >= "2020-01-01") & \
        raw["Domain"].str.contains("Language", na=False)
    return _table(raw[keep])


def notable_rows() -> pd.DataFrame:
    """Notable models (any notability criterion) since 2010, fine-tunes (a base model) out."""
    raw = _raw()
    keep = raw["Notability criteria"].notna() & raw["Base model"].isna() & \
        (raw["date"] >= "2010-01-01")
    return _table(raw[keep])


def _table(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"model": rows["Model"].str.strip(),
                        "publication_date": rows["date"].dt.strftime("%Y-%m-%d"),
                        "training_hours": rows["hours"], "training_flop": rows["flop"]})
    return out.drop_duplicates().sort_values(["publication_date", "model"]).reset_index(drop=True)


def write_csv(table: pd.DataFrame, path: Path, header: str = "# kind: training_durations\n"
              ) -> Path:
    path.write_text(header + table.to_csv(index=False, float_format="%.4g"))
    return path


def write_bundled() -> Path:
    return write_csv(frontier_rows(), BUNDLED, HEADER)


def fit_growth(path: Path, automation_year: float = 2027.0, seed: int = 0) -> dict:
    """Posterior of the duration growth (x/yr) and retrain_months at `automation_year`.

    Priors as in a report: retrain_months ~ default preset (LogNormal, 5%-95% 1-12 months).
    """
    from foomcalc.inference.pymc_priors import to_pymc
    from foomcalc.inference.sampling import compile_model, sample
    from foomcalc.priors.files import load_preset

    ev = load_evidence(path)
    spec = load_preset("default").specs["retrain_months"]
    with pm.Model() as model:
        months = to_pymc(spec.prior).create_variable("retrain_months")
        add_training_durations(ev, {"retrain_months": months,
                                    "automation_year": automation_year}, ev.label)
    trace = sample(compile_model(model), seed=seed)
    post = trace["posterior"]
    growth = np.exp(post[f"{ev.label}__log_growth_per_year"].values.ravel())
    months = post["retrain_months"].values.ravel()
    t = ev.table
    ols = float(np.exp(np.polyfit(t["year"], t["log_hours"], 1)[0]))
    return {"n": len(t), "growth": np.quantile(growth, [0.05, 0.5, 0.95]),
            "months": np.quantile(months, [0.05, 0.5, 0.95]), "ols": ols}


def _fmt(q: np.ndarray, digits: int = 2) -> str:
    return f"{q[1]:.{digits}f} ({q[0]:.{digits}f}-{q[2]:.{digits}f})"


def section() -> str:
    """Markdown: foomcalc's duration trend on Epoch's data vs Epoch's published rates."""
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frontier = fit_growth(write_csv(frontier_rows(), folder / "frontier.csv"), seed=3)
        notable = fit_growth(write_csv(notable_rows(), folder / "notable.csv"), seed=4)
    g, lo, hi, n = EPOCH_FRONTIER
    return "\n".join([
        "### Training-run durations (Epoch AI models database, June 2025 snapshot)",
        "",
        "Data: `Training time (hours)` of `shared/sources/epoch-ai-models`. Our fit: robust "
        "Student-t trend of log duration (`terms.training_durations.add_training_durations`), "
        "the default prior on retrain_months, automation_year 2027. Cells: posterior median "
        "(90% interval).",
        "",
        "| rows | models | foomcalc growth x/yr | OLS x/yr | retrain_months at 2027 | "
        "published (Epoch AI) |",
        "|---|---|---|---|---|---|",
        f"| frontier LLMs (top-5 compute rank), 2020 on (bundled) | {frontier['n']} | "
        f"{_fmt(frontier['growth'])} | {frontier['ols']:.2f} | {_fmt(frontier['months'], 1)} | "
        f"{g}x ({lo}-{hi}), {n} models: 'Frontier training runs will likely stop getting "
        f"longer by around 2027' (Jul 2025) |",
        f"| notable models, 2010 on, fine-tunes excluded | {notable['n']} | "
        f"{_fmt(notable['growth'])} | {notable['ols']:.2f} | {_fmt(notable['months'], 1)} | "
        f"{EPOCH_NOTABLE}x, Epoch AI data insight (notable models since 2010, fine-tunes "
        f"excluded; no interval quoted) |",
        "",
        "Reading: the frontier row is the bundled evidence. By Epoch's stated definition our "
        "June 2025 snapshot yields fewer frontier models with a training time than Epoch's 38 "
        "(not explained here: Epoch may count entries or durations this snapshot lacks), so "
        "our interval is wider; agreement of the growth rates with Epoch's is the check. "
        "Epoch argue runs longer than ~9 months are inefficient and "
        "reached around 2027, which is why the default automation_year is 2027 (no "
        "extrapolation past the plateau; docs/decisions.md).",
        "",
        f"_Training-duration fits: {time.time() - start:.0f} s._",
    ])


if __name__ == "__main__":
    if "--write" in sys.argv:
        print(f"wrote {write_bundled()}")
    else:
        print(section())
