"""A corpus of broken data directories: each case breaks one thing and says what the error must name.

Used by the loader tests and by the report-runner tests (the runner must fail the same way and
leave earlier reports untouched).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import read_rows, set_cell, write_rows


@dataclass(frozen=True)
class BadInput:
    name: str
    breaks: Callable[[Path], int | None]  # edits a data copy; returns the row it broke, if one
    file: str
    column: str | None
    message: str  # a part of the problem's message
    needs_source: bool = False


def _drop_column(table: str, column: str):
    def edit(d: Path):
        rows = read_rows(d / f"{table}.csv")
        write_rows(d / f"{table}.csv", rows, [c for c in rows[0] if c != column])

    return edit


def _add_column(d: Path):
    rows = read_rows(d / "targets.csv")
    write_rows(d / "targets.csv", [{**r, "confidence": "high"} for r in rows])


def _semicolons(d: Path):
    rows = list(csv.reader((d / "units.csv").open(encoding="utf-8")))
    with (d / "units.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\n").writerows(rows)


def _latin1(d: Path):
    text = (d / "measures.csv").read_text(encoding="utf-8") + "x_extra,rural,7,Caf\u00e9 roads,caf\u00e9\n"
    (d / "measures.csv").write_bytes(text.encode("latin-1", errors="replace"))


def _duplicate_id(d: Path):
    rows = read_rows(d / "targets.csv")
    rows[3]["target_id"] = rows[2]["target_id"]
    write_rows(d / "targets.csv", rows)
    return 4


def _drop_measures_of(action: str):
    def edit(d: Path):
        rows = read_rows(d / "measures.csv")
        write_rows(d / "measures.csv", [r for r in rows if r["action_id"] != action])
        targets = read_rows(d / "targets.csv")
        for r in targets:
            if r["action_id"] == action:
                r["measure_id"] = ""
        write_rows(d / "targets.csv", targets)
        return next(i for i, r in enumerate(targets, start=1) if r["action_id"] == action)

    return edit


def _cell(table: str, key: str, column: str, value: str):
    return lambda d: set_cell(d, table, key, column, value)


CASES = [
    BadInput("missing file", lambda d: (d / "measures.csv").unlink(), "measures.csv", None, "file not found"),
    BadInput(
        "empty file",
        lambda d: (d / "actions.csv").write_text("") or None,
        "actions.csv",
        None,
        "the file is empty",
    ),
    BadInput(
        "missing column",
        _drop_column("targets", "comparator"),
        "targets.csv",
        "comparator",
        "required column is missing",
    ),
    BadInput("extra unknown column", _add_column, "targets.csv", "confidence", "unknown column"),
    BadInput("wrong delimiter", _semicolons, "units.csv", None, "separated by ';'"),
    BadInput("wrong encoding", _latin1, "measures.csv", None, "not valid UTF-8"),
    BadInput(
        "non-numeric value",
        _cell("targets", "emp_new_jobs", "value", "90k"),
        "targets.csv",
        "value",
        "'90k' is not a number",
    ),
    BadInput(
        "empty required value",
        _cell("targets", "emp_new_jobs", "indicator", ""),
        "targets.csv",
        "indicator",
        "is empty, but a value is required",
    ),
    BadInput(
        "NaN in a figure",
        _cell("targets", "emp_new_jobs", "value", "NaN"),
        "targets.csv",
        "value",
        "'NaN' is not a number",
    ),
    BadInput(
        "unknown action id",
        _cell("targets", "urb_pocket_parks", "action_id", "parks"),
        "targets.csv",
        "action_id",
        "'parks' is not a known value of actions.csv action_id",
    ),
    BadInput(
        "unknown measure id",
        _cell("targets", "urb_pocket_parks", "measure_id", "urb_gardens"),
        "targets.csv",
        "measure_id",
        "'urb_gardens' is not a known value of measures.csv measure_id",
    ),
    BadInput("duplicate id", _duplicate_id, "targets.csv", "target_id", "is duplicated"),
    BadInput(
        "value_min above value_max",
        _cell("targets", "kg_care_demo_counties", "value_min", "3"),
        "targets.csv",
        "value_min",
        "value_min 3 is greater than value_max 2",
    ),
    BadInput(
        "negative count",
        _cell("targets", "rur_dangerous_bridges", "value", "-80"),
        "targets.csv",
        "value",
        "-80 must be at least 0",
    ),
    BadInput(
        "percentage above 100",
        _cell("targets", "emp_graduate_employment_rate", "value", "185"),
        "targets.csv",
        "value",
        "185 is above 100",
    ),
    BadInput(
        "unit outside the vocabulary",
        _cell("targets", "rur_roads_new_expanded", "unit", "miles"),
        "targets.csv",
        "unit",
        "'miles' is not a known value of units.csv unit",
    ),
    BadInput(
        "comparator outside the vocabulary",
        _cell("targets", "emp_startup_loans", "comparator", "≥"),
        "targets.csv",
        "comparator",
        "is not one of the allowed values",
    ),
    BadInput(
        "fractional count",
        _cell("targets", "urb_pocket_parks", "value", "143.5"),
        "targets.csv",
        "value",
        "not a whole number",
    ),
    BadInput(
        "target whose action has no measures",
        _drop_measures_of("medical"),
        "targets.csv",
        "action_id",
        "action 'medical' has no measures in measures.csv",
    ),
    BadInput(
        "quote not in the source",
        _cell("targets", "rur_water_projects", "quote", "111 projects"),
        "targets.csv",
        "quote",
        "is not verbatim in the source article",
        needs_source=True,
    ),
]
