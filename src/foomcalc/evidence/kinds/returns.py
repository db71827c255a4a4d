"""``returns``: published estimates of the returns to research r.

Columns: domain, estimate, lower, upper, interval, citation (r = lambda alpha / beta,
Bloom et al. 2020; Erdil, Besiroglu & Ho 2024). Domain ``ai-software`` is a direct
estimate of AI software's r; any other domain is pooled by random effects.
``interval`` is the central probability of [lower, upper] (0.9 = a 90% interval).
Canonical table: the same columns, numbers as floats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind

#: Domain of rows measuring AI software itself (returns and growth_rates).
AI_SOFTWARE = "ai-software"
#: Columns of a published estimate with its interval (returns, summary).
INTERVAL_COLUMNS = ("estimate", "lower", "upper", "interval", "citation")


def returns_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """domain, estimate, lower, upper (all > 0), interval, citation."""
    return pd.DataFrame({"domain": cells.texts(frame, "domain", problems),
                         **cells.check_interval(frame, problems),
                         "interval": cells.check_level(frame, problems),
                         "citation": cells.texts(frame, "citation", problems)})


def informs(table: pd.DataFrame) -> set[str]:
    """returns_r; returns_tau too when a row is from a domain other than AI software."""
    out = {"returns_r"}
    if (table["domain"] != AI_SOFTWARE).any():
        out.add("returns_tau")
    return out


def interval_design(domains: list[str], log_se: list[float], centre: float) -> dict:
    """SBC design columns estimate/lower/upper/interval/citation per domain: a 90%
    interval of the given log-space standard error around `centre`."""
    half = 1.6448536269514722 * np.asarray(log_se)
    return {"domain": domains, "estimate": np.full(len(domains), centre),
            "lower": centre * np.exp(-half), "upper": centre * np.exp(half),
            "interval": np.full(len(domains), 0.9), "citation": ["sbc design"] * len(domains)}


def sbc_design() -> pd.DataFrame:
    """A direct AI-software estimate and five other domains, log se 0.2-0.6."""
    domains = [AI_SOFTWARE, "chess", "sat", "vision", "lp", "gpus"]
    return pd.DataFrame(interval_design(domains, [0.4, 0.2, 0.3, 0.4, 0.5, 0.6], 1.0))


KIND = EvidenceKind(
    name="returns",
    doc="published returns to research r by domain, with an interval: domain, estimate, "
        "lower, upper, interval, citation",
    columns=("domain", *INTERVAL_COLUMNS),
    noun="estimates",
    build=returns_table,
    informs=informs,
    sbc_title="returns random effects",
    sbc_design=sbc_design,
)
