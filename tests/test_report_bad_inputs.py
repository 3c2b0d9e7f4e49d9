"""`linyi-report` on bad data (cases of tests/bad_inputs.py, whose every case is checked in process by
tests/test_bad_inputs.py).

Each run starts from the output of an earlier, complete run (a copy of the session's reference
site: reports/ and the figures/ copy) and must fail during validation, before any kernel starts:
exit status 1, one message naming file, row, column and problem, and both directories exactly as
they were, byte for byte.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bad_inputs import CASES, BadInput
from conftest import set_cell
from report_site import leftovers, run_report, tree_hashes

import linyi_analysis as la
from linyi_analysis.resources import data_dir as data_dir_of_package

pytestmark = pytest.mark.slow


@pytest.fixture
def earlier_run(reference_site, tmp_path):
    """reports/ and figures/ as an earlier run left them, and their fingerprints."""
    reports, figures = reference_site.copy_to(tmp_path)
    return reports, figures, tree_hashes(reports), tree_hashes(figures)


def problem_lines(stderr: str) -> list[str]:
    """The problems listed in the command's error message (one ``  - …`` line each)."""
    return [line[4:] for line in stderr.splitlines() if line.startswith("  - ")]


def lines_for(case: BadInput, row: int | None, problems: list[str]) -> list[str]:
    """The listed problems that name the case's file, column (or none) and message, and its row."""
    column = f"column '{case.column}'" if case.column else None
    return [
        p
        for p in problems
        if p.startswith(f"{case.file}")
        and (column in p if column else "column '" not in p)
        and case.message in p
        and (row is None or p.startswith(f"{case.file}, row {row} "))
    ]


def assert_refused_and_nothing_changed(proc, earlier_run, tmp_path) -> None:
    """Exit 1 with the bad-data message, no notebook started, reports/ and figures/ as they were."""
    reports, figures, reports_before, figures_before = earlier_run
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("linyi-report: error: the data is not valid; nothing was run and ")
    assert "running" not in proc.stderr, "no notebook may start on bad data"
    assert tree_hashes(reports) == reports_before, "reports/ changed"
    assert tree_hashes(figures) == figures_before, "figures/ changed"
    assert leftovers(tmp_path) == [], "nothing may be left beside the output"


#: Two cases through the command (every case of the corpus is checked in process, tests/test_bad_inputs.py).
THROUGH_THE_COMMAND = [c for c in CASES if c.name in ("non-numeric value", "unknown action id")]


@pytest.mark.parametrize("case", THROUGH_THE_COMMAND, ids=[c.name for c in THROUGH_THE_COMMAND])
def test_report_refuses_bad_data_and_keeps_the_earlier_output(
    case, earlier_run, data_copy, tmp_path, request
):
    if case.needs_source:
        request.getfixturevalue("source_text")  # skips, with the reason, where the article is absent
    row = case.breaks(data_copy)
    reports, figures, *_ = earlier_run
    proc = run_report("--output", reports, "--figures", figures, "--data-dir", data_copy, cwd=tmp_path)
    assert_refused_and_nothing_changed(proc, earlier_run, tmp_path)
    problems = problem_lines(proc.stderr)
    assert lines_for(case, row, problems), (
        f"expected {case.file}/{case.column}: {case.message!r} in:\n{proc.stderr}"
    )
    count = len(problems)
    assert f"{count} problem{'s' if count != 1 else ''} in the data:" in proc.stderr


#: Breaks of different kinds, each in rows of its own, in two files (each a corpus case, and one more).
TOGETHER = [
    "non-numeric value",
    "unknown action id",
    "duplicate id",
    "value_min above value_max",
    "negative count",
    "percentage above 100",
    "unit outside the vocabulary",
]


def _measure_order_not_a_number(d: Path) -> int:
    return set_cell(d, "measures", "med_serious_illness", "order", "first")


def _loader_problems(breaks, data_dir: Path) -> set[str]:
    """The problems the loader lists for the shipped data with ``breaks`` applied in ``data_dir``."""
    shutil.copytree(data_dir_of_package(), data_dir)
    for edit in breaks:
        edit(data_dir)
    with pytest.raises(la.DataValidationError) as info:
        la.load_tables(data_dir)
    return {str(p) for p in info.value.problems}


def test_every_problem_of_every_file_is_listed_at_once(earlier_run, tmp_path):
    """Problems of different kinds (a value that is not a number beside one out of range, a rule
    between columns, a duplicate, a foreign key) in one file and another: one run lists exactly
    the problems each break gives alone."""
    breaks = [c.breaks for c in CASES if c.name in TOGETHER] + [_measure_order_not_a_number]
    assert len(breaks) == len(TOGETHER) + 1
    alone = set().union(*(_loader_problems([b], tmp_path / f"alone-{i}") for i, b in enumerate(breaks)))
    together = _loader_problems(breaks, tmp_path / "data")
    assert together == alone
    reports, figures, *_ = earlier_run
    proc = run_report(
        "--output", reports, "--figures", figures, "--data-dir", tmp_path / "data", cwd=tmp_path
    )
    assert_refused_and_nothing_changed(proc, earlier_run, tmp_path)
    assert set(problem_lines(proc.stderr)) == alone
    assert f"{len(alone)} problems in the data:" in proc.stderr


def test_bad_data_named_by_the_environment_is_refused_too(earlier_run, data_copy, tmp_path):
    """LINYI_DATA_DIR instead of --data-dir: the same check, the same message."""
    case = next(c for c in CASES if c.name == "percentage above 100")
    row = case.breaks(data_copy)
    reports, figures, *_ = earlier_run
    proc = run_report(
        "--output", reports, "--figures", figures, cwd=tmp_path, env={"LINYI_DATA_DIR": str(data_copy)}
    )
    assert_refused_and_nothing_changed(proc, earlier_run, tmp_path)
    assert lines_for(case, row, problem_lines(proc.stderr)), proc.stderr
