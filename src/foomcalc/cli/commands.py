"""The `foomcalc` command line (typer). Heavy imports are lazy, so `presets` is instant.

Exit status: 0 success; 2 bad input (one clear message on stderr, nothing written);
3 (`report` only) the report was written but failed the sampling diagnostics, so its
numbers may be unreliable; 4 (`survey` only) done but some respondents were skipped;
130 Ctrl-C (the previous report intact).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from foomcalc.cli.progress import ProgressLines, plain_progress
from foomcalc.errors import InputError
from foomcalc.parameters import HORIZON_MONTHS, PARAMETERS
from foomcalc.paths import presets_dir
from foomcalc.reporting.comparison import make_comparison
from foomcalc.reporting.output import check_folder_can_be_made

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Bayesian credence calculator for AI takeoff: priors + evidence -> P(hard takeoff).",
)

#: `report` exit status when the report was written but failed the sampling diagnostics.
EXIT_DIAGNOSTICS = 3


def _version_callback(value: bool) -> None:
    if value:
        # foomcalc.__version__ reads the installed metadata: only for --version
        from foomcalc import __version__

        typer.echo(f"foomcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version_callback, is_eager=True,
        help="Print the foomcalc version and exit.")] = False,
) -> None:
    """Bayesian credence calculator for AI takeoff: priors + evidence -> P(hard takeoff)."""


def fail(exc: InputError) -> None:
    """Print the input error on stderr and exit with status 2."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


#: Exit status when a command needs an optional extra that is not installed.
EXIT_MISSING_EXTRA = 1


def require_extra(module: str, extra: str, command: str) -> None:
    """Exit with a message naming the extra to install when `module` (a library of the
    optional extra `extra`) is missing: `pip install .` installs the core only."""
    if importlib.util.find_spec(module) is None:
        typer.echo(f"error: foomcalc {command} needs the '{extra}' extra ({module} is not "
                   f"installed): pip install 'foomcalc[{extra}]'", err=True)
        raise typer.Exit(EXIT_MISSING_EXTRA)


def parse_compression(items: list[str]) -> list[tuple[float, float]]:
    """'5x6' -> (5 years of progress, within 6 months)."""
    out = []
    for item in items:
        try:
            years, months = (float(v) for v in item.lower().split("x"))
        except ValueError:
            raise InputError(f"--compression {item!r}: expected YEARSxMONTHS, e.g. 5x6") from None
        if not (0 < years < 1e4 and 0 < months < 1e4):
            raise InputError(f"--compression {item!r}: both numbers must be positive and finite")
        if months > HORIZON_MONTHS:
            raise InputError(f"--compression {item!r}: a window of {months:g} months is beyond "
                             f"the simulated horizon of {HORIZON_MONTHS:g} months")
        out.append((years, months))
    return out


REPORT_HELP = """Sample the posterior and write summary.json, report.html, report.md, posterior.nc.

The report goes to reports/<priors name> unless --out says otherwise; an existing
report there is replaced only with --force. Exit status: 0 ok, 2 bad input (nothing
written), 3 written but the sampling diagnostics failed (numbers may be unreliable).

Evidence files (CSV, each row with its citation; the kinds): see docs/evidence.md;
priors files: docs/priors.md; everything else: README.md.
"""


@app.command(help=REPORT_HELP)
def report(
    priors: Annotated[Path | None, typer.Option(help="Your priors file (YAML, docs/priors.md).")
                      ] = None,
    preset: Annotated[str | None, typer.Option(help="A bundled preset (see `presets`).")] = None,
    evidence: Annotated[list[Path] | None, typer.Option(
        help="Extra evidence file, CSV (repeatable; format: docs/evidence.md).")] = None,
    no_evidence: Annotated[
        bool, typer.Option("--no-evidence", help="Ignore all bundled evidence.")
    ] = False,
    drop_evidence: Annotated[list[str] | None, typer.Option(
        "--drop-evidence", metavar="NAME",
        help="Leave out one bundled evidence file by name, e.g. scaling_fits.csv "
             "(repeatable).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Report folder (default: reports/<priors name>).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an existing report in the --out folder.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1, help="Random seed.")] = 0,
    draws: Annotated[int, typer.Option(min=100, max=100_000, help="Draws per chain.")] = 1000,
    compression: Annotated[list[str] | None, typer.Option(
        help="Extra compression row YEARSxMONTHS, e.g. 5x6 (repeatable).")] = None,
) -> None:
    try:
        # pandas and the input loaders: only for a report, so --help stays instant
        from foomcalc.reporting.workflow import claimed, make_report, resolve_inputs

        inputs = resolve_inputs(priors, preset, evidence or [], no_evidence, out,
                                parse_compression(compression or []),
                                drop_evidence=drop_evidence or [], force=force)
        for note in inputs.notes:
            typer.echo(f"note: {note}", err=True)
        if inputs.replaces:
            typer.echo(f"replacing the existing report in {inputs.out_dir} (--force)", err=True)
        with claimed(inputs, force):  # one writer per folder, claimed before sampling
            summary = make_report(inputs, seed=seed, draws=draws,
                                  progress=ProgressLines(live=sys.stderr.isatty()),
                                  command="foomcalc " + " ".join(sys.argv[1:]))
    except InputError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing written, any earlier report left as it was", err=True)
        raise typer.Exit(130) from None
    # report.py loads ArviZ and matplotlib: here, once the report is written, not for --help
    from foomcalc.reporting.report import short_summary

    typer.echo(short_summary(summary))
    typer.echo(f"wrote {inputs.out_dir}/report.html, report.md, summary.json, posterior.nc")
    if not summary["diagnostics"]["ok"]:
        typer.echo(f"exit status {EXIT_DIAGNOSTICS}: the sampling diagnostics failed "
                   "(see the report's warning)", err=True)
        raise typer.Exit(EXIT_DIAGNOSTICS)


@app.command()
def presets(
    show: Annotated[str | None, typer.Option(
        "--show", metavar="NAME", help="Print one preset's YAML.")] = None,
) -> None:
    """List the bundled priors presets, or print one with --show NAME."""
    # the YAML parser: only for the presets, so --help stays instant
    from foomcalc.priors.files import list_presets, load_preset

    if show is not None:
        try:
            load_preset(show)  # unknown names get the usual message with a suggestion
        except InputError as exc:
            fail(exc)
        typer.echo((presets_dir() / f"{show}.yaml").read_text(encoding="utf-8"), nl=False)
        return
    for name, description in list_presets():
        typer.echo(f"{name:24s} {description}")


@app.command()
def parameters() -> None:
    """List the model's parameters: name, unit, support and meaning."""
    for p in PARAMETERS.values():
        typer.echo(f"{p.name}\n    unit: {p.unit}; support: {p.support}\n    {p.meaning}")


@app.command("fit-scaling")
def fit_scaling(
    file: Annotated[Path, typer.Argument(help="Scaling-law CSV (params, tokens, loss).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Save a fit plot (PNG).")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1)] = 0,
) -> None:
    """Fit the Chinchilla law L = E + A/N^a + B/D^b to one file and print the posterior."""
    try:
        # pandas and the evidence loaders: only for a fit, so --help stays instant
        from foomcalc.reporting.scaling_report import fit_scaling_file, format_scaling_summary

        if plot is not None and plot.suffix.lower() != ".png":
            raise InputError("--plot: expected a .png file name", source=plot)
        if plot is not None and plot.is_dir():
            raise InputError("--plot: this is a folder; expected a .png file name", source=plot)
        if plot is not None and not plot.parent.is_dir():
            raise InputError(f"--plot: folder {plot.parent} does not exist; create it first",
                             source=plot)
        summary = fit_scaling_file(file, seed=seed, plot_path=plot)
    except InputError as exc:
        fail(exc)
    typer.echo(json.dumps(summary, indent=2) if json_output else format_scaling_summary(summary))


@app.command()
def compare(
    reports: Annotated[list[Path], typer.Argument(help="Two or more report folders.")],
    out: Annotated[Path, typer.Option(help="Comparison folder.")] = Path("reports/comparison"),
) -> None:
    """Compare reports: headline table, overlaid takeoff curves and the crux table."""
    try:
        check_folder_can_be_made(out)  # before any reweighting, not when writing
        text = make_comparison(reports, out)
    except InputError as exc:
        fail(exc)
    typer.echo(text)


@app.command()
def survey(
    input_path: Annotated[Path, typer.Argument(
        metavar="INPUT", help="Folder of priors files, or a survey .csv / .yaml.")],
    out: Annotated[Path, typer.Option(help="Survey folder.")] = Path("reports/survey"),
    base: Annotated[str, typer.Option(help="Preset the shared posterior is sampled with.")]
    = "default",
    evidence: Annotated[list[Path] | None, typer.Option(
        help="Extra evidence file, shared by everyone (repeatable).")] = None,
    no_evidence: Annotated[bool, typer.Option("--no-evidence")] = False,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler (default: a local cluster).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Skip respondents already done in --out.")] = False,
    per_person: Annotated[bool, typer.Option(
        "--per-person", help="Also write a full report per person.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1)] = 0,
    draws: Annotated[int, typer.Option(min=100, max=100_000)] = 1000,
) -> None:
    """Many people's priors on the same evidence (Dask): spread, drivers, clusters.

    Input format and report: docs/survey.md. Exit status: 0 done, 2 bad input,
    4 done but some respondents were skipped (listed), 130 interrupted.
    """
    require_extra("distributed", "survey", "survey")
    try:
        # Dask and the survey's analysis modules: only when a survey runs
        from foomcalc.survey.run import make_survey

        check_folder_can_be_made(out)  # before any sampling, not when writing
        summary = make_survey(input_path, out, base=base, evidence=evidence or [],
                              no_evidence=no_evidence, seed=seed, draws=draws,
                              scheduler=scheduler, resume=resume, per_person=per_person,
                              log=plain_progress())
    except InputError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted: finished respondents are kept in --out/respondents; "
                   "re-run with --resume", err=True)
        raise typer.Exit(130) from None
    h = summary["hard_takeoff_across_people"]
    typer.echo(f"{summary['n_respondents']} people: median P(hard takeoff) "
               f"{100 * h['prior']['q50']:.1f}% (prior) -> {100 * h['posterior']['q50']:.1f}% "
               f"(posterior); wrote {out}/survey.html, survey.md, survey.json")
    if summary["skipped"]:
        typer.echo(f"error: {len(summary['skipped'])} respondent(s) skipped (see the report); "
                   "exit status 4", err=True)
        raise typer.Exit(4)


@app.command("app")
def app_command(
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port on 127.0.0.1.")] = 8050,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")]
    = False,
    work_dir: Annotated[Path | None, typer.Option(
        help="Folder for the app's runs (default: a new temporary folder).")] = None,
    draws: Annotated[int, typer.Option(min=100, max=100_000, help="Draws per chain.")] = 1000,
) -> None:
    """Serve the web app: sliders for your priors, evidence upload, shareable link."""
    require_extra("shiny", "app", "app")
    try:
        # Shiny: only when the app is served
        from foomcalc.app.server import run_app

        run_app(port=port, open_browser=not no_browser, work_dir=work_dir, draws=draws)
    except InputError as exc:
        fail(exc)


def main() -> None:  # pragma: no cover - console entry point (tests run it in processes)
    """`foomcalc` and `python -m foomcalc`: run the command, then end the process without
    the interpreter's teardown, which after a report spends seconds freeing PyTensor
    graphs and numba/LLVM state that the exit frees anyway. Every file is closed by then;
    the standard streams and logging are flushed here."""
    try:
        app(prog_name="foomcalc")
        code = 0
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a closed pipe
            stream.flush()
    os._exit(code)
