"""The Chinchilla scaling law L(N, D) = E + A/N^a + B/D^b (Hoffmann et al. 2022,
"Training Compute-Optimal Large Language Models", eq. 2): N parameters, D tokens, L in
nats per token. The law that `scaling` evidence measures."""

from __future__ import annotations

import numpy as np
import pandas as pd


def chinchilla_log_loss(law: dict[str, float], table: pd.DataFrame) -> np.ndarray:
    """log L at each row's (params, tokens) for the law's scaling_E, scaling_A, scaling_B,
    scaling_a and scaling_b."""
    n, d = table["params"].to_numpy(), table["tokens"].to_numpy()
    return np.log(law["scaling_E"] + law["scaling_A"] / n ** law["scaling_a"]
                  + law["scaling_B"] / d ** law["scaling_b"])
