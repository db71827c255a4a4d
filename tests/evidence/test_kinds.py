"""Every evidence kind is complete: a module in evidence/kinds/ registered in KINDS, with
columns, cell checks, informed parameters, an SBC design, a doc line and a docs section,
a likelihood term (inference.terms.TERMS) and an SBC case (inference.calibration.CASES).
A half-added kind fails here (the last test plants one)."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

import pandas as pd

from foomcalc.evidence import kinds as kinds_package
from foomcalc.evidence.kind import EvidenceKind
from foomcalc.evidence.kinds import KINDS
from foomcalc.evidence.kinds.returns import sbc_design as returns_design
from foomcalc.inference.calibration import CASES, kind_cases
from foomcalc.inference.terms import TERMS
from foomcalc.parameters import PARAMETERS

KINDS_FOLDER = Path(kinds_package.__file__).parent
EVIDENCE_DOC = Path(__file__).resolve().parents[2] / "docs" / "evidence.md"


def kind_modules() -> list[str]:
    """The kind modules in evidence/kinds/ (not the package's __init__)."""
    return sorted(p.stem for p in KINDS_FOLDER.glob("*.py") if p.stem != "__init__")


def incomplete(kinds: dict[str, EvidenceKind], terms: dict, cases: dict) -> dict[str, list[str]]:
    """Per kind, what it lacks (empty lists for complete kinds)."""
    titled = {(case.kind, title) for title, case in cases.items()}
    documented = set(re.findall(r"^### `(\w+)`", EVIDENCE_DOC.read_text(), re.MULTILINE))
    found: dict[str, list[str]] = {}
    for name, kind in kinds.items():
        lacks = []
        if kind.name != name:
            lacks.append(f"registered as {name!r} but named {kind.name!r}")
        if not kind.columns or not all(isinstance(c, str) and c for c in kind.columns):
            lacks.append("required columns")
        if not callable(kind.build):
            lacks.append("cell checks (build)")
        if not kind.doc.strip() or "\n" in kind.doc:
            lacks.append("a one-line doc")
        if not kind.noun.endswith("s"):
            lacks.append("a plural noun")
        design = kind.sbc_design()
        informed = kind.informs(design)
        if not isinstance(design, pd.DataFrame) or design.empty:
            lacks.append("an SBC design")
        if not informed or not informed <= set(PARAMETERS):
            lacks.append(f"informed registry parameters (got {informed})")
        if name not in terms or terms[name].kind != name:
            lacks.append("a likelihood term in inference.terms.TERMS")
        if not kind.sbc_title or (name, kind.sbc_title) not in titled:
            lacks.append("an SBC case in inference.calibration.CASES")
        if name not in documented:
            lacks.append("a section in docs/evidence.md")
        found[name] = lacks
    return found


def test_every_kind_module_is_registered():
    modules = kind_modules()
    assert modules, "no kind modules found"
    for stem in modules:
        module = importlib.import_module(f"{kinds_package.__name__}.{stem}")
        assert isinstance(getattr(module, "KIND", None), EvidenceKind), f"{stem} has no KIND"
        assert KINDS.get(module.KIND.name) is module.KIND, f"{stem}.KIND is not in KINDS"
    assert len(KINDS) == len(modules)


def test_every_kind_is_complete():
    found = incomplete(KINDS, TERMS, CASES)
    assert found == {name: [] for name in KINDS}
    assert set(TERMS) == set(KINDS)
    # one case per kind, and the correlated-prior case (a second returns case)
    assert sorted(case.kind for case in CASES.values()) == sorted([*KINDS, "returns"])


def test_sbc_cases_keep_their_order_and_titles():
    """`make validate` seeds each case by its position, and docs/validation.md names them."""
    assert list(CASES) == [
        "scaling-law fit", "compute trend", "returns random effects", "growth-rate model",
        "published estimates", "observations", "training-duration trend",
        "time-horizon trend", "game compute frontier", "substitution random effects",
        "compute share of R&D spending", "compute-equivalent gains",
        "returns random effects, correlated prior"]


def test_a_half_added_kind_is_reported():
    """A kind registered without a term (and without docs) is incomplete, and gets no SBC
    case; once it has a term it gets one, after the existing cases."""
    fake = dataclasses.replace(KINDS["returns"], name="fake_returns", sbc_title="fake case",
                               sbc_design=returns_design)
    kinds = {**KINDS, "fake_returns": fake}
    cases = kind_cases(kinds, TERMS)
    assert "fake case" not in cases
    found = incomplete(kinds, TERMS, cases)
    assert "a likelihood term in inference.terms.TERMS" in found["fake_returns"]
    assert "an SBC case in inference.calibration.CASES" in found["fake_returns"]
    assert "a section in docs/evidence.md" in found["fake_returns"]
    assert all(not lacks for name, lacks in found.items() if name != "fake_returns")
    terms = {**TERMS, "fake_returns": dataclasses.replace(TERMS["returns"], kind="fake_returns")}
    with_term = kind_cases(kinds, terms)
    assert list(with_term)[-1] == "fake case"
    assert list(with_term)[:-1] == list(kind_cases(KINDS, TERMS))
    assert "a likelihood term in inference.terms.TERMS" not in incomplete(
        kinds, terms, with_term)["fake_returns"]


def test_informs_reads_the_table():
    """Which parameters a file informs can depend on its rows (returns: tau only with
    domains other than AI software)."""
    design = KINDS["returns"].sbc_design()
    only_ai = design[design["domain"] == "ai-software"]
    assert KINDS["returns"].informs(only_ai) == {"returns_r"}
    assert KINDS["returns"].informs(design) == {"returns_r", "returns_tau"}
    assert "software_doubling_months" in KINDS["growth_rates"].informs(
        KINDS["growth_rates"].sbc_design())
