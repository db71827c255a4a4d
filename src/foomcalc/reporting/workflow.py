"""The `foomcalc report` workflow: validate every input first, then sample, then write.

All input checks happen before any sampling, so bad input costs nothing and writes
nothing. The report folder is written atomically (output.write_atomically).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import yaml

from foomcalc.analysis.result import RESULT_FILE, save_result
from foomcalc.errors import InputError
from foomcalc.evidence.files import (
    SCALING_POINTS,
    THINNING_METHOD,
    EvidenceSet,
    bundled_evidence,
    copy_name,
    load_evidence,
    parameters_informed,
)
from foomcalc.inference.forked import ForkedCall, can_fork
from foomcalc.parameters import STANDARD_COMPRESSION
from foomcalc.paths import evidence_dir
from foomcalc.priors.files import PriorSet, load_preset, load_priors
from foomcalc.reporting.output import (
    check_output_folder,
    claim_folder,
    write_atomically,
    write_json,
)
from foomcalc.reporting.summary_schema import Summary

if TYPE_CHECKING:
    import xarray as xr

#: nutpie's progress callback: called with the chains' progress (a list of ChainProgress).
ProgressCallback = Callable[[Sequence[Any]], None]


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
    replaces: bool = False  # an existing report in out_dir will be replaced


#: Where reports go when no --out is given: reports/<priors name> (relative to the
#: current folder), so a report of other priors never replaces the default one.
REPORTS_ROOT = Path("reports")


def default_out_dir(priors_name: str) -> Path:
    """reports/<priors name>, the name made safe as one folder name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", priors_name)[:80].strip(".-") or "report"
    return REPORTS_ROOT / safe


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name too long: load_priors gives the message
        return False


def is_bundled(e: EvidenceSet) -> bool:
    """Whether an evidence file is one of the bundled ones (in paths.evidence_dir())."""
    return Path(e.path).resolve().is_relative_to(evidence_dir().resolve())


def _same_content(a: EvidenceSet, b: EvidenceSet) -> bool:
    """Same kind and the same parsed table (numbers equal to 1e-9 relative): a file
    re-saved by a spreadsheet has other bytes but is the same evidence."""
    if a.kind != b.kind or a.table.shape != b.table.shape:
        return False
    try:
        pd.testing.assert_frame_equal(a.table.reset_index(drop=True),
                                      b.table.reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9, atol=0.0)
    except AssertionError:
        return False
    return True


def resolve_inputs(
    priors_path: Path | None,
    preset: str | None,
    evidence_paths: Sequence[Path],
    no_evidence: bool,
    out_dir: Path | None = None,
    extra_compression: Sequence[tuple[float, float]] = (),
    *,
    drop_evidence: Sequence[str] = (),
    force: bool = True,
) -> ReportInputs:
    """Load and validate priors, evidence and the output folder; report all problems at once.

    `out_dir` None means reports/<priors name>. `drop_evidence` names bundled evidence
    files to leave out (e.g. "scaling_fits.csv"). With `force` False an existing report in
    `out_dir` is refused (the CLI's default); the Python API replaces it.
    `extra_compression`: more (years of progress, within months) rows.
    """
    problems: list[str] = []
    priors = _chosen_priors(priors_path, preset, problems)
    evidence = _bundled_evidence_kept(no_evidence, drop_evidence, problems)
    evidence += _user_evidence(evidence_paths, {e.sha256 for e in evidence}, problems)
    if out_dir is None and priors is not None:
        out_dir = default_out_dir(priors.name)
    replaces = _usable_out_dir(out_dir, force, problems) if out_dir is not None else False
    if problems:
        raise InputError(problems)
    compression = tuple(dict.fromkeys([*STANDARD_COMPRESSION, *extra_compression]))
    notes = overlap_notes(evidence) + thinning_notes(evidence)
    return ReportInputs(priors, evidence, out_dir, compression, notes, replaces)  # type: ignore[arg-type]


def _chosen_priors(priors_path: Path | None, preset: str | None,
                   problems: list[str]) -> PriorSet | None:
    """The priors file or preset (the default preset when neither is given); None, with
    the problem appended, when they cannot be loaded."""
    if priors_path is not None and preset is not None:
        problems.append("give either --priors FILE or --preset NAME, not both")
    elif priors_path is not None and _is_dir(Path(priors_path)):
        problems.append(f"{priors_path}: --priors needs a priors file (YAML), and this is a "
                        "folder; e.g. --priors my-priors.yaml (see docs/priors.md)")
    else:
        try:
            return load_priors(priors_path) if priors_path else load_preset(preset or "default")
        except InputError as exc:
            problems.append(str(exc))
    return None


def _bundled_evidence_kept(no_evidence: bool, drop_evidence: Sequence[str],
                           problems: list[str]) -> list[EvidenceSet]:
    """The bundled evidence files (none with `no_evidence`) less those named in
    `drop_evidence`; a name that is not bundled, or given twice, is a problem."""
    evidence = [] if no_evidence else bundled_evidence()
    names = {Path(e.path).name: e for e in evidence}
    for name in drop_evidence:
        known = sorted(Path(e.path).name for e in bundled_evidence())
        if name not in known:
            problems.append(f"--drop-evidence {name!r}: not a bundled evidence file; "
                            f"bundled: {', '.join(known)}")
        elif name not in names and not no_evidence:
            problems.append(f"--drop-evidence {name!r}: given twice")
        names.pop(name, None)
    return list(names.values())


def _user_evidence(paths: Sequence[Path], seen: set[str],
                   problems: list[str]) -> list[EvidenceSet]:
    """The user's evidence files, each loaded once: an unreadable or invalid file, or
    content already in `seen` (sha256 of the files so far), is a problem."""
    evidence = []
    for path in paths:
        try:
            item = load_evidence(path)
        except InputError as exc:
            problems.append(str(exc))
            continue
        except OSError as exc:  # e.g. a file name too long for the file system
            problems.append(f"{str(path)[:80]}: cannot read the evidence file ({exc.strerror})")
            continue
        if item.sha256 in seen:
            problems.append(f"{path}: the same evidence is given twice (sha256 {item.sha256[:12]})")
        seen.add(item.sha256)
        evidence.append(item)
    return evidence


def _usable_out_dir(out_dir: Path, force: bool, problems: list[str]) -> bool:
    """Whether writing the report replaces one already in `out_dir`; an unusable folder
    is a problem (output.check_output_folder)."""
    try:
        return check_output_folder(out_dir, force=force)
    except InputError as exc:
        problems.append(str(exc))
    except OSError as exc:  # e.g. a folder name too long for the file system
        problems.append(f"{str(out_dir)[:80]}: unusable output folder ({exc.strerror})")
    return False


@contextlib.contextmanager
def claimed(inputs: ReportInputs, force: bool) -> Iterator[None]:
    """Hold the one-writer claim on `inputs.out_dir` (output.claim_folder) from before
    sampling until the report is written; under it the folder is checked again, so a
    report another writer finished meanwhile is replaced only with `force`. A folder
    another writer holds is an InputError naming it: refused before any sampling."""
    with claim_folder(inputs.out_dir):
        check_output_folder(inputs.out_dir, force=force)
        yield


def overlap_notes(evidence: Sequence[EvidenceSet]) -> tuple[str, ...]:
    """Warnings where bundled published evidence and the user's files inform the same
    parameters: if both come from the same experiments the evidence counts twice.
    A user file with the same content as a bundled one (e.g. a re-saved copy) is named
    as such; the remedy offered is dropping that one bundled file."""
    bundled = [e for e in evidence if is_bundled(e)]
    notes = []
    for e in evidence:
        if is_bundled(e):
            continue
        copy_of = next((b for b in bundled if _same_content(e, b)), None)
        if copy_of is not None:
            name = Path(copy_of.path).name
            notes.append(f"{Path(e.path).name} has the same content as the bundled {name}: "
                         f"it counts twice; use --drop-evidence {name}")
            continue
        for b in bundled:
            shared = sorted(parameters_informed([e]) & parameters_informed([b]))
            if shared:
                notes.append(f"{Path(e.path).name} informs {', '.join(shared)}, which the "
                             f"bundled {Path(b.path).name} also informs; if both come from "
                             "the same experiments (e.g. the Chinchilla runs) they count "
                             f"twice: consider --drop-evidence {Path(b.path).name}")
    return tuple(notes)


def thinning_notes(evidence: Sequence[EvidenceSet]) -> tuple[str, ...]:
    """A note per evidence file whose likelihood uses a thinned subset of its rows."""
    return tuple(f"{Path(e.path).name}: {e.thinned_from:,} points; the likelihood uses "
                 f"{len(e.table):,} of them, {THINNING_METHOD} ({SCALING_POINTS.env} "
                 "changes how many; docs/evidence.md, Limits)"
                 for e in evidence if e.thinned_from)


def resolved_priors_text(priors: PriorSet) -> str:
    """The priors fully resolved (no `base:`), as a priors file that re-runs the report."""
    header = (f"# Priors of this report, fully resolved from '{priors.name}'.\n"
              "# Re-run: foomcalc report --priors priors.yaml [--evidence evidence/*.csv]\n")
    return header + yaml.safe_dump(priors.to_dict(), sort_keys=False, allow_unicode=True)


def make_report(
    inputs: ReportInputs, *, seed: int = 0, draws: int = 1000,
    progress: ProgressCallback | Literal[False] = False, command: str = "",
) -> Summary:
    """Run the analysis and write the report folder; returns the summary.

    `draws` per chain. `progress`: False (silent), or a callable that nutpie calls with
    its chains' progress (e.g. `cli.progress.ProgressLines`); with one, each stage is also
    announced on stderr. `command`: the command line recorded in the report.
    """
    def say(text: str) -> None:
        if progress:
            print(f"foomcalc: {text}", file=sys.stderr, flush=True)

    say(f"{inputs.priors.name} with {len(inputs.evidence)} evidence file(s); compiling the "
        "model, then sampling 4 chains ...")
    started = time.monotonic()
    result = analyse(inputs, seed=seed, draws=draws, progress=progress, command=command,
                     say=say)
    say(f"analysis done in {time.monotonic() - started:.0f} s; writing the report ...")
    # saved with the result, so summary.json and the report carry them
    result.attrs["notes_json"] = json.dumps(list(inputs.notes))
    return write_report(inputs, result)


def analyse(inputs: ReportInputs, *, seed: int, draws: int,
            progress: ProgressCallback | Literal[False], command: str,
            say: Callable[[str], None]) -> xr.DataTree:
    """The saved-result tree: the posterior and prior draws, their takeoffs and the
    sensitivity groups. Ctrl-C raises KeyboardInterrupt even where a library caught it."""
    # PyMC and nutpie load here, once the inputs are known good: bad input is answered at once
    from foomcalc.analysis.run import run_analysis
    from foomcalc.analysis.sensitivity import add_sensitivity
    from foomcalc.inference.sampling import SamplerSettings

    with _interrupts_noticed() as interrupted:
        try:
            result = run_analysis(inputs.priors, inputs.evidence, seed=seed,
                                  settings=SamplerSettings(draws=draws),
                                  compression=inputs.compression, progress=progress,
                                  command=command)
        except Exception:
            if interrupted:  # a library that swallowed Ctrl-C and failed on (e.g. compile)
                raise KeyboardInterrupt from None
            raise
        if interrupted:  # nutpie turns Ctrl-C into a truncated trace: never report one
            raise KeyboardInterrupt
        say("sensitivity: tornado and power-scaling ...")
        return add_sensitivity(result, inputs.priors, inputs.evidence)


def write_report(inputs: ReportInputs, result: xr.DataTree) -> Summary:
    """Write the report folder `inputs.out_dir` atomically; returns the summary.

    posterior.nc, the slowest file, is written by a forked child while this process
    writes the rest, where forking is safe (inference.forked); else, or if the child
    fails or stalls (forked.STALL_SECONDS), here. The report reads only the result tree,
    the one saved: what reading posterior.nc back gives (the same summary and report,
    tests/reporting/test_pipeline.py).
    """
    written: list[Summary] = []

    def fill(folder: Path) -> None:
        writer = ForkedCall(lambda counts: save_result(result, folder / RESULT_FILE) or True  # type: ignore[func-returns-value]
                            ) if can_fork() else None
        try:
            written.append(write_report_files(folder, inputs, result))
            if writer is None or writer.result() is None:
                save_result(result, folder / RESULT_FILE)
        finally:
            if writer is not None:
                writer.cancel()

    write_atomically(inputs.out_dir, fill)
    return written[0]


def write_report_files(folder: Path, inputs: ReportInputs, result: xr.DataTree) -> Summary:
    """summary.json, figures/, report.md, report.html, the priors (resolved and as
    given) and copies of the user's evidence files, into `folder`; returns the summary."""
    # ArviZ and matplotlib load here, after the sampling (bad input never loads them)
    from foomcalc.reporting.report import build_blocks, render_html, render_markdown
    from foomcalc.reporting.summary import summarize

    summary = summarize(result)
    write_json(folder / "summary.json", summary)
    blocks = build_blocks(summary, result)
    (folder / "figures").mkdir()
    for block in blocks:
        if block.kind == "figure":
            (folder / "figures" / block.file).write_bytes(block.png)
    (folder / "report.md").write_text(render_markdown(blocks))
    (folder / "report.html").write_text(
        render_html(blocks, f"foomcalc report: {summary['priors_name']}"))
    (folder / "priors.yaml").write_text(resolved_priors_text(inputs.priors))
    (folder / "priors-as-given.yaml").write_text(inputs.priors.text)
    copy_user_evidence(folder, inputs.evidence)
    return summary


def copy_user_evidence(folder: Path, evidence: Sequence[EvidenceSet]) -> None:
    """The user's (not bundled) evidence files into folder/evidence/, each named
    <first 8 of its sha256>-<file name made safe> (`evidence.files.copy_name`), so the
    folder alone can re-run the result."""
    user_evidence = [e for e in evidence if not is_bundled(e)]
    if user_evidence:
        (folder / "evidence").mkdir()
        for e in user_evidence:
            shutil.copyfile(e.path, folder / "evidence" / copy_name(e))
