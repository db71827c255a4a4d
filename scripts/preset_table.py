"""Print the README's preset table from real runs: `foomcalc report --preset NAME` (bundled
evidence, seed 0) for every preset, into a temporary folder.

    python scripts/preset_table.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from foomcalc.priors.files import list_presets
from foomcalc.reporting.workflow import make_report, resolve_inputs


def months_text(months: float | None) -> str:
    if months is None:
        return "> 20 years"
    if months == 0:
        return "immediate (overhang)"
    if months >= 24:
        return f"{months / 12:.1f} years"
    return "1 month" if round(months) == 1 else f"{months:.0f} months"


def compression(summary: dict, years: float, months: float) -> dict:
    return next(r for r in summary["compression"]
                if (r["years_of_progress"], r["within_months"]) == (years, months))


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="foomcalc-presets-"))
    print("| preset | P(hard takeoff, <= 30 days): prior | posterior | "
          "P(seed-AI RSI feasible \\| evidence) | P(>= 1 year of progress in <= 1 month) | "
          "P(>= 3 years of progress in <= 1 year) | initial speed-up: speedup -> realised "
          "(posterior medians) | median takeoff |")
    print("|---|---|---|---|---|---|---|---|")
    for name, _ in list_presets():
        s = make_report(resolve_inputs(None, name, [], False, root / name), seed=0)
        h = s["hard_takeoff"]
        fast, three = compression(s, 1.0, 1.0), compression(s, 3.0, 12.0)
        sp = s["speed_up"]
        print(f"| `{name}` | {100 * h['prior']:.1f}% | {100 * h['posterior']:.1f}% ± "
              f"{100 * h['mcse']:.1f} | {100 * s['p_rsi_feasible']['posterior']:.0f}% | "
              f"{100 * fast['posterior']:.0f}% | {100 * three['posterior']:.0f}% | "
              f"{sp['speedup']['posterior']['q50']:.1f}x -> "
              f"{sp['realised']['posterior']['q50']:.1f}x | "
              f"{months_text(s['takeoff_months']['posterior']['q50'])} |", flush=True)


if __name__ == "__main__":
    main()
