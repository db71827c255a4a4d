"""Fixtures shared by the test folders (each folder mirrors a stage of src/foomcalc).

Tests take what they share from here or from helper modules (tests/oracles, tests/browser,
tests/notebooks/runner), never from another test module, and keep no state between
tests: every file passes alone and in any order (`make test` shuffles with
pytest-randomly and prints the seed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from foomcalc.evidence.files import EvidenceSet, bundled_evidence
from foomcalc.paths import data_dir
from foomcalc.priors.files import PriorSet, load_preset

#: The repository's root folder.
REPO_ROOT = Path(__file__).resolve().parents[1]

# Hypothesis profiles, chosen by FOOMCALC_HYPOTHESIS (default "ci"). Both explore: new
# cases in every run from a random seed (`make test` passes its printed seed as
# --hypothesis-seed, so SEED=N make test repeats the cases too), a failing case is
# printed with a @reproduce_failure blob, and failing cases are kept in .hypothesis/
# (git-ignored) and tried first in the next local run. "validate" (`make validate`)
# runs 20x more cases.
_COMMON = dict(deadline=None, derandomize=False, print_blob=True,
               database=DirectoryBasedExampleDatabase(str(REPO_ROOT / ".hypothesis" / "examples")),
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=100, **_COMMON)
settings.register_profile("validate", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("FOOMCALC_HYPOTHESIS", "ci"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """data/examples: the synthetic example files (scripts/make_examples.py)."""
    return data_dir() / "examples"


@pytest.fixture(scope="session")
def default_priors() -> PriorSet:
    """The default preset (a PriorSet is never changed in place)."""
    return load_preset("default")


@pytest.fixture(scope="session")
def bundled() -> list[EvidenceSet]:
    """Every bundled evidence file of data/evidence/, loaded once."""
    return bundled_evidence()
