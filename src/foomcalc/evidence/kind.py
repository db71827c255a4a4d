"""`EvidenceKind`: everything the evidence stage knows about one kind of evidence file.

One module per kind in `evidence/kinds/` defines a `KIND`; `evidence.kinds.KINDS` is the
registry. A kind's likelihood term lives in `inference/terms/` under the same name
(PyMC stays in `inference`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from foomcalc.evidence.cells import Problems


@dataclass(frozen=True)
class EvidenceKind:
    """One evidence kind.

    - `name`: the name in a file's ``# kind:`` line.
    - `doc`: one line: what a row is, in which units.
    - `columns`: the required columns (file columns are matched in lower case, spaces as
      underscores); `alternatives`: other accepted column sets. A file that has a column
      only an alternative uses must have that alternative's columns.
    - `noun`: plural noun of a row, for `EvidenceSet.describe` ("points").
    - `build(frame, problems)`: the cell checks: raw string table -> canonical table;
      every bad cell is reported to `problems`.
    - `informs(table)`: registry parameters (`foomcalc.parameters.PARAMETERS`) whose
      likelihood a canonical table of this kind touches.
    - `sbc_title`, `sbc_design()`: the name of the simulation-based calibration case and
      its design, a canonical table whose observed values the calibration replaces.
    - `missing_hint`, `duplicate_hint`: sentences added to the missing-column and
      duplicate-row messages; `describe_extra(table)`: text added to `describe`.
    """

    name: str
    doc: str
    columns: tuple[str, ...]
    noun: str
    build: Callable[[pd.DataFrame, Problems], pd.DataFrame]
    informs: Callable[[pd.DataFrame], set[str]]
    sbc_title: str
    sbc_design: Callable[[], pd.DataFrame]
    alternatives: tuple[tuple[str, ...], ...] = ()
    missing_hint: str = ""
    duplicate_hint: str = ""
    describe_extra: Callable[[pd.DataFrame], str] | None = None

    def required_columns(self, present: list[str]) -> tuple[str, ...]:
        """The columns a file with columns `present` must have: the first alternative
        that has a column of `present` outside `columns`, else `columns`."""
        for alternative in self.alternatives:
            if (set(alternative) - set(self.columns)) & set(present):
                return alternative
        return self.columns

    def matches_alternative(self, present: list[str]) -> bool:
        """Whether `present` holds every column of one of the alternatives."""
        return any(set(alternative) <= set(present) for alternative in self.alternatives)
