"""``growth_rates``: efficiency doubling times and research-input growth by domain.

Columns: domain, efficiency_doubling_years (+ _lower, _upper; years),
input_growth_per_year (annual growth fraction of research input, 0.1 = +10%/yr;
+ _lower, _upper), interval, citation. Each domain's r = software growth / input growth
is pooled with the returns model; domain ``ai-software`` also measures
software_doubling_months. Canonical table: the same columns, numbers as floats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind
from foomcalc.evidence.kinds import returns
from foomcalc.evidence.kinds.returns import AI_SOFTWARE


def growth_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """domain, the two measurements with their bounds (all > 0), interval, citation."""
    eff = cells.check_interval(frame, problems, "efficiency_doubling_years")
    inp = cells.check_interval(frame, problems, "input_growth_per_year")
    for i, v in enumerate(inp["input_growth_per_year"]):
        if np.isfinite(v) and v > 3:
            problems.at(i, "input_growth_per_year", f"{v:g} means +{v * 100:g}%/yr; it looks "
                                                    f"like a percentage: give a fraction "
                                                    f"(0.1 = +10%/yr).")
    return pd.DataFrame({"domain": cells.texts(frame, "domain", problems), **eff, **inp,
                         "interval": cells.check_level(frame, problems),
                         "citation": cells.texts(frame, "citation", problems)})


def informs(table: pd.DataFrame) -> set[str]:
    """As returns; software_doubling_months too when a row measures AI software."""
    out = returns.informs(table)
    if (table["domain"] == AI_SOFTWARE).any():
        out.add("software_doubling_months")
    return out


def sbc_design() -> pd.DataFrame:
    """AI software plus three domains: doubling-time and input-growth measurements."""
    domains = [AI_SOFTWARE, "chess", "vision", "gpus"]
    eff = returns.interval_design(domains, [0.3, 0.2, 0.4, 0.3], 1.0)
    inp = returns.interval_design(domains, [0.3, 0.25, 0.35, 0.5], 0.2)
    return pd.DataFrame({
        "domain": domains,
        "efficiency_doubling_years": eff["estimate"],
        "efficiency_doubling_years_lower": eff["lower"],
        "efficiency_doubling_years_upper": eff["upper"],
        "input_growth_per_year": inp["estimate"],
        "input_growth_per_year_lower": inp["lower"],
        "input_growth_per_year_upper": inp["upper"],
        "interval": eff["interval"], "citation": eff["citation"]})


KIND = EvidenceKind(
    name="growth_rates",
    doc="efficiency doubling times (years) and research-input growth (fraction per year) "
        "by domain, with intervals",
    columns=("domain", "efficiency_doubling_years", "efficiency_doubling_years_lower",
             "efficiency_doubling_years_upper", "input_growth_per_year",
             "input_growth_per_year_lower", "input_growth_per_year_upper", "interval",
             "citation"),
    noun="domains",
    build=growth_table,
    informs=informs,
    sbc_title="growth-rate model",
    sbc_design=sbc_design,
)
