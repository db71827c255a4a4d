"""The one error type for bad user input: the CLI turns it into exit status 2."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad user input: names the file, the field and what was expected.

    `problems` holds every problem found (a priors file is validated whole), each
    already a complete sentence; `str()` joins them one per line.
    """

    def __init__(self, problems: str | list[str], source: str | Path | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = str(source) if source is not None else None
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(prefix + p for p in self.problems)
