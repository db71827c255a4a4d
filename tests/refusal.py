"""A shared check for the tests of evidence kinds: `foomcalc report` refuses a bad
evidence file with exit 2, a message naming the field, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from foomcalc.cli.commands import app


def assert_report_refuses(evidence: Path, out: Path, field: str) -> None:
    """`foomcalc report --evidence EVIDENCE --out OUT` exits 2 naming `field`; OUT is
    not created."""
    result = CliRunner().invoke(app, ["report", "--evidence", str(evidence), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and field in result.output, result.output
    assert not out.exists()
