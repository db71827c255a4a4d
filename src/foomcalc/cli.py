"""The `foomcalc` command line (typer). Heavy imports are lazy, so `presets` is instant.

Bad input of any kind ends in one clear message on stderr and exit status 2, with
nothing written; Ctrl-C ends with status 130 and the previous report intact.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from foomcalc.errors import InputError
from foomcalc.parameters import HORIZON_MONTHS

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    invoke_without_command=True,
    help="Bayesian credence calculator for AI takeoff: priors + evidence -> P(hard takeoff).",
)


def fail(exc: InputError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


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


@app.command()
def report(
    priors: Annotated[Path | None, typer.Option(help="Your priors file (YAML).")] = None,
    preset: Annotated[str | None, typer.Option(help="A bundled preset (see `presets`).")] = None,
    evidence: Annotated[
        list[Path] | None, typer.Option(help="Extra evidence file (repeatable).")
    ] = None,
    no_evidence: Annotated[
        bool, typer.Option("--no-evidence", help="Ignore bundled evidence.")
    ] = False,
    drop_evidence: Annotated[list[str] | None, typer.Option(
        "--drop-evidence", help="Leave out one bundled evidence file, by name (repeatable).")
    ] = None,
    out: Annotated[Path | None, typer.Option(
        help="Report folder [default: reports/<priors name>]. An earlier report there is "
             "replaced (the terminal says so); other folders are never overwritten.")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1, help="Random seed.")] = 0,
    draws: Annotated[int, typer.Option(min=100, max=100_000, help="Draws per chain.")] = 1000,
    compression: Annotated[list[str] | None, typer.Option(
        help="Extra compression row YEARSxMONTHS, e.g. 5x6 (repeatable).")] = None,
) -> None:
    """Sample the posterior and write summary.json, report.html, report.md, posterior.nc.

    Evidence files (columns, units, examples): docs/evidence.md. Exit status: 0 done,
    2 bad input (nothing written), 3 report written but the sampling diagnostics failed
    (flagged at its top), 130 interrupted.
    """
    try:
        from foomcalc.output import REPORT_MARKER
        from foomcalc.workflow import make_report, resolve_inputs

        inputs = resolve_inputs(priors, preset, evidence or [], no_evidence, out,
                                parse_compression(compression or []), drop_evidence or [])
        out = inputs.out_dir
        replacing = (out / REPORT_MARKER).exists()
        for note in inputs.notes:
            typer.echo(f"note: {note}", err=True)
        for name, fit in quantile_fit_notes(inputs.priors):
            typer.echo(f"note: {name}: {fit}", err=True)
        tty = sys.stderr.isatty()
        summary = make_report(inputs, seed=seed, draws=draws, progress=tty,
                              command="foomcalc " + " ".join(sys.argv[1:]),
                              log=None if tty else plain_progress())
    except InputError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing written, any earlier report left as it was", err=True)
        raise typer.Exit(130) from None
    from foomcalc.report import short_summary

    typer.echo(short_summary(summary))
    if replacing:
        typer.echo(f"replaced the earlier report in {out}", err=True)
    typer.echo(f"wrote {out}/report.html, report.md, summary.json, posterior.nc")
    if not summary["diagnostics"]["ok"]:
        typer.echo("error: the sampling diagnostics failed (see the top of the report); "
                   "exit status 3", err=True)
        raise typer.Exit(3)


def plain_progress():
    """Progress lines with elapsed seconds, for logs and pipes (no progress bar there)."""
    import time

    start = time.perf_counter()

    def log(message: str) -> None:
        typer.echo(f"foomcalc [{time.perf_counter() - start:5.1f} s] {message}", err=True)
    return log


def quantile_fit_notes(priors) -> list[tuple[str, str]]:
    """(parameter, note) for each quantile entry that was fitted only approximately."""
    return [(name, spec.fit_note) for name, spec in priors.specs.items()
            if getattr(spec, "fit_note", "") and "approximate" in spec.fit_note]


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option(
        "--version", help="Print the foomcalc version and exit.")] = False,
) -> None:
    """Bayesian credence calculator for AI takeoff: priors + evidence -> P(hard takeoff)."""
    if version:
        from foomcalc import __version__

        typer.echo(f"foomcalc {__version__}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


@app.command()
def presets(
    show: Annotated[str | None, typer.Option(
        "--show", help="Print one preset's YAML (copy it to start your own priors file).")
    ] = None,
) -> None:
    """List the bundled priors presets, or print one with --show NAME."""
    from foomcalc.paths import presets_dir
    from foomcalc.priors import list_presets

    names = [name for name, _ in list_presets()]
    if show is None:
        for name, description in list_presets():
            typer.echo(f"{name:24s} {description}")
        return
    if show not in names:
        from difflib import get_close_matches

        close = get_close_matches(show, names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; presets: {', '.join(names)}"
        fail(InputError(f"--show {show!r}: no such preset{hint}"))
    typer.echo((presets_dir() / f"{show}.yaml").read_text(encoding="utf-8"), nl=False)


@app.command()
def parameters() -> None:
    """List the model's parameters: name, unit, support and meaning."""
    from foomcalc.parameters import PARAMETERS

    for p in PARAMETERS.values():
        typer.echo(f"{p.name}  [{p.unit}; {p.support}]\n    {p.meaning}")


@app.command("fit-scaling")
def fit_scaling(
    file: Annotated[Path, typer.Argument(help="Scaling-law CSV (params, tokens, loss).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Save a fit plot (PNG).")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1)] = 0,
) -> None:
    """Fit the Chinchilla law L = E + A/N^a + B/D^b to one file and print the posterior."""
    import json

    try:
        from foomcalc.scaling import fit_scaling_file, format_scaling_summary

        if plot is not None and plot.suffix.lower() != ".png":
            raise InputError("--plot: expected a .png file name", source=plot)
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
        from foomcalc.comparison import make_comparison

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
    try:
        from foomcalc.survey import make_survey

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
    try:
        from foomcalc.app import run_app

        run_app(port=port, open_browser=not no_browser, work_dir=work_dir, draws=draws)
    except InputError as exc:
        fail(exc)


def main() -> None:  # pragma: no cover - console entry point
    app()
