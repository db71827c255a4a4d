"""The compute_shares (-> compute_share) and compute_equivalent_gains (-> instant_jump_ooms)
kinds: parsing, bad input naming file, row and column (CLI exit 2, nothing written), and
each likelihood's closed form against scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymc as pm
import pytest
from scipy import stats

from foomcalc.evidence.files import load_evidence, parameters_informed
from foomcalc.inference.terms import add_evidence
from foomcalc.paths import data_dir
from tests.evidence_files import assert_report_refuses, evidence_error, write_evidence

SHARES = "source,compute_share,lower,upper,interval,citation\n"
GAINS = "study,enhancement,ceg,lower,upper,interval,citation\n"


def write(tmp_path: Path, text: str, name: str = "ev.csv") -> Path:
    return write_evidence(tmp_path, text, name)


def error(tmp_path: Path, text: str) -> str:
    return evidence_error(tmp_path, text, "ev.csv")


def test_kinds_inferred_and_typed(tmp_path):
    shares = load_evidence(write(tmp_path, SHARES + "a,0.6,0.5,0.7,0.9,x\n", "s.csv"))
    assert shares.kind == "compute_shares" and shares.describe() == \
        "compute_shares: 1 share from s.csv"
    assert parameters_informed([shares]) == {"compute_share"}
    gains = load_evidence(write(tmp_path, GAINS + "a,cot,10,5,20,0.9,x\n", "g.csv"))
    assert gains.kind == "compute_equivalent_gains"
    assert parameters_informed([gains]) == {"instant_jump_ooms"}
    np.testing.assert_allclose(gains.table[["log10_ceg", "log10_lower", "log10_upper"]]
                               .to_numpy()[0], np.log10([10, 5, 20]))


def test_bundled_files_cite_every_row():
    for name, kind, rows in (("compute_shares.csv", "compute_shares", 2),
                             ("overhang.csv", "compute_equivalent_gains", 4)):
        ev = load_evidence(data_dir() / "evidence" / name)
        assert ev.kind == kind and len(ev.table) >= rows
        assert ev.table["citation"].str.len().min() > 60


@pytest.mark.parametrize("text,fragments", [
    (SHARES + "a,61,50,70,0.9,x\n", ("compute_share", "percentage", "0.61")),
    (SHARES + "a,0.6,0.7,0.5,0.9,x\n", ("lower", "below upper")),
    (SHARES + "a,0.8,0.5,0.7,0.9,x\n", ("compute_share", "outside")),
    (SHARES + "a,0.6,0.5,0.7,90,x\n", ("interval", "percentage")),
    (SHARES + "a,,0.5,0.7,0.9,x\n", ("compute_share", "missing value")),
    (GAINS + "a,b,1e20,1e19,1e21,0.9,x\n", ("ceg", "FLOP count")),
    (GAINS + "a,b,-2,1,3,0.9,x\n", ("ceg", "must be positive")),
    (GAINS + "a,b,10,20,5,0.9,x\n", ("lower", "below upper")),
    (GAINS + "a,,10,5,20,0.9,x\n", ("enhancement", "empty")),
])
def test_bad_input_names_row_and_column(tmp_path, text, fragments):
    message = error(tmp_path, text)
    assert "ev.csv" in message and "row 1" in message
    for fragment in fragments:
        assert fragment in message, message


def test_cli_bad_share_exit_2_nothing_written(tmp_path):
    bad = write(tmp_path, SHARES + "a,61%,0.5,0.7,0.9,x\n")
    assert_report_refuses(bad, tmp_path / "report", "compute_share")


def test_shares_likelihood_is_normal_with_between_source_spread(tmp_path):
    ev = load_evidence(write(tmp_path, SHARES + "a,0.6,0.5,0.7,0.9,x\nb,0.7,0.6,0.9,0.8,y\n"))
    with pm.Model() as model:
        add_evidence([ev], {"compute_share": pm.math.constant(0.55)})
    logp = model.compile_fn(model.observedlogp, inputs=model.value_vars)(
        {"ev__tau_log__": np.log(0.1)})
    se = np.array([0.2 / (2 * stats.norm.ppf(0.95)), 0.3 / (2 * stats.norm.ppf(0.9))])
    expected = stats.norm.logpdf([0.6, 0.7], 0.55, np.sqrt(0.1**2 + se**2)).sum()
    assert logp == pytest.approx(expected, rel=1e-9)


def test_gains_likelihood_centres_on_the_jump_minus_a_new_draw(tmp_path):
    ev = load_evidence(write(tmp_path, GAINS + "a,b,10,5,20,0.9,x\nc,d,2,1,4,0.5,y\n"))
    with pm.Model() as model:
        add_evidence([ev], {"instant_jump_ooms": pm.math.constant(0.8)})
    logp = model.compile_fn(model.observedlogp, inputs=model.value_vars)(
        {"ev__tau_log__": np.log(0.3), "ev__new_z": 0.5})
    se = np.array([np.log10(4) / (2 * stats.norm.ppf(0.95)),
                   np.log10(4) / (2 * stats.norm.ppf(0.75))])
    expected = stats.norm.logpdf(np.log10([10, 2]), 0.8 - 0.3 * 0.5,
                                 np.sqrt(0.3**2 + se**2)).sum()
    assert logp == pytest.approx(expected, rel=1e-9)
