"""Errors raised on purpose by the public API are all ``linyi_analysis.Error`` (a scheduler catches one
class), each of the built-in type old code caught, each saying what is valid, and each picklable."""

from __future__ import annotations

import pickle

import pytest

import linyi_analysis as la
from linyi_analysis import errors, plots, tables


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda p: plots.plot_action_targets(p), "plot_action_targets()"),
        (lambda p: tables.heading(p), "heading()"),
    ],
)
def test_a_view_of_one_action_given_the_whole_plan(plan, call, name):
    with pytest.raises(la.ParameterError) as info:
        call(plan)
    assert isinstance(info.value, la.Error) and isinstance(info.value, ValueError)
    assert f"{name} needs a plan cut to one action" in str(info.value)
    assert "key_groups, employment, education, medical, urban, rural" in str(info.value)


def test_an_unknown_table_lists_the_tables(plan):
    with pytest.raises(la.Error) as info:
        plan.table("nope")
    err = info.value
    assert isinstance(err, errors.UnknownTable) and isinstance(
        err, KeyError
    )  # old `except KeyError` still works
    assert str(err).startswith("no table 'nope' in the plan; tables: ")
    assert "targets" in str(err) and "evidence_searches" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.UnknownTable and str(back) == str(err)


@pytest.mark.parametrize("bad", [3, "", b"data"])
def test_load_plan_refuses_what_is_not_a_directory(bad, monkeypatch):
    monkeypatch.delenv("LINYI_DATA_DIR", raising=False)
    with pytest.raises(la.ParameterError) as info:
        la.load_plan(bad)  # an empty string must not silently load the shipped data
    assert f"not {bad!r}" in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: la.derived_ratios(None),
        lambda: la.spending_ratios({}),
        lambda: tables.targets("urban"),
        lambda: tables.delivery(None),
        lambda: plots.plot_scorecard("urban"),
        lambda: la.analysis.summary_by_action(None),
        lambda: la.audit.discrepancies(None),
    ],
)
def test_something_that_is_not_a_plan(call):
    with pytest.raises(la.ParameterError) as info:
        call()
    assert "expects a Plan (la.load_plan()" in str(info.value)


def test_parameter_error_survives_pickling():
    with pytest.raises(la.ParameterError) as info:
        tables.targets("urban")
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is la.ParameterError and str(back) == str(info.value)
    assert str(back) == "targets() expects a Plan (la.load_plan(), or plan.action(id)), not str 'urban'"
