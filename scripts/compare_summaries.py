"""Compare summary.json of every preset between two versions of foomcalc, byte for byte.

    python scripts/compare_summaries.py [--base REV] [--seed 0] [--preset NAME ...]

Checks out REV (default HEAD) into a temporary git worktree, runs
`python -m foomcalc report --preset NAME --seed SEED --out out/NAME` once with that
version's source and once with the working tree's (each in its own temporary folder, so
the recorded command line is the same), and compares the two summary.json files. Exit
status 0 when every preset is identical, 1 otherwise (the differing lines are printed).
A restructure that must not change any number runs this against the commit before it.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ("compute-bottleneck", "deep-learning-sceptic", "default", "forethought-2025",
           "seed-ai-foom")
#: One report takes ~10-40 s; a stuck run is stopped rather than waited on forever.
REPORT_TIMEOUT_S = 900


def run_report(tree: Path, work: Path, preset: str, seed: int) -> bytes:
    """summary.json of one preset, computed with the source in `tree`/src (the tree's
own path written as <tree>)."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    env.pop("FOOMCALC_DATA", None)
    out = Path("out") / preset
    proc = subprocess.run(
        [sys.executable, "-m", "foomcalc", "report", "--preset", preset, "--seed", str(seed),
         "--out", str(out)],
        cwd=work, env=env, capture_output=True, text=True, timeout=REPORT_TIMEOUT_S)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{tree}: report {preset} failed (exit {proc.returncode}):\n"
                         f"{proc.stderr[-2000:]}")
    # bundled evidence is recorded by absolute path: the same file in either tree
    return (work / out / "summary.json").read_bytes().replace(str(tree).encode(), b"<tree>")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="git revision to compare against")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", action="append", help="a preset (default: all five)")
    args = parser.parse_args()
    presets = args.preset or PRESETS
    with tempfile.TemporaryDirectory(prefix="foomcalc-compare-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), args.base],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            different = 0
            for preset in presets:
                sides = []
                for name, tree in (("base", base_tree), ("work", ROOT)):
                    work = Path(tmp) / f"{name}-run"
                    work.mkdir(exist_ok=True)
                    sides.append(run_report(tree, work, preset, args.seed))
                same = sides[0] == sides[1]
                different += not same
                print(f"{preset}: {'identical' if same else 'DIFFERENT'}")
                if not same:
                    sys.stdout.writelines(difflib.unified_diff(
                        sides[0].decode().splitlines(True), sides[1].decode().splitlines(True),
                        f"{args.base}/summary.json", "work/summary.json", n=1))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT,
                           capture_output=True)
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
