"""Errors: one base class, picklable (so they cross process pools), and problems as a table."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest
from conftest import set_cell

import linyi_analysis as la
from linyi_analysis import errors, resources, source


def _load_targets(directory: str):
    return la.load_targets(directory)


def test_data_validation_error_crosses_a_process_pool(data_copy):
    row = set_cell(data_copy, "targets", "emp_new_jobs", "value", "lots")
    with ProcessPoolExecutor(max_workers=1) as pool, pytest.raises(la.DataValidationError) as info:
        pool.submit(_load_targets, str(data_copy)).result()
    problem = next(p for p in info.value.problems if p.column == "value")
    assert (problem.file, problem.row, problem.key) == ("targets.csv", row, "emp_new_jobs")
    assert problem.message == "'lots' is not a number"


def test_pickle_round_trip_keeps_the_problems():
    problems = [
        errors.Problem("units.csv", None, "kind", "required column is missing"),
        errors.Problem("targets.csv", 36, "value", "'x' is not a number", "urb_pocket_parks", 39),
    ]
    err = errors.DataValidationError(problems)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.DataValidationError
    assert back.problems == err.problems and str(back) == str(err)
    assert "targets.csv, row 36 (line 39, urb_pocket_parks), column 'value': 'x' is not a number" in str(back)


def test_to_frame_lists_every_problem_like_failure_cases():
    err = errors.DataValidationError(
        [
            errors.Problem("targets.csv", 36, "value", "'x' is not a number", "urb_pocket_parks", 39),
            errors.Problem("units.csv", None, "kind", "required column is missing"),
            errors.Problem("actions.csv", 2, "order", "-1 must be at least 0", "key_groups"),
        ]
    )
    frame = err.to_frame()
    assert frame.columns.tolist() == ["file", "row", "line", "column", "key", "message"]
    assert frame["file"].tolist() == ["actions.csv", "targets.csv", "units.csv"]
    assert frame["row"].tolist()[:2] == [2, 36] and pd.isna(frame["row"].iloc[2])
    assert frame["line"].tolist()[:2] == [3, 39]  # row 2 starts on line 3 (after the header)
    assert frame.loc[1, "message"] == "'x' is not a number" and frame.loc[1, "key"] == "urb_pocket_parks"


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.DataValidationError, ValueError),
        (source.SourceNotFound, FileNotFoundError),
        (source.SourceMismatch, ValueError),
        (resources.UnknownTable, KeyError),
    ],
)
def test_every_error_derives_from_the_base_and_keeps_its_builtin_base(cls, builtin):
    assert issubclass(cls, errors.Error) and issubclass(cls, builtin)
    err = cls([errors.Problem("f.csv", None, None, "m")]) if cls is errors.DataValidationError else cls("m")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls and str(back) == str(err)


def test_unknown_table_is_an_error_of_the_package():
    with pytest.raises(errors.Error, match="no table 'budget'"):
        resources.resource("budget")
