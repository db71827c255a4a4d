"""The `foomcalc report` workflow: validate every input first, then sample, then write.

All input checks happen before any sampling, so bad input costs nothing and writes
nothing. The report folder is written atomically (output.write_atomically).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from foomcalc.errors import InputError
from foomcalc.evidence import (
    EvidenceSet,
    bundled_evidence,
    load_evidence,
    parameters_informed,
)
from foomcalc.outcomes import STANDARD_COMPRESSION
from foomcalc.output import check_output_folder, write_atomically, write_json
from foomcalc.paths import evidence_dir
from foomcalc.priors import PriorSet, load_preset, load_priors


@contextlib.contextmanager
def _interrupts_noticed() -> Iterator[list[int]]:
    """Record SIGINT (and still raise KeyboardInterrupt) while the block runs.

    nutpie catches the KeyboardInterrupt raised during sampling and returns the draws
    so far; the record lets the caller refuse that partial result. Main thread only.
    """
    seen: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def handler(signum, frame):
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass(frozen=True)
class ReportInputs:
    priors: PriorSet
    evidence: list[EvidenceSet]
    out_dir: Path
    compression: tuple[tuple[float, float], ...]
    notes: tuple[str, ...] = ()


def resolve_inputs(
    priors_path: Path | None,
    preset: str | None,
    evidence_paths: Sequence[Path],
    no_evidence: bool,
    out_dir: Path,
    extra_compression: Sequence[tuple[float, float]] = (),
) -> ReportInputs:
    """Load and validate priors, evidence and the output folder; report all problems at once."""
    problems: list[str] = []
    priors = None
    if priors_path is not None and preset is not None:
        problems.append("give either --priors FILE or --preset NAME, not both")
    else:
        try:
            priors = load_priors(priors_path) if priors_path else load_preset(preset or "default")
        except InputError as exc:
            problems.append(str(exc))
    evidence = [] if no_evidence else bundled_evidence()
    seen = {e.sha256 for e in evidence}
    for path in evidence_paths:
        try:
            item = load_evidence(path)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if item.sha256 in seen:
            problems.append(f"{path}: the same evidence is given twice (sha256 {item.sha256[:12]})")
        seen.add(item.sha256)
        evidence.append(item)
    try:
        check_output_folder(out_dir)
    except InputError as exc:
        problems.append(str(exc))
    if problems:
        raise InputError(problems)
    compression = tuple(dict.fromkeys([*STANDARD_COMPRESSION, *extra_compression]))
    return ReportInputs(priors, evidence, out_dir, compression, overlap_notes(evidence))


def overlap_notes(evidence: Sequence[EvidenceSet]) -> tuple[str, ...]:
    """Warnings where bundled published summaries and the user's raw data inform the same
    parameters: if both come from the same experiments the evidence counts twice."""
    bundled = evidence_dir().resolve()
    notes = []
    for e in evidence:
        if Path(e.path).resolve().is_relative_to(bundled) or e.kind == "summary":
            continue
        mine = parameters_informed([e])
        shared = sorted(mine & parameters_informed(
            [b for b in evidence if Path(b.path).resolve().is_relative_to(bundled)]))
        if shared:
            notes.append(f"{Path(e.path).name} informs {', '.join(shared)}, which the bundled "
                         "published evidence also informs; if both come from the same "
                         "experiments (e.g. the Chinchilla runs) they count twice: consider "
                         "--no-evidence")
    return tuple(notes)


def resolved_priors_text(priors: PriorSet) -> str:
    """The priors fully resolved (no `base:`), as a priors file that re-runs the report."""
    import yaml

    header = (f"# Priors of this report, fully resolved from '{priors.name}'.\n"
              "# Re-run: foomcalc report --priors priors.yaml [--evidence evidence/*.csv]\n")
    return header + yaml.safe_dump(priors.to_dict(), sort_keys=False, allow_unicode=True)


def make_report(
    inputs: ReportInputs, *, seed: int = 0, draws: int = 1000, progress: bool = False,
    command: str = "",
) -> dict:
    """Run the analysis and write the report folder; returns the summary."""
    from foomcalc.analysis import run_analysis
    from foomcalc.report import build_blocks, render_html, render_markdown
    from foomcalc.result import RESULT_FILE, load_result, save_result
    from foomcalc.sampling import SamplerSettings
    from foomcalc.sensitivity import add_sensitivity
    from foomcalc.summary import summarize

    if progress:
        print(f"foomcalc: {inputs.priors.name} with {len(inputs.evidence)} evidence file(s); "
              "compiling the model, then sampling 4 chains ...", file=sys.stderr, flush=True)
    with _interrupts_noticed() as interrupted:
        result = run_analysis(inputs.priors, inputs.evidence, seed=seed,
                              settings=SamplerSettings(draws=draws),
                              compression=inputs.compression, progress=progress,
                              command=command)
        if interrupted:  # nutpie turns Ctrl-C into a truncated trace: never report one
            raise KeyboardInterrupt
        result = add_sensitivity(result, inputs.priors, inputs.evidence)
    summary: dict = {}

    def fill(folder: Path) -> None:
        save_result(result, folder / RESULT_FILE)
        saved = load_result(folder / RESULT_FILE)  # reports read only the saved result
        summary.update(summarize(saved))
        write_json(folder / "summary.json", summary)
        blocks = build_blocks(summary, saved)
        (folder / "figures").mkdir()
        for block in blocks:
            if block.kind == "figure":
                (folder / "figures" / block.file).write_bytes(block.png)
        (folder / "report.md").write_text(render_markdown(blocks))
        (folder / "report.html").write_text(
            render_html(blocks, f"foomcalc report: {summary['priors_name']}"))
        (folder / "priors.yaml").write_text(resolved_priors_text(inputs.priors))
        (folder / "priors-as-given.yaml").write_text(inputs.priors.text)
        bundled = evidence_dir().resolve()
        user_evidence = [e for e in inputs.evidence
                         if not Path(e.path).resolve().is_relative_to(bundled)]
        if user_evidence:  # copied in, so the folder alone can re-run the result
            (folder / "evidence").mkdir()
            for e in user_evidence:
                shutil.copyfile(e.path, folder / "evidence" / f"{e.sha256[:8]}-{Path(e.path).name}")

    write_atomically(inputs.out_dir, fill)
    return summary
