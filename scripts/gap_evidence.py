"""Derive the bundled capability-gap evidence files (issue 9, part 1) from ../shared/sources.

- data/evidence/time_horizons.csv: METR's hcast_r_s horizons (all_data.csv, benchmark
  hcast_r_s; `horizon` there is in seconds, converted to minutes) with release dates.
- data/evidence/game_scaling.csv: the Hex compute frontier digitised from Jones (2021),
  every 4th of the 101 frontier points per board size (boardlaw_frontier_digitised.csv).

Run: .venv/bin/python scripts/gap_evidence.py  (reads ../shared/sources relative to the repo)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT.parent / "shared" / "sources"


def time_horizons() -> pd.DataFrame:
    d = pd.read_csv(SOURCES / "metr-time-horizons" / "all_data.csv")
    d = d[d["benchmark"] == "hcast_r_s"].sort_values("release_date")
    return pd.DataFrame({"model": d["model"], "release_date": d["release_date"],
                         "horizon_minutes": (d["horizon"] / 60.0).round(3),
                         "domain": "hcast_r_s"})


def game_scaling() -> pd.DataFrame:
    d = pd.read_csv(SOURCES / "boardlaw-hex" / "boardlaw_frontier_digitised.csv")
    d = d[d["point"] % 4 == 0]
    return pd.DataFrame({"train_flop": [f"{10 ** x:.4g}" for x in d["log10_train_flops"]],
                         "elo": d["elo_frontier"].round(1), "board_size": d["boardsize"]})


HEADERS = {
    "time_horizons": (
        "# kind: time_horizons\n"
        "# METR 50% time horizons on HCAST + RE-Bench + SWAA (hcast_r_s), minutes of\n"
        "# skilled-human time.\n"
        "# Source: METR cross-domain-horizon repository, commit\n"
        "# e97c0245 (2025-07-14), data/processed/all_data.csv rows benchmark == hcast_r_s\n"
        "# (horizon there in seconds; / 60 here).\n"
        "# Kwa et al. 2025, 'Measuring AI Ability to Complete Long Tasks', arXiv:2503.14499.\n"
        "# Made by scripts/gap_evidence.py from ../shared/sources/metr-time-horizons.\n"),
    "game_scaling": (
        "# kind: game_scaling\n"
        "# Hex (AlphaZero) compute frontier: Elo relative to perfect play vs training FLOP, per\n"
        "# board size.\n"
        "# Source: Jones 2021, 'Scaling Scaling Laws with Board Games',\n"
        "# arXiv:2104.03113, Fig. (flops_curves) digitised from docs/flops_curves.svg in\n"
        "# github.com/andyljones/boardlaw @522b7fc (MIT); every 4th of 101 frontier points.\n"
        "# Made by scripts/gap_evidence.py from ../shared/sources/boardlaw-hex.\n"),
}


def main() -> None:
    for name, frame in (("time_horizons", time_horizons()), ("game_scaling", game_scaling())):
        path = ROOT / "data" / "evidence" / f"{name}.csv"
        path.write_text(HEADERS[name] + frame.to_csv(index=False))
        print(f"wrote {path} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
