"""Generate the synthetic example evidence files in data/examples/ from stated truths.

Run: .venv/bin/python scripts/make_examples.py  (deterministic: fixed seeds).

- scaling_synthetic.csv: Chinchilla-form losses L = E + A/N^a + B/D^b with
  multiplicative log-normal noise, on an IsoFLOP-like grid, plus a few gross outliers.
- compute_trend_synthetic.csv: log10 FLOP rising at a stated growth factor per year
  with Student-t scatter, a notable flag, plus a few gross outliers.
- observations_example.csv: illustrative likelihood ratios (a user's own judgements,
  not data) for the RSI-feasibility question.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "data" / "examples"

SCALING_TRUTH = {"E": 1.8, "A": 480.0, "B": 2000.0, "a": 0.35, "b": 0.37}
SCALING_NOISE_SD = 0.01  # log-loss
SCALING_SEED = 20240417
N_OUTLIERS = 4

TREND_GROWTH_PER_YEAR = 4.5
TREND_LOG10_FLOP_2020 = 23.0
TREND_SCATTER_OOM = 0.35
TREND_SEED = 20250601


def chinchilla_loss(n: np.ndarray, d: np.ndarray, truth: dict[str, float]) -> np.ndarray:
    """L(N, D) = E + A/N^a + B/D^b (nats/token)."""
    return truth["E"] + truth["A"] / n ** truth["a"] + truth["B"] / d ** truth["b"]


def scaling_rows(truth: dict[str, float], seed: int, noise_sd: float = SCALING_NOISE_SD,
                 n_outliers: int = N_OUTLIERS) -> list[tuple[float, float, float]]:
    """IsoFLOP grid: 8 budgets 1e18..1e22 FLOP x 12 model sizes; outliers x1.4-1.8 loss."""
    rng = np.random.default_rng(seed)
    rows = []
    for budget in np.geomspace(1e18, 1e22, 8):
        n_opt = np.sqrt(budget / 120.0)  # ~20 tokens per parameter
        for n in n_opt * np.geomspace(1 / 8, 8, 12):
            d = budget / (6 * n)
            loss = chinchilla_loss(n, d, truth) * np.exp(rng.normal(0, noise_sd))
            rows.append((float(n), float(d), float(loss)))
    picks = rng.choice(len(rows), size=n_outliers, replace=False)
    for i in picks:
        n, d, loss = rows[i]
        rows[i] = (n, d, loss * rng.uniform(1.4, 1.8))
    return rows


def write_scaling(path: Path) -> None:
    rows = scaling_rows(SCALING_TRUTH, SCALING_SEED)
    truth = ", ".join(f"{k}={v:g}" for k, v in SCALING_TRUTH.items())
    with path.open("w") as fh:
        fh.write("# kind: scaling\n")
        fh.write(f"# SYNTHETIC, made by scripts/make_examples.py (seed {SCALING_SEED}).\n")
        fh.write(f"# Truth: L = E + A/N^a + B/D^b with {truth};\n")
        a, b = SCALING_TRUTH["a"], SCALING_TRUTH["b"]
        fh.write(f"# log-normal noise sd {SCALING_NOISE_SD} (log loss); {N_OUTLIERS} gross "
                 f"outliers have loss x1.4-1.8. alpha_C = ab/(a+b) = {a * b / (a + b):.4f}.\n")
        fh.write("params,tokens,loss\n")
        for n, d, loss in rows:
            fh.write(f"{n:.6e},{d:.6e},{loss:.5f}\n")


def trend_rows(seed: int) -> list[tuple[float, float, bool]]:
    """60 models 2012-2024, Student-t (nu=4) scatter; 3 gross low outliers (-4 OOM)."""
    rng = np.random.default_rng(seed)
    years = np.sort(rng.uniform(2012.0, 2024.5, 60))
    slope = np.log10(TREND_GROWTH_PER_YEAR)
    log10 = TREND_LOG10_FLOP_2020 + slope * (years - 2020.0) + TREND_SCATTER_OOM * \
        rng.standard_t(4, size=years.size)
    log10[rng.choice(years.size, size=3, replace=False)] -= 4.0
    notable = rng.uniform(size=years.size) < 0.8
    return [(float(y), float(10**v), bool(k)) for y, v, k in zip(years, log10, notable,
                                                                 strict=True)]


def write_trend(path: Path) -> None:
    with path.open("w") as fh:
        fh.write("# kind: compute_trend\n")
        fh.write(f"# SYNTHETIC, made by scripts/make_examples.py (seed {TREND_SEED}).\n")
        fh.write(f"# Truth: log10 FLOP = {TREND_LOG10_FLOP_2020} + log10({TREND_GROWTH_PER_YEAR})"
                 f" * (year - 2020), Student-t(4) scatter scale {TREND_SCATTER_OOM} OOM;\n")
        fh.write("# 3 gross outliers 4 OOM below the trend. Dates are decimal years.\n")
        fh.write("date,training_flop,notable\n")
        for year, flop, notable in trend_rows(TREND_SEED):
            fh.write(f"{year:.3f},{flop:.4e},{str(notable).lower()}\n")


def write_observations(path: Path) -> None:
    path.write_text(
        "# kind: observations\n"
        "# ILLUSTRATIVE judgements (not data): each likelihood ratio is\n"
        "# P(observation | seed-AI RSI feasible in deep learning) / P(observation | not).\n"
        "name,likelihood_ratio,note\n"
        "frontier_gains_need_new_training_runs,0.6,\"Recent capability jumps came from training "
        "successors, not from models editing their own weights\"\n"
        "inference_time_scaffolding_gains,1.3,\"Large gains from prompting/tools/agents "
        "without retraining: improvement usable at once\"\n"
        "weights_are_opaque,0.8,\"Interpretability cannot yet localise most capabilities "
        "in weights\"\n"
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write_scaling(OUT / "scaling_synthetic.csv")
    write_trend(OUT / "compute_trend_synthetic.csv")
    write_observations(OUT / "observations_example.csv")
    print(f"wrote examples to {OUT}")


if __name__ == "__main__":
    main()
