"""Hostile input: generated priors files, evidence files, CLI arguments, survey inputs and
app links (hypothesis).

Every generated case must end in a valid result or a clean refusal (`InputError`;
for the CLI exit status 2 and an ``error:``/usage message; for a link the page's
message), never any other exception or a traceback. At least MIN_CASES cases per
parser: FOOMCALC_HOSTILE_CASES of them (default 100 in `make test`; scripts/validate.py
asks for 500), derandomized, so a run is reproducible. The CLI's sampling step is
replaced by a sentinel (reaching it = the arguments were valid), so no case samples.
Each test counts its own cases (valid / refused) and checks them; if
FOOMCALC_HOSTILE_COUNTS names a file, the counts are added to it (scripts/validate.py
reports them in docs/validation.md).
"""

from __future__ import annotations

import datetime
import json
import os
import string
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from foomcalc.cli import commands as cli
from foomcalc.errors import InputError
from foomcalc.evidence.files import MAX_MB, load_evidence
from foomcalc.evidence.kinds import KINDS
from foomcalc.inference import scaling_fit as scaling
from foomcalc.parameters import PARAMETERS
from foomcalc.paths import presets_dir
from foomcalc.priors.families import FAMILIES
from foomcalc.priors.files import load_priors
from foomcalc.reporting import workflow
from foomcalc.survey import run as survey_run
from foomcalc.survey.inputs import read_survey

#: Generated cases per parser: FOOMCALC_HOSTILE_CASES (scripts/validate.py: 500), else 100;
#: the seed and database are the Hypothesis profile's (tests/conftest.py), so cases explore.
MIN_CASES = int(os.environ.get("FOOMCALC_HOSTILE_CASES", "100"))
SETTINGS = settings(max_examples=MIN_CASES, deadline=None,
                    suppress_health_check=list(HealthCheck))


def count_outcomes(strategy: st.SearchStrategy, check: Callable[[object], str]) -> Counter:
    """Run `check` on the generated cases of `strategy` (SETTINGS); how often it returned
    each outcome ("valid" or "refused")."""
    counts: Counter = Counter()

    @given(strategy)
    @SETTINGS
    def run(case) -> None:
        counts[check(case)] += 1

    run()
    return counts


def assert_enough(parser: str, counts: Counter) -> None:
    """At least MIN_CASES cases, both outcomes seen; the counts recorded when asked."""
    target = os.environ.get("FOOMCALC_HOSTILE_COUNTS")
    if target:
        path = Path(target)
        recorded = json.loads(path.read_text()) if path.is_file() else {}
        recorded[parser] = {"cases": counts["valid"] + counts["refused"], **counts}
        path.write_text(json.dumps(recorded))
    assert counts["valid"] + counts["refused"] >= MIN_CASES, counts
    assert counts["valid"] > 0 and counts["refused"] > 0, f"{parser}: one outcome never " \
        f"generated: {counts}"


# ---------------------------------------------------------------- cell and text strategies

NASTY_TEXT = st.sampled_from([
    "", " ", "nan", "NaN", "inf", "-inf", "1e400", "-0", "0", "1e-320", "None", "null",
    "true", "<script>alert(1)</script>", "'; DROP TABLE x;--", "\x00", "\ufeff", "é", "😀",
    "=cmd|' /C calc'!A0", "\"quoted, comma\"", "1,5", "2023-02-30", "2023-13-01", "99999-01-01",
    "1899.5", "2201", "1e308", "-1", "0.9", "90", "../../etc/passwd", "a" * 300,
])
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=1e-3, max_value=1e26).map(lambda x: f"{x:.6g}"),
    st.integers(-10**30, 10**30).map(str),
)
DATE_TEXT = st.one_of(st.dates().map(str), st.floats(1800, 2300).map(lambda x: f"{x:.2f}"))
CELL = st.one_of(NUMBER_TEXT, DATE_TEXT, NASTY_TEXT, st.text(max_size=12),
                 st.sampled_from(["ai-software", "chess", "scaling_a", "returns_r", "x"]))
#: Required columns by kind.
COLUMNS = {name: kind.columns for name, kind in KINDS.items()}
ALL_COLUMNS = sorted({c for cols in COLUMNS.values() for c in cols}
                     | {"compute", "notable", "model", "note"})


def _csv_cell(text: str) -> str:
    """A CSV-quoted cell (so generated commas and quotes are data, mostly)."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


@st.composite
def valid_cell(draw, column: str) -> str:
    """A plausible value for a known column (so many generated files are valid)."""
    if column in ("params", "tokens", "compute"):
        return f"{draw(st.floats(1e6, 1e13)):.6g}"
    if column == "loss":
        return f"{draw(st.floats(1.5, 6.0)):.4f}"
    if column == "date":
        return str(draw(st.dates(min_value=datetime.date(2000, 1, 1),
                                 max_value=datetime.date(2030, 1, 1))))
    if column == "training_flop":
        return f"{draw(st.floats(1e15, 1e27)):.4g}"
    if column in ("interval",):
        return draw(st.sampled_from(["0.9", "0.95", "0.5"]))
    if column.endswith("_lower") or column == "lower":
        return draw(st.sampled_from(["0.1", "0.2"]))
    if column.endswith("_upper") or column == "upper":
        return draw(st.sampled_from(["2.5", "2.9"]))
    if column in ("estimate", "efficiency_doubling_years", "input_growth_per_year",
                  "likelihood_ratio"):
        return draw(st.sampled_from(["0.5", "1", "1.2"]))
    if column == "parameter":
        return draw(st.sampled_from(["returns_r", "speedup", "scaling_a",
                                     "compute_growth_per_year"]))
    if column == "notable":
        return draw(st.sampled_from(["true", "false", ""]))
    return draw(st.text(string.ascii_letters + " -<>&'\"", min_size=1, max_size=15)).strip() or "x"


@st.composite
def evidence_text(draw) -> bytes:
    """A CSV evidence file: declared or inferred kind, columns and rows, mostly plausible."""
    mode = draw(st.sampled_from(["structured"] * 6 + ["random", "bytes"]))
    if mode == "bytes":
        return draw(st.binary(max_size=300))
    lines = []
    kind = draw(st.sampled_from([*KINDS, "scalling", ""]))
    if draw(st.booleans()):
        lines.append(f"# kind: {kind}")
    if draw(st.booleans()):
        lines.append("# " + draw(st.text(max_size=20)).replace("\n", " "))
    if mode == "random":
        columns = draw(st.lists(st.sampled_from([*ALL_COLUMNS, "Params", "lo ss", "", "x"]),
                                min_size=1, max_size=8))
    else:
        columns = list(COLUMNS.get(kind) or draw(st.sampled_from(list(COLUMNS.values()))))
        if draw(st.integers(0, 4)) == 0 and columns:
            columns.pop(draw(st.integers(0, len(columns) - 1)))
        if draw(st.integers(0, 4)) == 0:
            columns.append(draw(st.sampled_from(ALL_COLUMNS)))
    lines.append(",".join(columns))
    n_rows = draw(st.integers(0, 12))
    hostile_rate = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
    for _ in range(n_rows):
        cells = []
        for col in columns:
            hostile = draw(st.floats(0, 1)) < hostile_rate
            cells.append(draw(CELL) if hostile else draw(valid_cell(col)))
        if draw(st.integers(0, 20)) == 0:
            cells = cells[:-1] or ["x", "y"]  # ragged row
        lines.append(",".join(_csv_cell(c) for c in cells))
    return ("\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))).encode(
        "utf-8", errors="surrogatepass")


def test_evidence_files_load_or_refuse_cleanly(tmp_path):
    path = tmp_path / "evidence.csv"

    def check(content: bytes) -> str:
        path.write_bytes(content)
        try:
            ev = load_evidence(path)
        except InputError as exc:
            assert str(exc).startswith(str(path)), str(exc)  # names the file
            return "refused"
        assert ev.kind in KINDS and len(ev.table) > 0
        numeric = ev.table.select_dtypes("number").drop(columns=["log10_flop"], errors="ignore")
        assert np.isfinite(numeric.to_numpy(dtype=float)).all()
        return "valid"

    assert_enough("evidence file", count_outcomes(evidence_text(), check))


# ---------------------------------------------------------------- priors files

DEFAULT = yaml.safe_load((presets_dir() / "default.yaml").read_text())
YAML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10), NASTY_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)
QUANTILE_KEY = st.one_of(st.integers(-5, 105), st.floats(allow_nan=True),
                         st.sampled_from(["5%", "50", "p90", "95"]))


@st.composite
def parameter_entry(draw):
    """A parameter entry: plausible (fixed, dist, quantiles) with hostile pieces."""
    shape = draw(st.sampled_from(["value", "dist", "quantiles", "junk"]))
    entry: dict = {"source": draw(st.one_of(st.just("generated"), YAML_VALUE))}
    if shape == "value":
        entry["value"] = draw(st.one_of(st.floats(-10, 100), YAML_VALUE))
    elif shape == "dist":
        family = draw(st.sampled_from([*FAMILIES, "Cauchy", "normal", ""]))
        entry["dist"] = family
        for kw in FAMILIES[family].kwargs if family in FAMILIES else ("mu", "sigma"):
            entry[kw] = draw(st.one_of(st.floats(-5, 50), st.floats(0.01, 5), YAML_VALUE))
    elif shape == "quantiles":
        if draw(st.booleans()):
            entry["dist"] = draw(st.sampled_from(list(FAMILIES)))
        keys = draw(st.lists(QUANTILE_KEY, min_size=0, max_size=4, unique_by=repr))
        entry["quantiles"] = {k: draw(st.one_of(st.floats(0.01, 100), YAML_VALUE)) for k in keys}
    else:
        return draw(YAML_VALUE)
    return entry


@st.composite
def priors_text(draw) -> str:
    """A priors file: the default preset with hostile edits, or raw hostile YAML."""
    mode = draw(st.sampled_from(["edit"] * 8 + ["raw", "tag", "deep"]))
    if mode == "raw":
        return draw(st.text(max_size=200))
    if mode == "tag":
        return draw(st.sampled_from([
            "!!python/object/apply:os.system ['touch /tmp/foomcalc-pwned']",
            "name: !!python/object/new:builtins.list [[1]]\ndescription: x\nbase: default",
            "name: &a [*a]\ndescription: x", "a: &a\n  b: *a\n",
            "name: x\ndescription: y\nbase: default\nparameters:\n  speedup: !!binary aGk=",
        ]))
    if mode == "deep":
        depth = draw(st.integers(10, 3000))
        return "parameters: " + "[" * depth + "]" * depth
    data = json.loads(json.dumps(DEFAULT))
    if draw(st.booleans()):
        data = {"name": "edited", "description": "hostile", "base": "default", "parameters": {}}
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from([*PARAMETERS, "speed_up", "<b>x</b>"]))
        data["parameters"][name] = draw(parameter_entry())
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(["name", "description", "base", "gap_from",
                                    "hard_takeoff_days", "parameters", "extra"]))
        data[key] = draw(st.one_of(YAML_VALUE, st.sampled_from(
            ["default", "../../../etc/passwd", "/tmp/evil", "years", "scaling", 0])))
    return yaml.safe_dump(data, allow_unicode=True)


def test_priors_files_load_or_refuse_cleanly(tmp_path):
    path = tmp_path / "priors.yaml"
    marker = Path("/tmp/foomcalc-pwned")  # what the generated python/object tag would touch

    def check(text: str) -> str:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            priors = load_priors(path)
        except InputError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            return "refused"
        assert not marker.exists()
        assert set(priors.specs) == set(PARAMETERS)
        rng = np.random.default_rng(0)
        for spec in priors.specs.values():
            assert np.isfinite(spec.sample(20, rng)).all(), spec
        return "valid"

    assert_enough("priors file", count_outcomes(priors_text(), check))
    assert not marker.exists()


# ---------------------------------------------------------------- CLI arguments


class Reached(Exception):
    """Raised in place of sampling: the arguments passed every check."""


def _reached(*args, **kwargs):
    raise Reached


#: Files and folders the generated arguments name, made in the test's working folder.
WORKSPACE = {
    "good_scaling.csv": "params,tokens,loss\n" + "".join(
        f"{n:.3g},{20 * n:.3g},{2 + 400 / n**0.34 + 400 / (20 * n)**0.28:.4f}\n"
        for n in np.geomspace(1e8, 1e11, 10)),
    "bad.csv": "params,tokens,loss\n1,2,-3\n",
    "good_priors.yaml": "name: ok\ndescription: fine\nbase: default\n",
    "bad_priors.yaml": "name: ok\ndescription: fine\nbase: default\nparameters: {speedup: 3}\n",
    "report_dir/summary.json": "{}",
    "not_a_report/precious.txt": "keep me",
    "survey.csv": "respondent,speedup@10,speedup@50,speedup@90\nok1,2,5,20\nok2,3,9,40\n",
    "twice.csv": "respondent,speedup@10,speedup@50,speedup@90\nok1,2,5,20\nok1,3,9,40\n",
}
PATHS = [*WORKSPACE, "report_dir", "not_a_report", "missing.csv", "/dev/null", "/",
         "good_priors.yaml/sub", "bad.csv/a/b", "report_dir/../not_a_report"]
VALUE = st.one_of(st.sampled_from(PATHS), NASTY_TEXT, NUMBER_TEXT,
                  st.sampled_from(["default", "seed-ai-foom", "defualt", "5x6", "x", "1e400x2",
                                   "0x1", "3x", "100", "99", "2147483648", "out", "plot.png"]),
                  st.text(max_size=10))
OPTIONS = {
    "report": ["--priors", "--preset", "--evidence", "--no-evidence", "--out", "--seed",
               "--draws", "--compression", "--help", "--bogus", "--drop-evidence", "--force"],
    "fit-scaling": ["--json", "--plot", "--seed", "--help", "--bogus"],
    "presets": ["--help", "--bogus", "--show"],
    "parameters": ["--help", "--bogus"],
    "survey": ["--out", "--base", "--evidence", "--no-evidence", "--seed", "--draws",
               "--resume", "--bogus"],
}
FLAGS = {"--no-evidence", "--json", "--help", "--force", "--resume"}


@st.composite
def cli_args(draw) -> list[str]:
    command = draw(st.sampled_from([*OPTIONS, "report", "report", "fit-scaling", "reprot", ""]))
    args = [command] if command else []
    if command in ("fit-scaling", "survey") and draw(st.integers(0, 3)):
        args.append(draw(VALUE))
    for _ in range(draw(st.integers(0, 5))):
        option = draw(st.sampled_from(OPTIONS.get(command, ["--help", "--x"])))
        args.append(option)
        if option not in FLAGS and draw(st.integers(0, 9)):
            args.append(draw(VALUE))
    return args


def test_cli_arguments_end_in_result_or_exit_2(tmp_path, monkeypatch):
    """Sampling replaced by the Reached sentinel; the working folder holds WORKSPACE."""
    monkeypatch.setattr(workflow, "make_report", _reached)
    monkeypatch.setattr(scaling, "fit_scaling_evidence", _reached)
    monkeypatch.setattr(survey_run, "plan_bases", _reached)  # the survey file is read first
    monkeypatch.chdir(tmp_path)
    for name, text in WORKSPACE.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    runner = CliRunner()

    def check(args: list[str]) -> str:
        result = runner.invoke(cli.app, args, catch_exceptions=True)
        if isinstance(result.exception, Reached) or result.exit_code == 0:
            return "valid"
        assert result.exit_code == 2, (args, result.exit_code, repr(result.exception),
                                       result.output)
        assert isinstance(result.exception, SystemExit), (args, repr(result.exception))
        assert "Traceback" not in result.output
        assert "error" in result.output.lower() or "usage" in result.output.lower(), \
            result.output
        return "refused"

    assert_enough("CLI", count_outcomes(cli_args(), check))
    assert (tmp_path / "not_a_report" / "precious.txt").read_text() == "keep me"


# ---------------------------------------------------------------- oversized and unsafe


def test_oversized_evidence_refused_without_reading(tmp_path):
    """A 10-million-row CSV (sparse file larger than MAX_MB) is refused by size first."""
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.write(b"params,tokens,loss\n")
        f.truncate(10_000_000 * 30)  # ~300 MB, as 10 M rows of '1e9,2e10,2.5' would be
    assert path.stat().st_size > MAX_MB.value() * 2**20
    with pytest.raises(InputError, match="limited to"):
        load_evidence(path)


def test_many_rows_under_the_byte_limit_refused_by_row_count(tmp_path):
    """2.5 M short rows fit in 50 MB but exceed MAX_ROWS: refused before parsing."""
    path = tmp_path / "rows.csv"
    path.write_text("# kind: observations\nname,likelihood_ratio\n" + "a,1\n" * 2_500_000)
    assert path.stat().st_size < MAX_MB.value() * 2**20
    with pytest.raises(InputError, match="rows"):
        load_evidence(path)


def test_python_yaml_tags_are_never_constructed(tmp_path):
    path = tmp_path / "p.yaml"
    marker = tmp_path / "pwned"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(InputError, match="YAML"):
        load_priors(path)
    assert not marker.exists()


# ---------------------------------------------------------------- survey inputs

RESPONDENT_ID = st.one_of(st.sampled_from(["ok1", "ok2", "ok3", "OK1", " ok1 ", "r.4", "a-b_c",
                                           "", "bad id!", "../x", "a" * 70]),
                          st.text(max_size=8))
SURVEY_PARAMETERS = ["speedup", "returns_r", "p_rsi_feasible", "retrain_months",
                     "instant_jump_ooms", "speed_up"]


@st.composite
def survey_cell(draw, parameter: str, percent: str) -> str:
    """A plausible quantile (increasing with the percent) or a hostile cell."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.one_of(NASTY_TEXT, NUMBER_TEXT))
    scale = {"p_rsi_feasible": 0.01, "instant_jump_ooms": 0.1}.get(parameter, 1.0)
    base = {"10": 2.0, "50": 5.0, "90": 20.0}.get(percent, 7.0)
    return f"{scale * base * draw(st.floats(0.8, 1.2)):.4g}"


@st.composite
def survey_file(draw) -> tuple[str, bytes]:
    """(suffix, content) of a survey: a CSV (row per respondent), a YAML mapping (maybe
    with a key given twice), or raw bytes."""
    mode = draw(st.sampled_from(["csv"] * 4 + ["yaml"] * 3 + ["bytes"]))
    if mode == "bytes":
        return draw(st.sampled_from([".csv", ".yaml"])), draw(st.binary(max_size=200))
    if mode == "yaml":
        parts = []
        for _ in range(draw(st.integers(1, 4))):
            rid = draw(RESPONDENT_ID)
            body = draw(st.one_of(st.just({"base": "default"}), YAML_VALUE,
                                  st.builds(lambda e: {"base": "default",
                                                       "parameters": {"speedup": e}},
                                            parameter_entry())))
            parts.append(yaml.safe_dump({rid: body}, allow_unicode=True))
        return ".yaml", "".join(parts).encode("utf-8", errors="surrogatepass")
    columns = [(p, q) for p in draw(st.lists(st.sampled_from(SURVEY_PARAMETERS), max_size=3,
                                             unique=True))
               for q in draw(st.sampled_from([("10", "50", "90"), ("50",), ("5", "95"),
                                              ("dist",), ("x", "150")]))]
    header = ["respondent", *(["base"] if draw(st.booleans()) else []),
              *(f"{p}@{q}" for p, q in columns)]
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 5))):
        cells = [draw(RESPONDENT_ID)]
        if "base" in header:
            cells.append(draw(st.sampled_from(["default", "seed-ai-foom", "nope", ""])))
        cells += [draw(st.sampled_from(["LogNormal", "Gamma", "normal"])) if q == "dist"
                  else draw(survey_cell(p, q)) for p, q in columns]
        if draw(st.integers(0, 15)) == 0:
            cells.append("extra")
        lines.append(",".join(_csv_cell(c) for c in cells))
    return ".csv", "\n".join(lines).encode("utf-8", errors="surrogatepass")


def test_survey_inputs_read_or_refuse_cleanly(tmp_path):
    """A survey file is read into respondents (bad ones listed as skipped) or refused
    with an InputError naming the file; a respondent id given twice is always refused."""
    def check(case: tuple[str, bytes]) -> str:
        suffix, content = case
        path = tmp_path / f"survey{suffix}"
        path.write_bytes(content)
        try:
            survey = read_survey(path)
        except InputError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            return "refused"
        ids = [rid.strip().casefold() for rid in [*survey.respondents, *survey.skipped]]
        assert len(ids) == len(set(ids)), ids  # never two copies of one id
        for rid, priors in survey.parsed.items():
            assert set(priors.specs) == set(PARAMETERS), rid
        return "valid" if survey.respondents else "refused"

    assert_enough("survey input", count_outcomes(survey_file(), check))


# ---------------------------------------------------------------- app links (URL state)

LINK_KEY = st.sampled_from(["preset", "gap_from", "days", *PARAMETERS, "speed_up", "", "a=b"])
LINK_VALUE = st.one_of(
    NASTY_TEXT, NUMBER_TEXT, st.text(max_size=8),
    st.sampled_from(["default", "seed-ai-foom", "years", "horizon", "mixture", "1e308",
                     "1e-300", "-1e308", "0", "1,2", "1,2,3", "3,2,1", "1e300,1e301,1e302"]),
    st.lists(NUMBER_TEXT, min_size=3, max_size=3).map(",".join))


PLAUSIBLE_LINK = st.sampled_from([
    ("speedup", "3,8,30"), ("speedup", "12"), ("returns_r", "0.5,1,2.5"), ("retrain_months",
    "2,4,9"), ("p_rsi_feasible", "0.3"), ("limit_ooms", "8,15,25"), ("days", "7"),
    ("gap_from", "years"), ("preset", "seed-ai-foom"), ("instant_jump_ooms", "0"),
    ("compute_share", "0.5"), ("substitution_elasticity", "0.4,1,3")])


@st.composite
def link_query(draw) -> str:
    """A link's query string: key=value pairs (plausible or hostile), URL-encoded or raw
    (with hostile bytes)."""
    pair = st.one_of(PLAUSIBLE_LINK, PLAUSIBLE_LINK, st.tuples(LINK_KEY, LINK_VALUE))
    pairs = draw(st.lists(pair, max_size=4, unique_by=lambda kv: kv[0]))
    if draw(st.booleans()):
        from urllib.parse import urlencode  # only this strategy builds encoded links

        return urlencode(pairs, safe=",")
    return "&".join(f"{k}={v}" for k, v in pairs) + draw(st.sampled_from(["", "&", "%", "&&="]))


def test_app_links_give_an_answer_or_the_pages_message():
    """A link's state gives the page's prior numbers (finite, probabilities in [0, 1]) or
    the message the page shows (`initial_state`'s error, or the priors' InputError, as a
    priors file with the same numbers would get); never an exception or a blank answer."""
    from foomcalc.app.state import initial_state, prior_numbers, state_priors  # Shiny-free

    def check(query: str) -> str:
        state, error = initial_state(query)
        if error is not None:
            assert error.startswith("link: "), error
            return "refused"
        try:
            priors = state_priors(state)
        except InputError as exc:
            assert str(exc).startswith("app: "), str(exc)
            return "refused"
        with warnings.catch_warnings():  # an overflow on the way is a failure, not a number
            warnings.simplefilter("error", RuntimeWarning)
            numbers = prior_numbers(priors, n_draws=200, seed=0)
        assert 0.0 <= numbers["hard_takeoff"] <= 1.0 and 0.0 <= numbers["p_rsi_feasible"] <= 1.0
        assert np.isfinite(numbers["cdf"]).all() and np.isfinite(numbers["hard_takeoff_mcse"])
        assert all(0.0 <= p <= 1.0 for _, _, p in numbers["compression"])
        return "valid"

    assert_enough("app link", count_outcomes(link_query(), check))
