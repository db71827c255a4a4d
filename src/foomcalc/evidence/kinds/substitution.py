"""``substitution``: published elasticities of substitution between research labour and
compute.

Columns: study, domain, estimate (sigma, unitless), se (its standard error on the same
linear scale, > 0), citation. Domain ``ai-research`` measures AI research itself; any
other domain (e.g. ``capital-labour``) is a distant one with a wider spread
(docs/evidence.md). A published estimate <= 0 is kept and read as an upper bound by the
likelihood. Canonical table: the same columns, numbers as floats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind

#: Domain of substitution estimates measured in AI research itself (compute vs labour).
AI_RESEARCH = "ai-research"
#: z of a one-sided 97.5% bound, Phi^-1(0.975): an estimate <= 0 is read as the upper bound
#: estimate + UPPER_BOUND_Z se. The one constant of the cell check here and the likelihood
#: (`inference.terms.substitution`), so whatever passes the check has a positive bound.
UPPER_BOUND_Z = 1.959963984540054
#: |sigma estimate| above this is a unit or sign mistake (published elasticities are < 10).
MAX_ELASTICITY = 50.0


def substitution_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """study, domain, estimate (|sigma| <= MAX_ELASTICITY, not excluding every positive
    value at UPPER_BOUND_Z se), se (> 0), citation."""
    est = cells.numbers(frame, "estimate", problems)
    se = cells.numbers(frame, "se", problems)
    cells.check_positive(se, "se", problems)
    for i, (v, s) in enumerate(zip(est, se, strict=True)):
        bound_positive = v + UPPER_BOUND_Z * s > 0
        if np.isfinite(v) and np.isfinite(s) and s > 0 and v <= 0 and not bound_positive:
            problems.at(i, "estimate", f"{v:g} with se {s:g} excludes every positive elasticity "
                                       f"(estimate + {UPPER_BOUND_Z:.4f} se <= 0); check the "
                                       f"sign and the se.")
        if np.isfinite(v) and abs(v) > MAX_ELASTICITY:
            problems.at(i, "estimate", f"{v:g} is not a plausible elasticity of substitution "
                                       f"(published values lie within +-{MAX_ELASTICITY:g}); "
                                       f"give sigma itself, not rho = 1 - 1/sigma or a percentage.")
    return pd.DataFrame({"study": cells.texts(frame, "study", problems),
                         "domain": cells.texts(frame, "domain", problems),
                         "estimate": est, "se": se,
                         "citation": cells.texts(frame, "citation", problems)})


def informs(table: pd.DataFrame) -> set[str]:
    """The elasticity of substitution between compute and research labour."""
    return {"substitution_elasticity"}


def sbc_design() -> pd.DataFrame:
    """The bundled file's design: two AI-research specifications (one published below 0, so
    an upper bound) and two distant-domain estimates; the values are replaced by simulated
    ones, the bound stays a censoring point."""
    return pd.DataFrame({"study": ["ai-a", "ai-b", "far-a", "far-b"],
                         "domain": [AI_RESEARCH, AI_RESEARCH, "capital-labour", "capital-labour"],
                         "estimate": [2.583, -0.103, 0.6, 0.3], "se": [1.0, 0.25, 0.1, 0.3],
                         "citation": ["sbc design"] * 4})


KIND = EvidenceKind(
    name="substitution",
    doc="published elasticities of substitution sigma (compute vs research labour): study, "
        "domain, estimate, se, citation",
    columns=("study", "domain", "estimate", "se", "citation"),
    noun="estimates",
    build=substitution_table,
    informs=informs,
    sbc_title="substitution random effects",
    sbc_design=sbc_design,
)
