"""The package's exceptions: one base, :class:`Error`, and the error raised for bad data
(every problem, each naming file, row, column and what is wrong).

A scheduler can catch everything this package raises on purpose with ``except linyi_analysis.Error``.
Every exception here must survive pickling (multiprocessing, concurrent.futures, joblib, dask).
"""

from __future__ import annotations

from dataclasses import dataclass


class Error(Exception):
    """Base of every exception the package raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one data file.

    ``row`` is the 1-based data row (the CSV line is ``row + 1``, after the header);
    ``None`` for problems of the file as a whole (a missing column, an unreadable file).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    key: str | None = None  # the row's id, when it has one, to find it quickly

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            ident = f", {self.key}" if self.key else ""
            where.append(f"row {self.row} (line {self.row + 1}{ident})")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class DataValidationError(Error, ValueError):
    """Raised when a data file is missing, unreadable or breaks the data package's rules.

    ``problems`` lists every problem found (all files, all rows), not only the first.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the data:\n{lines}")

    def __reduce__(self):
        # Rebuilt from the problems (the default would pass the message string as ``problems``).
        return (type(self), (self.problems,))


def _sort_key(p: Problem):
    return (p.file, -1 if p.row is None else p.row, p.column or "", p.message)


class ParameterError(Error, ValueError):
    """A notebook or report parameter has a value that cannot be used; the message lists what is valid."""


class UnknownAction(ParameterError):
    """An action id that is not in the plan (:meth:`linyi_analysis.plan.Plan.action`)."""
