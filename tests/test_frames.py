"""The frames an analyst hands to pandas and seaborn as they are (issue 18): typed alike, only
their own categories, dates beside periods, a natural index, one "targets", each described."""

from __future__ import annotations

import pydoc

import pandas as pd
import pytest

import linyi_analysis as la
from linyi_analysis.parameters import check_parameters


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


def frames(plan) -> dict[str, pd.DataFrame]:
    """Every frame the API returns, by its name in la.describe."""
    tables = {name: plan.table(name) for name in la.load_tables()}
    return {
        **tables,
        "derived_ratios": la.derived_ratios(plan),
        "spending_ratios": la.spending_ratios(plan),
        "delivery": plan.delivery(),
    }


def test_a_cut_holds_only_its_own_categories(plan):
    medical = plan.action("medical")
    t = medical.targets
    # ce03277: 22 units and 7 actions, so `col="unit"` drew 19 empty panels
    assert t["unit"].cat.categories.tolist() == ["percent", "institutions", "specialties"]
    assert t["action_id"].cat.categories.tolist() == ["medical"]
    for name, frame in frames(medical).items():
        for col in frame.select_dtypes("category"):
            used = set(frame[col].dropna().astype(str))
            assert set(frame[col].cat.categories) == used, (name, col)
    # the whole vocabulary is still there: the units table, and the dictionary's constraints
    assert len(plan.units) == 22
    comparator = la.describe("targets").set_index("column").at["comparator", "constraints"]
    assert "`>`" in comparator and "`from_to`" in comparator


def test_the_whole_plan_holds_only_its_own_categories(plan):
    # ce03277: the targets' units held the evidence's units too (22, the vocabulary)
    assert len(plan.targets["unit"].cat.categories) == plan.targets["unit"].nunique() < 22


def test_every_frame_is_typed_alike(plan):
    literal = {
        ("derived_ratios", "action_id"): "category",
        ("derived_ratios", "kind"): "category",
        ("derived_ratios", "value"): "Float64",
        ("derived_ratios", "description"): "str",
        ("spending_ratios", "kind"): "category",
        ("spending_ratios", "unit"): "category",
        ("spending_ratios", "comparator"): "category",
        ("spending_ratios", "value"): "Float64",
        ("delivery", "action_id"): "category",
        ("delivery", "status"): "category",
        ("delivery", "committed_value"): "Float64",
        ("delivery", "rule"): "str",
        ("targets", "unit_kind"): "category",
    }
    all_frames = frames(plan)
    for (name, col), dtype in literal.items():
        assert str(all_frames[name][col].dtype) == dtype, (name, col)
    # action ids share one ordered dtype everywhere, so frames merge and sort alike
    dtype = plan.actions["action_id"].dtype
    for name in ("targets", "derived_ratios", "delivery"):
        assert all_frames[name]["action_id"].cat.ordered
        assert all_frames[name]["action_id"].cat.categories.isin(dtype.categories).all()


def test_every_period_has_its_dates(plan):
    s = la.spending_ratios(plan).set_index("period")
    # from the calendar: January–February 2022; the first quarter of 2025; the year 2022
    assert s.loc["2022-01/2022-02", ["period_start", "period_end"]].tolist() == [
        pd.Timestamp("2022-01-01"),
        pd.Timestamp("2022-02-28"),
    ]
    assert s.loc["2025-Q1", ["period_start", "period_end"]].tolist() == [
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2025-03-31"),
    ]
    for name, frame in frames(plan).items():
        for col in [c for c in frame if c == "period" or c.endswith("_period")]:
            at = frame.columns.get_loc(col)
            assert frame.columns[at + 1 : at + 3].tolist() == [f"{col}_start", f"{col}_end"], name
            assert pd.api.types.is_datetime64_dtype(frame[f"{col}_start"]), name
            given = frame[col].fillna("") != ""
            assert frame.loc[given, f"{col}_start"].notna().all(), name


def test_every_frame_has_a_clean_index(plan):
    for name, frame in {**frames(plan), **frames(plan.action("urban"))}.items():
        assert frame.index.equals(pd.RangeIndex(len(frame))), name
    # ce03277: plan.targets.head() showed 0, 5, 1, 2, 6
    assert plan.targets.loc[0, "target_id"] == "goals_livelihood_spending_share"


def test_one_public_targets():
    pd.testing.assert_frame_equal(la.load_tables()["targets"], la.load_targets())
    assert la.load_targets().shape == (44, 30)


def test_describe_covers_every_frame_from_the_frame_itself(plan):
    for name, frame in frames(plan).items():
        d = la.describe(name)
        assert d["column"].tolist() == frame.columns.tolist(), name
        assert d["dtype"].tolist() == [str(t) for t in frame.dtypes], name
        assert (d["meaning"].str.len() > 0).all(), name
    d = la.describe("delivery").set_index("column")
    assert d.loc["status", "dtype"] == "category" and d.loc["evidence_value", "dtype"] == "Float64"
    t = la.describe("targets").set_index("column")
    assert t.loc["label", "dtype"] == "str" and t.loc["period_end", "unit"] == "date"
    with pytest.raises(la.Error, match=r"frames: actions, .*delivery"):
        la.describe("tracker")


def test_help_leads_with_the_guide():
    text = pydoc.plaintext.document(la)
    assert text.index("la.load_plan()") < text.index("class Plan") < text.index("FUNCTIONS")
    # ce03277: 290 lines of exception boilerplate before Plan
    assert "class Error" not in text and "with_traceback" not in text
    assert len(text.splitlines()) < 350
    assert la.Error is la.errors.Error and "Error" in dir(la)


# --- the notebooks' parameters -------------------------------------------------------------------


def test_an_undeclared_parameter_stops_the_run():
    injected = ['# Parameters\nactoin = "medical"\n']
    with pytest.raises(la.ParameterError) as err:
        check_parameters(injected, action="education", figures_dir="")
    message = str(err.value)
    assert "'actoin' (did you mean 'action'?)" in message
    assert "this notebook's parameters: action, figures_dir" in message


def test_papermills_own_injected_paths_are_not_the_users_parameters():
    """`papermill --inject-paths` assigns PAPERMILL_INPUT_PATH and PAPERMILL_OUTPUT_PATH."""
    injected = [
        '# Parameters\naction = "medical"\nPAPERMILL_INPUT_PATH = "a.ipynb"\nPAPERMILL_OUTPUT_PATH = "b"\n'
    ]
    check_parameters(injected, action="medical", figures_dir="")


def test_a_notebook_without_parameters_refuses_any():
    with pytest.raises(
        la.ParameterError, match=r"unknown parameter 'action'; this notebook takes no parameters$"
    ):
        check_parameters(['# Parameters\naction = "medical"\n'])
    with pytest.raises(
        la.ParameterError, match=r"unknown parameter 'PAPERMILL_EVIL'"
    ):  # only papermill's own two
        check_parameters(["# Parameters\nPAPERMILL_EVIL = 1\n"])


def test_declared_parameters_pass_and_only_the_latest_papermill_cell_counts():
    history = ["# Parameters\nactoin = 1\n", "x = 1", '# Parameters\naction = "medical"\n']
    check_parameters(history, action="medical", figures_dir="")
    check_parameters([], figures_dir="")  # run in JupyterLab: nothing injected
    check_parameters(None, figures_dir="")  # outside IPython


@pytest.mark.parametrize("action", ["goals", "schools", "Medical", 5])
def test_an_action_without_a_report_is_refused(action):
    valid = "key_groups, employment, education, medical, urban, rural"  # the CLI's list
    with pytest.raises(la.UnknownAction, match=f"valid ids: {valid}$"):
        check_parameters([], action=action, figures_dir="")


def test_a_figures_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(la.ParameterError, match="is not a directory"):
        check_parameters([], figures_dir=str(tmp_path / "file"))
    with pytest.raises(la.ParameterError, match="a path or empty"):
        check_parameters([], figures_dir=3)
    check_parameters([], figures_dir=str(tmp_path / "new"))
