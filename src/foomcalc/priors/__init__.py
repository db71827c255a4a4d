"""Priors: the prior representation (families, `PriorForm`), quantile fits, one
entry of a priors file, numpy/scipy draws and densities, `PriorSet` and loading.
No PyMC here."""
