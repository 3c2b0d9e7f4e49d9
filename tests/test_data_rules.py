"""Rules the loader enforces on the plan's structure and on how values are written, each refused
with a located problem (file, row, column, the value as written)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import read_rows, set_cell, write_rows

import linyi_analysis as la


def problems_of(data_dir):
    with pytest.raises(la.DataValidationError) as info:
        la.load_tables(data_dir)
    return info.value.problems


def row_of(directory, table, key) -> int:
    rows = read_rows(directory / f"{table}.csv")
    return next(i for i, r in enumerate(rows, start=1) if next(iter(r.values())) == key)


def at(problems, file, row, column):
    found = [p for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert len(found) == 1, f"expected one problem at {file} row {row} column {column} in {problems}"
    return found[0].message


def test_a_part_of_cycle_in_targets_is_refused(data_copy):
    total = set_cell(
        data_copy, "targets", "emp_public_welfare_posts", "part_of", "emp_public_welfare_posts_rural"
    )
    rural = set_cell(data_copy, "targets", "emp_public_welfare_posts_rural", "value", "42000")
    problems = problems_of(data_copy)
    cycle = "emp_public_welfare_posts → emp_public_welfare_posts_rural → emp_public_welfare_posts"
    assert at(problems, "targets.csv", total, "part_of").startswith(f"makes a cycle ({cycle})")
    assert "makes a cycle" in at(problems, "targets.csv", rural, "part_of")


def test_a_part_of_cycle_in_evidence_is_refused(data_copy):
    row = set_cell(data_copy, "evidence", "spend_amount_2014h1", "part_of", "spend_edu_2014h1")
    problems = problems_of(data_copy)
    assert at(problems, "evidence.csv", row, "part_of").startswith(
        "makes a cycle (spend_amount_2014h1 → spend_edu_2014h1 → spend_amount_2014h1)"
    )


def test_parts_larger_than_their_total_are_refused(data_copy):
    # the article: 47,300 public-welfare posts, 42,000 rural and 5,300 urban; here rural is 92,000
    set_cell(data_copy, "targets", "emp_public_welfare_posts_rural", "value", "92000")
    total = row_of(data_copy, "targets", "emp_public_welfare_posts")
    message = at(problems_of(data_copy), "targets.csv", total, "value")
    assert message == (
        "is 47300, but its parts add up to 97300 (emp_public_welfare_posts_rural 92000, "
        "emp_public_welfare_posts_urban 5300): parts cannot exceed their total"
    )


def test_evidence_parts_larger_than_their_total_are_refused(data_copy):
    set_cell(data_copy, "evidence", "spend_edu_2014h1", "value", "15000000000")  # of 15.16 bn in all
    row = row_of(data_copy, "evidence", "spend_amount_2014h1")
    assert "parts cannot exceed their total" in at(problems_of(data_copy), "evidence.csv", row, "value")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("per", "district", "'emp_public_welfare_posts' counts in total, this row per district"),
        ("period", "2023", "'emp_public_welfare_posts' is for 2022, this row for 2023"),
    ],
)
def test_a_part_counts_like_its_total(data_copy, column, value, message):
    row = set_cell(data_copy, "targets", "emp_public_welfare_posts_urban", column, value)
    assert at(problems_of(data_copy), "targets.csv", row, "part_of").startswith(message)


def test_the_two_figures_of_a_ratio_are_for_one_period(data_copy):
    row = set_cell(data_copy, "targets", "urb_shantytown_completed", "period", "2021")
    message = at(problems_of(data_copy), "targets.csv", row, "ratio_to")
    assert message.startswith("'urb_shantytown_started' is for 2022, this row for 2021")


def test_a_percent_above_100_is_quoted_as_written(data_copy):
    row = set_cell(data_copy, "targets", "emp_graduate_employment_rate", "value", "100.0001")
    message = at(problems_of(data_copy), "targets.csv", row, "value")
    assert message == "100.0001 is above 100, but unit 'percent' is a share from 0 to 100"


def test_an_impossible_date_is_refused(data_copy):
    row = set_cell(data_copy, "evidence", "old_projects_2022", "published", "2022-13-45")
    assert (
        at(problems_of(data_copy), "evidence.csv", row, "published")
        == "'2022-13-45' is not a valid date: month 13 does not exist (01 to 12)"
    )


def test_a_trailing_comma_on_every_line_names_an_empty_column(data_copy):
    path = data_copy / "units.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\n", ",\n"), encoding="utf-8")
    problems = problems_of(data_copy)
    assert [p.message for p in problems] == ["empty column name (trailing comma?): field 6 of the header"]
    assert "Unnamed" not in str(la.DataValidationError(problems))


def test_the_line_is_the_physical_line_after_multi_line_fields(data_copy):
    rows = read_rows(data_copy / "targets.csv")
    for r in rows:
        if r["target_id"] == "urb_old_community_households":
            r["notes"] = "one\ntwo\nthree"  # a quoted field over three lines: rows after it move down two
        if r["target_id"] == "urb_pocket_parks":
            r["value"] = "many"
    write_rows(data_copy / "targets.csv", rows)
    lines = (data_copy / "targets.csv").read_text(encoding="utf-8").split("\n")
    physical = next(i for i, line in enumerate(lines, 1) if line.startswith("urb_pocket_parks,"))
    assert physical == 39
    (problem,) = problems_of(data_copy)
    assert (problem.row, problem.line) == (36, 39)
    assert "targets.csv, row 36 (line 39, urb_pocket_parks)" in str(problem)


@pytest.mark.parametrize("reserved", ["index", "figures", "overview"])
def test_an_action_id_naming_a_file_of_the_report_site_is_refused(data_copy, reserved):
    for table in ("actions", "measures", "targets", "evidence", "evidence_searches"):
        rows = read_rows(data_copy / f"{table}.csv")
        for r in rows:
            if r.get("action_id") == "rural":
                r["action_id"] = reserved
        write_rows(data_copy / f"{table}.csv", rows)
    env = {**os.environ, "LINYI_DATA_DIR": str(data_copy)}
    done = subprocess.run([sys.executable, "-m", "linyi_analysis"], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "column 'action_id'" in line]
    assert f"actions.csv, row 7 (line 8, {reserved}), column 'action_id': '{reserved}' is reserved" in line


def test_an_unknown_column_hides_no_other_problem(data_copy):
    rows = read_rows(data_copy / "targets.csv")
    write_rows(data_copy / "targets.csv", [{**r, "confidence": "high"} for r in rows])
    low = set_cell(data_copy, "targets", "kg_care_demo_counties", "value_min", "3")
    base = set_cell(data_copy, "targets", "kg_veteran_subsidy", "baseline", "")
    problems = problems_of(data_copy)
    assert {(p.row, p.column) for p in problems} == {
        (None, "confidence"),
        (low, "value_min"),
        (base, "baseline"),
    }


def test_a_missing_column_hides_no_problem_of_other_files(data_copy):
    rows = read_rows(data_copy / "units.csv")
    write_rows(data_copy / "units.csv", rows, [c for c in rows[0] if c != "description"])
    low = set_cell(data_copy, "targets", "kg_care_demo_counties", "value_min", "3")
    fact = set_cell(data_copy, "evidence", "spend_amount_2014h1", "relation", "")
    problems = problems_of(data_copy)
    assert {(p.file, p.row, p.column) for p in problems} == {
        ("units.csv", None, "description"),
        ("targets.csv", low, "value_min"),
        ("evidence.csv", fact, "relation"),
    }


def test_a_missing_column_skips_only_the_rules_that_read_it(data_copy):
    rows = read_rows(data_copy / "targets.csv")
    write_rows(data_copy / "targets.csv", rows, [c for c in rows[0] if c != "comparator"])
    unit = set_cell(data_copy, "targets", "urb_pocket_parks", "value", "143.5")  # still a count
    problems = problems_of(data_copy)
    assert {(p.row, p.column) for p in problems} == {(None, "comparator"), (unit, "value")}
