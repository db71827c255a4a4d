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
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports/default"),
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1, help="Random seed.")] = 0,
    draws: Annotated[int, typer.Option(min=100, max=100_000, help="Draws per chain.")] = 1000,
    compression: Annotated[list[str] | None, typer.Option(
        help="Extra compression row YEARSxMONTHS, e.g. 5x6 (repeatable).")] = None,
) -> None:
    """Sample the posterior and write summary.json, report.html, report.md, posterior.nc."""
    try:
        from foomcalc.workflow import make_report, resolve_inputs

        inputs = resolve_inputs(priors, preset, evidence or [], no_evidence, out,
                                parse_compression(compression or []))
        for note in inputs.notes:
            typer.echo(f"note: {note}", err=True)
        summary = make_report(inputs, seed=seed, draws=draws, progress=sys.stderr.isatty(),
                              command="foomcalc " + " ".join(sys.argv[1:]))
    except InputError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing written, any earlier report left as it was", err=True)
        raise typer.Exit(130) from None
    from foomcalc.report import short_summary

    typer.echo(short_summary(summary))
    typer.echo(f"wrote {out}/report.html, report.md, summary.json, posterior.nc")


@app.command()
def presets() -> None:
    """List the bundled priors presets."""
    from foomcalc.priors import list_presets

    for name, description in list_presets():
        typer.echo(f"{name:24s} {description}")


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
