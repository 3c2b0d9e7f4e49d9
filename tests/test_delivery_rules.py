"""Bad delivery evidence fails the loader with file, row, column and problem, one case at a time,
and the report exits 1 without touching what it published before."""

from __future__ import annotations

import pytest
from conftest import read_rows, set_cell, write_rows

import linyi_analysis as la


def _problems(data_copy):
    with pytest.raises(la.DataValidationError) as info:
        la.load_tables(data_copy)
    return info.value.problems


def _one(problems, file, row, column):
    found = [p for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert found, f"no problem at {file} row {row} column {column} in {problems}"
    return found[0].message


def _add_fact(d, **values) -> int:
    """Append one outcome row (valid unless ``values`` break it); return its 1-based row."""
    rows = read_rows(d / "evidence.csv")
    row = dict.fromkeys(rows[0], "")
    row.update(
        fact_id="test_outcome",
        kind="outcome",
        topic="test outcome",
        period="2022",
        value="150",
        unit="parks",
        scope="urban",
        target_id="urb_pocket_parks",
        relation="outcome",
        action_id="urban",
        quote_zh="测试",
        url="https://example.org/test",
        publisher="test",
        published="2023-01-01",
        source_type="official_document",
    )
    row.update(values)
    write_rows(d / "evidence.csv", [*rows, row])
    return len(rows) + 1


def test_the_valid_test_row_loads(data_copy):
    _add_fact(data_copy)
    assert "test_outcome" in set(la.load_evidence(data_copy)["fact_id"])


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        (
            {"target_id": "urb_no_such_target"},
            "target_id",
            "'urb_no_such_target' is not a known value of targets.csv",
        ),
        ({"target_id": "", "relation": "", "action_id": ""}, "target_id", "an outcome must name the target"),
        (
            {"unit": "households"},
            "unit",
            "is 'households', but the outcome's target 'urb_pocket_parks' is in 'parks'",
        ),
        ({"period": "2022-13"}, "period", "'2022-13' is not a valid period: month 13 does not exist"),
        ({"period": "2022-02-30"}, "period", "day 30 does not exist in 2022-02"),
        ({"period": "2022-06/2022-03"}, "period", "the interval ends (2022-03) before it starts (2022-06)"),
        ({"period": "2023"}, "period", "lies outside the plan year 2022 of 'urb_pocket_parks'"),
        ({"period": "2021/2022"}, "period", "2021/2022 (multi-year, 2021-01-01–2022-12-31) lies outside"),
        ({"value": ""}, "value", "is empty, but an outcome needs the delivered figure"),
        ({"url": ""}, "url", "notes do not say why the source has no address"),
        ({"relation": "same_figure"}, "relation", "an outcome and only an outcome has relation 'outcome'"),
    ],
    ids=[
        "unknown target",
        "no target",
        "unit differs from target's",
        "month 13",
        "no such day",
        "interval ends before it starts",
        "outside the plan year",
        "two-year total as outcome",
        "outcome without value",
        "no url without a note",
        "outcome relation",
    ],
)
def test_bad_delivery_fact_is_located(data_copy, values, column, message):
    row = _add_fact(data_copy, **values)
    assert message in _one(_problems(data_copy), "evidence.csv", row, column)


def test_empty_url_with_a_note_is_allowed(data_copy):
    _add_fact(data_copy, url="", notes="Read in a repost whose address is not fit to cite.")
    # the three shipped rows citing the 临沂日报 article by title and date, and this one
    assert la.load_evidence(data_copy)["url"].isna().sum() == 4


def test_progress_outside_the_plan_year_is_located(data_copy):
    row = set_cell(data_copy, "evidence", "cancer_aid_registered_2022_07", "period", "2023-07-28")
    assert "a progress fact decides its status" in _one(_problems(data_copy), "evidence.csv", row, "period")


def test_history_outside_the_plan_year_is_fine():
    ev = la.load_evidence().set_index("fact_id")
    assert ev.at["spend_share_2011_expected", "period"] == "2011"  # a spending share, not deciding


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "target_ids",
            "urb_pocket_parks no_such_target",
            "'no_such_target' is not a target_id of targets.csv",
        ),
        ("fact_ids", "no_such_fact", "'no_such_fact' is not a fact_id of evidence.csv"),
        ("action_id", "urban", "must be empty when the search covers 'targets'"),
        ("searched_on", "2026-02-30", "is not a valid date"),
    ],
)
def test_bad_search_is_located(data_copy, column, value, message):
    row = set_cell(data_copy, "evidence_searches", "search_parks", column, value)
    assert message in _one(_problems(data_copy), "evidence_searches.csv", row, column)


def test_report_exits_1_and_keeps_what_it_published(reference_site, tmp_path, data_copy):
    """A bad outcome row: linyi-report fails with the located problem, earlier output unchanged."""
    from report_site import run_report, tree_hashes

    reports, figures = reference_site.copy_to(tmp_path)
    before = tree_hashes(reports), tree_hashes(figures)
    row = _add_fact(data_copy, unit="households")
    proc = run_report("--output", reports, "--figures", figures, "--data-dir", data_copy, cwd=tmp_path)
    assert proc.returncode == 1
    assert f"evidence.csv, row {row} (line {row + 1}, test_outcome), column 'unit'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tree_hashes(reports), tree_hashes(figures)) == before


def test_an_outcome_outside_the_plan_year_reads_right(data_copy):
    row = set_cell(data_copy, "evidence", "pocket_parks_built_2022", "period", "2023")
    message = _one(_problems(data_copy), "evidence.csv", row, "period")
    assert (
        "lies outside the plan year 2022 of 'urb_pocket_parks', but an outcome fact decides its status"
        in message
    )
    assert "''s" not in message and "a outcome" not in message
