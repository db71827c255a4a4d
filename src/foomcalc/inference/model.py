"""Build the PyMC model from priors and evidence. Nothing here samples.

The model holds the parameters that evidence informs, each a random variable from
its prior (or a fixed value), plus one likelihood term per evidence file. Every
other parameter is absent from the likelihood, and priors are independent, so its
posterior is exactly its prior: `analysis` draws it directly from the prior instead
of making NUTS explore it (exact, faster to compile, and higher ESS). Prior
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

import pandas as pd
import pymc as pm

from foomcalc.evidence.files import EvidenceSet, parameters_informed
from foomcalc.inference.coordinates import DeferredPrior, supports_coordinates
from foomcalc.inference.pymc_priors import pymc_prior
from foomcalc.inference.terms import add_evidence, own_coordinates
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.files import PriorSet


def modelled_parameters(evidence: Sequence[EvidenceSet]) -> list[str]:
    """Registry parameters in the PyMC model: those the evidence informs, in registry order."""
    informed = parameters_informed(list(evidence))
    return [name for name in PARAMETERS if name in informed]


def hyperparameter_values(
    priors: PriorSet, evidence: Sequence[EvidenceSet]
) -> dict[str, float]:
    """The data values of a priors set: `<parameter>__<kwarg>` or `<parameter>__value`."""
    values: dict[str, float] = {}
    for name in modelled_parameters(evidence):
        spec = priors.specs[name]
        if spec.prior is None:
            values[f"{name}__value"] = float(spec.value)  # type: ignore[arg-type]
        else:
            for kwarg, value in spec.prior.parameters.items():
                values[f"{name}__{kwarg}"] = float(value)
    return values


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
    return families, tuple((e.label, e.sha256) for e in evidence)


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


def build_model(priors: PriorSet, evidence: Sequence[EvidenceSet]) -> pm.Model:
    """A PyMC model: the informed parameters plus one likelihood term per evidence file.

    A parameter whose likelihood term sets its own sampler coordinates
    (`terms.own_coordinates`) is handed to the terms as a
    `coordinates.DeferredPrior` when its prior allows it; the term creates it, with the
    same name and prior. Everything else is created here, in registry order.
    """
    deferrable = {name for ev in evidence for name in own_coordinates(ev)}
    with pm.Model() as model:
        params = {}
        for name in modelled_parameters(evidence):
            spec = priors.specs[name]
            if spec.prior is None:
                params[name] = pm.Data(f"{name}__value", float(spec.value))  # type: ignore[arg-type]
                continue
            data_kwargs = {
                kwarg: pm.Data(f"{name}__{kwarg}", float(value))
                for kwarg, value in spec.prior.parameters.items()
            }
            prior = pymc_prior(spec.prior.distribution, transform=spec.prior.transform,
                               **data_kwargs)
            if name in deferrable and supports_coordinates(prior):
                params[name] = DeferredPrior(name, prior)
            else:
                params[name] = prior.create_variable(name)
        add_evidence(list(evidence), params)
    return model
