"""Surveys: many respondents' priors on shared evidence, run on Dask; proposal
bases and the group report."""
