"""The size limit of a priors file: checked before reading, named with the variable that
changes it."""

from __future__ import annotations

import pytest

from foomcalc.errors import InputError
from foomcalc.priors.files import load_priors

VARIABLE = "FOOMCALC_MAX_PRIORS_MB"


def big_priors(tmp_path, megabytes: float):
    path = tmp_path / "big.yaml"
    path.write_text("name: big\ndescription: padded\nbase: default\n"
                    + "#" * int(megabytes * 1e6) + "\n")
    return path


def test_a_large_priors_file_is_refused_naming_the_limit_and_its_variable(tmp_path):
    with pytest.raises(InputError) as exc:
        load_priors(big_priors(tmp_path, 1.5))
    assert "larger than 1 MB" in str(exc.value) and VARIABLE in str(exc.value)


def test_the_variable_raises_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv(VARIABLE, "2")
    assert load_priors(big_priors(tmp_path, 1.5)).name == "big"
    monkeypatch.setenv(VARIABLE, "lots")
    with pytest.raises(InputError, match=f"{VARIABLE}='lots': expected a positive number"):
        load_priors(big_priors(tmp_path, 1.5))
