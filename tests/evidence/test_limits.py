"""Evidence files at the edges: size and row limits (checked before parsing), large
legitimate files thinned with a stated method, and the substitution bound's z shared by
the cell check and the likelihood."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from foomcalc.errors import InputError
from foomcalc.evidence import cells as cells_module
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.files import (
    MAX_MB,
    MAX_MODEL_ROWS,
    MAX_ROWS,
    SCALING_POINTS,
    THINNING_METHOD,
    load_evidence,
)
from foomcalc.evidence.kinds import substitution as substitution_kind
from foomcalc.inference.terms import substitution as substitution_term
from foomcalc.inference.terms.substitution import substitution_rows
from foomcalc.reporting.workflow import resolve_inputs

SUBSTITUTION_HEADER = "# kind: substitution\nstudy,domain,estimate,se,citation\n"


def test_one_z_for_the_substitution_check_and_the_likelihood():
    assert substitution_term.UPPER_BOUND_Z is substitution_kind.UPPER_BOUND_Z
    assert abs(substitution_kind.UPPER_BOUND_Z - stats.norm.ppf(0.975)) < 1e-15


@pytest.mark.parametrize("estimate", [-1.95998, -1.959999999, -1.959963984540054])
def test_estimate_in_the_sliver_below_the_bound_is_refused(tmp_path, estimate):
    """An estimate with estimate + 1.96 se > 0 but estimate + z se <= 0 (z = 1.95996...)
    passed the 1.96 check and gave the likelihood log(<= 0) = NaN."""
    path = tmp_path / "s.csv"
    path.write_text(SUBSTITUTION_HEADER + f"a,ai-research,{estimate!r},1,c\n")
    with pytest.raises(InputError, match="excludes every positive elasticity"):
        load_evidence(path)


@pytest.mark.parametrize("estimate", [-1.9599, -1.0, -0.103, 0.5])
def test_accepted_substitution_rows_give_finite_log_values(tmp_path, estimate):
    path = tmp_path / "s.csv"
    path.write_text(SUBSTITUTION_HEADER + f"a,ai-research,{estimate!r},1,c\n")
    rows = substitution_rows(load_evidence(path).table)
    assert np.isfinite(rows["log_value"]).all() and np.isfinite(rows["log_se"]).all()


# ---------------------------------------------------------------- size and row limits


def scaling_rows(n_rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(params, tokens, loss) of a Chinchilla-like law with 2% noise, N over 4 decades."""
    rng = np.random.default_rng(seed)
    n = 10 ** rng.uniform(7, 11, n_rows)
    d = 20 * n * 10 ** rng.uniform(-1, 1, n_rows)
    loss = (1.69 + 406.4 / n**0.34 + 410.7 / d**0.28) * np.exp(rng.normal(0, 0.02, n_rows))
    return n, d, loss


def write_scaling(path, n, d, loss) -> None:
    lines = [f"{a:.6g},{b:.6g},{c:.5f}" for a, b, c in zip(n, d, loss, strict=True)]
    path.write_text("params,tokens,loss\n" + "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def large_scaling(tmp_path_factory):
    """A legitimate 100,000-point scaling file, and the same rows sorted by compute."""
    folder = tmp_path_factory.mktemp("large")
    n, d, loss = scaling_rows(100_000)
    write_scaling(folder / "random_order.csv", n, d, loss)
    order = np.argsort(n * d)
    write_scaling(folder / "sorted.csv", n[order], d[order], loss[order])
    return folder


def test_large_scaling_file_is_thinned_evenly_in_compute(large_scaling):
    ev = load_evidence(large_scaling / "random_order.csv")
    kept = SCALING_POINTS.default
    assert len(ev.table) == kept and ev.thinned_from == 100_000
    assert f"thinned from 100,000: {THINNING_METHOD}" in ev.describe()
    full = pd.read_csv(large_scaling / "random_order.csv")
    log_c = np.sort(np.log(full["params"] * full["tokens"]))
    kept_c = np.sort(np.log(ev.table["params"] * ev.table["tokens"]))
    assert kept_c[0] == pytest.approx(log_c[0]) and kept_c[-1] == pytest.approx(log_c[-1])
    # the kept points' compute distribution is the file's: KS distance about 1 / kept
    assert stats.ks_2samp(kept_c, log_c).statistic < 2.0 / kept
    # the same points whatever the file's row order (a head() would differ and fail above)
    again = load_evidence(large_scaling / "sorted.csv")
    assert again.table.sort_values("params").to_numpy().tolist() == \
        ev.table.sort_values("params").to_numpy().tolist()


def test_thinning_keeps_small_files_whole(tmp_path):
    n, d, loss = scaling_rows(SCALING_POINTS.default)
    write_scaling(tmp_path / "s.csv", n, d, loss)
    ev = load_evidence(tmp_path / "s.csv")
    assert len(ev.table) == SCALING_POINTS.default and ev.thinned_from is None
    assert "thinned" not in ev.describe()


def test_thinned_points_are_changed_by_their_variable(tmp_path, monkeypatch, large_scaling):
    monkeypatch.setenv(SCALING_POINTS.env, "50")
    assert len(load_evidence(large_scaling / "random_order.csv").table) == 50


def test_thinning_is_noted_for_the_report(large_scaling, tmp_path):
    inputs = resolve_inputs(None, None, [large_scaling / "random_order.csv"], True,
                            tmp_path / "out")
    note = next(n for n in inputs.notes if n.startswith("random_order.csv: 100,000 points"))
    assert f"uses {SCALING_POINTS.default} of them" in note and SCALING_POINTS.env in note


def test_rows_are_counted_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "rows.csv"
    path.write_text("# kind: observations\nname,likelihood_ratio\n"
                    + "".join(f"o{i},1\n" for i in range(11)))
    monkeypatch.setenv(MAX_ROWS.env, "10")
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("parsed a file too long"))
    with pytest.raises(InputError) as exc:
        load_evidence(path)
    assert "more than 10 rows (11)" in str(exc.value) and MAX_ROWS.env in str(exc.value)


def test_size_limit_names_its_variable(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    with path.open("wb") as f:
        f.write(b"params,tokens,loss\n")
        f.truncate(3 * 2**20)
    monkeypatch.setenv(MAX_MB.env, "2")
    with pytest.raises(InputError) as exc:
        load_evidence(path)
    assert "limited to 2 MB" in str(exc.value) and MAX_MB.env in str(exc.value)


@pytest.mark.parametrize("raw", ["abc", "0", "-5", "1.5"])
def test_a_bad_limit_variable_is_an_input_error(tmp_path, monkeypatch, raw):
    monkeypatch.setenv(MAX_ROWS.env, raw)
    path = tmp_path / "s.csv"
    write_scaling(path, *scaling_rows(3))
    with pytest.raises(InputError, match=f"{MAX_ROWS.env}='{raw}': expected a positive whole"):
        load_evidence(path)


def test_rows_beyond_the_likelihood_cap_are_refused_but_observations_are_not(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv(MAX_MODEL_ROWS.env, "3")
    trend = tmp_path / "trend.csv"
    trend.write_text("date,training_flop\n" + "".join(f"{2010 + i},{10.0 ** (18 + i):g}\n"
                                                      for i in range(4)))
    with pytest.raises(InputError) as exc:
        load_evidence(trend)
    assert "4 rows; the likelihood of a compute_trend file takes at most 3" in str(exc.value)
    assert MAX_MODEL_ROWS.env in str(exc.value)
    obs = tmp_path / "obs.csv"
    obs.write_text("name,likelihood_ratio\n" + "".join(f"o{i},1.1\n" for i in range(5)))
    assert len(load_evidence(obs).table) == 5


CELLS = ["1", " 2.5 ", "-0", "0", "0.0", "1e-400", "1e400", "-inf", "nan", "NaN", "", "  ",
         "None", "null", "x", "1,5", "1_000", "\u0661\u0662", "+3", ".5", "5.", "0x10",
         "99999999999999999999999", "9007199254740993", "1e308", "4.9e-324", "abc1"]


def reference_numbers(cells: list[str]) -> tuple[list[float], list[str]]:
    """The per-cell float() reading (the loader's rule before it was vectorised)."""
    values, problems = [], []
    for i, raw in enumerate(cells):
        cell = raw.strip()
        if cell == "" or cell.lower() in ("nan", "na", "null", "none"):
            problems.append(f"row {i + 1}, column 'v': missing value (blank or NaN); a number "
                            "is expected.")
            values.append(np.nan)
            continue
        try:
            value = float(cell)
        except ValueError:
            problems.append(f"row {i + 1}, column 'v': '{cell}' is not a number.")
            values.append(np.nan)
            continue
        if not np.isfinite(value):
            problems.append(f"row {i + 1}, column 'v': {cell} is not a finite number.")
            values.append(np.nan)
        else:
            values.append(value)
    return values, problems


def test_vectorised_numbers_read_every_cell_as_float_does():
    problems = Problems([])
    problems_limit = cells_module.MAX_PROBLEMS
    got = cells_module.numbers(pd.DataFrame({"v": CELLS}), "v", problems)
    want, want_problems = reference_numbers(CELLS)
    assert np.array_equal(got, np.array(want), equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(np.array(want)))  # -0 stays -0
    assert problems.items[:problems_limit] == want_problems[:problems_limit]
