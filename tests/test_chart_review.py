"""What the 2026-12-04 chart review found a reader could misread, read back from each Figure and
its CSV. Expected values are literals from the data files and the article, or worked by hand."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import PROJECT, read_rows
from matplotlib.collections import PathCollection

import linyi_analysis as la
from linyi_analysis import plots

REPORTED = ["key_groups", "employment", "education", "medical", "urban", "rural"]


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


def _texts(fig) -> list[str]:
    return [" ".join(t.get_text().split()) for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def _caption(fig) -> str:
    return " ".join(fig.get_supxlabel().split())


# --- 1. composition: a share only where the data records a part-of link ---


def test_a_pair_without_a_part_of_link_has_no_share(plan):
    """targets.csv links 2,650 completed to 3,442 started by ratio_to, not part_of, and the article
    does not say the completed units are among those started: the chart draws both, no share."""
    rows = read_rows(PROJECT / "data" / "targets.csv")
    completed = next(r for r in rows if r["target_id"] == "urb_shantytown_completed")
    assert completed["part_of"] == "" and completed["ratio_to"] == "urb_shantytown_started"
    fig = plots.plot_composition(plan)
    shown = " | ".join(_texts(fig))
    assert "2,650 housing units" in shown and "3,442 housing units" in shown
    assert "77%" not in shown and "made of" not in shown  # the review's "77% of … started"
    assert "(the article does not say one is part of the other)" in shown
    pair = [r for r in fig.data.to_dict("records") if r["unit"] == "housing units"]
    assert [r["label"] for r in pair] == ["3,442 housing units", "2,650 housing units"]
    # a total with parts keeps its shares, and its row is named, not "total"
    assert "42,000 posts (88.8% of the total)" in shown
    assert "total" not in [r["row"] for r in fig.data.to_dict("records")]


# --- 2. per-action delivery charts: one scale, an honest title, no code-like caption ---


def test_every_action_delivery_chart_has_one_scale(plan):
    """One 0–10 scale (urban, the largest, has 10: 3 met, 1 exceeded, 1 plan confirmed, 5 without
    evidence, worked by hand from the tracker); medical's 4 must look shorter than education's 7."""
    ends = {a: plots.plot_scorecard(plan.action(a)).axes[0].get_xlim() for a in REPORTED}
    assert set(ends.values()) == {(0, 10)}
    assert plots.plot_scorecard(plan).axes[0].get_xlim() == (0, 10)
    widths = {
        a: sum(b.get_width() for c in plots.plot_scorecard(plan.action(a)).axes[0].containers for b in c)
        for a in ("medical", "education")
    }
    assert widths == {"medical": 4, "education": 7}


def test_delivery_titles_and_captions_say_what_is_shown(plan):
    fig = plots.plot_scorecard(plan.action("medical"))
    title = " ".join(fig.get_suptitle().split())
    assert title == "Medical services for the public: the evidence status of its commitments"
    assert "for each commitment" not in title
    caption = _caption(fig)
    assert "facts, none" not in caption and "none." not in caption
    assert "Every action's chart has this scale, 0 to 10 commitments." in caption


# --- 3. the outcome panel: what was counted, not "delivered" ---


def test_the_outcome_panel_says_what_was_counted(plan):
    """The housing bureau's page (evidence.csv) says every 2022 project had started by the end of
    June; 36,261 is the households those projects cover. Neither is "delivered"."""
    for fig in (plots.plot_scorecard(plan), plots.plot_scorecard(plan.action("urban"))):
        outcome = fig.axes[1]
        labels = [" ".join(t.get_text().split()) for t in outcome.texts]
        assert labels == [
            "297 of 297 projects (met by 2022-06-30)",
            "36,261 of 36,000 households (met by 2022-06-30)",
            "5 of 5 parks (met)",
            "170 of 143 parks (exceeded)",
        ]
        rows = [" ".join(t.get_text().split()) for t in outcome.get_yticklabels()]
        assert rows[0] == "Old residential community renovation projects started by the end of June 2022"
        assert rows[3] == "Pocket parks built in the central city in 2022"
        shown = " ".join(_texts(fig))
        assert "delivered" not in shown
        assert outcome.get_title(loc="left") == "Where the evidence decides an outcome: what was counted"
        # met vs exceeded, at the commitment's stated precision, with the data's own example
        assert (
            "A figure is compared with its commitment at the precision the commitment states: equal is"
            " met, more is exceeded (36,261 against a commitment of 36,000 households counts as 36,000: met)."
        ) in _caption(fig)


# --- 4. colours: tested in test_plots (plan blue, status colours apart, one floor colour) ---

# --- 5. minimums drawn open-ended, the same way everywhere, and the legend says so ---


def _floor_marks(ax) -> list[tuple[float, float]]:
    """The hollow ▷ marks of an axes: (x, y) of each."""
    found = []
    for c in ax.collections:
        if isinstance(c, PathCollection) and tuple(c.get_facecolor()[0]) == (1.0, 1.0, 1.0, 1.0):
            found += [(round(float(x), 6), round(float(y))) for x, y in c.get_offsets()]
    return found


def test_a_minimum_is_drawn_open_ended_in_every_chart(plan):
    """targets.csv: education's >= 5,000 and >= 2,900 teachers and >= 85% coverage; employment's
    >= 85% graduates and >= 2,200,000,000 yuan; urban's >= 100 mu. Each ends in a ▷ at its floor."""
    floors = {
        (r["action_id"], float(r["value"]))
        for r in read_rows(PROJECT / "data" / "targets.csv")
        if r["comparator"] in (">=", ">") and r["action_id"] != "goals" and r["source_part"] == "body"
    }
    assert floors == {
        ("education", 5000.0),
        ("education", 2900.0),
        ("education", 85.0),
        ("employment", 85.0),
        ("employment", 2.2e9),
        ("urban", 100.0),
    }
    # a floor alone in its unit (yuan; mu) is listed, not drawn (review 2), with its "≥"
    alone = {("employment", 2.2e9): "≥ 2,200,000,000 yuan", ("urban", 100.0): "≥ 100 mu per district"}
    for action in ("education", "employment", "urban"):
        fig = plots.plot_action_targets(plan.action(action))
        marked = {x for ax in fig.axes for x, _ in _floor_marks(ax)}
        assert marked == {v for a, v in floors if a == action and (a, v) not in alone}, action
        listed = [t.get_text() for ax in fig.axes if ax.get_gid() == "listed" for t in ax.texts]
        assert {f for (a, _), f in alone.items() if a == action} <= set(listed), action
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert "exact figure" in legend
        assert ("minimum: at least this (▷)" in legend) == bool(marked), action
    # the percentages chart draws the same ▷, with the same legend words
    fig = plots.plot_percentages(plan)
    assert sorted(x for x, _ in _floor_marks(fig.axes[0])) == [80.0, 85.0, 85.0]
    assert "minimum: at least this (▷)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_a_minimums_bar_is_lighter_than_an_exact_figures(plan):
    fig = plots.plot_action_targets(plan.action("education"))
    faces = {}
    for ax in fig.axes:
        for c in ax.containers:
            for b in c:
                faces[round(b.get_width())] = tuple(round(v, 3) for v in b.get_facecolor())
    assert faces[5000] == faces[2900] == (0.702, 0.82, 0.91, 1.0)  # >= 5,000 and >= 2,900: the tint
    assert faces[100] == (0.0, 0.447, 0.698, 1.0)  # = 100 teachers: blue


# --- 6. corroboration: one row per source, restatements called so, hosts once ---


def test_corroboration_tells_its_two_sources_apart_and_says_what_they_are(plan):
    fig = plots.plot_corroboration(plan)
    shown = _texts(fig)
    # evidence.csv: 500 women restated on linyi.dzwww.com (2022-06-20) and fensifuwu.com (2022-07-28)
    assert "same figure: 500 people, in linyi.dzwww.com (2022-06-20)" in shown
    assert "same figure: 500 people, in fensifuwu.com (2022-07-28)" in shown
    title = " ".join(fig.get_suptitle().split())
    assert "independent" not in title and title == "The plan's figures as other official sources state them"
    caption = _caption(fig)
    assert caption.count("qcxbn.cn") == 1 and "www.qcxbn.cn" not in caption
    assert (
        "6 of 7 give the plan's own figure: they restate the plan, which is not evidence of delivery."
        in caption
    )
    assert fig.axes[0].get_legend() is None  # no legend of target kinds that mean nothing here


# --- 7. words a reader knows ---


def test_no_source_structure_jargon_and_units_explained(plan):
    every = [*plots.figures(plan).values()]
    for fig in every:
        shown = " ".join(_texts(fig))
        assert "lead paragraph" not in shown
        assert "[Chinese text]" not in shown
    # units.csv: mu is "Chinese mu (亩), about 666.7 m²"; the Chinese aside is left out
    for fig in (plots.plot_action_targets(plan.action("urban")), plots.plot_corroboration(plan)):
        assert "Units: mu: Chinese mu, about 666.7 m²." in _caption(fig)


def test_the_spending_chart_spells_out_days_and_says_its_points_are_no_series(plan):
    fig = plots.plot_spending_share(plan)
    shown = _texts(fig)
    assert "80.8% 2022-01/2022-02 partial year, 59 days" in shown
    assert not [t for t in shown if re.search(r"\d d\b", t)]
    # evidence.csv: the only 2022 share is January–February; four different denominators
    assert fig.axes[0].get_title(loc="left") == (
        "No full-year 2022 share is in the data; the shares are of 4 different expenditures"
        " (marker shape), not one series."
    )
    assert "The page prints the date without a year" in _caption(fig)


# --- 8. a chart's CSV holds exactly the rows drawn ---


def test_the_delivery_csv_holds_only_the_segments_drawn(plan, tmp_path):
    fig = plots.plot_scorecard(plan)
    *_, data = plots.save_figure(fig, "delivery", tmp_path)
    with data.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["panel"] == "evidence status"]
    assert rows and all(int(r["commitments"]) > 0 for r in rows)
    segments = [b for c in fig.axes[0].containers for b in c if b.get_width() > 0]
    assert len(rows) == len(segments) == 12  # 1 + 3 + 1 + 1 + 1 + 4 + 1 statuses, by hand
    assert sum(int(r["commitments"]) for r in rows) == 42


# --- review 6: a total drawn beside its parts says so ---


def test_a_part_drawn_beside_its_total_says_so(plan):
    """targets.csv: 42,000 rural and 5,300 urban posts are part_of the 47,300."""
    fig = plots.plot_action_targets(plan.action("employment"))
    shown = _texts(fig)
    assert "42,000 posts (part of the 47,300 posts)" in shown
    assert "5,300 posts (part of the 47,300 posts)" in shown
    assert "47,300 posts" in shown


# --- review 11 (optional 9): the overview's scale and rates ---


def test_the_overview_says_how_many_measures_carry_a_number(plan):
    fig = plots.plot_overview(plan)
    counts, rates = fig.axes
    assert counts.get_xlim() == (0, 15)  # the most is urban's 10 targets: no axis to 20
    assert counts.get_xlabel() != "number"
    labels = [" ".join(t.get_text().split()) for t in rates.texts]
    # measures.csv / targets.csv, as the overview table writes it: urban 3 of 8 (37.5%)
    assert "3 of 8 measures (37.5%)" in labels and "4 of 9 measures (44.4%)" in labels
    urban = fig.data.set_index("action").loc["Urban living conditions"]
    assert (urban["quantified_measures"], urban["measures"]) == (3, 8)
    assert "One measure may carry several targets" in _caption(fig)


def test_an_action_with_more_commitments_than_the_shared_scale_says_so(data_copy):
    """Employment's 6 commitments plus 5 fixture rows: 11, past the shared 0–10 scale."""
    from conftest import write_rows
    from extra_rows import _target

    rows = read_rows(data_copy / "targets.csv")
    jobs = next(r for r in rows if r["target_id"] == "emp_new_jobs")
    rows += [
        _target(
            jobs,
            target_id=f"emp_fixture_{i}",
            action_id="employment",
            measure_id=jobs["measure_id"],
            indicator=f"Fixture jobs {i}",
            value=str(1000 + i),
            comparator="=",
            unit="people",
        )
        for i in range(5)
    ]
    write_rows(data_copy / "targets.csv", rows)
    plan = la.load_plan(data_copy)
    fig = plots.plot_scorecard(plan.action("employment"))
    assert fig.axes[0].get_xlim()[1] > 11
    caption = _caption(fig)
    assert (
        "This action has 11 commitments: its scale is longer than the 0 to 10 of the other actions' charts."
        in caption
    )
    assert plots.plot_scorecard(plan.action("medical")).axes[0].get_xlim() == (0, 10)
