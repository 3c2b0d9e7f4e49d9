"""The delivery charts draw the figures of the cited facts (literals from the shared source files),
deterministically, for the plan and for one action: actions by name, only the panels and the
statuses there are."""

from __future__ import annotations

import hashlib

import pytest
from matplotlib.collections import PathCollection

import linyi_analysis as la
from linyi_analysis.plots import save_figure
from linyi_analysis.plots.delivery_charts import plot_scorecard, plot_spending_share


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


def _widths(container):
    return [round(b.get_width(), 6) for b in container]


def _rows(ax) -> list[str]:
    return [" ".join(t.get_text().split()) for t in ax.get_yticklabels()]


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_scorecard_counts_statuses_per_action_by_name(plan):
    fig = plot_scorecard(plan)
    bars, outcome = fig.axes
    assert _rows(bars) == [
        "Overall work goals",
        "Protection of key groups",
        "Residents' employment and income growth",
        "Balanced development of education",
        "Medical services for the public",
        "Urban living conditions",
        "Rural living environment",
    ]
    # urban, worked by hand: 3 met (district parks; old community projects and households, by
    # 2022-06-30), 1 exceeded (pocket parks), 1 plan confirmed (park area), 5 with no public evidence.
    per_status = {label: _widths(c)[5] for label, c in zip(_legend(bars), bars.containers, strict=True)}
    assert per_status == {
        "met": 3,
        "exceeded": 1,
        "in progress": 0,
        "plan confirmed": 1,
        "no public evidence": 5,
    }
    assert sum(sum(_widths(c)) for c in bars.containers) == 42
    # delivered: 297 of 297 projects, 36,261 of 36,000 households, 5 of 5 parks (100%), 170 of 143
    # pocket parks (118.88%)
    (delivered,) = outcome.containers
    assert _widths(delivered) == [100.0, round(36261 / 36000 * 100, 6), 100.0, round(170 / 143 * 100, 6)]
    texts = [" ".join(t.get_text().split()) for t in outcome.texts]
    assert "170 of 143 parks (exceeded)" in texts
    assert "5 of 5 parks (met)" in texts
    assert "297 of 297 projects (met by 2022-06-30)" in texts  # all started by June


def test_scorecard_for_one_action_without_outcomes_has_no_empty_panel(plan):
    fig = plot_scorecard(plan.action("medical"))
    (bars,) = fig.axes  # no "No outcome published" panel
    assert _rows(bars) == ["Medical services for the public"]
    assert _legend(bars) == ["no public evidence"]  # only the status there is
    assert [_widths(c) for c in bars.containers] == [[4]]
    assert "Medical services for the public" in fig.get_suptitle().replace("\n", " ")
    # the date is the latest search's (evidence_searches.csv: 2026-12-03), not typed in the chart
    assert "(as of 2026-12-03)" in bars.get_title(loc="left")
    assert tuple(bars.get_xlim()) == (0, 10)  # the scale of every action's chart (urban's 10)


def test_spending_history_draws_the_cited_shares_and_floors(plan):
    fig = plot_spending_share(plan)
    ax = fig.axes[0]
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    # delivery-evidence.csv and external-evidence.csv: 2011 60.4 (full year), 2014-H1 69,
    # 2019-H1 82, 2022-01/2022-02 80.8, 2025-Q1 83.1 (parts of a year)
    values = [round(float(d.get_offsets()[0][1]), 6) for d in dots]
    assert values == [60.4, 69.0, 82.0, 80.8, 83.1]
    filled = [tuple(d.get_facecolor()[0]) != (1.0, 1.0, 1.0, 1.0) for d in dots]
    assert filled == [True, False, False, False, False]  # only 2011 is a full year
    # the line under each dot spans its period: 2022-01/2022-02 from 1 January to the end of February
    spans = {round(float(line.get_ydata()[0]), 6): line.get_xdata() for line in ax.lines}
    jan, feb_end = spans[80.8]
    assert round(jan, 6) == 2022.0 and round((feb_end - jan) * 365) == 59
    # the earlier floor: >= 60% over 2012-2016; the plan's: >= 80% over 2022
    floors = [
        (round(float(s[0][1]), 6), round(float(s[0][0]), 3), round(float(s[1][0]), 3))
        for c in ax.collections
        if not isinstance(c, PathCollection)
        for s in c.get_segments()
    ]
    assert (60.0, 2012.0, 2017.0) in floors and (80.0, 2022.0, 2023.0) in floors
    legend = _legend(ax)
    assert "earlier goal 2012–2016: ≥ 60% (△ at least)" in legend
    assert "plan floor for 2022: ≥ 80% (△ at least)" in legend
    assert "share of general public budget expenditure" in legend and "share of total expenditure" in legend
    assert tuple(ax.get_ylim()) == (0, 100) and ax.get_ylabel().endswith("(%)")


def test_delivery_charts_are_byte_identical(plan, tmp_path):
    digests = []
    for run in ("a", "b"):
        paths = save_figure(plot_scorecard(plan), "delivery", tmp_path / run)
        paths += save_figure(plot_spending_share(plan), "history", tmp_path / run)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert len(digests[0]) == 6 and digests[0] == digests[1]


def test_an_outcome_row_changes_the_scorecard(data_copy):
    from test_delivery import _add_outcome

    _add_outcome(data_copy, value="30")
    fig = plot_scorecard(la.load_plan(data_copy))
    bars, outcome = fig.axes
    education = _rows(bars).index("Balanced development of education")
    per_status = {
        label: _widths(c)[education] for label, c in zip(_legend(bars), bars.containers, strict=True)
    }
    assert per_status["not met"] == 1 and per_status["no public evidence"] == 6
    assert "30 of 33 schools (not met)" in [" ".join(t.get_text().split()) for t in outcome.texts]
