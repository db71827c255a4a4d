# foomcalc: `make report` sets everything up and writes reports/default/;
# `make test` runs the whole suite in the same virtual environment.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Python 3.12: on PATH if it runs, else through pyenv (installed but not selected).
PYTHON312 := $(shell if python3.12 --version >/dev/null 2>&1; then command -v python3.12; \
	elif command -v pyenv >/dev/null 2>&1 && pyenv prefix 3.12 >/dev/null 2>&1; then \
	echo "$$(pyenv prefix 3.12)/bin/python3.12"; fi)

.PHONY: setup notebooks report app test test-fast validate bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON312)" ]; then echo "error: Python 3.12 not found (neither python3.12 on PATH nor via 'pyenv prefix 3.12')" >&2; exit 2; fi
	@[ -x $(PY) ] || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# dev pulls in the app and survey extras (foomcalc[app,survey]): the whole suite runs
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --user --name foomcalc --display-name "foomcalc (.venv)" >/dev/null
	@touch $(STAMP)

# JupyterLab (a dev dependency, installed by setup) on the notebooks, project kernel.
notebooks: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

# make report always refreshes reports/default (the CLI itself refuses without --force).
report: $(STAMP)
	$(VENV)/bin/foomcalc report --preset default --out reports/default --force

# the web app on http://127.0.0.1:8050/ (docs/app.md); PORT=N to change the port
app: $(STAMP)
	$(VENV)/bin/foomcalc app --port $${PORT:-8050}

test: $(STAMP)
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m mypy src
	@# test order shuffled (pytest-randomly): SEED=N make test repeats an order
	@seed=$${SEED:-$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}; echo "test order seed: $$seed (SEED=$$seed make test repeats it)"; \
	$(PY) -m pytest -n 2 --dist loadfile -q -rs -p randomly --randomly-seed=$$seed --hypothesis-seed=$$seed

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

# the long Hypothesis profile (tests/conftest.py) for validate.py's hostile-input run
validate: $(STAMP)
	FOOMCALC_HYPOTHESIS=validate $(PY) scripts/validate.py
	$(PY) scripts/evidence_shrinkage.py

bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks scripts

clean:
	rm -rf $(VENV) reports
