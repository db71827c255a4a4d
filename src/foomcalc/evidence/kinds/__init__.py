"""The evidence kinds: one module per kind, each defining `KIND` (an `EvidenceKind`).

`KINDS` is the registry, by ``# kind:`` name. Its order is the order kinds are listed in
messages ("Known kinds: ..."). A kind's likelihood term is `inference.terms.TERMS[name]`;
tests/evidence/test_kinds.py checks that every module here is registered and complete.
"""

from __future__ import annotations

from foomcalc.evidence.kind import EvidenceKind
from foomcalc.evidence.kinds import (
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

KINDS: dict[str, EvidenceKind] = {k.name: k for k in (
    scaling.KIND, compute_trend.KIND, growth_rates.KIND, returns.KIND, summary.KIND,
    observations.KIND, training_durations.KIND, time_horizons.KIND, game_scaling.KIND,
    substitution.KIND, compute_shares.KIND, compute_equivalent_gains.KIND,
)}
