"""Delivery edge cases a hostile tester found: a commitment of 0, facts whose relation does not
measure the commitment, a restatement with another figure, and the rules' wording. Expected values
are literals and figures worked by hand."""

from __future__ import annotations

import pytest
from conftest import read_rows, write_rows
from extra_rows import add_evidence

import linyi_analysis as la
from linyi_analysis import tables
from linyi_analysis.plots import save_figure
from linyi_analysis.plots.delivery_charts import plot_scorecard


def _set_target(data_dir, target_id, **values):
    rows = read_rows(data_dir / "targets.csv")
    row = next(r for r in rows if r["target_id"] == target_id)
    row.update(values)
    write_rows(data_dir / "targets.csv", rows)


@pytest.mark.parametrize("zero", ["0", "-0"])
def test_a_commitment_of_zero_is_undefined_not_a_crash(data_copy, tmp_path, zero):
    _set_target(data_copy, "urb_pocket_parks", value=zero)
    plan = la.load_plan(data_copy)
    ratios = la.derived_ratios(plan).set_index("ratio_id")
    row = ratios.loc["pocket_parks_built_2022:delivered:urb_pocket_parks"]
    assert pd_isna(row["value"]) and row["calculation"] == "170 / 0 × 100: undefined (division by zero)"
    # the other decided commitment is unchanged: 5 parks of 5
    assert ratios.at["parks_comprehensive_opened_2022:delivered:urb_district_parks", "value"] == 100.0
    fig = plot_scorecard(plan)
    outcome = fig.axes[1]
    texts = [" ".join(t.get_text().split()) for t in outcome.texts]
    assert "170 of 0 parks (exceeded; share undefined: the commitment is 0)" in texts
    (delivered,) = outcome.containers
    # old-community projects 297 of 297 and households 36,261 of 36,000 (met by 2022-06-30), district
    # parks 5 of 5, pocket parks undefined: nothing drawn
    assert [round(b.get_width(), 6) for b in delivered] == [100.0, round(36261 / 36000 * 100, 6), 100.0, 0.0]
    assert [p.suffix for p in save_figure(fig, "zero", tmp_path / "figs")] == [".png", ".svg", ".csv"]
    view = tables.delivery(plan)
    assert view.at["urb_pocket_parks", "Status"] == "exceeded"
    assert view.at["urb_pocket_parks", "Evidence"].startswith("170 parks: ")
    plot_scorecard(plan.action("urban"))  # one action's scorecard too


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_delivered_shares_are_derived_once_with_their_formula():
    r = la.derived_ratios(la.load_plan()).set_index("ratio_id")
    row = r.loc["pocket_parks_built_2022:delivered:urb_pocket_parks"]
    # 170 built against 143: 170 / 143 × 100 = 118.88…
    assert round(float(row["value"]), 2) == 118.88
    assert row["calculation"] == "170 / 143 × 100 ≈ 118.9"
    assert row["formula"] == "pocket_parks_built_2022 / urb_pocket_parks × 100"
    assert sorted(r.index[r["kind"] == "delivered"]) == [
        "old_households_started_2022_06:delivered:urb_old_community_households",
        "old_projects_started_2022_06:delivered:urb_old_community_projects",
        "parks_comprehensive_opened_2022:delivered:urb_district_parks",
        "pocket_parks_built_2022:delivered:urb_pocket_parks",
    ]


def _add_fact(data_dir, **values):
    """One evidence row written by the test (extra_rows.add_evidence, with this file's citation)."""
    written = {
        "fact_id": "test_fact",
        "topic": "a fact written by the test",
        "quote_zh": "测试",
        "url": "https://example.org/test",
        "publisher": "test publisher",
        "published": "2023-03-01",
    }
    add_evidence(data_dir, **{**written, **values})


@pytest.mark.parametrize("relation", ["context", "history"])
def test_a_share_that_does_not_measure_the_commitment_never_decides(data_copy, relation):
    # 79% for 2022 against the plan's >= 80% would be "not met" if it decided.
    _add_fact(
        data_copy,
        kind="spending_share",
        topic="livelihood spending share of general public budget expenditure",
        period="2022",
        value="79",
        unit="percent",
        target_id="goals_livelihood_spending_share",
        relation=relation,
        action_id="goals",
    )
    row = la.load_plan(data_copy).delivery().set_index("target_id").loc["goals_livelihood_spending_share"]
    # it stays in progress on the January–February share (80.8%), as with the shipped data
    assert row["status"] == "in progress" and row["fact_id"] == "spend_share_2022_01_02"
    assert (
        f"test_fact (79%, 2022): its relation ({relation}) says it does not measure the commitment"
        in (row["context"])
    )


def test_a_full_year_share_that_measures_the_commitment_decides(data_copy):
    _add_fact(
        data_copy,
        kind="spending_share",
        topic="livelihood spending share of general public budget expenditure",
        period="2022",
        value="79",
        unit="percent",
        target_id="goals_livelihood_spending_share",
        relation="same_figure",
        action_id="goals",
    )
    row = la.load_plan(data_copy).delivery().set_index("target_id").loc["goals_livelihood_spending_share"]
    assert row["status"] == "not met" and row["fact_id"] == "test_fact"


@pytest.mark.parametrize(("figure", "status"), [("9", "no public evidence"), ("8", "plan confirmed")])
def test_a_restatement_must_restate_the_same_figure(data_copy, figure, status):
    # a commitment "= 8" (written by the test) and an official restatement of 9 or of 8
    _set_target(data_copy, "edu_schools_new_expanded", value="8")
    _add_fact(
        data_copy,
        kind="corroboration",
        period="2022",
        value=figure,
        unit="schools",
        target_id="edu_schools_new_expanded",
        relation="same_figure",
        action_id="education",
    )
    row = la.load_plan(data_copy).delivery().set_index("target_id").loc["edu_schools_new_expanded"]
    assert row["status"] == status
    if figure == "9":
        assert (
            "test_fact (9 schools, 2022): restates another figure (9, not the commitment's 8)"
            in row["context"]
        )
        assert "plan confirmed" not in row["rule"]
    else:
        assert row["rule"].startswith("plan confirmed: test_fact: restates the commitment (figure 8, 2022)")
