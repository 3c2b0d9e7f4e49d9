"""Issue 19, the record updated: the facts of the second search, commitments delivered early,
comparison at the precision a commitment states, every fact on its row, one table of what may
decide (and every combination it accepts run through every public function and chart), one
definition of a commitment, dates taken in any form, and located problems for bad dates.

Expected values are literals: the source CSVs of 2026-12-03, the article, figures worked by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pandas as pd
import pytest
from conftest import PROJECT, read_rows, set_cell, write_rows
from extra_rows import add_evidence

import linyi_analysis as la
from linyi_analysis import analysis, audit, tables
from linyi_analysis.audit import find_evidence_source
from linyi_analysis.plots.output import render


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


@pytest.fixture(scope="module")
def tracker(plan):
    return plan.delivery().set_index("target_id")


def _problems(data_dir) -> list:
    with pytest.raises(la.DataValidationError) as info:
        la.load_plan(data_dir)
    return info.value.problems


def _at(problems, file, row, column) -> list[str]:
    return [p.message for p in problems if (p.file, p.row, p.column) == (file, row, column)]


# --- the new facts and searches -------------------------------------------------------------


def test_the_second_search_is_copied_with_its_queries_and_findings():
    """Every search of evidence-searches-2026-12-03.csv is a row of evidence_searches.csv, verbatim."""
    source = find_evidence_source().parent / "evidence-searches-2026-12-03.csv"
    ours = {
        (r["searched_on"], r["queries"]): r for r in read_rows(PROJECT / "data" / "evidence_searches.csv")
    }
    wanted = read_rows(source)
    assert len(wanted) == 19
    for r in wanted:
        row = ours[(r["searched_on"], r["queries"])]
        assert (row["where"], row["found"]) == (r["where"], r["found"])


def test_the_new_facts_are_there_with_their_relation_and_derivation():
    ev = la.load_evidence().set_index("fact_id")
    # delivery-evidence-2026-12-03.csv: 2 progress, 1 corroboration, 8 context facts
    source = read_rows(find_evidence_source().parent / "delivery-evidence-2026-12-03.csv")
    new = ev.loc[[r["fact_id"] for r in source]]
    assert new["kind"].astype(str).value_counts().to_dict() == {
        "context": 8,
        "progress": 2,
        "corroboration": 1,
    }
    # the note's "relation=progress. Confidence: …" is the relation column and the notes
    assert ev.at["old_projects_started_2022_06", "relation"] == "progress"
    assert ev.at["cancer_aid_plan_2022_qilu", "relation"] == "same_figure"
    assert ev.at["assistance_rise_2021", "notes"].startswith("Confidence: high.")
    # the derived counts say so, with their formula: 100% × 297 projects, 100% × 36,261 households
    assert ev.at["old_projects_started_2022_06", "notes"].startswith("Derived: 297 = 100% × 297 (")
    assert ev.at["old_households_started_2022_06", "notes"].startswith("Derived: 36,261 = 100% × 36,261 (")


def _outcome(data_dir, target_id, value, unit, action_id, kind="outcome", **values):
    """A fact of ``kind`` (2022, or ``period``) for ``target_id`` written by the test, with the
    relation that lets it decide (outcome, or progress: counted so far); the commitment's tracker row."""
    add_evidence(
        data_dir,
        fact_id=f"test_{kind}",
        kind=kind,
        topic=f"{kind} (test row)",
        value=value,
        unit=unit,
        target_id=target_id,
        relation=kind,
        action_id=action_id,
        **values,
    )
    return la.load_plan(data_dir).delivery().set_index("target_id").loc[target_id]


# --- scope: 城镇 is not the central city ---------------------------------------------------


def test_a_central_city_figure_does_not_decide_an_urban_commitment(data_copy):
    # the old-community commitments are 城镇 ("the urban and towns"): the city's towns and urban areas
    targets = la.load_targets().set_index("target_id")
    assert targets.loc[
        ["urb_old_community_projects", "emp_public_welfare_posts_urban"], "scope"
    ].tolist() == [
        "urban",
        "urban",
    ]
    # the parks are the central city's, like the facts that decide them (中心城区)
    assert targets.at["urb_pocket_parks", "scope"] == "central_city"
    row = _outcome(
        data_copy, "emp_public_welfare_posts_urban", "5300", "posts", "employment", scope="central_city"
    )
    assert row["status"] == "no public evidence"
    assert "its scope (central_city) does not cover the commitment's (urban)" in row["context"]


# --- delivered early, at the stated precision, every fact on its row ----------------------


def test_the_old_community_commitments_read_met_by_june(plan, tracker):
    rows = tracker.loc[["urb_old_community_projects", "urb_old_community_households"]]
    assert rows["status"].astype(str).tolist() == ["met", "met"]
    assert rows["reached_by"].tolist() == ["2022-06-30", "2022-06-30"]
    assert all(r.startswith("met (by 2022-06-30): ") for r in rows["rule"])
    view = tables.delivery(plan).loc[["urb_old_community_projects", "urb_old_community_households"]]
    assert view["Status"].tolist() == ["met (by 2022-06-30)", "met (by 2022-06-30)"]


#: A progress fact: the commitment's own quantity counted so far, as of 30 June 2022.
BY_JUNE = {"kind": "progress", "period": "2022-06-30"}


@pytest.mark.parametrize(
    ("value", "status", "reached_by"),
    [("33", "met", "2022-06-30"), ("35", "exceeded", "2022-06-30"), ("20", "in progress", "")],
)
def test_a_figure_counted_so_far_decides_a_cumulative_commitment_as_of_its_date(
    data_copy, value, status, reached_by
):
    # "33 new and expanded primary and secondary schools": schools built count up within the year
    row = _outcome(data_copy, "edu_schools_new_expanded", value, "schools", "education", **BY_JUNE)
    assert (row["status"], row["reached_by"], row["fact_id"]) == (status, reached_by, "test_progress")


def test_whether_a_commitment_counts_up_comes_from_the_data(data_copy):
    # the same 35 schools by June, with the commitment marked a level: a part-year figure decides nothing
    set_cell(data_copy, "targets", "edu_schools_new_expanded", "counted", "level")
    row = _outcome(data_copy, "edu_schools_new_expanded", "35", "schools", "education", **BY_JUNE)
    assert (row["status"], row["reached_by"]) == ("in progress", "")
    assert "which only a figure for the whole year decides" in row["rule"]


def test_a_share_for_part_of_the_year_never_decides(data_copy):
    # 90% coverage by June against "above 85%": a level, decided by a whole-year figure only
    row = _outcome(data_copy, "edu_inclusive_kindergarten_coverage", "90", "percent", "education", **BY_JUNE)
    assert row["status"] == "in progress"


@pytest.mark.parametrize(
    ("figure", "status"),
    # "36,000 households" is stated to the thousand: 36,261 and 35,500 count as 36,000 (met),
    # 36,600 as 37,000 (exceeded), 35,400 as 35,000 (not met)
    [("36261", "met"), ("35500", "met"), ("36600", "exceeded"), ("35400", "not met")],
)
def test_a_figure_is_compared_at_the_precision_the_commitment_states(data_copy, figure, status):
    row = _outcome(data_copy, "urb_old_community_households", figure, "households", "urban")
    assert (row["status"], row["fact_id"]) == (status, "test_outcome")
    assert "compared to the nearest 1,000, as the commitment is stated" in row["rule"]


def test_a_floor_is_compared_exactly(data_copy):
    # "no less than 5,000 teachers": 4,990 falls short, though it rounds to 5,000
    row = _outcome(data_copy, "edu_school_teachers", "4990", "people", "education")
    assert row["status"] == "not met" and "compared exactly" in row["rule"]


def test_170_parks_against_143_is_exceeded_and_said_so(tracker):
    rule = tracker.at["urb_pocket_parks", "rule"]
    assert tracker.at["urb_pocket_parks", "status"] == "exceeded"
    assert "170 parks is more than the committed 143 parks (compared to the nearest 1" in rule


def test_every_fact_on_a_commitment_is_on_its_row_the_deciding_one_first(tracker):
    # pocket parks: the outcome decides; the plan restated (143) and the context facts stay listed
    parks = tracker.loc["urb_pocket_parks"]
    assert parks["fact_ids"].split() == [
        "pocket_parks_built_2022",
        "pocket_parks_plan_2022",
        "pocket_parks_direct_2022",
        "pocket_parks_built_2018_2022",
    ]
    assert "also on record: pocket_parks_plan_2022: restates the commitment" in parks["rule"]
    homes = tracker.loc["urb_old_community_households"]
    assert homes["fact_ids"].split() == ["old_households_started_2022_06", "old_households_2022"]
    # cancer aid: in progress on the 669 women registered (registered, not aided: relation related);
    # both restatements of the 500 women are on the row
    cancer = tracker.loc["kg_cancer_aid_women"]
    assert (cancer["status"], cancer["fact_id"]) == ("in progress", "cancer_aid_registered_2022_07")
    assert {"plan_cancer_aid_2022", "cancer_aid_plan_2022_qilu"} <= set(cancer["fact_ids"].split()[:3])


# --- one definition of a commitment ----------------------------------------------------------


def test_every_count_of_commitments_is_the_trackers(plan):
    from linyi_analysis.report.index import headlines

    tracker = plan.delivery()
    per_action = tracker.groupby(tracker["action_id"].astype(str)).size()
    summary = analysis.summary_by_action(plan).set_index("action_id")["targets"]
    # 44 rows less the two lead-paragraph rows with the body's figure; the 2,000 and 800 beds are two
    assert len(tracker) == summary.sum() == 42 and summary["key_groups"] == 7
    assert summary.astype(int).to_dict() == per_action.to_dict()
    assert sum(int(v) for v in tables.measures(plan)["Commitments"]) == 42 - 1  # the goals have no measure
    numbers = headlines(plan, plan.action_ids[1:])
    assert dict(numbers["overview"])["commitments"] == "42"
    assert {a: dict(numbers[a])["commitments"] for a in plan.action_ids[1:]} == {
        a: str(per_action[a]) for a in plan.action_ids[1:]
    }
    t = plan.targets.set_index("target_id")
    assert t.index[t["restates"]].tolist() == [
        "emp_public_welfare_posts_headline",
        "edu_school_teachers_headline",
    ]
    assert sorted(t.index[t["contradicts"]]) == ["kg_nursing_beds", "kg_nursing_beds_headline"]


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of",
    [
        dt.date(2022, 12, 31),
        dt.datetime(2022, 12, 31, 5),
        pd.Timestamp("2022-12-31"),
        pd.Timestamp("2022-12-31 23:00", tz="Asia/Shanghai"),
        "2022-12-31",
        "2022-12-31T08:00:00",
    ],
    ids=["date", "datetime", "Timestamp", "Timestamp with zone", "ISO date", "ISO date and time"],
)
def test_a_date_is_taken_in_any_form(plan, as_of):
    t = plan.delivery(as_of=as_of).set_index("target_id")
    # 2022-12-31: the 临沂日报 article (2023-07-24) not yet out, no search made
    assert t.at["urb_pocket_parks", "status"] == "plan confirmed" and set(t["freshness"]) == {""}


@pytest.mark.parametrize("as_of", ["garbage", "2022-02-30", "２０２２-12-31", "2022", 12, pd.NaT])
def test_a_bad_date_is_a_package_error(plan, as_of):
    with pytest.raises(la.Error, match="as_of must be a date"):
        plan.delivery(as_of=as_of)


# --- located problems for bad dates and notes --------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "column", "value", "message"),
    [
        ("evidence", "spend_share_2014h1", "period", "0000-H1", "year 0000 does not exist"),
        ("evidence", "old_projects_2022", "period", "0000", "year 0000 does not exist"),
        ("evidence", "old_projects_2022", "period", "２０２２", "does not match the pattern"),
        ("targets", "emp_new_jobs", "period", "0000", "year 0000 does not exist"),
        ("evidence", "pocket_parks_built_2022", "published", "2099-12-31", "is after today"),
        ("evidence", "old_projects_2022", "published", "0000", "year 0000 does not exist"),
        ("evidence_searches", "search_parks", "searched_on", "2099-12-31", "is after today"),
        ("evidence_searches", "search_parks", "searched_on", "1900-01-01", "before 2022-08-09"),
        # search_parks found pocket_parks_built_2022, published 2023-07-24 (a repost of 临沂日报)
        (
            "evidence_searches",
            "search_parks",
            "searched_on",
            "2023-01-01",
            "before 'pocket_parks_built_2022'",
        ),
        (
            "evidence_searches",
            "search_parks",
            "target_ids",
            "urb_pocket_parks urb_pocket_parks",
            "name each once",
        ),
        ("targets", "emp_graduate_employment_rate", "counted", "cumulative", "a percentage is a level"),
    ],
)
def test_a_bad_cell_is_located(data_copy, table, key, column, value, message):
    row = set_cell(data_copy, table, key, column, value)
    found = _at(_problems(data_copy), f"{table}.csv", row, column)
    assert any(message in m for m in found), found


def test_a_missing_url_needs_a_real_note(data_copy):
    set_cell(data_copy, "evidence", "old_projects_2022", "url", "")
    row = set_cell(data_copy, "evidence", "old_projects_2022", "notes", "   ")
    assert any("notes do not say why" in m for m in _at(_problems(data_copy), "evidence.csv", row, "url"))


def test_one_bad_cell_is_one_problem(data_copy):
    row = set_cell(data_copy, "targets", "kg_veteran_subsidy", "baseline", "NaN")
    problems = _problems(data_copy)
    assert [p.message for p in problems] == ["'NaN' is not a number (leave the cell empty for no value)"]
    assert (problems[0].row, problems[0].column) == (row, "baseline")


# --- dates in prose come from the data --------------------------------------------------------


def test_no_search_date_is_typed_in_the_readme(plan):
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    latest = max(plan.table("evidence_searches")["searched_on"])
    assert latest == "2026-12-03"
    for date in ("2026-11-28", latest):
        assert date not in readme
    assert set(tables.delivery_counts(plan)["Searched up to"]) == {latest}


# --- the rule table: every combination the loader accepts runs everywhere ----------------------

KINDS = (
    "outcome",
    "progress",
    "corroboration",
    "spending_share",
    "spending_amount",
    "spending_share_goal",
    "context",
)
RELATIONS = ("outcome", "same_figure", "component", "history", "progress", "related", "context", "")
BASES = {"single": ("edu_schools_new_expanded", "33"), "range": ("kg_care_demo_counties", "2")}


def _combinations(data_dir) -> dict[str, tuple]:
    """One fact per kind × relation × figure-or-none × single-figure or range target, each on a
    target of its own (a copy of the base target), appended to ``data_dir``; fact_id → combination."""
    targets = read_rows(data_dir / "targets.csv")
    base = {t["target_id"]: t for t in targets}
    evidence = read_rows(data_dir / "evidence.csv")
    made = {}
    for i, (kind, relation, figure, shape) in enumerate(
        itertools.product(KINDS, RELATIONS, (True, False), BASES)
    ):
        tid, value = BASES[shape]
        own = f"fx_target_{i}"
        targets.append({**base[tid], "target_id": own})
        fid = f"fx_fact_{i}"
        made[fid] = (kind, relation, figure, shape)
        evidence.append(
            {
                **dict.fromkeys(evidence[0], ""),
                "fact_id": fid,
                "kind": kind,
                "topic": f"{kind} {relation or 'no relation'} (test row)",
                "period": "2022",
                "value": value if figure else "",
                "unit": base[tid]["unit"],
                "scope": "citywide",
                "target_id": own if relation else "",
                "relation": relation,
                "action_id": base[tid]["action_id"],
                "quote_zh": "示例",
                "url": "https://example.org/fixture",
                "publisher": "fixture",
                "published": "2023-01-01",
                "source_type": "official_document",
            }
        )
    write_rows(data_dir / "targets.csv", targets)
    write_rows(data_dir / "evidence.csv", evidence)
    return made


def test_every_accepted_combination_runs_through_every_public_function_and_chart(data_copy, source_text):
    made = _combinations(data_copy)
    fact_rows = {r["fact_id"]: i for i, r in enumerate(read_rows(data_copy / "evidence.csv"), start=1)}
    problems = _problems(data_copy)
    refused = {p.key for p in problems}
    # every refusal is located at its row and column
    assert all(p.file == "evidence.csv" and p.row == fact_rows[p.key] and p.column for p in problems)
    # the three rows that crashed later steps on ce03277: a range restated is accepted; a comparing
    # relation without a figure is refused at its value
    by_combination = {v: k for k, v in made.items()}
    assert by_combination[("corroboration", "same_figure", True, "range")] not in refused
    for combination in [
        ("context", "same_figure", False, "single"),
        ("progress", "component", False, "single"),
    ]:
        fid = by_combination[combination]
        assert any(p.column == "value" for p in problems if p.key == fid), combination
    # an outcome needs relation outcome; a relation needs a target and a target a relation
    assert by_combination[("outcome", "same_figure", True, "single")] in refused
    assert by_combination[("context", "", True, "single")] not in refused
    accepted = {k for k in made if k not in refused}
    assert len(accepted) > 50

    # the accepted rows alone load, and every public function and chart takes them
    rows = read_rows(data_copy / "evidence.csv")
    write_rows(data_copy / "evidence.csv", [r for r in rows if r["fact_id"] not in refused])
    plan = la.load_plan(data_copy)
    tracker = plan.delivery()
    assert len(tracker) == 42 + len(made)
    plan.delivery(as_of="2023-06-30")
    la.derived_ratios(plan), la.spending_ratios(plan)
    analysis.summary_by_action(plan), analysis.corroboration(plan), analysis.compositions(plan)
    audit.numbers(source_text), audit.sections(plan, source_text), audit.coverage_percent(plan, source_text)
    for check in (audit.quote_check, audit.figure_check, audit.placement_check, audit.coverage):
        check(plan, source_text)
    audit.unit_check(plan), audit.consistency(plan), audit.discrepancies(plan), audit.source_differences(plan)
    for cut in (plan, plan.action("education"), plan.action("key_groups")):
        for view in (tables.summary, tables.measures, tables.ratios, tables.spending, tables.evidence):
            view(cut)
        for view in (tables.corroboration, tables.delivery, tables.delivery_counts, tables.discrepancies):
            view(cut)
        for kind in [None, *la.plan.target_kinds()]:
            tables.targets(cut, kind)
    tables.heading(plan.action("education"))
    charts = la.plots.figures(plan)  # every chart of the plan and of each action, drawn
    assert {"delivery", "delivery_education", "action_key_groups", "corroboration"} <= set(charts)
    for fig in charts.values():
        render(fig, io.BytesIO())
