"""Saving and loading analysis results (posterior.nc). Loading never rebuilds a model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from foomcalc.errors import InputError

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
