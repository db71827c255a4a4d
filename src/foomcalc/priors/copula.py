"""Rank correlations between parameters' priors, joined by a Gaussian copula.

A priors file may give Spearman rank correlations between uncertain parameters
(`correlations: [[returns_r, limit_ooms, 0.5]]`). The joint prior keeps every marginal
exactly as stated and joins them by a Gaussian copula: with z_i = Phi^-1(F_i(x_i)) (the
normal scores, `draws.normal_scores`), z ~ N(0, R). For a bivariate normal Spearman's
rho_s = (6 / pi) arcsin(r / 2) (Pearson 1907; Kruskal 1958, JASA 53, eq. 4.12), so
the copula's Pearson correlation is r = 2 sin(pi rho_s / 6) and the draws' rank
correlation is the stated rho_s, whatever the marginals.

- Draws are made from independent draws by coupling: the independent draws' normal scores
  are iid N(0, 1) innovations e, and z = mu + L e (`correlate`), so correlating a prior
  changes only the correlated parameters' draws.
- Conditional draws: members not `given` are drawn from N(mu, S) with
  mu = R_og R_gg^-1 z_g and S = R_oo - R_og R_gg^-1 R_go (L its Cholesky factor): the
  draws of the parameters no evidence informs, given the posterior draws of those it does.
- The copula's log density log c(z) = -1/2 z' (R^-1 - I) z - 1/2 log det R: the joint
  prior density is the product of the marginals times c (reweighting; the PyMC model adds
  it as a Potential on the evidence-informed block, whose copula is the sub-matrix R_gg).

Nothing here imports PyMC.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from foomcalc.parameters import PARAMETERS
from foomcalc.priors.draws import from_normal_scores, normal_scores
from foomcalc.priors.entry import did_you_mean, finite_number

#: A rank correlation: (parameter, parameter, Spearman's rho), parameters in registry order.
Pair = tuple[str, str, float]
_ORDER = {name: i for i, name in enumerate(PARAMETERS)}
#: Smallest eigenvalue a copula's correlation matrix may have (numerically positive
#: definite: its Cholesky factor and inverse are well conditioned).
MIN_EIGENVALUE = 1e-8


def pearson_of_spearman(rho_s: float) -> float:
    """The Gaussian copula's Pearson correlation r = 2 sin(pi rho_s / 6) for a Spearman
    rank correlation rho_s."""
    return 2.0 * math.sin(math.pi * rho_s / 6.0)


def canonical(pairs: Sequence[Pair]) -> tuple[Pair, ...]:
    """Pairs with each pair's parameters, and the pairs, in registry order."""
    out = [(a, b, float(r)) if _ORDER[a] < _ORDER[b] else (b, a, float(r)) for a, b, r in pairs]
    return tuple(sorted(out, key=lambda p: (_ORDER[p[0]], _ORDER[p[1]])))


def correlation_matrix(names: Sequence[str], pairs: Sequence[Pair]) -> np.ndarray:
    """The copula's Pearson correlation matrix over `names` for rank correlations `pairs`."""
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    for a, b, rho in pairs:
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = pearson_of_spearman(rho)
    return matrix


@dataclass(frozen=True)
class Copula:
    """A Gaussian copula over `names` (registry order) with Pearson correlations `matrix`."""

    names: tuple[str, ...]
    matrix: np.ndarray

    @classmethod
    def of(cls, pairs: Sequence[Pair]) -> Copula | None:
        """The copula of a priors set's rank correlations; None when there are none."""
        if not pairs:
            return None
        names = tuple(sorted({n for a, b, _ in pairs for n in (a, b)}, key=_ORDER.__getitem__))
        return cls(names, correlation_matrix(names, pairs))

    def block(self, names: Sequence[str]) -> Copula | None:
        """The copula of the members among `names` (a Gaussian copula's margin is the
        sub-matrix); None when fewer than two are members or they are uncorrelated."""
        keep = [i for i, n in enumerate(self.names) if n in set(names)]
        sub = self.matrix[np.ix_(keep, keep)]
        if len(keep) < 2 or np.array_equal(sub, np.eye(len(keep))):
            return None
        return Copula(tuple(self.names[i] for i in keep), sub)

    def log_density(self, z: np.ndarray) -> np.ndarray:
        """log c at normal scores z (members x draws): -1/2 z'(R^-1 - I)z - 1/2 log det R."""
        precision = np.linalg.inv(self.matrix) - np.eye(len(self.names))
        _, logdet = np.linalg.slogdet(self.matrix)
        return -0.5 * np.einsum("i...,ij,j...->...", z, precision, z) - 0.5 * logdet

    def conditional(self, given: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """(others, A, L): the members not in `given` and, for normal scores z_g of the
        given members (in `names` order), z_others = A z_g + L e with e iid N(0, 1)."""
        g = [i for i, n in enumerate(self.names) if n in set(given)]
        o = [i for i, n in enumerate(self.names) if n not in set(given)]
        r = self.matrix
        if g:
            coef = np.linalg.solve(r[np.ix_(g, g)], r[np.ix_(g, o)]).T
            cov = r[np.ix_(o, o)] - coef @ r[np.ix_(g, o)]
        else:
            coef, cov = np.zeros((len(o), 0)), r[np.ix_(o, o)]
        return tuple(self.names[i] for i in o), coef, np.linalg.cholesky(cov)

    def given_names(self, given: Sequence[str]) -> tuple[str, ...]:
        """The members among `given`, in `names` order."""
        return tuple(n for n in self.names if n in set(given))


def _scores(specs: Mapping, draws: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """Normal scores (names x draws) of the flattened draws of `names`."""
    size = np.size(next(iter(draws.values())))
    return np.array([normal_scores(specs[n].prior, np.ravel(draws[n])) for n in names]
                    ).reshape(len(names), size)


def correlate(copula: Copula, specs: Mapping, draws: Mapping[str, np.ndarray],
              given: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """New draws of the copula's members not in `given`, joined to the draws of those in
    `given` (kept) by the copula. `draws` of the others must be independent draws from
    their marginals: their normal scores are the innovations. Shapes are kept."""
    others = copula.conditional(given)[0]
    return from_innovations(copula, specs, draws, _scores(specs, draws, others), given)


def innovations(copula: Copula, specs: Mapping, draws: Mapping[str, np.ndarray],
                given: Sequence[str] = ()) -> np.ndarray:
    """The iid N(0, 1) innovations e (others x draws) behind draws made by `correlate`:
    e = L^-1 (z_others - A z_given)."""
    others, coef, chol = copula.conditional(given)
    z_o = _scores(specs, draws, others)
    z_g = _scores(specs, draws, copula.given_names(given))
    return np.linalg.solve(chol, z_o - coef @ z_g)


def from_innovations(copula: Copula, specs: Mapping, draws: Mapping[str, np.ndarray],
                     e: np.ndarray, given: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Draws of the members not in `given`: z = A z_given + L e, x = F^-1(Phi(z))."""
    others, coef, chol = copula.conditional(given)
    z_g = _scores(specs, draws, copula.given_names(given))
    z_o = coef @ z_g + chol @ e
    shape = np.shape(draws[copula.names[0]])
    return {n: from_normal_scores(specs[n].prior, z_o[i]).reshape(shape)
            for i, n in enumerate(others)}


def log_copula_density(copula: Copula | None, specs: Mapping,
                       draws: Mapping[str, np.ndarray]) -> np.ndarray | float:
    """log c of the copula at the draws' normal scores (0 without a copula)."""
    if copula is None:
        return 0.0
    z = _scores(specs, draws, copula.names)
    return copula.log_density(z).reshape(np.shape(draws[copula.names[0]]))


# ------------------------------------------------------------------ reading a priors file

def parse_correlations(raw: Any, specs: Mapping, path: str,
                       problems: list[str]) -> tuple[Pair, ...]:
    """Validated rank correlations from a priors file's `correlations:` list (problems
    appended, each naming its entry); exact zeros are dropped (no correlation)."""
    if not isinstance(raw, list):
        problems.append(f"{path}: expected a list of [parameter, parameter, rank correlation] "
                        "entries, e.g. [[returns_r, limit_ooms, 0.5]]")
        return ()
    pairs: list[Pair] = []
    seen: dict[frozenset, str] = {}
    n_before = len(problems)
    for i, entry in enumerate(raw):
        where = f"{path}[{i}]"
        pair = _pair(entry, specs, where, problems)
        if pair is None:
            continue
        key = frozenset(pair[:2])
        if key in seen:
            problems.append(f"{where}: the pair {pair[0]}, {pair[1]} is given twice (also "
                            f"{seen[key]})")
            continue
        seen[key] = where
        pairs.append(pair)
    if len(problems) > n_before:
        return ()
    kept = [p for p in pairs if p[2] != 0.0]
    wheres = [seen[frozenset(p[:2])] for p in kept]
    _check_matrix(kept, wheres, path, problems)
    return canonical(kept)


def _pair(entry: Any, specs: Mapping, where: str, problems: list[str]) -> Pair | None:
    """One [a, b, rho] entry, checked: known, uncertain, distinct parameters, |rho| < 1."""
    if not isinstance(entry, list | tuple) or len(entry) != 3:
        problems.append(f"{where}: expected [parameter, parameter, rank correlation], got "
                        f"{entry!r}"[:200])
        return None
    a, b, rho = entry
    n = len(problems)
    for name in (a, b):
        if not isinstance(name, str) or name not in PARAMETERS:
            problems.append(f"{where}: unknown parameter {name!r}"
                            f"{did_you_mean(str(name), PARAMETERS)}")
        elif specs.get(name) is not None and specs[name].prior is None:
            problems.append(f"{where}: {name} is fixed (value {specs[name].value:g}); only "
                            "uncertain parameters can be correlated")
    if a == b and isinstance(a, str):
        problems.append(f"{where}: a parameter cannot be correlated with itself ({a})")
    rho = finite_number(rho, where, problems, what="a rank correlation between -1 and 1")
    if rho is not None and not -1.0 < rho < 1.0:
        problems.append(f"{where}: the rank correlation must lie strictly between -1 and 1, "
                        f"got {rho:g}")
    return None if len(problems) > n else (a, b, float(rho))


def _check_matrix(pairs: list[Pair], wheres: list[str], path: str,
                  problems: list[str]) -> None:
    """The pairs must make a positive-definite copula matrix; else name the entries among
    the smallest set of parameters whose correlations already cannot hold together."""
    if not pairs or _smallest_eigenvalue(pairs) > MIN_EIGENVALUE:
        return
    culprits = _culprits(pairs, wheres)
    problems.append(
        f"{path}: these rank correlations cannot hold together (the Gaussian copula's "
        f"correlation matrix, r = 2 sin(pi rho / 6), is not positive definite: smallest "
        f"eigenvalue {_smallest_eigenvalue(pairs):.3g}); weaken one of {', '.join(culprits)}")


def _smallest_eigenvalue(pairs: Sequence[Pair]) -> float:
    copula = Copula.of(pairs)
    return 1.0 if copula is None else float(np.linalg.eigvalsh(copula.matrix).min())


def _culprits(pairs: list[Pair], wheres: list[str]) -> list[str]:
    """The entries among the smallest set of parameters (3, 4, ... of them) whose
    sub-matrix is not positive definite (all entries when there are many parameters)."""
    names = sorted({n for a, b, _ in pairs for n in (a, b)}, key=_ORDER.__getitem__)
    if len(names) <= 10:
        for size in range(3, len(names) + 1):
            for group in itertools.combinations(names, size):
                inside = [i for i, (a, b, _) in enumerate(pairs) if {a, b} <= set(group)]
                if _smallest_eigenvalue([pairs[i] for i in inside]) <= MIN_EIGENVALUE:
                    return [wheres[i] for i in inside]
    return wheres
