"""NUTS sampling with nutpie, and the diagnostics gate.

Every fit is checked (r_hat, bulk and tail ESS, divergences, E-BFMI). On trouble the
fit is retried once with a higher target acceptance and longer tuning; what remains
is reported, never hidden. nutpie was measured faster than `pm.sample` on this
model (benchmarks/run.py), so it is the sampler.

Compilation (benchmarks/README.md): nutpie's own numba path wraps PyTensor's
logp-and-gradient function in a C callback that numba cannot cache on disk, so
every process spent 10-20 s compiling it. `compile_model` instead hands nutpie
PyTensor's numba function itself, which PyTensor caches on disk
(`pytensor.config.numba__cache`), through nutpie's public Python-callback interface
(`nutpie_model.py`): about 1.5 s to compile in a fresh process, at tens of us of call
overhead per gradient.

Everything is compiled with PyTensor's numba fast-math flags off (`numba__fastmath`):
the cached logp function calls its helper kernels through weak
symbols, which resolve to the helpers' own compiled copies when they were compiled
in this process (cold cache) and to the function's re-optimised copies when it was
loaded from disk (warm cache). With fast-math (reassociation, contraction,
approximate functions) the two copies round differently, by ~1 ulp, and NUTS turns
that into other draws; without it both are exact IEEE code and agree bit for bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TypeAlias

import arviz as az
import numpy as np
import nutpie
import pymc as pm
import pytensor
import xarray as xr

from foomcalc.inference.adapters import ContractError
from foomcalc.inference.adapters.nutpie_pyfunc import PublicModel, public_compile
from foomcalc.inference.forked import ForkedCall, can_fork
from foomcalc.inference.nutpie_model import CompiledModel, nutpie_model

#: What `compile_model` returns: foomcalc's Python-callback model, or nutpie's own.
#: (TypeAlias, not the `type` statement: the structure check parses with Python 3.11.)
AnyCompiled: TypeAlias = CompiledModel | PublicModel  # noqa: UP040
#: Sampling progress: nutpie's own bar (True), none (False), or nutpie's progress callback
#: (called with a list of ChainProgress, e.g. cli.progress.ProgressLines).
Progress: TypeAlias = bool | Callable[[list], None]  # noqa: UP040

#: Thresholds (Vehtari et al. 2021, "Rank-normalization, folding, and localization").
MAX_R_HAT = 1.01
MIN_ESS = 400
MIN_BFMI = 0.3
#: Largest share of draws that may stop at the tree-depth limit (Stan warns at any;
#: a few are harmless, many mean trajectories cut short and slow mixing).
MAX_DEPTH_SHARE = 0.01


@dataclass(frozen=True)
class SamplerSettings:
    draws: int = 1000
    #: 400 tuning draws at target acceptance 0.85: with the scaling-law, game and horizon
    #: terms in their own coordinates (coordinates.py) no preset diverges at 0.85, at
    #: less than half the gradients of 1,000 at 0.95; the gate's retry goes to 0.925
    #: with 800 tuning draws (docs/decisions.md, benchmarks/README.md)
    tune: int = 400
    chains: int = 4
    target_accept: float = 0.85
    #: low-rank mass-matrix adaptation: more ESS per gradient than a diagonal one here
    #: (default preset: bulk ESS ~2,100 vs ~1,300 at a similar cost)
    adaptation: str = "low_rank"
    #: at most 2^8 = 256 leapfrog steps per draw, not nutpie's 2^10: the first warm-up
    #: draws, before the step size and mass matrix adapt, would otherwise run to 1,023
    #: steps; once adapted the draws take ~15. 2^6 lets a chain of the sparse returns
    #: random-effects fit (a funnel in tau) stick (docs/decisions.md). The gate counts
    #: draws at the limit and its retry lifts it to 10.
    maxdepth: int = 8


@dataclass
class Diagnostics:
    max_r_hat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float
    attempts: int = 1
    problems: list[str] = field(default_factory=list)
    max_depth_draws: int = 0  # draws whose trajectory stopped at the tree-depth limit

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def compile_model(model: pm.Model, backend: str = "pyfunc", inputs: tuple | None = None
                  ) -> AnyCompiled:
    """Compile a PyMC model for nutpie (reused across refits through `with_data`).

    backend "pyfunc" (default): `nutpie_model.nutpie_model`, disk-cached (~1.5 s in a
    fresh process); when a library internal it reaches fails its run-time check
    (`adapters.ContractError`), nutpie's public compile instead, with a warning.
    "numba": `nutpie.compile_pymc_model`, a C callback, 10-20 s in every process but
    less overhead per gradient (kept for the benchmark). `inputs`: what determines the
    model (`model.model_identity`), if known (pyfunc only).
    """
    if backend not in ("pyfunc", "numba"):
        raise ValueError(f"compile_model: unknown backend {backend!r} (pyfunc or numba)")
    # no fast-math: the same draws whether PyTensor's compile cache is cold or warm
    # (module docstring); it costs ~10% per gradient call, within the callback overhead
    # no creation traces on graph nodes (PyTensor's debugging aid): ~40% of building logp
    with pytensor.config.change_flags(numba__fastmath=False, traceback__limit=0):
        if backend == "pyfunc":
            try:
                return nutpie_model(model, inputs)
            except ContractError as exc:
                warnings.warn(f"{exc}: compiling with nutpie.compile_pymc_model instead",
                              RuntimeWarning, stacklevel=2)
        return public_compile(model)


def _sampled_variables(posterior: xr.Dataset) -> list[str]:
    """Variables to diagnose: the free (untransformed) ones and deterministics."""
    return [str(name) for name in posterior.data_vars if posterior[name].size > 1]


def diagnose(trace: xr.DataTree, attempts: int = 1) -> Diagnostics:
    """Convergence diagnostics of a posterior trace, with plain-English problems."""
    posterior = trace["posterior"].to_dataset()
    names = _sampled_variables(posterior)
    rhat = az.rhat(posterior[names])
    ess_bulk = az.ess(posterior[names], method="bulk")
    ess_tail = az.ess(posterior[names], method="tail")
    max_r_hat = float(max(np.nanmax(rhat[n].values) for n in names))
    min_bulk = float(min(np.nanmin(ess_bulk[n].values) for n in names))
    min_tail = float(min(np.nanmin(ess_tail[n].values) for n in names))
    stats = trace["sample_stats"].to_dataset()
    divergences = int(stats["diverging"].sum()) if "diverging" in stats else 0
    min_bfmi = float(np.min(np.asarray(az.bfmi(stats["energy"])))) if "energy" in stats \
        else float("nan")
    at_limit = int(stats["maxdepth_reached"].sum()) if "maxdepth_reached" in stats else 0
    problems = []
    if not max_r_hat <= MAX_R_HAT:
        worst = max(names, key=lambda n: float(np.nanmax(rhat[n].values)))
        problems.append(f"r_hat {max_r_hat:.3f} > {MAX_R_HAT} (worst: {worst}): chains disagree")
    if not min_bulk >= MIN_ESS:
        problems.append(f"bulk ESS {min_bulk:.0f} < {MIN_ESS}: too few effective draws")
    if not min_tail >= MIN_ESS:
        problems.append(f"tail ESS {min_tail:.0f} < {MIN_ESS}: tail quantiles unreliable")
    if divergences:
        problems.append(f"{divergences} divergent transitions: posterior geometry is hard")
    if np.isfinite(min_bfmi) and min_bfmi < MIN_BFMI:
        problems.append(f"E-BFMI {min_bfmi:.2f} < {MIN_BFMI}: poor energy exploration")
    if at_limit > MAX_DEPTH_SHARE * stats.sizes.get("chain", 1) * stats.sizes.get("draw", 1):
        problems.append(f"{at_limit} draws stopped at the tree-depth limit: trajectories "
                        "cut short, slow mixing")
    return Diagnostics(max_r_hat, min_bulk, min_tail, divergences, min_bfmi, attempts, problems,
                       at_limit)


def _nutpie_sample(model, seed: int, chains: int, settings: SamplerSettings, cores: int,
                   progress) -> xr.DataTree:
    return nutpie.sample(
        model,
        draws=settings.draws,
        tune=settings.tune,
        chains=chains,
        cores=cores,
        seed=seed,
        save_warmup=False,
        # progress: True -> nutpie's bar; a callable -> nutpie's public progress_callback
        # (list of ChainProgress), e.g. cli.progress.ProgressLines
        progress_bar=progress is True,
        progress_callback=progress if callable(progress) else None,
        target_accept=settings.target_accept,
        adaptation=settings.adaptation,
        maxdepth=settings.maxdepth,
    )


def second_half_seed(seed: int) -> int:
    """nutpie's seed for the second half of the chains: derived from `seed`, so it
    collides with no other report's first half (a 64-bit SeedSequence state)."""
    return int(np.random.SeedSequence([seed, 1]).generate_state(1, np.uint64)[0])


@dataclass(frozen=True)
class _Chains:
    """Progress of chains nutpie does not report here (the other half): what
    `ProgressLines` reads of a nutpie ChainProgress."""

    finished_draws: int
    total_draws: int
    divergences: int


def _divergences(trace: xr.DataTree) -> int:
    stats = trace["sample_stats"]
    return int(stats["diverging"].sum()) if "diverging" in stats else 0


def _join_chains(first: xr.DataTree, second: xr.DataTree) -> xr.DataTree:
    """The two halves' traces as one, chains numbered 0..n-1 (first half first)."""
    groups = {}
    for name, node in first.children.items():
        both = xr.concat([node.to_dataset(), second[name].to_dataset()], dim="chain",
                         coords="minimal", compat="override", join="override")
        groups[name] = both.assign_coords(chain=np.arange(both.sizes["chain"]))
    return xr.DataTree.from_dict(groups)


def sample(
    compiled: AnyCompiled,
    seed: int,
    settings: SamplerSettings = SamplerSettings(),
    progress: Progress = False,
) -> xr.DataTree:
    """Draw from the posterior with nutpie's NUTS (`chains` chains, fixed seed).

    On the Python-callback model the chains are drawn as two halves (seeds `seed` and
    `second_half_seed(seed)`): at once in a forked child and here when that is safe
    (`forked.py`: twice as fast on two cores), else one after the other; the draws are
    the same either way.
    """
    if not isinstance(compiled, CompiledModel):  # nutpie's C callback: its own threads
        return _nutpie_sample(compiled, seed, settings.chains, settings,
                              min(settings.chains, 2), progress)
    # Python callbacks share the GIL: one thread per process is faster than two
    second = settings.chains // 2
    first = settings.chains - second
    if not second:
        return _nutpie_sample(compiled.nutpie, seed, first, settings, 1, progress)
    return _sample_halves(compiled, seed, settings, progress, first, second)


def _sample_halves(compiled: CompiledModel, seed: int, settings: SamplerSettings, progress,
                   first: int, second: int) -> xr.DataTree:
    """`first` chains here and `second` chains (seed `second_half_seed(seed)`) in a forked
    child where that is safe, else after the first half; progress covers both."""
    per_chain = settings.tune + settings.draws

    def with_other(other: Callable[[], _Chains]):
        """The progress callback with the other half's chains added."""
        if not callable(progress):
            return progress
        return lambda chains: progress([*chains, other()])

    def second_half(report) -> xr.DataTree:
        return _nutpie_sample(compiled.nutpie, second_half_seed(seed), second, settings, 1,
                              report)

    def in_child(counts) -> xr.DataTree:  # the second half in the forked child
        def shared(chains) -> None:  # its progress: shown by the parent, and a stall guard
            counts[0] = sum(int(c.finished_draws) for c in chains)
            counts[1] = sum(int(c.divergences) for c in chains)

        return second_half(shared)

    child = ForkedCall(in_child) if can_fork() else None

    def child_chains() -> _Chains:
        done = (int(child.counts[0]), int(child.counts[1])) if child else (0, 0)
        return _Chains(done[0], second * per_chain, done[1])

    try:
        trace = _nutpie_sample(compiled.nutpie, seed, first, settings, 1,
                               with_other(child_chains))
        first_done = _Chains(first * per_chain, first * per_chain, _divergences(trace))
        other = None
        if child is not None:
            report = with_other(child_chains)

            def report_first_done() -> None:
                if callable(report):
                    report([first_done])

            other = child.result(report_first_done)
            if other is not None and callable(progress):  # the end, however fast it came
                progress([first_done, _Chains(second * per_chain, second * per_chain,
                                              _divergences(other))])
    finally:
        if child is not None:
            child.cancel()
    if other is None:  # no child, or it failed: this half here (the same draws)
        other = second_half(with_other(lambda: first_done))
    return _join_chains(trace, other)


def retry_settings(settings: SamplerSettings) -> SamplerSettings:
    """Settings for the one retry after failed diagnostics: target acceptance halfway to 1
    (0.85 -> 0.925: smaller steps, fewer divergences), twice the tuning, at least 1,000
    draws and nutpie's own tree-depth limit (2^10 steps). (It used max(0.95, 0.95): the
    retry changed nothing.)"""
    return replace(settings, target_accept=1.0 - (1.0 - settings.target_accept) / 2.0,
                   tune=2 * settings.tune, draws=max(settings.draws, 1000),
                   maxdepth=max(settings.maxdepth, 10))


def sample_with_gate(
    compiled: AnyCompiled,
    seed: int,
    settings: SamplerSettings = SamplerSettings(),
    progress: Progress = False,
) -> tuple[xr.DataTree, Diagnostics]:
    """Sample, check, and on trouble retry once with `retry_settings` (smaller steps,
    twice the tuning)."""
    trace = sample(compiled, seed, settings, progress)
    diagnostics = diagnose(trace)
    if diagnostics.ok:
        return trace, diagnostics
    trace = sample(compiled, seed + 1, retry_settings(settings), progress)
    return trace, diagnose(trace, attempts=2)
