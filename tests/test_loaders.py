"""The loaders return the plan's tables typed and complete."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pandas as pd
import pytest

import linyi_analysis as la

ACTION_IDS = ["goals", "key_groups", "employment", "education", "medical", "urban", "rural"]


def test_actions_in_article_order():
    actions = la.load_actions()
    assert actions["action_id"].tolist() == ACTION_IDS
    assert actions["order"].tolist() == list(range(7))
    assert actions["action_id"].cat.ordered
    assert actions["action_id"].cat.categories.tolist() == ACTION_IDS


def test_every_action_but_goals_has_measures_and_targets():
    measures, targets = la.load_measures(), la.load_targets()
    for action in ACTION_IDS[1:]:
        assert (measures["action_id"] == action).sum() > 0, action
        assert (targets["action_id"] == action).sum() > 0, action
    assert (targets["action_id"] == "goals").sum() >= 1


@pytest.mark.parametrize(
    "loader", [la.load_actions, la.load_measures, la.load_targets, la.load_units, la.load_non_targets]
)
def test_no_object_columns(loader):
    frame = loader()
    assert len(frame) > 0
    assert not [c for c in frame.columns if frame[c].dtype == object]


def test_target_dtypes():
    t = la.load_targets()
    for col in ["action_id", "measure_id", "unit", "comparator", "scope", "source_part", "per"]:
        assert isinstance(t[col].dtype, pd.CategoricalDtype), col
    for col in ["value", "value_min", "value_max", "baseline"]:
        assert t[col].dtype == "Float64", col
    assert t["target_id"].is_unique
    # the categories are the values used (no `>` target); the vocabulary is in the dictionary
    assert set(t["comparator"].cat.categories) == {"=", ">=", "range", "increase_by", "from_to"}


LOADERS = {
    "load_tables": la.load_tables,
    "load_actions": la.load_actions,
    "load_measures": la.load_measures,
    "load_targets": la.load_targets,
    "load_units": la.load_units,
    "load_non_targets": la.load_non_targets,
    "load_evidence": la.load_evidence,
}


def _vandalise(frame: pd.DataFrame) -> None:
    """Change a frame in place every way a caller might: every value of a column, a column taken
    out, a new column."""
    first = frame.columns[0]
    frame.loc[:, first] = frame.loc[frame.index[-1], first]
    frame.pop(frame.columns[1])
    frame["added"] = 1


@pytest.mark.parametrize("name", list(LOADERS))
def test_changing_a_returned_frame_changes_no_later_result(name):
    before = pickle.dumps(la.load_tables())  # an independent copy of every table
    targets_before = pickle.dumps(la.load_targets())  # the plan's targets: with labels and kinds
    got = LOADERS[name]()
    for frame in got.values() if isinstance(got, dict) else [got]:
        _vandalise(frame)
    if isinstance(got, dict):
        got.clear()
    expected = pickle.loads(before)
    again = la.load_tables()
    assert again.keys() == expected.keys()
    for table, frame in expected.items():
        assert len(frame) > 0
        pd.testing.assert_frame_equal(again[table], frame)
        if f"load_{table}" in LOADERS and table != "targets":  # load_targets: the plan's, below
            pd.testing.assert_frame_equal(LOADERS[f"load_{table}"](), frame)
    pd.testing.assert_frame_equal(la.load_targets(), pickle.loads(targets_before))


def test_base_units():
    t = la.load_targets().set_index("target_id")
    assert t.at["emp_startup_loans", "value"] == 2_200_000_000
    assert t.at["emp_startup_loans", "unit"] == "yuan"
    assert t.at["rur_water_safety_people", "value"] == 2_490_000
    percents = t[t["unit"] == "percent"]
    assert len(percents) >= 5 and percents["value"].between(0, 100).all()


def test_spending_ratios_holds_the_share_target():
    s = la.spending_ratios(la.load_plan())
    row = s[s["kind"] == "target"].set_index("target_id").loc["goals_livelihood_spending_share"]
    assert (row["value"], row["comparator"]) == (80, ">=")


def test_import_is_light():
    code = (
        "import sys, linyi_analysis as la; la.load_targets();"
        "heavy = [m for m in ('matplotlib', 'seaborn', 'papermill', 'nbformat') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_edited_csv_is_seen_and_validated(data_copy):
    from conftest import set_cell

    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "150")
    assert la.load_targets(data_copy).set_index("target_id").at["urb_pocket_parks", "value"] == 150
    set_cell(data_copy, "targets", "urb_pocket_parks", "value", "many")
    with pytest.raises(la.DataValidationError, match="'many' is not a number"):
        la.load_targets(data_copy)
