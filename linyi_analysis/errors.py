"""The package's exceptions: one base, :class:`Error`, and the error raised for bad data
(every problem, each naming file, row, column and what is wrong).

A scheduler can catch everything this package raises on purpose with ``except linyi_analysis.Error``.
Every exception here must survive pickling (multiprocessing, concurrent.futures, joblib, dask).
"""

from __future__ import annotations

from dataclasses import dataclass


class Error(Exception):
    """Base of every exception the package raises on purpose. ``exit_code``: the exit status of
    ``linyi-report`` when it stops on one (1: bad data, a failed notebook, an output not written)."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem in one data file.

    ``row`` is the 1-based data row (after the header); ``line`` the physical line of the file
    where that row starts (``row + 1`` unless an earlier quoted field spans several lines).
    Both are ``None`` for problems of the file as a whole (a missing column, an unreadable file).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    key: str | None = None  # the row's id, when it has one, to find it quickly
    line: int | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            ident = f", {self.key}" if self.key else ""
            line = self.row + 1 if self.line is None else self.line
            where.append(f"row {self.row} (line {line}{ident})")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class DataValidationError(Error, ValueError):
    """Raised when a data file is missing, unreadable or breaks the data package's rules.

    ``problems`` lists every problem found (all files, all rows), not only the first;
    :meth:`to_frame` gives them as a table.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the data:\n{lines}")

    def __reduce__(self):
        # Rebuilt from the problems, not from the message (the default would pass the text).
        return type(self), (self.problems,)

    def to_frame(self):
        """One row per problem: file, row, line, column, key, message (like pandera's failure_cases).

        >>> from linyi_analysis.errors import DataValidationError, Problem
        >>> err = DataValidationError([Problem("targets.csv", 3, "value", "'x' is not a number", "t1")])
        >>> err.to_frame().to_dict("records")
        [{'file': 'targets.csv', 'row': 3, 'line': 4, 'column': 'value', 'key': 't1', 'message': "'x' is not a number"}]
        """
        import pandas as pd  # errors.py stays importable without pandas' cost until a table is asked for

        rows = [
            {
                "file": p.file,
                "row": p.row,
                "line": p.line if p.line is not None or p.row is None else p.row + 1,
                "column": p.column,
                "key": p.key,
                "message": p.message,
            }
            for p in self.problems
        ]
        frame = pd.DataFrame(rows, columns=["file", "row", "line", "column", "key", "message"])
        return frame.astype({"row": "Int64", "line": "Int64"})


def _sort_key(p: Problem):
    return (p.file, -1 if p.row is None else p.row, p.column or "", p.message, p.key or "")


class ParameterError(Error, ValueError):
    """A notebook or report parameter has a value that cannot be used; the message lists what is valid."""

    exit_code = 2


class UnknownAction(ParameterError):
    """An action id that is not in the plan (:meth:`linyi_analysis.plan.Plan.action`)."""


class UnknownTable(Error, KeyError):
    """A table name that is not in the data package (:meth:`linyi_analysis.plan.Plan.table`); the
    message lists the tables. A ``KeyError`` too, so code that caught the old error still works."""

    def __str__(self) -> str:  # the message itself, not KeyError's quoted repr of it
        return str(self.args[0]) if self.args else ""


class ReportError(Error):
    """A report run (``linyi-report``) could not do what it was asked. ``exit_code`` is the
    command's exit status for it: 1 here; see the subclasses."""

    exit_code = 1

    def __reduce__(self):
        return type(self), self.args


class UsageError(ReportError):
    """A bad option value, or an output the run may not write (it holds files the run did not
    make, or overlaps the data or the notebooks); raised before anything runs, nothing touched."""

    exit_code = 2


class Busy(ReportError):
    """Another run holds the output (``--no-wait``)."""

    exit_code = 75


class NotebookFailed(ReportError):
    """One notebook raised an error, its kernel died or did not start, or a cell ran past the timeout."""


class BuildFailed(ReportError):
    """Notebooks failed (``failures``: one :class:`NotebookFailed` each); nothing was published."""

    def __init__(self, message: str, failures: list | None = None):
        super().__init__(message, failures or [])
        self.failures = failures or []

    def __str__(self) -> str:
        return str(self.args[0])
