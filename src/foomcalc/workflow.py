"""The `foomcalc report` workflow: validate every input first, then sample, then write.

All input checks happen before any sampling, so bad input costs nothing and writes
nothing. The report folder is written atomically (output.write_atomically).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
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
    out_dir: Path | None,
    extra_compression: Sequence[tuple[float, float]] = (),
    drop_evidence: Sequence[str] = (),
) -> ReportInputs:
    """Load and validate priors, evidence and the output folder; report all problems at once.

    `out_dir` None means reports/<priors name>; `drop_evidence` names bundled evidence
    files (file name or stem) to leave out."""
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
    names = {n for e in evidence for n in (Path(e.path).name, Path(e.path).stem)}
    for name in drop_evidence:
        if name not in names:
            problems.append(f"--drop-evidence {name!r}: not a bundled evidence file in use; "
                            f"bundled: {', '.join(sorted(Path(e.path).name for e in evidence))}"
                            if evidence else f"--drop-evidence {name!r}: no bundled evidence "
                            "is in use (--no-evidence)")
    dropped = set(drop_evidence)
    evidence = [e for e in evidence if not {Path(e.path).name, Path(e.path).stem} & dropped]
    seen = {e.sha256 for e in evidence}
    tables = list(evidence)
    for path in evidence_paths:
        try:
            item = load_evidence(path)
        except InputError as exc:
            problems.append(str(exc))
            continue
        copy_of = next((e for e in tables if same_content(e, item)), None)
        if item.sha256 in seen or copy_of is not None:
            of = f" (same rows as {Path(copy_of.path).name})" if copy_of is not None else ""
            problems.append(f"{path}: the same evidence is given twice{of}; it would count "
                            f"twice (sha256 {item.sha256[:12]})")
        seen.add(item.sha256)
        tables.append(item)
        evidence.append(item)
    if out_dir is None:
        out_dir = Path("reports") / (priors.name if priors is not None else "default")
    try:
        check_output_folder(out_dir)
    except InputError as exc:
        problems.append(str(exc))
    if problems:
        raise InputError(problems)
    compression = tuple(dict.fromkeys([*STANDARD_COMPRESSION, *extra_compression]))
    return ReportInputs(priors, evidence, out_dir, compression, overlap_notes(evidence))


def same_content(a: EvidenceSet, b: EvidenceSet) -> bool:
    """Whether two evidence files hold the same rows (a re-saved copy: other bytes, other
    comments or line endings, same numbers)."""
    return a.kind == b.kind and a.table.shape == b.table.shape and a.table.equals(b.table)


def overlap_notes(evidence: Sequence[EvidenceSet]) -> tuple[str, ...]:
    """Warnings where bundled evidence and the user's files (raw data or published
    summaries) inform the same parameters: if both come from the same experiments the
    evidence counts twice. Saved in the result, shown on the terminal and in the report."""
    bundled = evidence_dir().resolve()
    notes = []
    for e in evidence:
        if Path(e.path).resolve().is_relative_to(bundled):
            continue
        mine = parameters_informed([e])
        shared = sorted(mine & parameters_informed(
            [b for b in evidence if Path(b.path).resolve().is_relative_to(bundled)]))
        if shared:
            notes.append(f"{Path(e.path).name} informs {', '.join(shared)}, which the bundled "
                         "published evidence also informs; if both come from the same "
                         "experiments (e.g. the Chinchilla runs) they count twice: drop the "
                         "bundled file with --drop-evidence NAME (or all with --no-evidence)")
    return tuple(notes)


def resolved_priors_text(priors: PriorSet) -> str:
    """The priors fully resolved (no `base:`), as a priors file that re-runs the report."""
    import yaml

    header = (f"# Priors of this report, fully resolved from '{priors.name}'.\n"
              "# Re-run: foomcalc report --priors priors.yaml [--evidence evidence/*.csv]\n")
    return header + yaml.safe_dump(priors.to_dict(), sort_keys=False, allow_unicode=True)


def make_report(
    inputs: ReportInputs, *, seed: int = 0, draws: int = 1000, progress: bool = False,
    command: str = "", log: Callable[[str], None] | None = None,
) -> dict:
    """Run the analysis and write the report folder; returns the summary. `log` gets one
    plain line per step (the CLI passes it when stderr is not a terminal, where nutpie's
    progress bar is off)."""
    say = log or (lambda _message: None)
    from foomcalc.analysis import run_analysis
    from foomcalc.report import build_blocks, render_html, render_markdown
    from foomcalc.result import RESULT_FILE, load_result, save_result
    from foomcalc.sampling import SamplerSettings
    from foomcalc.sensitivity import add_sensitivity
    from foomcalc.summary import summarize

    if progress:
        print(f"foomcalc: {inputs.priors.name} with {len(inputs.evidence)} evidence file(s); "
              "compiling the model, then sampling 4 chains ...", file=sys.stderr, flush=True)
    say(f"{inputs.priors.name}: {len(inputs.evidence)} evidence file(s); compiling the model "
        "and sampling 4 chains, then simulating the prior and posterior takeoffs")
    with _interrupts_noticed() as interrupted:
        result = run_analysis(inputs.priors, inputs.evidence, seed=seed,
                              settings=SamplerSettings(draws=draws),
                              compression=inputs.compression, progress=progress,
                              command=command)
        if interrupted:  # nutpie turns Ctrl-C into a truncated trace: never report one
            raise KeyboardInterrupt
        say("sensitivity: tornado and power-scaling")
        result = add_sensitivity(result, inputs.priors, inputs.evidence)
        result.attrs["notes_json"] = json.dumps(list(inputs.notes))
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

    say(f"writing the report to {inputs.out_dir}")
    write_atomically(inputs.out_dir, fill)
    return summary
