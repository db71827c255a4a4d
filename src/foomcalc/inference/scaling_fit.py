"""Standalone Chinchilla-form scaling-law fit (`foomcalc fit-scaling FILE`).

L(N, D) = E + A/N^a + B/D^b (Hoffmann et al. 2022, "Training Compute-Optimal Large
Language Models", eq. 2; N parameters, D tokens, L nats/token), fitted with the
robust Student-t likelihood of `likelihoods.add_scaling`, sampled with nutpie
(4 chains). Reported: E, A, B, a, b and the compute-optimal exponent
alpha_C = a b / (a + b) (loss ~ C^-alpha_C along the compute-optimal frontier).

Priors (weakly informative; loss-scale priors are set from the data's loss level
so the fit works for any loss units):
- a, b ~ LogNormal(log 0.35, 0.75): median 0.35, 90% in 0.10-1.2.
- E ~ LogNormal(log(0.5 min L), 1.0): irreducible loss below the smallest loss.
- A N_ref^-a, B D_ref^-b (reducible loss at the geometric-mean N, D) ~
  LogNormal(log(0.25 median L), 1.5). A and B in the Hoffmann convention are
  deterministic transforms of these, so the sampler sees weakly correlated,
  O(1) quantities.
- residual scale sigma ~ HalfNormal(0.1) in log-loss; nu ~ Gamma(2, 0.1).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from foomcalc.errors import InputError
from foomcalc.evidence.files import EvidenceSet, load_evidence

if TYPE_CHECKING:
    import pymc as pm

# PyMC, PyTensor and the likelihoods are imported where a model is built, so that a bad
# file or --plot path is reported without loading them (issue 13 part 2)

SUMMARY_VARS = ("scaling_E", "scaling_A", "scaling_B", "scaling_a", "scaling_b", "alpha_C")
SHORT = {"scaling_E": "E", "scaling_A": "A", "scaling_B": "B", "scaling_a": "a",
         "scaling_b": "b", "alpha_C": "alpha_C"}
EXPONENT_PRIOR = (float(np.log(0.35)), 0.75)


def build_scaling_model(ev: EvidenceSet, robust: bool = True) -> pm.Model:
    """A small PyMC model: the priors above plus the file's scaling likelihood."""
    import pymc as pm

    from foomcalc.inference.likelihoods import add_scaling, reference_scales

    t = ev.table
    n_ref, d_ref = reference_scales(t)
    loss = t["loss"].to_numpy()
    with pm.Model() as model:
        a = pm.LogNormal("scaling_a", mu=EXPONENT_PRIOR[0], sigma=EXPONENT_PRIOR[1])
        b = pm.LogNormal("scaling_b", mu=EXPONENT_PRIOR[0], sigma=EXPONENT_PRIOR[1])
        big_e = pm.LogNormal("scaling_E", mu=float(np.log(0.5 * loss.min())), sigma=1.0)
        level = float(np.log(0.25 * np.median(loss)))
        a_ref = pm.LogNormal("A_at_ref", mu=level, sigma=1.5)
        b_ref = pm.LogNormal("B_at_ref", mu=level, sigma=1.5)
        big_a = pm.Deterministic("scaling_A", a_ref * n_ref**a)
        big_b = pm.Deterministic("scaling_B", b_ref * d_ref**b)
        pm.Deterministic("alpha_C", a * b / (a + b))
        params = {"scaling_a": a, "scaling_b": b, "scaling_E": big_e,
                  "scaling_A": big_a, "scaling_B": big_b}
        add_scaling(ev, params, ev.label, robust=robust)
    return model


def sample_model(model: pm.Model, seed: int = 0, draws: int = 1000, tune: int = 1000,
                 chains: int = 4):
    """nutpie NUTS with a low-rank mass matrix; returns the DataTree.

    The low-rank adaptation (nutpie `adaptation="low_rank"`) learns the
    strong A-a and B-b posterior correlations of the Chinchilla law; with a diagonal
    mass matrix the same fit gives ~10x lower ESS.
    """
    from foomcalc.inference.sampling import SamplerSettings, compile_model, sample

    # the one compile entry point reports use too (issue 14): PyTensor's disk-cached
    # function, compiled without fast-math so that a cold and a warm cache give the
    # same draws (issue 11 item 4, sampling.py)
    return sample(compile_model(model), seed,
                  SamplerSettings(draws=draws, tune=tune, chains=chains))


def posterior_summary(idata, var_names) -> dict[str, dict[str, float]]:
    """mean, sd, q05/q50/q95, r_hat, ess_bulk, ess_tail per scalar variable."""
    import arviz as az

    out = {}
    for name in var_names:
        draws = np.asarray(idata["posterior"][name].values, dtype=float)  # (chain, draw)
        q05, q50, q95 = np.quantile(draws, [0.05, 0.5, 0.95])
        out[name] = {
            "mean": float(draws.mean()), "sd": float(draws.std(ddof=1)),
            "q05": float(q05), "q50": float(q50), "q95": float(q95),
            "r_hat": float(az.rhat(draws)), "ess_bulk": float(az.ess(draws, method="bulk")),
            "ess_tail": float(az.ess(draws, method="tail", prob=0.05)),
        }
    return out


def divergences(idata) -> int:
    """Number of divergent transitions after warm-up."""
    return int(np.asarray(idata["sample_stats"]["diverging"].values).sum())


def fit_scaling_evidence(ev: EvidenceSet, seed: int = 0, robust: bool = True,
                         draws: int = 1000, tune: int = 1000, chains: int = 4):
    """Fit one scaling evidence set; returns (summary dict, DataTree)."""
    from foomcalc.inference.likelihoods import reference_scales

    idata = sample_model(build_scaling_model(ev, robust=robust), seed, draws, tune, chains)
    post = posterior_summary(idata, SUMMARY_VARS)
    n_ref, d_ref = reference_scales(ev.table)
    med = {k: v["q50"] for k, v in post.items()}
    resid = np.log(ev.table["loss"].to_numpy()) - _predict_log_loss(med, ev.table)
    scale = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    summary = {
        "file": ev.path, "label": ev.label, "sha256": ev.sha256, "n_points": len(ev.table),
        "likelihood": "student_t" if robust else "normal", "seed": seed,
        "draws": draws, "tune": tune, "chains": chains,
        "reference_params": n_ref, "reference_tokens": d_ref,
        "parameters": {SHORT[k]: v for k, v in post.items()},
        "n_outliers": int(np.sum(np.abs(resid) > 5 * max(scale, 1e-12))),
        "diagnostics": _diagnostics(post, idata),
    }
    return summary, idata


def _diagnostics(post: dict, idata) -> dict:
    max_r_hat = max(v["r_hat"] for v in post.values())
    min_bulk = min(v["ess_bulk"] for v in post.values())
    min_tail = min(v["ess_tail"] for v in post.values())
    div = divergences(idata)
    return {"max_r_hat": max_r_hat, "min_ess_bulk": min_bulk, "min_ess_tail": min_tail,
            "divergences": div,
            "ok": bool(max_r_hat <= 1.01 and min_bulk >= 400 and min_tail >= 400 and div == 0)}


def _predict_log_loss(med: dict[str, float], table: pd.DataFrame) -> np.ndarray:
    n, d = table["params"].to_numpy(), table["tokens"].to_numpy()
    return np.log(med["scaling_E"] + med["scaling_A"] / n ** med["scaling_a"]
                  + med["scaling_B"] / d ** med["scaling_b"])


def fit_scaling_file(path: str | Path, seed: int = 0, plot_path: str | Path | None = None
                     ) -> dict:
    """Fit the scaling law in `path`; JSON-serialisable summary; optional PNG fit plot.

    Raises InputError for a bad or non-scaling file.
    """
    ev = load_evidence(path)
    if ev.kind != "scaling":
        raise InputError(f"fit-scaling needs a scaling file (params, tokens, loss); this is "
                         f"a '{ev.kind}' file.", path)
    if len(ev.table) < 8:
        raise InputError(f"only {len(ev.table)} data rows; fitting 5 law parameters "
                         f"needs at least 8 (params, tokens, loss) points.", path)
    summary, _ = fit_scaling_evidence(ev, seed=seed)
    if plot_path is not None:
        plot_fit(ev, summary, plot_path)
        summary["plot"] = str(plot_path)
    return summary


def plot_fit(ev: EvidenceSet, summary: dict, plot_path: str | Path) -> None:
    """Two panels: loss vs parameters with fitted curves; observed vs fitted loss."""
    from matplotlib.figure import Figure  # no pyplot: never switches a notebook's backend

    p = {f"scaling_{k}" if k != "alpha_C" else k: v["q50"]
         for k, v in summary["parameters"].items()}
    t = ev.table
    fitted = np.exp(_predict_log_loss(p, t))
    fig = Figure(figsize=(11, 4.5))
    ax1, ax2 = fig.subplots(1, 2)
    sc = ax1.scatter(t["params"], t["loss"], c=np.log10(t["tokens"]), s=14, cmap="viridis")
    fig.colorbar(sc, ax=ax1, label="log10 tokens D")
    grid = np.geomspace(t["params"].min(), t["params"].max(), 100)
    for d in np.quantile(t["tokens"], [0.1, 0.5, 0.9]):
        curve = p["scaling_E"] + p["scaling_A"] / grid ** p["scaling_a"] + p[
            "scaling_B"] / d ** p["scaling_b"]
        ax1.plot(grid, curve, lw=1, color="k", alpha=0.6)
    ax1.set(xscale="log", yscale="log", xlabel="parameters N", ylabel="loss (nats/token)",
            title="data and posterior-median law (D at 10/50/90%)")
    ax2.scatter(fitted, t["loss"], s=12)
    lims = [min(fitted.min(), t["loss"].min()), max(fitted.max(), t["loss"].max())]
    ax2.plot(lims, lims, color="k", lw=1)
    ax2.set(xscale="log", yscale="log", xlabel="fitted loss", ylabel="observed loss",
            title="observed vs fitted (off-diagonal: outliers)")
    par = summary["parameters"]
    fig.suptitle(f"{Path(ev.path).name}: a={par['a']['q50']:.3f}, b={par['b']['q50']:.3f}, "
                 f"E={par['E']['q50']:.3f}, alpha_C={par['alpha_C']['q50']:.3f} "
                 f"(posterior medians)")
    fig.tight_layout()
    fig.savefig(plot_path, dpi=110)


def format_scaling_summary(summary: dict) -> str:
    """Plain-text table of the posterior (q05/q50/q95 are 5/50/95% quantiles)."""
    lines = [f"Scaling-law fit: {Path(summary['file']).name} ({summary['n_points']} points, "
             f"{summary['likelihood']} likelihood, {summary['chains']} chains x "
             f"{summary['draws']} draws, seed {summary['seed']})",
             "L(N, D) = E + A/N^a + B/D^b;  alpha_C = a*b/(a+b)",
             f"{'':8}{'mean':>10}{'sd':>10}{'q05':>10}{'q50':>10}{'q95':>10}"
             f"{'r_hat':>8}{'ess_bulk':>10}{'ess_tail':>10}"]
    for name, v in summary["parameters"].items():
        lines.append(f"{name:8}" + "".join(f"{_fmt(v[k]):>10}" for k in
                                           ("mean", "sd", "q05", "q50", "q95"))
                     + f"{v['r_hat']:>8.3f}{v['ess_bulk']:>10.0f}{v['ess_tail']:>10.0f}")
    diag = summary["diagnostics"]
    status = "ok" if diag["ok"] else "WARNING: unreliable sampling"
    lines.append(f"diagnostics: max r_hat {diag['max_r_hat']:.3f}, min ESS bulk "
                 f"{diag['min_ess_bulk']:.0f}, tail {diag['min_ess_tail']:.0f}, "
                 f"{diag['divergences']} divergences -> {status}")
    lines.append(f"points > 5 robust SDs from the fit (treated as outliers): "
                 f"{summary['n_outliers']}")
    if "plot" in summary:
        lines.append(f"plot: {summary['plot']}")
    return "\n".join(lines)


def _fmt(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.3e}"
