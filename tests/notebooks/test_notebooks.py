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

import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.notebooks.runner import (
    NAMES,
    NOTEBOOKS,
    SMALL,
    execute_with_retry,
    report_summary,
    run_notebook,
)


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


def sleeping_notebook(path: Path, seconds: float) -> Path:
    """A planted hang: a notebook whose one cell sleeps `seconds`."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.timeout(120)
def test_a_hanging_cell_is_retried_once_then_fails_clearly(tmp_path):
    """A cell that sleeps an hour against a 3 s cell limit: two attempts, then a failure
    naming the notebook and the known hang, in seconds rather than an hour."""
    source = sleeping_notebook(tmp_path / "hang.ipynb", 3600)
    start = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match=r"hang\.ipynb: timed out twice") as failed:
        execute_with_retry(source, tmp_path / "out.ipynb", {}, execution_timeout_s=3)
    assert "papermill #711" in str(failed.value)
    assert time.monotonic() - start < 90


@pytest.mark.timeout(120)
def test_a_test_that_waits_forever_fails_at_the_per_test_limit(tmp_path):
    """Without papermill's limit (a cell limit of a day) a hanging notebook still ends:
    pytest-timeout fails the test at its limit (here --timeout=10, as pyproject.toml's
    timeout does for every test), the suite goes on."""
    sleeping_notebook(tmp_path / "hang.ipynb", 3600)
    test = tmp_path / "test_planted.py"
    test.write_text(
        "from pathlib import Path\n"
        "from tests.notebooks.runner import execute_with_retry\n\n"
        "def test_hang(tmp_path):\n"
        f"    execute_with_retry(Path({str(tmp_path / 'hang.ipynb')!r}), "
        "tmp_path / 'out.ipynb', {}, execution_timeout_s=86400)\n")
    start = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "--timeout=10", "--rootdir", str(tmp_path), str(test)],
        capture_output=True, text=True, timeout=100, cwd=NOTEBOOKS.parent)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "Timeout (>10.0s)" in run.stdout and "1 failed" in run.stdout, run.stdout[-2000:]
    assert time.monotonic() - start < 90
@pytest.mark.slow
def test_the_output_folder_follows_the_environment_not_the_repository(tmp_path, monkeypatch):
    """Run as `jupyter nbconvert --execute` would (no parameters: nbconvert passes none,
    and runs the kernel in notebooks/): FOOMCALC_OUT_DIR decides where the notebook
    writes, and nothing lands in the repository."""
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("FOOMCALC_OUT_DIR", str(elsewhere))
    repo = NOTEBOOKS.parent
    before = {p for p in repo.rglob("*") if ".git" not in p.parts}
    execute_with_retry(NOTEBOOKS / "01-quickstart.ipynb", tmp_path / "run.ipynb",
                       SMALL["01-quickstart"])
    report_summary(elsewhere / "01-quickstart" / "default")
    after = {p for p in repo.rglob("*") if ".git" not in p.parts}
    new = [p for p in after - before if "__pycache__" not in p.parts]
    assert not new, new[:5]
