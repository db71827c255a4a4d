"""Likelihood terms: one module per evidence kind (`evidence.kinds`), each defining `TERM`.

Call `add_evidence` inside ``with pm.Model():``. `params` maps every registry parameter
name to its random variable or a constant tensor; a fixed parameter still gets its term
(the term then just does not move it). Every variable a term creates is named after the
evidence file's label, e.g. ``chinchilla__loss`` (`unique_prefixes`); conventions and
shared helpers are in `terms.common`.
"""

from __future__ import annotations

from collections import Counter

import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.coordinates import DeferredPrior, realise
from foomcalc.inference.terms import (
    compute_equivalent_gains,
    compute_shares,
    compute_trend,
    game_scaling,
    growth_rates,
    observations,
    returns,
    scaling,
    substitution,
    summary,
    time_horizons,
    training_durations,
)
from foomcalc.inference.terms.common import Term
from foomcalc.parameters import PARAMETERS

#: The likelihood term of each evidence kind, by kind name.
TERMS: dict[str, Term] = {t.kind: t for t in (
    scaling.TERM, compute_trend.TERM, growth_rates.TERM, returns.TERM, summary.TERM,
    observations.TERM, training_durations.TERM, time_horizons.TERM, game_scaling.TERM,
    substitution.TERM, compute_shares.TERM, compute_equivalent_gains.TERM,
)}


def unique_prefixes(evidence: list[EvidenceSet]) -> list[str]:
    """File labels, suffixed _2, _3, ... when two files share a stem (and never a
    parameter name)."""
    seen: Counter[str] = Counter()
    out = []
    for ev in evidence:
        # a stem equal to a parameter name would clash with the model's `<param>__<kwarg>`
        label = f"{ev.label}_evidence" if ev.label in PARAMETERS else ev.label
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label}_{seen[label]}")
    return out


def own_coordinates(ev: EvidenceSet) -> tuple[str, ...]:
    """Registry parameters whose sampler coordinates this evidence set's term sets itself
    when it gets their priors deferred (`coordinates.DeferredPrior`)."""
    return TERMS[ev.kind].own_coordinates(ev)


def add_evidence(evidence: list[EvidenceSet], params: dict[str, pt.TensorVariable]) -> None:
    """Add each evidence set's likelihood term to the current PyMC model (inside `with`).

    A deferred prior that no term created in its own coordinates becomes its plain
    variable at the end."""
    for ev, prefix in zip(evidence, unique_prefixes(evidence), strict=True):
        TERMS[ev.kind].add(ev, params, prefix)
    for name in [n for n, v in params.items() if isinstance(v, DeferredPrior)]:
        realise(params, name)
