"""The input of `foomcalc survey`: a folder of priors files, one YAML mapping (respondent
id -> priors mapping) or one CSV (a row per respondent: `respondent`, optional `base`,
`<parameter>@<percent>` quantile columns such as `speedup@10`, optional
`<parameter>@dist`), read into validated respondents (docs/survey.md).

Every respondent is validated up front (priors.files' rules); bad ones are listed and
skipped. A respondent id given twice (two CSV rows, two YAML keys, two files with one
stem; ignoring case, since ids name result files) is refused as a whole: which copy is
the person cannot be told, so the survey stops with an InputError naming both.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from foomcalc.errors import InputError
from foomcalc.parameters import PARAMETERS
from foomcalc.priors.files import PriorSet, load_priors, priors_from_dict

#: Respondent ids: file-name safe, they name the result files.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class SurveyInput:
    """Valid respondents (id -> priors mapping, validated) and the skipped ones' problems."""

    respondents: dict[str, dict] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: id -> the preset a respondent's priors start from (`base:`; absent if none given)
    bases: dict[str, str] = field(default_factory=dict)
    #: id -> the validated PriorSet (kept from validation; workers get `respondents`)
    parsed: dict[str, PriorSet] = field(default_factory=dict)


def _csv_respondents(path: Path) -> dict[str, dict | str]:
    """CSV rows -> priors mappings (or a problem text per bad row); an id given twice is
    an InputError (`_refuse_repeated_ids`)."""
    out: dict[str, dict | str] = {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the CSV ({exc})", path) from None
    if not rows or "respondent" not in rows[0]:
        raise InputError("expected a header with a 'respondent' column, then "
                         "'<parameter>@<percent>' quantile columns (e.g. speedup@50)", path)
    ids = [((row.get("respondent") or "").strip() or f"line{line}", ("line", str(line)))
           for line, row in enumerate(rows, start=2)]
    _refuse_repeated_ids(ids, path)
    for (rid, (_, line)), row in zip(ids, rows, strict=True):
        params: dict[str, dict] = {}
        problems = [] if None not in row else ["more cells than the header has columns"]
        for column, cell in row.items():
            if column in ("respondent", "base", None) or cell is None or not str(cell).strip():
                continue
            name, _, what = column.partition("@")
            if name not in PARAMETERS or not what:
                problems.append(f"column {column!r}: expected <parameter>@<percent> or "
                                "<parameter>@dist with a registry parameter")
                continue
            entry = params.setdefault(name, {"source": f"survey respondent {rid}"})
            if what == "dist":
                entry["dist"] = cell.strip()
                continue
            try:
                entry.setdefault("quantiles", {})[float(what)] = float(cell)
            except ValueError:
                problems.append(f"column {column!r}: {cell!r} is not a number")
        out[rid] = "; ".join(problems) if problems else {
            "name": rid, "description": f"survey respondent {rid} ({path.name}, line {line})",
            "base": (row.get("base") or "default").strip(), "parameters": params}
    return out


def _refuse_repeated_ids(ids: Sequence[tuple[str, tuple[str, str]]], path: Path) -> None:
    """InputError naming every respondent id given twice, with where each copy is (e.g.
    ("line", "4")). Ids are compared ignoring case: they name result files
    (OUT/respondents/<id>.json), and two people must not share one."""
    first: dict[str, tuple[str, str]] = {}
    problems = []
    for rid, (noun, where) in ids:
        key = rid.strip().casefold()
        if key in first:
            problems.append(f"respondent {key!r} is given twice ({noun}s {first[key][1]} and "
                            f"{where}); each person needs an id of their own (ids that "
                            "differ only in case count as the same)")
        else:
            first[key] = (noun, where)
    if problems:
        raise InputError(problems, path)


class _UniqueKeyLoader(yaml.SafeLoader):
    """`yaml.safe_load` that refuses a mapping key given twice (YAML keeps the last copy
    without a word): raises yaml.constructor.ConstructorError naming both lines."""

    def construct_mapping(self, node, deep=False):
        lines: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                if key in lines:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice (lines {lines[key]} and "
                                    f"{line}); give each respondent and each parameter once",
                        key_node.start_mark)
                lines[key] = line
            except TypeError:  # an unhashable key: the constructor below says so
                pass
        return super().construct_mapping(node, deep=deep)


def _yaml_respondents(path: Path) -> dict[str, dict | str]:
    """A YAML survey: respondent id -> priors mapping (or a problem text)."""
    try:
        # a SafeLoader subclass: no Python objects are constructed
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise InputError(f"YAML: {where}{getattr(exc, 'problem', None) or exc}", path) from None
    except Exception as exc:  # e.g. RecursionError on pathological nesting
        raise InputError(f"cannot parse YAML ({type(exc).__name__})", path) from None
    if not isinstance(data, dict) or not data:
        raise InputError("expected a mapping: respondent id -> priors mapping", path)
    _refuse_repeated_ids([(str(k), ("key", repr(str(k)))) for k in data], path)
    return {str(k): v if isinstance(v, dict) else f"expected a priors mapping, got {v!r}"
            for k, v in data.items()}


def read_survey(path: Path) -> SurveyInput:
    """Read and validate every respondent; bad ones are skipped with their message."""
    path = Path(path)
    raw: dict[str, dict | str | Path] = {}
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml"))
        if not files:
            raise InputError("the folder holds no priors files (*.yaml)", path)
        _refuse_repeated_ids([(p.stem, ("file", p.name)) for p in files], path)
        raw = {p.stem: p for p in files}
    elif path.suffix.lower() == ".csv" and path.is_file():
        raw = dict(_csv_respondents(path))
    elif path.suffix.lower() in (".yaml", ".yml") and path.is_file():
        raw = dict(_yaml_respondents(path))
    else:
        raise InputError("expected a folder of priors files, a .csv or a .yaml survey", path)
    survey = SurveyInput()
    for rid, item in raw.items():
        if not ID_PATTERN.match(rid):
            survey.skipped[rid] = "respondent id: letters, digits, '_', '-', '.' (at most 64)"
            continue
        if isinstance(item, str):
            survey.skipped[rid] = item
            continue
        try:
            priors = load_priors(item) if isinstance(item, Path) else \
                priors_from_dict({"name": rid, "description": f"survey respondent {rid}",
                                  **item}, source=f"{path.name}: {rid}")
        except InputError as exc:
            survey.skipped[rid] = str(exc)
            continue
        survey.respondents[rid] = priors.to_dict()
        survey.parsed[rid] = priors
        if base := _base_name(item):
            survey.bases[rid] = base
    return survey


def _base_name(item: dict | Path) -> str | None:
    """The `base:` preset of a respondent's priors mapping or file (None if none)."""
    if isinstance(item, Path):
        item = yaml.safe_load(item.read_text(encoding="utf-8"))  # validated by load_priors
    base = item.get("base") if isinstance(item, dict) else None
    return str(base) if base else None
