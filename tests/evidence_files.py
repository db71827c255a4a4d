"""Shared helpers for the tests of evidence kinds: write an evidence file, read the message
of a refused one, and check that `foomcalc report` refuses a bad file with exit 2, a
message naming the field, no traceback and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from foomcalc.cli.commands import app
from foomcalc.errors import InputError
from foomcalc.evidence.files import load_evidence


def write_evidence(tmp_path: Path, text: str, name: str = "ev.csv") -> Path:
    """`text` written to tmp_path/name."""
    path = tmp_path / name
    path.write_text(text)
    return path


def evidence_error(tmp_path: Path, text: str, name: str = "ev.csv") -> str:
    """The InputError message of loading `text` as an evidence file named `name`."""
    with pytest.raises(InputError) as info:
        load_evidence(write_evidence(tmp_path, text, name))
    return str(info.value)


def assert_report_refuses(evidence: Path, out: Path, field: str) -> None:
    """`foomcalc report --evidence EVIDENCE --out OUT` exits 2 naming `field`; OUT is
    not created."""
    result = CliRunner().invoke(app, ["report", "--evidence", str(evidence), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and field in result.output, result.output
    assert not out.exists()
