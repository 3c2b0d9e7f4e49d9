"""Bad data fails with one clear error naming file, row, column and problem."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import read_rows, set_cell, write_rows

import linyi_analysis as la


def problems_of(data_dir):
    with pytest.raises(la.DataValidationError) as info:
        la.load_targets(data_dir)
    return info.value.problems, str(info.value)


def only(problems, **expected):
    matching = [p for p in problems if all(getattr(p, k) == v for k, v in expected.items())]
    assert matching, f"no problem with {expected} in {problems}"
    return matching[0]


def test_shipped_data_is_valid():
    assert len(la.load_targets()) > 40


def test_missing_column(data_copy):
    rows = read_rows(data_copy / "targets.csv")
    write_rows(data_copy / "targets.csv", rows, [c for c in rows[0] if c != "unit"])
    problems, text = problems_of(data_copy)
    only(problems, file="targets.csv", row=None, column="unit", message="required column is missing")
    assert "targets.csv, column 'unit': required column is missing" in text


def test_non_numeric_value(data_copy):
    row = set_cell(data_copy, "targets", "emp_new_jobs", "value", "ninety thousand")
    problems, text = problems_of(data_copy)
    p = only(problems, file="targets.csv", row=row, column="value")
    assert p.message == "'ninety thousand' is not a number" and p.key == "emp_new_jobs"
    assert f"targets.csv, row {row} (line {row + 1}, emp_new_jobs), column 'value'" in text


def test_unknown_action_id(data_copy):
    row = set_cell(data_copy, "targets", "rur_dangerous_bridges", "action_id", "transport")
    problems, _ = problems_of(data_copy)
    p = only(problems, file="targets.csv", row=row, column="action_id")
    assert p.message == "'transport' is not a known value of actions.csv action_id"


def test_duplicate_target_id(data_copy):
    rows = read_rows(data_copy / "targets.csv")
    rows[5]["target_id"] = rows[4]["target_id"]
    write_rows(data_copy / "targets.csv", rows)
    problems, _ = problems_of(data_copy)
    dupes = [p for p in problems if p.column == "target_id" and "duplicated" in p.message]
    assert sorted(p.row for p in dupes) == [5, 6]


def test_value_min_above_value_max(data_copy):
    row = set_cell(data_copy, "targets", "edu_strong_town_pilots", "value_min", "20")
    problems, _ = problems_of(data_copy)
    p = only(problems, file="targets.csv", row=row, column="value_min")
    assert p.message == "value_min 20 is greater than value_max 15"


def test_negative_count(data_copy):
    row = set_cell(data_copy, "targets", "urb_pocket_parks", "value", "-143")
    problems, _ = problems_of(data_copy)
    p = only(problems, file="targets.csv", row=row, column="value")
    assert p.message == "-143 must be at least 0"


def test_all_problems_of_all_files_at_once(data_copy):
    set_cell(data_copy, "targets", "emp_new_jobs", "value", "x")
    set_cell(data_copy, "targets", "urb_pocket_parks", "unit", "gardens")
    set_cell(data_copy, "measures", "rur_sewage", "action_id", "water")
    problems, _ = problems_of(data_copy)
    found = {(p.file, p.column) for p in problems}
    assert {("targets.csv", "value"), ("targets.csv", "unit"), ("measures.csv", "action_id")} <= found


def test_cross_column_rules(data_copy):
    set_cell(data_copy, "targets", "urb_pocket_parks", "measure_id", "rur_roads")
    set_cell(data_copy, "targets", "kg_veteran_subsidy", "baseline", "")
    set_cell(data_copy, "targets", "urb_smart_security_coverage", "value", "180")
    problems, _ = problems_of(data_copy)
    assert "belongs to action 'rural', not 'urban'" in only(problems, column="measure_id").message
    assert "needs its baseline" in only(problems, column="baseline").message
    assert "above 100" in only(problems, key="urb_smart_security_coverage").message


def test_missing_and_unreadable_files(data_copy):
    (data_copy / "units.csv").unlink()
    (data_copy / "measures.csv").write_bytes("measure_id,action_id\n\xff\xfe".encode("latin-1"))
    problems, _ = problems_of(data_copy)
    assert "file not found" in only(problems, file="units.csv").message
    assert "not valid UTF-8" in only(problems, file="measures.csv").message


def test_command_line_exits_non_zero_with_the_message(data_copy):
    set_cell(data_copy, "targets", "emp_new_jobs", "value", "lots")
    env = {**os.environ, "LINYI_DATA_DIR": str(data_copy)}
    done = subprocess.run([sys.executable, "-m", "linyi_analysis"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "targets.csv" in done.stderr and "'lots' is not a number" in done.stderr
