"""How much the bundled evidence shrinks each parameter: prior sd vs posterior sd.

Runs the default preset with the bundled evidence (data/evidence/*.csv; the opt-in files in
data/evidence/optional/ are not used), then writes the parameter table of docs/evidence.md
between the markers `<!-- shrinkage:start -->` and `<!-- shrinkage:end -->`: for every
registry parameter, the evidence that reaches it (bundled or possible), the prior sd, the
posterior sd and their ratio (1.00 = not informed). Part of `make validate`.

Run: .venv/bin/python scripts/evidence_shrinkage.py [--print]  (seed 0, ~1-2 min on 2 cores).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

from foomcalc.analysis.run import run_analysis
from foomcalc.evidence.files import bundled_evidence, parameters_informed
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.files import load_preset
from foomcalc.reporting.summary import summarize

DOC = Path(__file__).resolve().parents[1] / "docs" / "evidence.md"
START, END = "<!-- shrinkage:start -->", "<!-- shrinkage:end -->"
SETTINGS = SamplerSettings(draws=1000, tune=1000)

#: parameter -> (evidence that reaches it: bundled file or possible kind, source).
REACH: dict[str, tuple[str, str]] = {
    "p_rsi_feasible": ("opt-in `observations` (data/evidence/optional/rsi_observations.csv)",
                       "foomcalc judgements on public events (AlphaEvolve, METR RCT, ...)"),
    "retrain_months": ("bundled `training_durations` (training_durations.csv)",
                       "Epoch AI models database, frontier LLMs 2020-2025"),
    "returns_r": ("bundled `returns` (returns_estimates.csv); possible `growth_rates`",
                  "Bloom et al. 2020; Besiroglu et al. 2024; Erdil et al."),
    "returns_tau": ("bundled `returns` (non-AI domains)", "as returns_r"),
    "parallel_penalty": ("none; possible `summary` row", "prior only (Davidson & Houlden 2025)"),
    "speedup": ("none directly (see 'Speed-up' above); `speedup_from: parts` builds it from "
                "the four parts below", "prior only (Davidson & Houlden 2025)"),
    "instant_jump_ooms": ("bundled `compute_equivalent_gains` (overhang.csv): one new "
                          "enhancement, so the between-enhancement spread stays",
                          "Epoch AI 2025; Snell et al. 2024; Davidson et al. 2023 (CEG)"),
    "limit_ooms": ("none; possible `summary` row", "prior only"),
    "software_doubling_months": ("bundled `summary` (algorithmic_progress.csv)",
                                 "Ho et al. 2024"),
    "compute_growth_per_year": ("bundled `summary` (compute_growth.csv); possible "
                                "`compute_trend`", "Sevilla & Roldan 2024 (Epoch AI)"),
    "compute_during_takeoff": ("none; possible `summary` row", "prior only"),
    "substitution_elasticity": ("bundled `substitution` (substitution_estimates.csv)",
                                "Whitfill & Wu 2025; Oberfield & Raval 2021; Gechert et al. 2022"),
    "compute_share": ("bundled `compute_shares` (compute_shares.csv)",
                      "Cottier et al. 2024 (Epoch AI); OpenAI 2024 spending reports"),
    "research_inference_flop_per_s": ("none (a part of the speed-up; used with "
                                      "`speedup_from: parts`); possible `summary` row",
                                      "prior only (Epoch AI compute spending, judgement)"),
    "researcher_flop_per_s": ("none (a part of the speed-up); possible `summary` row",
                              "prior only (tokens/s x FLOP/token, judgement)"),
    "ai_serial_speed": ("none (a part of the speed-up); possible `summary` row",
                        "prior only (judgement)"),
    "research_workforce": ("none (a part of the speed-up); possible `summary` row",
                           "prior only (lab headcounts, unverified reports)"),
    "scaling_a": ("bundled `summary` (scaling_fits.csv); possible `scaling`",
                  "Besiroglu et al. 2024"),
    "scaling_b": ("bundled `summary` (scaling_fits.csv); possible `scaling`",
                  "Besiroglu et al. 2024"),
    "scaling_E": ("bundled `summary` (scaling_fits.csv)", "Besiroglu et al. 2024"),
    "scaling_A": ("bundled `summary` (scaling_fits.csv)", "Besiroglu et al. 2024"),
    "scaling_B": ("bundled `summary` (scaling_fits.csv)", "Besiroglu et al. 2024"),
    "capability_factor": ("none (a judgement of the gap); routes: gap_from horizon / elo",
                          "prior only"),
    "gap_years": ("none; possible `summary` row", "prior only"),
    "automation_year": ("none (fixed date where training_durations is read)",
                        "Epoch AI 2025 (runs plateau ~2027)"),
    # parameters of issue 9 part 1 (gap_from horizon / elo / mixture)
    "horizon_doubling_months": ("bundled `time_horizons` (time_horizons.csv)",
                                "METR hcast_r_s (Kwa et al. 2025)"),
    "horizon_doublings": ("none (a judgement of the gap in horizon doublings)", "prior only"),
    "elo_per_oom": ("bundled `game_scaling` (game_scaling.csv)",
                    "Jones 2021, Hex frontier (boardlaw)"),
    "elo_gap": ("none (a judgement; chess / Go engine-human analogies)", "prior only"),
}


def _sd(values: np.ndarray) -> float:
    return float(np.std(np.asarray(values, dtype=float).ravel()))


def shrinkage_table(seed: int = 0) -> tuple[str, dict]:
    """Markdown table and the run's headline (prior, posterior P(hard takeoff) and MCSE)."""
    priors = load_preset("default")
    evidence = bundled_evidence()
    informed = parameters_informed(evidence)
    result = run_analysis(priors, evidence, seed=seed, settings=SETTINGS,
                          n_prior_draws=20_000)
    prior, post = result["prior"].to_dataset(), result["posterior"].to_dataset()
    lines = ["| parameter | evidence that reaches it | source | prior sd | posterior sd | "
             "posterior / prior sd |", "|---|---|---|---|---|---|"]
    for name in PARAMETERS:
        reach, source = REACH.get(name, ("not documented yet", ""))
        spec = priors.specs[name]
        if spec.prior is None:
            cells = f"fixed {spec.value:g} | fixed | -"
        else:
            prior_sd = _sd(prior[name].values)
            post_sd = _sd(post[name].values) if name in informed else prior_sd
            cells = f"{prior_sd:.3g} | {post_sd:.3g} | {post_sd / prior_sd:.2f}"
        lines.append(f"| `{name}` | {reach} | {source} | {cells} |")
    s = summarize(result)["hard_takeoff"]
    return "\n".join(lines), s


def update_doc(seed: int = 0) -> str:
    start = time.time()
    table, hard = shrinkage_table(seed)
    block = "\n".join([
        START,
        f"Default preset with the bundled evidence, seed {seed}, nutpie 4 x "
        f"{SETTINGS.draws} draws; generated by `scripts/evidence_shrinkage.py` "
        f"(`make validate`) in {time.time() - start:.0f} s. P(hard takeoff): prior "
        f"{hard['prior']:.1%} -> posterior {hard['posterior']:.1%} (MCSE "
        f"{hard['mcse']:.1%}). A ratio of 1.00 means the evidence does not reach the "
        "parameter (its posterior is its prior).",
        "",
        table,
        END,
    ])
    text = DOC.read_text()
    a, b = text.index(START), text.index(END) + len(END)
    DOC.write_text(text[:a] + block + text[b:])
    return block


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    if "--print" in sys.argv:
        print(shrinkage_table()[0])
    else:
        print(update_doc())
