"""The report's building blocks and number formats, shared by report.md/html, the
comparison and survey reports and the app: `Block` (one heading, paragraph, table or
figure) and the formatters of probabilities, times and numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    kind: str  # "h1" | "h2" | "lead" | "p" | "warn" | "table" | "figure" | "pre" | "toc"
    text: str = ""
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    png: bytes = b""
    file: str = ""
    #: table columns whose cells never wrap (numbers; HTML white-space: nowrap)
    nowrap: tuple[int, ...] = ()


def pct(p: float | None) -> str:
    """A probability (fraction) as a percentage with one decimal; "n/a" for None."""
    return "n/a" if p is None else f"{100 * p:.1f}%"


def pct_pm(p: float, mcse: float) -> str:
    """A probability and its Monte Carlo standard error (fractions) as "x.x% ± y.y"."""
    return f"{100 * p:.1f}% ± {100 * mcse:.1f}"


def months_text(m: float | None, horizon: float) -> str:
    """A time in months (1 month = 30.4375 days) in the unit that reads best; None means
    beyond the horizon (months)."""
    if m is None:
        return f"> {horizon / 12:g} years"
    if m == 0:
        return "at once (overhang)"
    if m < 1 / 30:
        return f"{m * 30.4375 * 24:.1f} hours"
    if m < 1:
        return f"{m * 30.4375:.1f} days"
    if m < 24:
        return f"{m:.1f} months"
    return f"{m / 12:.1f} years"


def number(x: float | None) -> str:
    """A number to three significant figures; "n/a" for None."""
    if x is None:
        return "n/a"
    return f"{x:.3g}"
