"""``scaling``: the loss of trained language models at their size and data.

Columns: params (N, parameter count), tokens (D, training tokens), loss (nats per
token); or params, compute (training FLOP), loss, with tokens = compute / (6 params)
(C = 6ND, Hoffmann et al. 2022; Besiroglu et al. 2024 derive Chinchilla's tokens this
way). Compute-only files (compute, loss) are refused: without N and D the two exponents
a and b are not separately identified. Canonical table: params, tokens, loss.

The law these data measure is the Chinchilla scaling law L(N, D) = E + A/N^a + B/D^b
(Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", eq. 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind

#: The law's registry parameters.
LAW_PARAMETERS = ("scaling_a", "scaling_b", "scaling_E", "scaling_A", "scaling_B")


def chinchilla_log_loss(law: dict[str, float], table: pd.DataFrame) -> np.ndarray:
    """log L at each row's (params, tokens) for the law's scaling_E, scaling_A, scaling_B,
    scaling_a and scaling_b."""
    n, d = table["params"].to_numpy(), table["tokens"].to_numpy()
    return np.log(law["scaling_E"] + law["scaling_A"] / n ** law["scaling_a"]
                  + law["scaling_B"] / d ** law["scaling_b"])


def scaling_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """params, tokens (from compute if the file gives compute instead), loss; all > 0."""
    cols = set(frame.columns)  # load_evidence has checked params, loss, tokens|compute
    params = cells.numbers(frame, "params", problems)
    loss = cells.numbers(frame, "loss", problems)
    if "tokens" in cols:
        tokens = cells.numbers(frame, "tokens", problems)
        scale_cols = (("params", params), ("tokens", tokens))
    else:
        compute = cells.numbers(frame, "compute", problems)
        tokens = compute / (6.0 * params)
        scale_cols = (("params", params), ("compute", compute))
    for name, values in scale_cols:  # rows looked at one by one only where flagged
        for i in map(int, np.flatnonzero(np.isfinite(values) & (values < 1e3))):
            v = values[i]
            if v <= 0:
                problems.at(i, name, f"{v:g} must be positive.")
            else:
                problems.at(i, name, f"{v:g} is implausibly small: it looks like millions or "
                                     f"log10 units; give the raw count (e.g. 7e10, not 70).")
    for i in map(int, np.flatnonzero(np.isfinite(loss) & ((loss <= 0) | (loss > 20)))):
        v = loss[i]
        if v <= 0:
            problems.at(i, "loss", f"{v:g} must be positive (loss in nats per token).")
        else:
            problems.at(i, "loss", f"{v:g} is too large for a loss in nats per token; if it "
                                   f"is a perplexity, give ln(perplexity).")
    return pd.DataFrame({"params": params, "tokens": tokens, "loss": loss})


def informs(table: pd.DataFrame) -> set[str]:
    """The five parameters of the law."""
    return set(LAW_PARAMETERS)


def sbc_design() -> pd.DataFrame:
    """IsoFLOP-like grid: 4 compute budgets x 6 model sizes (24 points)."""
    rows = []
    for budget in np.geomspace(1e19, 1e22, 4):
        n_opt = np.sqrt(budget / 120.0)
        for n in n_opt * np.geomspace(1 / 6, 6, 6):
            rows.append((n, budget / (6.0 * n)))
    n, d = np.array(rows).T
    return pd.DataFrame({"params": n, "tokens": d, "loss": np.full(len(n), 2.5)})


KIND = EvidenceKind(
    name="scaling",
    doc="loss of trained models: params (N), tokens (D) or compute (FLOP), loss (nats/token)",
    columns=("params", "tokens", "loss"),
    alternatives=(("params", "compute", "loss"),),
    noun="points",
    build=scaling_table,
    informs=informs,
    sbc_title="scaling-law fit",
    sbc_design=sbc_design,
    missing_hint=(" Scaling needs params, tokens, loss (or params, compute, loss, with tokens "
                  "= compute/(6 params)); compute-only data cannot separate the exponents "
                  "a and b."),
)
