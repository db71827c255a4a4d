"""Saving and loading analysis results (posterior.nc), and reading what went into one
(its priors, its sampled parameters, its evidence files). Loading never rebuilds a model."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from foomcalc.errors import InputError
from foomcalc.evidence.files import load_evidence
from foomcalc.paths import evidence_dir
from foomcalc.priors.files import PriorSet, priors_from_dict

if TYPE_CHECKING:
    import xarray as xr

RESULT_FILE = "posterior.nc"


def save_result(result: xr.DataTree, path: str | Path) -> None:
    """Write the result as NetCDF-4 (h5netcdf), one group per DataTree node."""
    result.to_netcdf(path, engine="h5netcdf")


def load_result(path: str | Path) -> xr.DataTree:
    """Read a saved result fully into memory (the file is closed afterwards)."""
    path = Path(path)
    if path.is_dir():
        path = path / RESULT_FILE
    if not path.is_file():
        raise InputError(f"no {RESULT_FILE} here: expected a folder written by 'foomcalc report'",
                         source=path.parent if path.name == RESULT_FILE else path)
    import xarray as xr  # ~0.4 s to import: not needed to refuse a folder with no result

    try:
        with xr.open_datatree(path, engine="h5netcdf") as tree:
            result = tree.load()
    except Exception as exc:  # a corrupt or foreign file is bad input, not a crash
        raise InputError(f"cannot read as a foomcalc result ({type(exc).__name__})",
                         source=path) from None
    if "schema_version" not in result.attrs or "posterior_outcomes" not in result:
        raise InputError("not a foomcalc result (no schema_version or outcomes)", source=path)
    return result


def attr_json(result: xr.DataTree, name: str):
    """A JSON-encoded root attribute, decoded."""
    return json.loads(result.attrs[name])


def result_priors(result: xr.DataTree) -> PriorSet:
    """The PriorSet a saved result was computed with (from its `priors_json`)."""
    return _priors_from_json(result.attrs["priors_json"])


@functools.lru_cache(maxsize=64)
def _priors_from_json(text: str) -> PriorSet:
    """Parsed once per text: a survey worker reweights hundreds of people from one base
    (PriorSet is treated as immutable everywhere)."""
    return priors_from_dict(json.loads(text), source="posterior.nc")


def result_modelled(result: xr.DataTree, report_dir: Path | None = None) -> list[str]:
    """Parameters sampled by NUTS in a saved result (the evidence-informed ones)."""
    if "modelled_parameters_json" in result.attrs:
        return list(json.loads(result.attrs["modelled_parameters_json"]))
    # results from before the list was saved: the evidence tells (PyMC only then)
    from foomcalc.inference.model import modelled_parameters

    return modelled_parameters(result_evidence(result, report_dir))


def result_evidence(result: xr.DataTree, report_dir: Path | None = None) -> list:
    """The evidence files of a saved result, found by sha256: the report folder's
    evidence/ copy, the recorded path, or the bundled file of that name."""
    out = []
    for item in json.loads(result.attrs["evidence_json"]):
        name = Path(item["path"]).name
        candidates = [Path(item["path"]), evidence_dir() / name]
        if report_dir is not None:
            candidates.insert(0, Path(report_dir) / "evidence" / f"{item['sha256'][:8]}-{name}")
        for path in candidates:
            if path.is_file():
                loaded = load_evidence(path)
                if loaded.sha256 == item["sha256"]:
                    out.append(loaded)
                    break
        else:
            raise InputError(f"evidence {name} (sha256 {item['sha256'][:12]}) is not found; "
                             "a refit needs the exact file", source=report_dir)
    return out
