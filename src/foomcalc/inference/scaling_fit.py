"""Standalone Chinchilla-form scaling-law fit (`foomcalc fit-scaling FILE`,
`reporting.scaling_report`).

L(N, D) = E + A/N^a + B/D^b (Hoffmann et al. 2022, "Training Compute-Optimal Large
Language Models", eq. 2; N parameters, D tokens, L nats/token), fitted with the
robust Student-t likelihood of `terms.scaling.add_scaling`, sampled with nutpie
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

import arviz as az
import numpy as np
import pymc as pm

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kinds.scaling import chinchilla_log_loss
from foomcalc.inference.sampling import SamplerSettings, compile_model, sample
from foomcalc.inference.terms.scaling import add_scaling, reference_scales

SUMMARY_VARS = ("scaling_E", "scaling_A", "scaling_B", "scaling_a", "scaling_b", "alpha_C")
SHORT = {"scaling_E": "E", "scaling_A": "A", "scaling_B": "B", "scaling_a": "a",
         "scaling_b": "b", "alpha_C": "alpha_C"}
EXPONENT_PRIOR = (float(np.log(0.35)), 0.75)


def build_scaling_model(ev: EvidenceSet, robust: bool = True) -> pm.Model:
    """A small PyMC model: the priors above plus the file's scaling likelihood."""
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
    # the compile entry point reports use: PyTensor's disk-cached function, compiled
    # without fast-math so that a cold and a warm cache give the same draws (sampling.py)
    return sample(compile_model(model), seed,
                  SamplerSettings(draws=draws, tune=tune, chains=chains))


def posterior_summary(idata, var_names) -> dict[str, dict[str, float]]:
    """mean, sd, q05/q50/q95, r_hat, ess_bulk, ess_tail per scalar variable."""
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
    idata = sample_model(build_scaling_model(ev, robust=robust), seed, draws, tune, chains)
    post = posterior_summary(idata, SUMMARY_VARS)
    n_ref, d_ref = reference_scales(ev.table)
    med = {k: v["q50"] for k, v in post.items()}
    resid = np.log(ev.table["loss"].to_numpy()) - chinchilla_log_loss(med, ev.table)
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
