"""The analysis: per-action summary, derived ratios, spending ratios and corroboration.

Expected values come from outside the code: figures worked out by hand from the article
(47,300 = 42,000 + 5,300; 2,650 of 3,442; 36,000 households in 297 projects), the article's own
counts of its measures, and literal periods and ids written here.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from extra_rows import FACT, PART, REPORTED, SHARE, WAGE, add_action, add_evidence, add_rows, add_zero_target

import linyi_analysis as la
from linyi_analysis import analysis


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


def _evaluate(calculation: str) -> float:
    """The value of a recorded calculation such as ``(5,000 − 4,500) / 4,500 × 100 ≈ 11.1``."""
    left = re.split(r" = | ≈ ", calculation)[0].replace(",", "").replace("×", "*").replace("−", "-")
    assert re.fullmatch(r"[\d.()+\-*/ ]+", left), left
    return eval(left)  # digits and operators only (checked above)


# The article's counts of its measures, counted by hand in the article ("construction of 9
# aspects", "from these 4 aspects", "from four aspects", "from 7 aspects", "Eight aspects",
# "These 6 aspects"); the goals are no action with measures.
ARTICLE_MEASURES = {
    "goals": 0,
    "key_groups": 9,
    "employment": 4,
    "education": 4,
    "medical": 7,
    "urban": 8,
    "rural": 6,
}


def test_measure_counts_are_the_articles(plan):
    summary = analysis.summary_by_action(plan).set_index("action_id")
    assert summary["measures"].to_dict() == ARTICLE_MEASURES
    stated = summary["measures_stated"].dropna().astype(int).to_dict()
    assert stated == {k: v for k, v in ARTICLE_MEASURES.items() if v}


def test_quantified_percent_is_a_percent(plan):
    summary = analysis.summary_by_action(plan).set_index("action_id")
    # education: 2 of its 4 measures carry a number (see the docstring example of summary_by_action)
    assert summary.at["education", "quantified_percent"] == 50.0
    assert pd.isna(summary.at["goals", "quantified_percent"])  # no measures: no rate
    rates = summary["quantified_percent"].dropna()
    assert ((rates >= 0) & (rates <= 100)).all() and rates.max() > 1  # 0–100, not a fraction


def test_the_articles_figures_worked_by_hand(plan):
    """47,300 posts = 42,000 rural + 5,300 urban → 88.8% / 11.2%, nothing left unitemised;
    2,650 of 3,442 shantytown units → 77.0%; 36,000 households / 297 projects ≈ 121.2;
    the veterans' subsidy 4,500 → 5,000 yuan: +500, +11.1%."""
    r = la.derived_ratios(plan).set_index("ratio_id")["value"].astype(float).round(1)
    posts = "emp_public_welfare_posts"
    assert r[f"{posts}_rural:share:{posts}"] == 88.8
    assert r[f"{posts}_urban:share:{posts}"] == 11.2
    assert r[f"{posts}:remainder:parts"] == 0
    assert f"{posts}.not_itemised:share:{posts}" not in r.index  # nothing left to share out
    assert r["urb_shantytown_completed:ratio:urb_shantytown_started"] == 77.0
    assert r["urb_old_community_households:per_unit:urb_old_community_projects"] == 121.2
    assert r["kg_veteran_subsidy:change:baseline"] == 500
    assert r["kg_veteran_subsidy:relative_change:baseline"] == 11.1
    # the official 36,261 households against the plan's 36,000: +261, i.e. 261/36,000 = 0.725%
    assert r["old_households_2022:difference:urb_old_community_households"] == 261
    c = analysis.corroboration(plan).set_index("fact_id")
    assert c.at["old_households_2022", "relative_difference_percent"] == pytest.approx(0.725)


def test_every_ratio_records_a_calculation_that_gives_its_value(plan):
    ratios = la.derived_ratios(plan)
    assert len(ratios) > 0
    for _, r in ratios.iterrows():
        assert _evaluate(r["calculation"]) == pytest.approx(float(r["value"])), r["ratio_id"]
        # the formula names the ids the id names
        assert r["numerator"] in r["formula"], r["ratio_id"]


KINDS = {"share", "ratio", "per_unit", "change", "relative_change", "remainder", "difference", "delivered"}


def test_ratio_ids_are_numerator_kind_denominator_and_unique(plan):
    ratios = la.derived_ratios(plan)
    assert ratios["ratio_id"].is_unique
    for _, r in ratios.iterrows():
        assert r["ratio_id"] == f"{r['numerator']}:{r['kind']}:{r['denominator']}"
        assert r["kind"] in KINDS | {"relative_difference"}


def test_ratio_ids_stay_unique_with_a_second_component_fact(data_copy):
    """Defect 5: a second component fact for one target gave two rows with one id."""
    add_evidence(
        data_copy,
        fact_id="fx_parks_district_2022",
        kind="corroboration",
        topic="pocket parks built by the districts",
        value="30",
        unit="parks",
        target_id="urb_pocket_parks",
        relation="component",
        action_id="urban",
    )
    ratios = la.derived_ratios(la.load_plan(data_copy))
    assert ratios["ratio_id"].is_unique
    shares = ratios.query("kind == 'share' and denominator == 'urb_pocket_parks'")["ratio_id"].tolist()
    assert sorted(shares) == [
        "fx_parks_district_2022:share:urb_pocket_parks",
        "pocket_parks_direct_2022:share:urb_pocket_parks",
    ]


def test_spending_shares_are_listed_in_time_order(data_copy):
    """Defect 4: periods sorted as text put 2019-12 before 2019-H1 and 2019-Q1 last."""
    for period, value in [("2019-Q1", "78"), ("2019-H2", "84"), ("2019-12", "85")]:
        add_evidence(
            data_copy,
            fact_id=f"fx_share_{period.lower().replace('-', '')}",
            kind="spending_share",
            topic="livelihood spending share of fiscal expenditure",
            period=period,
            value=value,
            unit="percent",
            target_id="goals_livelihood_spending_share",
            relation="history",
            action_id="goals",
        )
    s = la.spending_ratios(la.load_plan(data_copy))
    reported = s.loc[s["kind"] == "reported", "period"].tolist()
    # by start, then the shorter first: 2019-Q1 and 2019-H1 both start on 1 January 2019
    assert reported == [
        "2011",
        "2014-H1",
        "2019-Q1",
        "2019-H1",
        "2019-H2",
        "2019-12",
        "2022-01/2022-02",
        "2025-Q1",
    ]


def test_spending_ratios_hold_spending_only(plan):
    """Defect 6: the veterans' subsidy rise (11.1%) sat in the spending table under "Share"."""
    s = la.spending_ratios(plan)
    assert "kg_veteran_subsidy:relative_change:baseline" not in set(s["ratio_id"])
    assert not (s["value"].astype(float).round(1) == 11.1).any()
    assert set(s["kind"]) == {"target", "reported", "derived"}
    assert s.loc[s["kind"] == "target", "target_id"].tolist() == ["goals_livelihood_spending_share"]
    # the reported shares, as the shared evidence files give them, in time order: 60.4% (2011,
    # expected), 69% (2014-H1), 82% (2019-H1), 80.8% (January-February 2022), 83.1% (2025-Q1)
    reported = s[s["kind"] == "reported"]
    assert reported[["period", "value"]].values.tolist() == [
        ["2011", 60.4],
        ["2014-H1", 69.0],
        ["2019-H1", 82.0],
        ["2022-01/2022-02", 80.8],
        ["2025-Q1", 83.1],
    ]
    # education spending within livelihood spending, 2014-H1: 5.54 bn / 15.16 bn = 36.5%
    derived = s[s["kind"] == "derived"].set_index("fact_id")
    assert round(float(derived.at["spend_edu_2014h1", "value"]), 1) == 36.5
    assert derived.at["spend_edu_2014h1", "denominator"] == "livelihood spending"
    evidence = la.load_evidence().set_index("fact_id")
    assert set(evidence.loc[derived.index, "kind"]) == {"spending_amount"}


def test_spending_shares_say_what_they_are_a_share_of(plan):
    """Defect 7: the reported shares have different denominators; the frame has a column for it."""
    s = la.spending_ratios(plan)
    assert "denominator" in s.columns
    assert (s.loc[s["kind"] == "derived", "denominator"] != "").all()


def test_reported_spending_shares_name_their_denominator(plan):
    s = la.spending_ratios(plan)
    reported = s[s["kind"] == "reported"].set_index("period")["denominator"].to_dict()
    # Hand-read from each share's Chinese passage in the shared evidence files:
    # 占全市公共财政支出 / 占全市财政支出 / 占全市一般公共预算支出 / 占一般公共預(yù)算支出 / 占总支出.
    assert reported == {
        "2011": "total expenditure",
        "2014-H1": "public fiscal expenditure",
        "2019-H1": "fiscal expenditure",
        "2022-01/2022-02": "general public budget expenditure",
        "2025-Q1": "general public budget expenditure",
    }


@pytest.mark.parametrize("zero", ["0", "-0"])
def test_a_plan_figure_of_zero_has_an_undefined_relative_difference(data_copy, zero):
    """Valid data must not crash: official 5 against a plan figure of 0 is +5, relative undefined."""
    target, fact = add_zero_target(data_copy, zero)
    plan = la.load_plan(data_copy)
    ratios = la.derived_ratios(plan).set_index("ratio_id")
    rel = ratios.loc[f"{fact}:relative_difference:{target}"]
    assert pd.isna(rel["value"])
    assert "undefined" in rel["calculation"]
    assert ratios.at[f"{fact}:difference:{target}", "value"] == 5
    c = analysis.corroboration(plan).set_index("fact_id")
    assert pd.isna(c.at[fact, "relative_difference_percent"]) and c.at[fact, "difference"] == 5


def test_corroboration_matches_the_cited_evidence(plan, evidence_source):
    c = analysis.corroboration(plan)
    source = {r["fact_id"]: r for r in evidence_source}
    same = [r for r in evidence_source if r["fact_id"] in set(la.load_evidence()["fact_id"])]
    assert len(c) == 7 and len(same) > 0
    # the plan's figures, as the article writes them: 297 projects, 36,000 households, 143 parks,
    # parks of at least 100 mu, a 10% rise of assistance standards, 500 women aided (restated twice)
    assert c.set_index("fact_id")["plan_value"].to_dict() == {
        "old_projects_2022": 297.0,
        "old_households_2022": 36000.0,
        "pocket_parks_plan_2022": 143.0,
        "plan_park_rule_100mu": 100.0,
        "plan_assistance_rise_2022": 10.0,
        "plan_cancer_aid_2022": 500.0,
        "cancer_aid_plan_2022_qilu": 500.0,
    }
    for _, r in c.iterrows():
        cited = source[r["fact_id"]]
        assert r["evidence_value"] == float(cited["value"])
        assert (r["url"], r["publisher"], r["published"], r["quote_zh"]) == (
            cited["url"],
            cited["publisher"],
            cited["published"],
            cited["quote_zh"],
        )


def test_corroboration_plan_figures_are_in_the_article(plan, source_text):
    from linyi_analysis import audit

    figures = audit.figure_check(plan, source_text).set_index(["target_id", "column"])
    for tid in analysis.corroboration(plan)["target_id"]:
        assert figures.at[(tid, "value"), "in_quote"], tid


def _mutate(frame: pd.DataFrame) -> None:
    """Edit a frame in place as an analyst might: overwrite its first id with its last."""
    frame.iloc[0, 0] = frame.iloc[-1, 0]


PLAN_ATTRIBUTES = ["actions", "measures", "units", "targets", "evidence", "non_targets"]


@pytest.mark.parametrize("name", PLAN_ATTRIBUTES)
def test_load_tables_hands_out_copies(name):
    """Defect 1: ``load_tables()`` returned the live cache."""
    before = la.load_tables()[name].copy()
    _mutate(la.load_tables()[name])
    pd.testing.assert_frame_equal(la.load_tables()[name], before)


@pytest.mark.parametrize(
    "loader",
    [
        la.load_actions,
        la.load_measures,
        la.load_units,
        la.load_targets,
        la.load_non_targets,
        la.load_evidence,
    ],
    ids=lambda f: f.__name__,
)
def test_every_loader_hands_out_copies(loader):
    before = loader().copy()
    _mutate(loader())
    pd.testing.assert_frame_equal(loader(), before)


@pytest.mark.parametrize("name", PLAN_ATTRIBUTES)
def test_every_plan_attribute_hands_out_copies(name):
    plan = la.load_plan()
    before = getattr(plan, name)
    _mutate(getattr(plan, name))
    _mutate(getattr(plan.action("urban"), name))
    pd.testing.assert_frame_equal(getattr(plan, name), before)
    pd.testing.assert_frame_equal(getattr(la.load_plan(), name), before)


def test_derived_frames_are_copies():
    plan = la.load_plan()
    for derive in (la.derived_ratios, la.spending_ratios, analysis.summary_by_action):
        before = derive(plan)
        _mutate(derive(plan))
        pd.testing.assert_frame_equal(derive(plan), before)
    # and a mutated cache cannot reach the next plan's numbers: 88.8% is still 88.8%
    t = la.load_tables()
    t["targets"].loc[0, "value"] = -999.0  # the reproduction
    r = la.derived_ratios(la.load_plan()).set_index("ratio_id")["value"]
    assert round(float(r["emp_public_welfare_posts_rural:share:emp_public_welfare_posts"]), 1) == 88.8


def test_a_new_target_row_changes_every_summary_and_ratio_concerned(data_copy):
    """No code names a target: rows added to the data show up in every result they concern."""
    old_plan = la.load_plan(data_copy)
    before = {
        "summary": analysis.summary_by_action(old_plan).set_index("action_id"),
        "ratios": la.derived_ratios(old_plan),
        "spending": la.spending_ratios(old_plan),
        "corroboration": analysis.corroboration(old_plan),
    }
    fig = add_rows(data_copy)
    plan = la.load_plan(data_copy)
    summary = analysis.summary_by_action(plan).set_index("action_id")
    ratios = la.derived_ratios(plan).set_index("ratio_id")
    spending = la.spending_ratios(plan)
    corroboration = analysis.corroboration(plan).set_index("fact_id")

    old = before["summary"]
    assert summary.at["employment", "targets"] == old.at["employment", "targets"] + 2
    assert summary.at["employment", "change"] == old.at["employment", "change"] + 1
    assert summary.at["employment", "count"] == old.at["employment", "count"] + 1
    assert summary.at["employment", "quantified_measures"] == old.at["employment", "quantified_measures"] + 1
    assert summary.at["education", "percent"] == old.at["education", "percent"] + 1
    # education: 2 → 3 of 4 measures quantified (after-school care gets a number): 50% → 75%
    assert summary.at["education", "quantified_percent"] == 75.0
    assert summary.at["education", "evidence"] == old.at["education", "evidence"] + 1

    # the fixture's figures by hand: 1,000 → 1,200 yuan is +200, +20%; 30,000 of the 1.1 m jobs
    assert ratios.at[f"{WAGE}:change:baseline", "value"] == 200
    assert ratios.at[f"{WAGE}:relative_change:baseline", "value"] == 20
    assert ratios.at[f"{PART}:share:emp_new_jobs", "value"] == pytest.approx(30_000 / fig["jobs"] * 100)
    # + the wage's change and relative change, the part's share, the jobs total's remainder and its
    # share, and the fixture fact's difference and relative difference
    assert len(ratios) == len(before["ratios"]) + 7

    # a wage rise is not spending: it stays out of the spending table
    assert f"{WAGE}:relative_change:baseline" not in set(spending["ratio_id"])
    assert REPORTED in set(spending["fact_id"])
    assert len(spending) == len(before["spending"]) + 1

    assert corroboration.at[FACT, "target_id"] == SHARE
    assert corroboration.at[FACT, "difference"] == 2  # 62% official against the 60% planned
    assert len(corroboration) == len(before["corroboration"]) + 1


def test_an_added_action_is_a_valid_id(data_copy):
    """Defect 10: with a copy of the data that adds an action, the copy's ids are the valid ones."""
    add_action(data_copy)
    plan = la.load_plan(data_copy)
    transport = plan.action("transport")
    assert transport.action_id == "transport" and transport.actions["name"].tolist() == ["Transport"]
    assert len(transport.targets) == 0
    with pytest.raises(la.UnknownAction, match="transport"):
        la.load_plan().action("transport")  # the shipped data has no such action


def test_unknown_action_error_lists_the_valid_ids_and_is_a_package_error(plan):
    with pytest.raises(la.UnknownAction) as info:
        plan.action("schools")
    message = str(info.value)
    assert message == (
        "unknown action 'schools'; valid ids: goals, key_groups, employment, education, medical, urban, rural"
    )
    for error in (la.ParameterError, la.Error, ValueError):
        assert isinstance(info.value, error)
