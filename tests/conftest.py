"""Fixtures shared by the test folders (each folder mirrors a stage of src/foomcalc).

Tests take what they share from here or from helper modules (tests/oracles, tests/browser,
tests/notebooks/runner), never from another test module, and keep no state between
tests: every file passes alone and in any order (`make test` shuffles with
pytest-randomly and prints the seed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from foomcalc.evidence.files import EvidenceSet, bundled_evidence
from foomcalc.paths import data_dir
from foomcalc.priors.files import PriorSet, load_preset

#: The repository's root folder.
REPO_ROOT = Path(__file__).resolve().parents[1]


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
