"""A survey's shared base per preset: the preset's priors, widened where respondents go
beyond them, so that they reweight instead of refitting.

Importance reweighting from a base posterior can only reach where the base prior went:
a respondent whose prior for an evidence-informed parameter puts mass outside the
preset's support (e.g. every forethought-2025 respondent's log-normal returns_r against
the preset's LogUniform(0.4, 3.6)) needs a full NUTS refit. For such a parameter the
survey's base uses a *proposal* prior instead: the parameter's default family for its
support (LogNormal for positive parameters, Normal for real ones, a LogNormal of x - 1
above one) with the mean and `WIDEN` x the standard deviation of the pooled draws of the
preset's prior and every respondent's prior on that scale. It covers all of them, with
heavier tails than a typical respondent, so PSIS weights stay usable (k-hat <= 0.7);
the result is exact either way, since every respondent's answer is their own prior's
posterior, reweighted or refitted. Parameters every respondent keeps inside the
preset's support are left as the preset has them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from foomcalc.analysis.reweight import support_within
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.entry import PriorSpec
from foomcalc.priors.families import DEFAULT_FAMILY, to_prior
from foomcalc.priors.files import PriorSet

#: Standard deviation of the proposal, in units of the pooled draws' one.
WIDEN = 1.5
#: Draws per prior in the pool.
POOL_DRAWS = 2000

# support -> the transform to the proposal's normal scale (its family: DEFAULT_FAMILY)
_SCALES = {
    "positive": np.log,
    "nonnegative": np.log,
    "above_one": lambda x: np.log(x - 1.0),
    "real": lambda x: x,
}


def proposal_priors(preset: PriorSet, respondents: Sequence[PriorSet],
                    informed: Sequence[str], seed: int = 0) -> tuple[PriorSet, list[str]]:
    """`preset` with a proposal prior for each evidence-informed parameter in `informed`
    whose support some respondent's prior leaves; returns (priors, widened names)."""
    rng = np.random.default_rng([seed, 50_000])
    out, widened = preset, []
    for name in informed:
        spec = preset.specs[name]
        support = PARAMETERS[name].support
        uncertain = [p.specs[name] for p in respondents if p.specs[name].prior is not None]
        if spec.prior is None or support not in _SCALES \
                or all(support_within(s, spec) for s in uncertain):
            continue  # a fixed preset value: who frees it refits either way
        with np.errstate(divide="ignore", invalid="ignore"):
            pooled = np.concatenate([_SCALES[support](s.sample(POOL_DRAWS, rng))  # type: ignore[operator]
                                     for s in (spec, *uncertain)])
        pooled = pooled[np.isfinite(pooled)]
        mu, sigma = float(pooled.mean()), WIDEN * float(pooled.std())
        prior = to_prior(DEFAULT_FAMILY[support], {"mu": mu, "sigma": sigma})
        source = (f"survey proposal covering {preset.name}'s prior and {len(uncertain)} "
                  f"respondents' (mean, {WIDEN} x sd of the pooled draws; foomcalc.survey.bases)")
        out = out.with_spec(name, PriorSpec(name, prior, None, source))
        widened.append(name)
    if widened:
        out = dataclasses.replace(out, name=f"{preset.name} (survey proposal)")
    return out, widened
