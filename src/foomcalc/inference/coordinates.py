"""Sampler coordinates of positive parameters: the geometry NUTS sees, not the model.

`model.build_model` creates each prior as a PyMC variable, which NUTS samples on the log
scale. For a few parameters a likelihood term knows better coordinates
(docs/decisions.md, "Sampler geometry"): build_model then hands the term a
`DeferredPrior` instead, and the term creates the parameter with `softplus_coordinate`
or `log_coordinate`. The parameter keeps its name and its prior exactly (the
coordinate's density is the prior's density times the Jacobian, for any positive
family), so posteriors, reports and SBC are unchanged; only the sampler's coordinate (a
free variable named `<name>__coord`) is new. Any other use of a deferred prior
(`realise`) creates the plain variable.

- `softplus_coordinate`: value = exp(log_scale) * softplus(u). Log-like below the scale
  (u ~ log value), linear above it. For a term of a sum that the data bound from above
  (a loss term below the noise), the likelihood's wall is quadratic in u instead of
  exp(2 log value): no divergences at the wall.
- `log_coordinate`: log value = c - shift, with a shift built from other variables, so
  that c is what the data pin (e.g. the mean of several domains' log doubling times).

A coordinate may depend on data (`pm.Data`) and other parameters: the map from the
coordinate to the value is a bijection for every value of them, and the Jacobian is
included, so the model is the same whatever they are. A coordinate's own draws mean
nothing across data sets; SBC checks the parameters, not the `__coord` variables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.distribution import support_point
from pymc_extras.prior import Prior

#: Suffix of the free variables that are sampler coordinates (not parameters).
COORD_SUFFIX = "__coord"
#: Families (untransformed) whose support is (0, inf): the ones a coordinate can carry.
POSITIVE_FAMILIES = ("LogNormal", "Gamma", "HalfNormal", "Exponential")


@dataclass(frozen=True)
class DeferredPrior:
    """A registry parameter's prior (hyperparameters as `pm.Data`), not yet a variable."""

    name: str
    prior: Prior

    def family(self):
        return self.prior.pymc_distribution

    def kwargs(self) -> dict:
        return dict(self.prior.parameters)


def supports_coordinates(prior: Prior | None) -> bool:
    """Whether a prior can be created in the coordinates of this module."""
    return (prior is not None and prior.transform is None and not prior.dims
            and prior.distribution in POSITIVE_FAMILIES)


def realise(params: dict, name: str) -> pt.TensorVariable:
    """params[name] as a tensor; a deferred prior becomes the plain prior variable."""
    value = params[name]
    if isinstance(value, DeferredPrior):
        value = params[name] = value.prior.create_variable(name)
    return pt.as_tensor_variable(value)


def log_softplus(u: pt.TensorVariable) -> pt.TensorVariable:
    """log(softplus(u)), finite down to u = -inf (equal to u below -30 in double precision)."""
    return pt.switch(u < -30.0, u, pt.log(pt.softplus(pt.maximum(u, -30.0))))


def inverse_softplus(r: pt.TensorVariable) -> pt.TensorVariable:
    """u with softplus(u) = r > 0, without overflow: log(expm1(r)) = r + log(1 - e^-r)."""
    return r + pt.log(-pt.expm1(-r))


def _prior_dist(deferred: DeferredPrior, prior_params, size=None):
    """The deferred prior's distribution with these parameter values (prior's order)."""
    kwargs = dict(zip(deferred.kwargs(), prior_params, strict=True))
    return deferred.family().dist(**kwargs) if size is None else \
        deferred.family().dist(**kwargs, size=size)


def softplus_coordinate(params: dict, name: str, log_scale) -> pt.TensorVariable:
    """Create params[name] = exp(log_scale) * softplus(u), u the free `<name>__coord`.

    The coordinate's density is prior(value) * value * d log value / du, so `name` keeps
    its prior exactly. Returns the value (a Deterministic named `name`).
    """
    deferred: DeferredPrior = params[name]
    log_scale = pt.as_tensor_variable(log_scale)

    def dist(log_scale, *rest):  # rest: the prior's parameters, then size
        value = _prior_dist(deferred, rest[:-1], size=rest[-1])
        return inverse_softplus(pt.exp(pt.log(value) - log_scale))

    def logp(u, log_scale, *prior_params):
        log_value = log_scale + log_softplus(u)
        return (pm.logp(_prior_dist(deferred, prior_params), pt.exp(log_value)) + log_value
                - pt.softplus(-u) - log_softplus(u))

    def start(rv, size, log_scale, *prior_params):
        value = support_point(_prior_dist(deferred, prior_params))
        return pt.full_like(rv, inverse_softplus(pt.exp(pt.log(value) - log_scale)))

    u = pm.CustomDist(f"{name}{COORD_SUFFIX}", log_scale, *deferred.kwargs().values(),
                      dist=dist, logp=logp, support_point=start)
    value = pm.Deterministic(name, pt.exp(log_scale + log_softplus(u)))
    params[name] = value
    return value


def log_coordinate(params: dict, name: str, shift, coord_name: str) -> pt.TensorVariable:
    """Create params[name] = exp(c - shift), c the free `coord_name` (a log-scale value
    moved by `shift`). Density of c: prior(value) * value. Returns c."""
    deferred: DeferredPrior = params[name]
    shift = pt.as_tensor_variable(shift)

    def dist(shift, *rest):  # rest: the prior's parameters, then size
        return pt.log(_prior_dist(deferred, rest[:-1], size=rest[-1])) + shift

    def logp(c, shift, *prior_params):
        return pm.logp(_prior_dist(deferred, prior_params), pt.exp(c - shift)) + c - shift

    def start(rv, size, shift, *prior_params):
        return pt.full_like(rv, pt.log(support_point(_prior_dist(deferred, prior_params)))
                            + shift)

    c = pm.CustomDist(coord_name, shift, *deferred.kwargs().values(), dist=dist, logp=logp,
                      support_point=start)
    params[name] = pm.Deterministic(name, pt.exp(c - shift))
    return c


def is_coordinate(name: str) -> bool:
    return name.endswith(COORD_SUFFIX)

