"""Tables and charts as the notebooks show them: units, thousands separators, escaping, alt text."""

from __future__ import annotations

import pandas as pd
import pytest

import linyi_analysis as la
from linyi_analysis import analysis, display


@pytest.mark.parametrize(
    ("row", "label", "expected"),
    [
        ({"comparator": "=", "value": 2000}, "beds", "2,000 beds"),
        ({"comparator": ">=", "value": 2.2e9}, "yuan", "≥ 2,200,000,000 yuan"),
        ({"comparator": ">=", "value": 85}, "%", "≥ 85%"),
        (
            {"comparator": "range", "value_min": 10, "value_max": 15, "per": "year"},
            "towns",
            "10–15 towns a year",
        ),
        (
            {"comparator": "from_to", "baseline": 4500, "value": 5000},
            "yuan a year",
            "4,500 → 5,000 yuan a year",
        ),
        ({"comparator": "increase_by", "value": 10}, "%", "+10%"),
        ({"comparator": "=", "value": 1, "per": "district"}, "parks", "1 parks per district"),
    ],
)
def test_commitment_reads_with_units_and_separators(row, label, expected):
    assert display.commitment(row, label) == expected


def test_numbers():
    assert display.number(2_490_000) == "2,490,000"
    assert display.number(None) == display.number(pd.NA) == "n/a"
    assert display.share(2 / 3, 1) == "66.7%" and display.share(pd.NA) == "n/a"


def test_targets_table_of_one_action():
    targets = analysis.action_targets("employment")
    table = display.targets_table(targets)
    assert table.index.tolist() == targets["target_id"].tolist()
    assert list(table.columns) == ["Indicator", "Target", "Scope", "Year", "Stated in"]
    assert table.at["emp_startup_loans", "Target"] == "≥ 2,200,000,000 yuan"
    assert table.at["emp_public_welfare_posts_headline", "Stated in"] == "lead paragraph"
    # the same table from the plain loader (unit labels looked up in units.csv)
    plain = la.load_targets()
    assert display.targets_table(plain[plain["action_id"] == "employment"]).equals(
        table.loc[plain.loc[plain["action_id"] == "employment", "target_id"]]
    )


def test_targets_table_by_kind():
    targets = analysis.all_targets()
    percent = display.targets_table(targets, kind="percent")
    assert len(percent) == (targets["target_kind"] == "percent").sum() > 0
    assert all(t.endswith("%") for t in percent["Target"])


def test_pick_action_refuses_an_unknown_id():
    measures = la.load_measures()
    assert set(display.pick_action(measures, "rural")["action_id"].astype(str)) == {"rural"}
    with pytest.raises(ValueError, match=r"unknown action 'farms'; valid ids: goals, key_groups"):
        display.pick_action(measures, "farms")


def test_data_text_is_escaped_in_html():
    targets = analysis.action_targets("urban").head(1).copy()
    targets["indicator"] = '<script>alert("x")</script> & "parks"'
    html = display.targets_table(targets)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    heading = display.Heading('<img src=x onerror="y">', note="<b>")._repr_html_()
    assert "<img" not in heading and "<b>" not in heading


def test_summary_table_keeps_numbers_of_the_summary():
    summary = analysis.summary_by_action()
    table = display.summary_table(summary)
    assert table.index.tolist() == summary["action_id"].astype(str).tolist()
    assert table.at["urban", "Targets"] == str(summary.set_index("action_id").at["urban", "targets"])


def test_show_figure_saves_and_shows_the_same_png(tmp_path):
    from linyi_analysis import plots

    fig = plots.plot_action_targets(analysis.action_targets("medical"), "medical")
    shown = display.show_figure(fig, alt="Medical targets", name="action_medical", directory=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["action_medical.png", "action_medical.svg"]
    assert shown.png == (tmp_path / "action_medical.png").read_bytes()
    data, metadata = shown._repr_mimebundle_()
    assert (
        data["text/plain"] == "[chart] Medical targets" and metadata["image/png"]["alt"] == "Medical targets"
    )


def test_show_figure_without_a_directory_saves_nothing(tmp_path, monkeypatch):
    from linyi_analysis import plots

    monkeypatch.chdir(tmp_path)
    shown = display.show_figure(plots.plot_overview(analysis.summary_by_action()), alt="x", directory="")
    assert shown.png.startswith(b"\x89PNG") and list(tmp_path.iterdir()) == []


def test_docstring_examples_hold():
    import doctest

    from linyi_analysis.report import parameters

    for module in (display, parameters):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
