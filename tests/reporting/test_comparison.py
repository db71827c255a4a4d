"""`foomcalc compare`: refuses what is not a report; the crux table is computed: a
parameter whose priors differ moves the answer, one whose priors agree does not."""

import json
import math

import pytest

from foomcalc.analysis.result import load_result
from foomcalc.analysis.reweight import hard_per_draw, result_priors, reweight
from foomcalc.errors import InputError
from foomcalc.reporting.comparison import crux_rows, make_comparison
from foomcalc.reporting.workflow import make_report, resolve_inputs

FAST_SPEEDUP = """name: fast-speedup
description: default with a much larger research speed-up
base: default
parameters:
  speedup:
    dist: ShiftedLogNormal
    mu: 4.0
    sigma: 0.5
    source: test
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Two no-evidence reports (no NUTS): default, and default with a faster speed-up."""
    root = tmp_path_factory.mktemp("reports")
    (root / "fast.yaml").write_text(FAST_SPEEDUP)
    a = resolve_inputs(None, "default", [], True, root / "a")
    b = resolve_inputs(root / "fast.yaml", None, [], True, root / "b")
    make_report(a, seed=1, draws=500)
    make_report(b, seed=2, draws=500)
    return root


def test_crux_moves_the_differing_parameter_only(reports):
    ra, rb = load_result(reports / "a"), load_result(reports / "b")
    rows = crux_rows(ra, rb)
    assert [r["parameter"] for r in rows] == ["speedup"]  # the only prior that differs
    r = rows[0]
    per = hard_per_draw(ra["posterior_outcomes"].to_dataset(), 30.0).ravel()
    se = per.std() / math.sqrt(per.size)
    assert r["shift_a"] > 5 * se  # A adopting B's faster speed-up: more hard takeoff
    assert r["shift_b"] < -5 * se  # and vice versa
    assert r["method_a"] == r["method_b"] == "exact"
    # both directions for a parameter whose priors agree: exactly no shift
    pa, pb = result_priors(ra), result_priors(rb)
    for result, mine, theirs in ((ra, pa, pb), (rb, pb, pa)):
        base = reweight(result, mine).hard_takeoff()
        swapped = reweight(result, mine.with_spec("limit_ooms", theirs.specs["limit_ooms"]))
        assert swapped.method == "unchanged" and swapped.hard_takeoff() == base
    assert crux_rows(ra, ra) == []


def test_make_comparison_writes_three_files(reports, tmp_path):
    out = tmp_path / "cmp"
    text = make_comparison([reports / "a", reports / "b"], out)
    assert "speedup" in text
    data = json.loads((out / "comparison.json").read_text())
    assert data["same_evidence"] is True
    assert data["cruxes"][0]["rows"][0]["parameter"] == "speedup"
    html = (out / "comparison.html").read_text()
    assert "data:image/png;base64," in html and "src='figures" not in html
    assert "Cruxes" in (out / "comparison.md").read_text()
    make_comparison([reports / "a", reports / "b"], out)  # re-running into it is fine


def test_refuses_what_is_not_a_comparison(reports, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a foomcalc report"):
        make_comparison([reports / "a", tmp_path / "empty"], tmp_path / "c1")
    with pytest.raises(InputError, match="at least two"):
        make_comparison([reports / "a"], tmp_path / "c2")
    with pytest.raises(InputError, match="twice"):
        make_comparison([reports / "a", reports / "a"], tmp_path / "c3")
    with pytest.raises(InputError, match="not a folder"):
        make_comparison([reports / "a", tmp_path / "missing"], tmp_path / "c4")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        make_comparison([reports / "a", reports / "b"], busy)
    assert (busy / "notes.txt").read_text() == "mine"
    for name in ("c1", "c2", "c3", "c4"):
        assert not (tmp_path / name).exists()
