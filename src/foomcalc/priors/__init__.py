"""Priors: the prior representation (families, `PriorForm`), quantile fits, one entry
of a priors file, numpy/scipy draws and densities, `PriorSet` and loading. No PyMC here.

The names a notebook or script needs are importable from here (docs/priors.md)."""

from foomcalc.priors.entry import PriorSpec
from foomcalc.priors.files import (
    PriorSet,
    list_presets,
    load_preset,
    load_priors,
    priors_from_dict,
)
from foomcalc.priors.quantiles import fit_quantiles

__all__ = ["PriorSet", "PriorSpec", "fit_quantiles", "list_presets", "load_preset",
           "load_priors", "priors_from_dict"]
