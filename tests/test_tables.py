"""Tables as the notebooks show them, number formatting, and the package's notebook face.

Expected labels are literals written here, with the boundary values where formatting can go
wrong (999,500 crosses from k to m; 2.49 must keep its last digit).
"""

from __future__ import annotations

import csv
import pickle
import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import PROJECT
from extra_rows import add_action, add_zero_target

import linyi_analysis as la
from linyi_analysis import formatting, tables


@pytest.mark.parametrize(
    ("row", "label", "expected"),
    [
        ({"comparator": "=", "value": 2000}, "beds", "2,000 beds"),
        ({"comparator": "=", "value": 2.49}, "", "2.49"),
        ({"comparator": ">=", "value": 2.2e9}, "yuan", "≥ 2,200,000,000 yuan"),
        ({"comparator": ">=", "value": 85}, "%", "≥ 85%"),
        ({"comparator": ">", "value": 999_500}, "people", "> 999,500 people"),
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
def test_commitment_reads_with_units_and_every_digit(row, label, expected):
    assert tables.commitment(row, label) == expected


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"comparator": "=", "value": 47_300, "unit_label": "posts"}, "47.3k posts"),
        ({"comparator": ">=", "value": 2.2e9, "unit_label": "yuan"}, "≥ 2.2 bn yuan"),
        ({"comparator": ">", "value": 999_500, "unit_label": "people"}, "> 1 m people"),
        ({"comparator": "=", "value": 999_400, "unit_label": "people"}, "999k people"),
        ({"comparator": ">=", "value": 85, "unit_label": "%"}, "≥ 85%"),
        (
            {"comparator": "range", "value_min": 9000, "value_max": 12000, "unit_label": "people"},
            "9,000–12k people",
        ),
        (
            {"comparator": "from_to", "baseline": 4500, "value": 5000, "unit_label": "yuan"},
            "4,500 → 5,000 yuan",
        ),
        ({"comparator": "increase_by", "value": 10, "unit_label": "%"}, "+10%"),
    ],
)
def test_short_labels_per_comparator(row, expected):
    """Defect 9 (short form): the label as charts write it."""
    assert formatting.target_label(row) == expected


@pytest.mark.parametrize(
    ("value", "exact", "expected"),
    [
        (999_500, False, "1 m"),  # defect 9: was '1e+03k'
        (999_400, False, "999k"),
        (999_600_000, False, "1 bn"),  # was '1e+03 m'
        (9_949, False, "9,949"),
        (9_999, False, "10k"),  # three significant digits: 10.0k, so the k scale
        (10_000, False, "10k"),
        (2.49, True, "2.49"),  # defect 9: exact rounded it to '2.5'
        (1.25, True, "1.25"),
        (36_261, True, "36,261"),
        (2_200_000_000, True, "2,200,000,000"),
        (-1200, True, "−1,200"),
        (0, True, "0"),
        (-0.0, True, "0"),
        (None, True, "n/a"),
    ],
)
def test_human_number_boundaries(value, exact, expected):
    assert formatting.human_number(value, exact=exact) == expected


def test_number_quantity_percent():
    assert tables.number(2_490_000) == "2,490,000"
    assert tables.number(None) == tables.number(pd.NA) == "n/a"
    assert tables.quantity(83.1, "%") == "83.1%" and tables.quantity(5300, "posts") == "5,300 posts"
    assert tables.percent(200 / 3, 1) == "66.7%" and tables.percent(pd.NA) == "n/a"
    assert tables.percent(50) == "50.0%"  # a percent is 0–100: 50 is half, not fifty-fold


def test_targets_of_one_action():
    t = tables.targets(la.load_plan().action("employment"))
    assert list(t.columns) == ["Indicator", "Target", "Scope", "Year", "Stated in"]
    assert t.at["emp_startup_loans", "Target"] == "≥ 2,200,000,000 yuan"
    assert t.at["emp_public_welfare_posts_rural", "Target"] == "42,000 posts"
    # the lead paragraph's 47,300 posts restates the body's: one commitment, one row
    assert t.at["emp_public_welfare_posts", "Stated in"] == "the opening paragraph and the body"
    assert sorted(t.index) == sorted(
        r["target_id"]
        for r in _csv("targets.csv")
        if r["action_id"] == "employment" and r["target_id"] != "emp_public_welfare_posts_headline"
    )


def _csv(name: str) -> list[dict]:
    with (PROJECT / "data" / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_targets_by_kind():
    percent = tables.targets(la.load_plan(), kind="percent")
    # every target in unit percent whose comparator is a level (not a range or a rise), from the CSV
    expected = {
        r["target_id"]
        for r in _csv("targets.csv")
        if r["unit"] == "percent" and r["comparator"] in ("=", ">=", ">")
    }
    assert set(percent.index) == expected and expected
    assert all(t.endswith("%") for t in percent["Target"])


def test_summary_and_measures_tables():
    plan = la.load_plan()
    s = tables.summary(plan)
    assert s.at["education", "Measures with a number"] == "2 of 4 (50.0%)"
    assert s.at["medical", "Measures"] == "7"  # the article's "from 7 aspects"
    assert s.at["goals", "Measures with a number"] == "–"
    m = tables.measures(plan.action("medical"))
    assert len(m) == 7 and m["No."].tolist() == [str(i) for i in range(1, 8)]


def test_spending_table_has_share_and_share_of():
    s = tables.spending(la.load_plan())
    assert list(s.columns) == ["Kind", "Period", "What", "Share", "Share of", "Source"]
    assert s.loc[s["Kind"] == "the plan's floor", "Share"].tolist() == ["≥ 80%"]
    # 2011, 2014-H1, 2019-H1, January-February 2022, 2025-Q1, each as the source writes it
    assert s.loc[s["Kind"] == "reported", "Share"].tolist() == ["60.4%", "69%", "82%", "80.8%", "83.1%"]
    assert s.loc[s["Kind"] == "reported", "Share of"].tolist()[:2] == [
        "total expenditure",
        "public fiscal expenditure",
    ]
    assert "11.1%" not in set(s["Share"])  # the subsidy rise is not spending


def test_corroboration_table_literals():
    c = tables.corroboration(la.load_plan())
    row = c.loc["urb_old_community_households"]
    assert (row["Plan"], row["Official"], row["Difference"], row["Relative"]) == (
        "36,000 households",
        "36,261 households",
        "+261 households",  # as the corroboration chart writes it
        "+0.7%",
    )
    assert c.at["urb_pocket_parks", "Difference"] == "0 parks"
    # a rise of +10% restated as 10% (evidence.csv plan_assistance_rise_2022): 0 points, not 0%
    assert c.at["kg_assistance_standard_rise", "Difference"] == "0 points"


@pytest.mark.parametrize("zero", ["0", "-0"])
def test_corroboration_of_a_zero_plan_figure_says_undefined(data_copy, zero):
    target, _ = add_zero_target(data_copy, zero)
    c = tables.corroboration(la.load_plan(data_copy))
    assert c.at[target, "Relative"] == "undefined"
    assert (c.at[target, "Plan"], c.at[target, "Difference"]) == ("0 parks", "+5 parks")


def test_heading_of_an_added_action(data_copy):
    """Defect 10: the heading of an action that only a copy of the data has."""
    add_action(data_copy)
    h = tables.heading(la.load_plan(data_copy).action("transport"))
    assert repr(h) == 'Transport\nThe article\'s heading: "bus services"'
    assert h._repr_html_().startswith("<h1>Transport</h1>")  # the action's name heads its page
    with pytest.raises(ValueError, match="cut to one action"):
        tables.heading(la.load_plan())


def test_data_text_is_escaped_in_html():
    heading = tables.Heading('<img src=x onerror="y">', note="<b>")._repr_html_()
    assert "<img" not in heading and "<b>" not in heading and "&lt;img" in heading


def test_show_figure_saves_and_shows_the_same_png(tmp_path):
    from linyi_analysis import plots

    fig = plots.plot_action_targets(la.load_plan().action("medical"))
    shown = tables.show_figure(fig, alt="Medical targets", name="action_medical", directory=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "action_medical.csv",
        "action_medical.png",
        "action_medical.svg",
    ]
    assert shown.png == (tmp_path / "action_medical.png").read_bytes()
    data, metadata = shown._repr_mimebundle_()
    assert data["text/plain"] == "[chart] Medical targets"
    assert metadata["image/png"]["alt"] == "Medical targets"


def test_show_figure_without_a_directory_saves_nothing(tmp_path, monkeypatch):
    from linyi_analysis import plots

    monkeypatch.chdir(tmp_path)
    shown = tables.show_figure(plots.plot_overview(la.load_plan()), alt="x", directory="")
    assert shown.png.startswith(b"\x89PNG") and list(tmp_path.iterdir()) == []


def test_describe_lists_every_column_of_the_csv():
    for name in ("targets", "evidence", "actions"):
        with (PROJECT / "data" / f"{name}.csv").open(encoding="utf-8") as f:
            header = next(csv.reader(f))
        d = la.describe(name)
        assert isinstance(d, pd.DataFrame)
        listed = d["column"].tolist()
        assert [c for c in listed if c in header] == header, name  # every column, in file order


def test_one_error_base_and_errors_survive_pickle():
    assert issubclass(la.DataValidationError, la.Error)
    assert issubclass(la.UnknownAction, la.ParameterError)
    assert issubclass(la.ParameterError, la.Error)
    for cls in (la.DataValidationError, la.UnknownAction, la.ParameterError):
        assert issubclass(cls, ValueError)  # callers catching ValueError keep working
    err = la.DataValidationError([la.Problem("targets.csv", 3, "value", "not a number", "x")])
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is la.DataValidationError and back.problems == err.problems
    assert str(back) == str(err)
    unknown = pickle.loads(pickle.dumps(la.UnknownAction("unknown action 'x'")))
    assert type(unknown) is la.UnknownAction and str(unknown) == "unknown action 'x'"


def test_importing_tables_does_not_shadow_ipython_display():
    code = (
        "from IPython.display import display\n"
        "from linyi_analysis import *\n"
        "from linyi_analysis import tables\n"
        "assert callable(display) and display.__module__.startswith('IPython'), display\n"
        "print(sorted(n for n in dir() if n == 'display'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['display']"


def test_tab_completion_shows_the_public_api():
    names = dir(la)
    for public in ("analysis", "plots", "tables", "audit", "load_plan", "describe", "Error"):
        assert public in names, public
    for internal in ("reading", "validated_cache", "validation", "source", "loaders", "schema"):
        assert internal not in names, internal
    for public in ("analysis", "plots", "tables"):
        assert getattr(la, public).__name__ == f"linyi_analysis.{public}"


# --- reading tables: in full, without ids, an empty one as a sentence -------------------------

#: What an id looks like (``snake_case`` or ``a:b``), in text with its URLs taken out.
ID = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b|\b\w+:\w+")
URL = re.compile(r"https?://\S+")


def _views(plan):
    views = [tables.summary, tables.measures, tables.ratios, tables.spending, tables.evidence]
    views += [tables.corroboration, tables.delivery, tables.delivery_counts, tables.discrepancies]
    for cut in (plan, *(plan.action(a) for a in plan.actions["action_id"].astype(str))):
        yield from (view(cut) for view in [*views, tables.targets])


def test_reading_tables_show_in_full_without_a_setup_call_and_leave_pandas_options_alone():
    assert not hasattr(tables, "setup")
    options = {o: pd.get_option(o) for o in ("display.max_colwidth", "display.max_rows")}
    plan = la.load_plan()
    with pd.option_context("display.max_colwidth", 10, "display.max_rows", 3):
        view = tables.delivery(plan)
        shown = [view._repr_html_(), repr(view)]
    longest = "Rise in assistance standards (subsistence allowance, extreme poverty, orphans, children without care, severely disabled people in difficulty)"
    for text in shown:
        assert longest in text and "…" not in text and "..." not in text
    assert shown[0].count("<tr") == 42 + 1  # the plan's 42 commitments and the header
    assert len(shown[1].splitlines()) == 42 + 1
    assert {o: pd.get_option(o) for o in options} == options


def test_reading_tables_show_no_index_and_no_id():
    found = []
    for view in _views(la.load_plan()):
        html = view._repr_html_()
        assert "<th></th>" not in html and "<tbody>\n    <tr>\n      <th" not in html, html[:300]
        text = re.sub(r"<[^>]+>", " ", html)
        found += ID.findall(URL.sub("", text)) + ID.findall(URL.sub("", repr(view)))
    assert found == []


def test_an_empty_reading_table_is_one_sentence():
    medical = la.load_plan().action("medical")
    assert tables.corroboration(medical)._repr_html_() == (
        "<p>No official source restates one of these figures.</p>"
    )
    assert repr(tables.ratios(medical)) == "No ratio follows from these targets."
    # a column empty in every row is left out of the page; the frame keeps it for code
    view = tables.delivery(medical)
    assert "Evidence" in view.columns and "<th>Evidence</th>" not in view._repr_html_()


def test_ratios_table_keeps_what_no_other_table_shows():
    r = tables.ratios(la.load_plan())
    # 33 derived ratios less 15 differences (corroboration, discrepancies), 4 delivered shares
    # (delivery), 5 spending shares (spending) and a remainder of 0: worked out by hand
    assert r["Value"].tolist() == [
        "+500 yuan a year",
        "+11.1%",  # as the changes chart writes it
        "88.8%",
        "11.2%",
        "121.2 households per project",
        "77.0%",
        "24,653.5 people per project",
        "18.2%",
    ]


def test_evidence_table_names_the_target_and_the_relation_in_words():
    e = tables.evidence(la.load_plan().action("urban"))
    assert (
        e.at["old_households_2022", "On the target"]
        == "Households in old residential communities under renovation"
    )
    assert e.at["old_households_2022", "As"] == "the plan's figure, stated independently"


def test_delivery_evidence_says_what_the_figure_counts():
    """669 is women registered as eligible, not aided (the fact's topic in evidence.csv)."""
    d = tables.delivery(la.load_plan().action("key_groups"))
    assert d.at["kg_cancer_aid_women", "Evidence"] == (
        "669 people: low-income women with cervical or breast cancer registered as eligible for aid,"
        " as of 28 July 2022 (not the number aided)"
    )
    assert d.at["kg_cancer_aid_women", "Status"] == "in progress"


def test_evidence_relations_and_the_two_bed_figures_claim_no_more_than_the_data():
    plan = la.load_plan()
    e = tables.evidence(plan)
    assert e.at["new_jobs_2021_01_09", "As"] == "the same indicator, another period"
    assert "the same figure in another period" not in set(e["As"])
    (row,) = tables.discrepancies(plan).to_dict("records")
    assert row == {
        "Opening paragraph": "New nursing-care beds for the elderly: 2,000 beds",
        "Its words": "2,000 new nursing pension beds",
        "Body": "Nursing-care beds for the elderly renovated and built: 800 beds",
        "The body's words": "800 nursing pension beds are renovated and constructed",
    }


def test_no_table_names_the_article_structure_lead_paragraph():
    plan = la.load_plan()
    for view in (
        tables.targets,
        tables.delivery,
        tables.evidence,
        tables.corroboration,
        tables.discrepancies,
    ):
        shown = repr(view(plan)) + " ".join(view(plan).columns)
        assert "lead paragraph" not in shown.lower(), view.__name__
    t = tables.targets(plan.action("key_groups"))
    assert t.at["kg_nursing_beds_headline", "Indicator"] == (
        "New nursing-care beds for the elderly (the article's opening paragraph)"
    )


def test_tables_link_urls_escape_data_and_keep_dates_on_one_line():
    page = tables.delivery(la.load_plan().action("key_groups"))._repr_html_()
    url = "http://linyi.subaoxw.com/ww/2022/0728/63249.html"  # evidence.csv, cancer_aid_registered_2022_07
    assert f'<a href="{url}">{url}</a>' in page
    assert '<span class="date">2022-07-28</span>' in page
    assert tables.cell_html('a "b" <i> https://x.cn/?q=<s>') == (
        'a &quot;b&quot; &lt;i&gt; <a href="https://x.cn/?q=">https://x.cn/?q=</a>&lt;s&gt;'
    )
    assert tables.cell_html("javascript:alert(1)") == "javascript:alert(1)"
    facts = tables.evidence(la.load_plan().action("urban"))._repr_html_()
    url = "http://linyi.gov.cn/info/6264/339659.htm"  # evidence.csv, old_projects_2022
    assert f'<a href="{url}">{url}</a>' in facts


def test_ratio_names_read_as_sentences():
    r = tables.ratios(la.load_plan())
    names = list(r["Ratio"])
    assert (
        "Rural public-welfare posts created: share of urban and rural public-welfare posts created" in names
    )
    assert all(n[:1].isupper() for n in names) and not any("share of Urban" in n for n in names)
