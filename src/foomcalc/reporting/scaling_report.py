"""`foomcalc fit-scaling FILE`: check the file, fit the Chinchilla law
(`inference.scaling_fit`), plot the fit and print the posterior as a table."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from foomcalc.errors import InputError
from foomcalc.evidence.files import EvidenceSet, load_evidence
from foomcalc.evidence.kinds.scaling import chinchilla_log_loss


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
    # PyMC is loaded here, once the file is known to be good: bad input is answered at once
    from foomcalc.inference import scaling_fit

    summary, _ = scaling_fit.fit_scaling_evidence(ev, seed=seed)
    if plot_path is not None:
        plot_fit(ev, summary, plot_path)
        summary["plot"] = str(plot_path)
    return summary


def plot_fit(ev: EvidenceSet, summary: dict, plot_path: str | Path) -> None:
    """Two panels: loss vs parameters with fitted curves; observed vs fitted loss."""
    # matplotlib only when a plot is asked for (bad input is answered without it); a
    # Figure, not pyplot, so a notebook's backend is never switched
    from matplotlib.figure import Figure
    p = {f"scaling_{k}" if k != "alpha_C" else k: v["q50"]
         for k, v in summary["parameters"].items()}
    t = ev.table
    fitted = np.exp(chinchilla_log_loss(p, t))
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
