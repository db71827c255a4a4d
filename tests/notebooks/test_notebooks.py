"""The notebooks in notebooks/ run top to bottom (papermill) and write real reports.

Fast tests check the notebooks' form (a `parameters` cell, outputs stripped, the
parameters the slow tests override). Slow tests execute each notebook with small
parameters into a temporary folder, on the kernel of the running interpreter
(papermill's "python3" resolves to it), and check the report it wrote. A cell that
raises fails the test (papermill raises PapermillExecutionError). Notebooks 04-06 run in
test_notebooks_more.py, so the two halves go to different pytest-xdist workers; both
use tests/notebooks/runner.py.
"""

from __future__ import annotations

import nbformat
import pytest

from tests.notebooks.runner import NAMES, NOTEBOOKS, SMALL, report_summary, run_notebook


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    return cells[0]


def test_every_notebook_is_tested():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_form(name):
    nb = _read(name)
    nbformat.validate(nb)
    params = _parameters_cell(nb)
    assert nb.cells.index(params) <= 2, "parameters come first, before any work"
    namespace: dict = {}
    exec(params.source, namespace)  # plain assignments only
    for key in ("out_dir", "seed", *SMALL[name]):
        assert key in namespace, f"parameters cell lacks {key}"
    assert namespace["out_dir"] is None  # resolved in the next cell: not the repository
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "outputs not stripped"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.slow
def test_01_quickstart(tmp_path):
    out = run_notebook("01-quickstart", tmp_path)
    summary = report_summary(out / "default")
    assert summary["priors_name"] == "default"
    assert (out / "default" / "report.html").is_file()


@pytest.mark.slow
def test_02_enter_your_priors(tmp_path):
    from foomcalc.priors.files import load_priors

    out = run_notebook("02-enter-your-priors", tmp_path, my_name="tester")
    priors = load_priors(out / "tester.yaml")
    assert priors.name == "tester"
    assert priors.specs["returns_r"].quantiles  # entered by quantiles
    assert priors.correlations == (("returns_r", "limit_ooms", 0.5),)  # section 5
    summary = report_summary(out / "report-tester")
    assert summary["priors_name"] == "tester"


@pytest.mark.slow
def test_03_add_evidence(tmp_path):
    out = run_notebook("03-add-evidence", tmp_path)
    assert (out / "scaling_fit.png").stat().st_size > 0
    base = report_summary(out / "baseline")
    scaling = report_summary(out / "with-scaling")
    both = report_summary(out / "with-scaling-and-observations")
    kinds = {e["kind"] for e in both["evidence"]}
    assert {"scaling", "observations"} <= kinds
    assert len(scaling["evidence"]) == len(base["evidence"]) + 1
    # the example observations' likelihood ratios multiply to 0.6 x 1.3 x 0.8
    assert both["likelihood_ratio_observations"] == pytest.approx(0.624)
    assert both["p_rsi_feasible"]["posterior"] < scaling["p_rsi_feasible"]["posterior"]


@pytest.mark.slow
def test_the_output_folder_follows_the_environment_not_the_repository(tmp_path, monkeypatch):
    """Run as `jupyter nbconvert --execute` would (no parameters: nbconvert passes none,
    and runs the kernel in notebooks/): FOOMCALC_OUT_DIR decides where the notebook
    writes, and nothing lands in the repository."""
    papermill = pytest.importorskip("papermill")
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("FOOMCALC_OUT_DIR", str(elsewhere))
    repo = NOTEBOOKS.parent
    before = {p for p in repo.rglob("*") if ".git" not in p.parts}
    papermill.execute_notebook(str(NOTEBOOKS / "01-quickstart.ipynb"),
                               str(tmp_path / "run.ipynb"), parameters=SMALL["01-quickstart"],
                               kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False)
    report_summary(elsewhere / "01-quickstart" / "default")
    after = {p for p in repo.rglob("*") if ".git" not in p.parts}
    new = [p for p in after - before if "__pycache__" not in p.parts]
    assert not new, new[:5]
