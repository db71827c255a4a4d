"""Make data/examples/survey/respondents.csv: 200 synthetic respondents around the presets.

Each respondent starts from a preset (default, deep-learning-sceptic, seed-ai-foom,
forethought-2025, in proportions 40/25/20/15%) and states 10/50/90% quantiles for five
parameters: the preset's own quantiles, shifted by a personal factor (log-normal, sd 0.3
on the log scale; probabilities shifted on the log-odds scale). Parameters a preset fixes
stay fixed. Synthetic: for trying `foomcalc survey`, not anyone's real beliefs.

    python scripts/make_survey_example.py [N] [SEED]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from foomcalc.priors.files import load_preset

PRESETS = {"default": 0.40, "deep-learning-sceptic": 0.25, "seed-ai-foom": 0.20,
           "forethought-2025": 0.15}
PARAMETERS = ("speedup", "returns_r", "p_rsi_feasible", "retrain_months", "instant_jump_ooms")
OUT = Path(__file__).resolve().parents[1] / "data" / "examples" / "survey" / "respondents.csv"


def shifted(values: np.ndarray, name: str, z: float) -> np.ndarray:
    if name == "p_rsi_feasible":
        logit = np.log(values / (1 - values)) + 2 * z
        return np.clip(1 / (1 + np.exp(-logit)), 0.001, 0.999)
    if name == "speedup":  # above one: shift the excess over 1
        return 1 + (values - 1) * np.exp(z)
    return values * np.exp(z)


def main(n: int = 200, seed: int = 2026) -> None:
    rng = np.random.default_rng(seed)
    presets = {name: load_preset(name) for name in PRESETS}
    header = ["respondent", "base"] + [f"{p}@{q}" for p in PARAMETERS for q in (10, 50, 90)]
    lines = [",".join(header)]
    for i in range(n):
        base = rng.choice(list(PRESETS), p=list(PRESETS.values()))
        cells = [f"r{i:03d}", base]
        for name in PARAMETERS:
            spec = presets[base].specs[name]
            z = rng.normal(0, 0.3)
            if spec.prior is None or (name == "instant_jump_ooms" and spec.quantile(0.5) == 0):
                cells += ["", "", ""]
                continue
            q = np.array([spec.quantile(p) for p in (0.1, 0.5, 0.9)])
            q = np.maximum(q, 1e-3) if name == "instant_jump_ooms" else q
            cells += [f"{v:.4g}" for v in shifted(q, name, z)]
        lines.append(",".join(cells))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {n} respondents to {OUT}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
