"""summary.json's typed schema (reporting.summary_schema) against its documentation
(docs/summary-schema.md) and against real summaries.

The documentation is read as written: the table's rows name the top-level fields (first
column), their type (second) and, in backticks, the keys below them (third); a
"### `field`" section's bullets describe more of that field. Backticked words are keys;
dotted or spaced ones (`posterior.nc`, `foomcalc report`) are references, as are the few
names in NOT_KEYS.
"""

# no `from __future__ import annotations`: TypedDict reads `NotRequired` (in _Inner) from
# evaluated annotations only
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict, get_args, get_origin

import pytest

from foomcalc.analysis.run import run_analysis
from foomcalc.analysis.sensitivity import add_sensitivity
from foomcalc.evidence.files import load_evidence
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.paths import evidence_dir
from foomcalc.priors.files import load_preset, priors_from_dict
from foomcalc.reporting.summary import summarize
from foomcalc.reporting.summary_schema import Summary

DOC = Path(__file__).resolve().parents[2] / "docs" / "summary-schema.md"
#: Backticked words in the doc that are not summary keys.
NOT_KEYS = {
    "null": "the JSON value",
    "name": "the priors file's field that `priors_name` copies",
    "psense_summary": "the ArviZ function power-scaling comes from",
}
#: The doc's type column -> the annotation's Python type.
DOC_TYPES = {"string": str, "int": int, "number": float, "object": dict, "list": list,
             "list of text": list}
KEY = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


# ------------------------------------------------------------------ the TypedDicts


def fields(td: type) -> dict[str, Any]:
    """A TypedDict's keys -> annotations (NotRequired unwrapped)."""
    return typing.get_type_hints(td)


def keys_below(annotation: Any) -> set[str]:
    """Every TypedDict key inside `annotation`, at any depth."""
    if typing.is_typeddict(annotation):
        found = set()
        for key, sub in fields(annotation).items():
            found |= {key} | keys_below(sub)
        return found
    return set().union(*(keys_below(a) for a in get_args(annotation)))


# ------------------------------------------------------------------ the documentation


class Documented(TypedDict):
    type: str
    text: str  # the row's meaning column, plus the bullets of its "### `field`" section


def read_doc(text: str) -> tuple[dict[str, Documented], str]:
    """(top-level field -> its type and text, the rest of the doc's text)."""
    documented: dict[str, Documented] = {}
    rest: list[str] = []
    section: str | None = None
    in_bullet = False
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
        if line.startswith("| `") and len(cells) >= 5:
            name = KEY.fullmatch(cells[1])
            assert name, f"a table row whose first column is not one `key`: {line}"
            documented[name.group(1)] = {"type": cells[2], "text": "|".join(cells[3:])}
            continue
        if line.startswith("#"):
            heading = KEY.search(line) if line.startswith("### ") else None
            section = heading.group(1) if heading else None
            in_bullet = False
            if section is not None:
                assert section in documented, f"a section for an undocumented field: {line}"
            rest.append(line)
            continue
        in_bullet = line.startswith("- ") or (in_bullet and line.startswith("  "))
        if section is not None and in_bullet:
            documented[section]["text"] += "\n" + line
        else:
            rest.append(line)
    return documented, "\n".join(rest)


def doc_type_matches(doc_type: str, annotation: Any) -> bool:
    """The doc's type column names the annotation's type (quoted choices: a string)."""
    if doc_type.startswith('"'):
        return annotation is str
    origin = get_origin(annotation) or annotation
    if typing.is_typeddict(annotation):
        origin = dict
    return DOC_TYPES.get(doc_type) is origin


def doc_problems(text: str, schema: type = Summary) -> list[str]:
    """Where the documentation and the TypedDicts disagree."""
    documented, rest = read_doc(text)
    top = fields(schema)
    problems = [f"{k}: in the TypedDicts, not in the doc's table" for k in top.keys()
                - documented.keys()]
    problems += [f"{k}: in the doc's table, not in the TypedDicts" for k in documented.keys()
                 - top.keys()]
    everywhere = keys_below(schema)
    for name in top.keys() & documented.keys():
        doc = documented[name]
        if not doc_type_matches(doc["type"], top[name]):
            problems.append(f"{name}: documented as {doc['type']!r}, typed {top[name]}")
        words = set(KEY.findall(doc["text"]))
        below = keys_below(top[name])
        problems += [f"{name}.{k}: in the TypedDicts, not documented under {name}"
                     for k in sorted(below - words)]
        if below:  # a section's other words may only name top-level fields
            problems += [f"{name}: documents `{k}`, which is not a key below it"
                         for k in sorted(words - below - top.keys() - NOT_KEYS.keys())]
    for k in sorted(set(KEY.findall(rest)) - everywhere - NOT_KEYS.keys()):
        problems.append(f"`{k}`: documented, in no TypedDict")
    return problems


# ------------------------------------------------------------------ values


def value_problems(value: Any, annotation: Any, path: str = "summary") -> list[str]:
    """Where `value` does not have the shape of `annotation` (keys and value types)."""
    if typing.is_typeddict(annotation):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, expected an object"]
        hints = fields(annotation)
        problems = [f"{path}.{k}: missing" for k in hints
                    if k in annotation.__required_keys__ and k not in value]
        for k, v in value.items():
            problems += (value_problems(v, hints[k], f"{path}.{k}") if k in hints
                         else [f"{path}.{k}: not in {annotation.__name__}"])
        return problems
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (types.UnionType, typing.Union):
        tries = [value_problems(value, a, path) for a in args]
        return [] if any(not t for t in tries) else min(tries, key=len)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, expected a list"]
        return [p for i, v in enumerate(value) for p in value_problems(v, args[0], f"{path}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, expected an object"]
        return [p for k, v in value.items() for p in
                ([f"{path}: key {k!r} is not text"] if not isinstance(k, str) else [])
                + value_problems(v, args[1], f"{path}.{k}")]
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} not one of {args}"]
    if annotation is type(None):
        return [] if value is None else [f"{path}: {value!r}, expected null"]
    # exact types: a bool is not an int here, an int is not a float (JSON writes 1 vs 1.0)
    return [] if type(value) is annotation else [
        f"{path}: {type(value).__name__} {value!r:.40}, expected {annotation.__name__}"]


# ------------------------------------------------------------------ tests


def test_every_key_is_documented_and_every_documented_key_exists():
    assert doc_problems(DOC.read_text(encoding="utf-8")) == []


def test_the_doc_check_finds_an_undocumented_and_a_stale_key():
    text = DOC.read_text(encoding="utf-8")
    missing = text.replace("`adaptation` (mass-matrix adaptation), ", "")
    assert doc_problems(missing) == [
        "sampler.adaptation: in the TypedDicts, not documented under sampler"]
    stale = text.replace("`sampler`, `draws`,", "`sampler`, `draws`, `thinning`,")
    assert doc_problems(stale) == ["sampler: documents `thinning`, which is not a key below it"]
    extra_row = text.replace("| `seed` | int |", "| `seeds` | int | x |\n| `seed` | int |")
    assert doc_problems(extra_row) == ["seeds: in the doc's table, not in the TypedDicts"]


class _Inner(TypedDict):
    a: float
    b: NotRequired[int | None]


class _Outer(TypedDict):
    rows: list[_Inner]
    names: dict[str, str]


def test_the_value_check_finds_wrong_keys_and_types():
    assert value_problems({"rows": [{"a": 1.0}, {"a": 2.0, "b": None}], "names": {}},
                          _Outer) == []
    assert value_problems({"rows": [{"a": 1, "c": 0}], "names": {"x": 1}}, _Outer) == [
        "summary.rows[0].a: int 1, expected float", "summary.rows[0].c: not in _Inner",
        "summary.names.x: int 1, expected str"]
    assert value_problems({"rows": [{"b": True}]}, _Outer) == [
        "summary.names: missing", "summary.rows[0].a: missing",
        "summary.rows[0].b: bool True, expected int"]


def _summary(priors, evidence) -> dict:
    result = run_analysis(priors, evidence, seed=3, settings=SamplerSettings(draws=200),
                          n_prior_draws=1000)
    return summarize(add_sensitivity(result, priors, evidence))


@pytest.fixture(scope="module")
def sampled() -> dict:
    """The default preset with one bundled evidence file (NUTS, power-scaling rows)."""
    return _summary(load_preset("default"),
                    [load_evidence(evidence_dir() / "algorithmic_progress.csv")])


def test_a_sampled_summary_has_the_typed_shape(sampled):
    assert "gap_routes" in sampled and sampled["sensitivity"]["power_scaling"] is not None
    assert sampled["diagnostics"]["max_r_hat"] is not None
    assert value_problems(sampled, Summary) == []


def test_a_prior_only_summary_with_fixed_r_has_the_typed_shape():
    """No evidence (nothing sampled: diagnostics null, no power-scaling), one route,
    returns_r fixed (no prior_mcse for P(r > 1))."""
    priors = priors_from_dict({"name": "fixed r", "description": "schema test",
                               "base": "default", "gap_from": "years",
                               "parameters": {"returns_r": {"value": 1.5, "source": "test"}}})
    summary = _summary(priors, [])
    assert "gap_routes" not in summary and "prior_mcse" not in summary["p_r_above_1"]
    assert summary["sensitivity"]["power_scaling"] is None
    assert value_problems(summary, Summary) == []
