"""``game_scaling``: Elo of game-playing agents against their training compute.

Columns: train_flop (training FLOP, not log10), elo (Elo, any offset; the boardlaw data
use 0 = perfect play), optional board_size (the game's size; each size gets its own
intercept and plateau). Canonical table: train_flop, log10_flop, elo, board_size (text;
"all" if absent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind


def game_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """train_flop (> 1e3, not log10), log10_flop, elo (|Elo| <= 20000), board_size."""
    flop = cells.numbers(frame, "train_flop", problems)
    for i, v in enumerate(flop):
        if np.isfinite(v) and v <= 0:
            problems.at(i, "train_flop", f"{v:g} must be positive (training FLOP).")
        elif np.isfinite(v) and v < 1e3:
            problems.at(i, "train_flop", f"{v:g} looks like log10 FLOP; give FLOP (e.g. 1e13, "
                                         f"not 13).")
    elo = cells.numbers(frame, "elo", problems)
    for i, v in enumerate(elo):
        if np.isfinite(v) and abs(v) > 20_000:
            problems.at(i, "elo", f"{v:g} is not a plausible Elo rating (|Elo| <= 20000); "
                                  f"natural-log Elo must be converted (x 400/ln 10).")
    boards = ([str(b).strip() or "all" for b in frame["board_size"]]
              if "board_size" in frame.columns else ["all"] * len(frame))
    with np.errstate(invalid="ignore", divide="ignore"):
        log10 = np.log10(flop)
    return pd.DataFrame({"train_flop": flop, "log10_flop": log10, "elo": elo,
                         "board_size": boards})


def informs(table: pd.DataFrame) -> set[str]:
    """Elo gained per order of magnitude of training compute."""
    return {"elo_per_oom"}


def sbc_design() -> pd.DataFrame:
    """Two board sizes x 12 compute-frontier points over 6 OOMs (like the Hex frontier)."""
    x = np.tile(np.linspace(10.0, 16.0, 12), 2)
    elo = np.concatenate([np.linspace(-1500.0, 0.0, 12), np.linspace(-2000.0, 0.0, 12)])
    return pd.DataFrame({"train_flop": 10.0 ** x, "log10_flop": x, "elo": elo,
                         "board_size": np.repeat(["7", "9"], 12)})


KIND = EvidenceKind(
    name="game_scaling",
    doc="Elo against training compute in a game: train_flop (FLOP), elo, optional board_size",
    columns=("train_flop", "elo"),
    noun="points",
    build=game_table,
    informs=informs,
    sbc_title="game compute frontier",
    sbc_design=sbc_design,
)
