"""The external evidence: a faithful, validated copy of the cited facts, linked to the plan."""

from __future__ import annotations

import pandas as pd
import pytest

import linyi_analysis as la
from conftest import read_rows, set_cell, write_rows
from linyi_analysis.evidence import source_differences

LOADERS = [
    la.load_actions,
    la.load_measures,
    la.load_units,
    la.load_targets,
    la.load_non_targets,
    la.load_evidence,
]


def test_evidence_is_loaded_typed_and_linked():
    ev = la.load_evidence()
    assert len(ev) > 0 and ev["fact_id"].is_unique
    assert ev["value"].dtype == "Float64"
    for col in ["kind", "unit", "relation", "action_id"]:
        assert isinstance(ev[col].dtype, pd.CategoricalDtype), col
    targets = la.load_targets().set_index("target_id")
    linked = ev.dropna(subset=["target_id"])
    assert len(linked) > 0
    assert linked["target_id"].isin(targets.index).all()
    # a fact linked to a target bears on that target's action
    assert (
        linked["action_id"].astype(str).values
        == targets.loc[linked["target_id"], "action_id"].astype(str).values
    ).all()


def test_evidence_is_the_shared_file_copied_faithfully(evidence_source):
    diff = source_differences()
    assert diff.empty, diff
    ours = la.load_evidence().set_index("fact_id")
    assert sorted(ours.index) == sorted(r["fact_id"] for r in evidence_source)
    for row in evidence_source:
        assert ours.at[row["fact_id"], "value"] == float(row["value"])
        assert ours.at[row["fact_id"], "url"] == row["url"]
        assert ours.at[row["fact_id"], "quote_zh"] == row["quote_zh"]


def test_a_changed_figure_is_reported_as_a_difference(evidence_source, data_copy):
    set_cell(data_copy, "evidence", "old_households_2022", "value", "36000")
    diff = source_differences(data_dir=data_copy)
    assert diff[["fact_id", "column"]].values.tolist() == [["old_households_2022", "value"]]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_every_loader_validates_every_table(loader, data_copy):
    """All tables are validated together: bad evidence fails every loader, with its file, row and column."""
    row = set_cell(data_copy, "evidence", "pocket_parks_plan_2022", "value", "lots")
    with pytest.raises(la.DataValidationError) as info:
        loader(data_copy)
    assert f"evidence.csv, row {row} (line {row + 1}, pocket_parks_plan_2022), column 'value'" in str(
        info.value
    )


def _problems(data_copy):
    with pytest.raises(la.DataValidationError) as info:
        la.load_evidence(data_copy)
    return info.value.problems


def _only(problems, **expected):
    found = [p for p in problems if all(getattr(p, k) == v for k, v in expected.items())]
    assert found, f"no problem with {expected} in {problems}"
    return found[0]


def test_evidence_column_rules(data_copy):
    target = set_cell(data_copy, "evidence", "old_communities_2022", "target_id", "no_such_target")
    url = set_cell(data_copy, "evidence", "spend_agri_2014h1", "url", "onefj.com/article")
    period = set_cell(data_copy, "evidence", "spend_share_2019h1", "period", "2019 first half")
    problems = _problems(data_copy)
    assert "not a known value of targets.csv" in _only(problems, row=target, column="target_id").message
    assert "pattern" in _only(problems, row=url, column="url").message
    assert "pattern" in _only(problems, row=period, column="period").message


def test_evidence_row_rules(data_copy):
    rows = {
        "relation": set_cell(data_copy, "evidence", "old_area_2022", "relation", ""),
        "unit": set_cell(data_copy, "evidence", "old_households_2022", "unit", "projects"),
        "action": set_cell(data_copy, "evidence", "pocket_parks_plan_2022", "action_id", "rural"),
        "percent": set_cell(data_copy, "evidence", "spend_share_2019h1", "value", "182"),
        "part_of": set_cell(data_copy, "evidence", "spend_edu_2014h1", "part_of", "spend_share_2014h1"),
    }
    problems = _problems(data_copy)
    assert "say how the fact bears on it" in _only(problems, row=rows["relation"], column="relation").message
    assert "which is in 'households'" in _only(problems, row=rows["unit"], column="unit").message
    assert "must be 'urban'" in _only(problems, row=rows["action"], column="action_id").message
    assert "above 100" in _only(problems, row=rows["percent"], column="value").message
    assert "not in the same unit" in _only(problems, row=rows["part_of"], column="part_of").message
    assert all(p.file == "evidence.csv" for p in problems) and len(problems) == len(rows)


def test_relation_needs_a_target(data_copy):
    row = set_cell(data_copy, "evidence", "spend_edu_2014h1", "relation", "context")
    p = _only(_problems(data_copy), file="evidence.csv", row=row, column="relation")
    assert "target_id is empty" in p.message


def test_units_only_evidence_uses_need_no_article_words_but_target_units_do(data_copy):
    units = la.load_units().set_index("unit")
    evidence_only = set(la.load_evidence()["unit"].astype(str)) - set(la.load_targets()["unit"].astype(str))
    assert evidence_only, "the evidence uses units the article never uses"
    assert units.loc[sorted(evidence_only), "source_words"].isna().all()
    # a unit a target uses must keep the article's words for it
    set_cell(data_copy, "units", "parks", "source_words", "")
    problems = _problems(data_copy)
    parks = [r["target_id"] for r in read_rows(data_copy / "targets.csv") if r["unit"] == "parks"]
    flagged = {p.key for p in problems if p.file == "targets.csv" and p.column == "unit"}
    assert flagged == set(parks) and parks


def test_ratio_to_must_not_point_at_a_range(data_copy):
    row = set_cell(data_copy, "targets", "urb_shantytown_completed", "ratio_to", "edu_strong_town_pilots")
    with pytest.raises(la.DataValidationError) as info:
        la.load_targets(data_copy)
    p = _only(info.value.problems, file="targets.csv", row=row, column="ratio_to")
    assert "range" in p.message


def test_missing_evidence_file_is_named(data_copy):
    (data_copy / "evidence.csv").unlink()
    p = _only(_problems(data_copy), file="evidence.csv")
    assert "file not found" in p.message


def test_evidence_without_a_required_column(data_copy):
    rows = read_rows(data_copy / "evidence.csv")
    write_rows(data_copy / "evidence.csv", rows, [c for c in rows[0] if c != "quote_zh"])
    p = _only(_problems(data_copy), file="evidence.csv", column="quote_zh")
    assert p.message == "required column is missing"
