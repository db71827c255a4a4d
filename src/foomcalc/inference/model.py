"""Build the PyMC model from priors and evidence. Nothing here samples.

The model holds the parameters that evidence informs, each a random variable from
its prior (or a fixed value), plus one likelihood term per evidence file. When the
priors give rank correlations (`priors.copula`), the Gaussian copula's log density
over the informed parameters among them is added as a `pm.Potential` ("copula"), so
their joint prior is their marginals joined by the copula's informed block. Every
other parameter is absent from the likelihood, so its posterior is its prior given the
informed ones: `analysis` draws it directly (from the copula's conditional where it is
correlated) instead of making NUTS explore it (exact, faster to compile, and higher
ESS). Prior
hyperparameters and fixed values enter the graph as `pm.Data`
(named `<parameter>__<kwarg>`), not as constants baked into the graph, so a
compiled model can be refitted after a prior change with new data only, as long
as the `structure_key` (distribution families, which parameters are fixed, the
evidence) is unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pymc as pm

from foomcalc.evidence.files import EvidenceSet, parameters_informed
from foomcalc.inference.coordinates import DeferredPrior, supports_coordinates
from foomcalc.inference.copula_term import (
    COPULA_LOGDET,
    COPULA_PRECISION,
    add_copula,
    add_copula_draws,
)
from foomcalc.inference.pymc_priors import pymc_prior
from foomcalc.inference.terms import add_evidence, own_coordinates
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.copula import Copula
from foomcalc.priors.files import PriorSet


def modelled_parameters(evidence: Sequence[EvidenceSet]) -> list[str]:
    """Registry parameters in the PyMC model: those the evidence informs, in registry order."""
    informed = parameters_informed(list(evidence))
    return [name for name in PARAMETERS if name in informed]


def hyperparameter_values(
    priors: PriorSet, evidence: Sequence[EvidenceSet]
) -> dict[str, float]:
    """The data values of a priors set: `<parameter>__<kwarg>` or `<parameter>__value`."""
    values: dict = {}
    for name in modelled_parameters(evidence):
        spec = priors.specs[name]
        if spec.prior is None:
            values[f"{name}__value"] = spec.fixed()
        else:
            for kwarg, value in spec.prior.parameters.items():
                values[f"{name}__{kwarg}"] = float(value)
    block = informed_copula(priors, evidence)
    if block is not None:
        values[COPULA_PRECISION] = np.linalg.inv(block.matrix) - np.eye(len(block.names))
        values[COPULA_LOGDET] = float(np.linalg.slogdet(block.matrix)[1])
    return values


def informed_copula(priors: PriorSet, evidence: Sequence[EvidenceSet]) -> Copula | None:
    """The copula of the evidence-informed parameters among the correlated ones (the
    Gaussian copula's margin: the sub-matrix); None when fewer than two are correlated."""
    copula = priors.copula()
    return None if copula is None else copula.block(modelled_parameters(evidence))


def structure_key(priors: PriorSet, evidence: Sequence[EvidenceSet]) -> tuple:
    """What the compiled graph depends on besides data: equal keys share a compiled model."""
    families = tuple(
        (name, "fixed")
        if priors.specs[name].prior is None
        else (name, priors.specs[name].prior.distribution, priors.specs[name].prior.transform,  # type: ignore[union-attr]
              tuple(sorted(priors.specs[name].prior.parameters)))  # type: ignore[union-attr]
        for name in modelled_parameters(evidence)
    )
    # file labels in order: they name the terms' variables (`terms.unique_prefixes`),
    # so the same content under another file name is another graph
    key = families, tuple((e.label, e.sha256) for e in evidence)
    block = informed_copula(priors, evidence)
    return key if block is None else (*key, ("copula", block.names))


def model_identity(priors: PriorSet, evidence: Sequence[EvidenceSet]) -> tuple:
    """Everything `build_model`'s graphs depend on besides foomcalc's code and the library
    versions: the priors in full and every evidence table's content (hashed; evidence
    built in memory, e.g. SBC's, has no file hash). The disk cache remembers the graphs'
    key under it (`graph_cache.remembered_key`)."""
    tables = []
    for e in evidence:
        digest = hashlib.sha256(repr((e.kind, list(e.table.columns), e.table.shape)).encode())
        digest.update(pd.util.hash_pandas_object(e.table, index=True).values.tobytes())
        tables.append(digest.hexdigest())
    return (json.dumps(priors.to_dict(), sort_keys=True, default=str),
            structure_key(priors, evidence), tuple(tables))


def build_model(priors: PriorSet, evidence: Sequence[EvidenceSet], *,
                generative: bool = False) -> pm.Model:
    """A PyMC model: the informed parameters plus one likelihood term per evidence file.

    A parameter whose likelihood term sets its own sampler coordinates
    (`terms.own_coordinates`) is handed to the terms as a
    `coordinates.DeferredPrior` when its prior allows it; the term creates it, with the
    same name and prior. Everything else is created here, in registry order.
    `generative=True` (for simulating data, e.g. SBC): the correlated informed parameters
    come from the copula's generative form (`copula_term.add_copula_draws`) instead of
    their marginals plus the copula potential; the same joint prior, but one PyMC's
    forward sampling can draw from (it ignores potentials).
    """
    deferrable = {name for ev in evidence for name in own_coordinates(ev)}
    block = informed_copula(priors, evidence)
    with pm.Model() as model:
        params = {}
        for name in modelled_parameters(evidence):
            spec = priors.specs[name]
            if spec.prior is None:
                params[name] = pm.Data(f"{name}__value", spec.fixed())
                continue
            data_kwargs = {
                kwarg: pm.Data(f"{name}__{kwarg}", float(value))
                for kwarg, value in spec.prior.parameters.items()
            }
            prior = pymc_prior(spec.prior.distribution, transform=spec.prior.transform,
                               **data_kwargs)
            if generative and block is not None and name in block.names:
                continue  # made jointly below
            if name in deferrable and supports_coordinates(prior):
                params[name] = DeferredPrior(name, prior)
            else:
                params[name] = prior.create_variable(name)
        if generative and block is not None:
            add_copula_draws(model, priors, block, params)
        add_evidence(list(evidence), params)
        if block is not None and not generative:
            add_copula(model, priors, block, params)
    return model
