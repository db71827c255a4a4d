"""Evidence files at the edges: size and row limits (checked before parsing), large
legitimate files thinned with a stated method, and the substitution bound's z shared by
the cell check and the likelihood."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from foomcalc.errors import InputError
from foomcalc.evidence.files import load_evidence
from foomcalc.evidence.kinds import substitution as substitution_kind
from foomcalc.inference.terms import substitution as substitution_term
from foomcalc.inference.terms.substitution import substitution_rows

SUBSTITUTION_HEADER = "# kind: substitution\nstudy,domain,estimate,se,citation\n"


def test_one_z_for_the_substitution_check_and_the_likelihood():
    assert substitution_term.UPPER_BOUND_Z is substitution_kind.UPPER_BOUND_Z
    assert abs(substitution_kind.UPPER_BOUND_Z - stats.norm.ppf(0.975)) < 1e-15


@pytest.mark.parametrize("estimate", [-1.95998, -1.959999999, -1.959963984540054])
def test_estimate_in_the_sliver_below_the_bound_is_refused(tmp_path, estimate):
    """An estimate with estimate + 1.96 se > 0 but estimate + z se <= 0 (z = 1.95996...)
    passed the 1.96 check and gave the likelihood log(<= 0) = NaN."""
    path = tmp_path / "s.csv"
    path.write_text(SUBSTITUTION_HEADER + f"a,ai-research,{estimate!r},1,c\n")
    with pytest.raises(InputError, match="excludes every positive elasticity"):
        load_evidence(path)


@pytest.mark.parametrize("estimate", [-1.9599, -1.0, -0.103, 0.5])
def test_accepted_substitution_rows_give_finite_log_values(tmp_path, estimate):
    path = tmp_path / "s.csv"
    path.write_text(SUBSTITUTION_HEADER + f"a,ai-research,{estimate!r},1,c\n")
    rows = substitution_rows(load_evidence(path).table)
    assert np.isfinite(rows["log_value"]).all() and np.isfinite(rows["log_se"]).all()
