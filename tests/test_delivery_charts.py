"""The delivery charts draw the figures of the cited facts (literals from the shared source files),
deterministically, for the plan and for one action."""

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


def test_scorecard_counts_statuses_per_action(plan):
    fig = plot_scorecard(plan)
    bars, outcome = fig.axes[:2]
    # urban, worked by hand: 3 met (district parks; old community projects and households, by
    # 2022-06-30), 1 exceeded (pocket parks), 1 plan confirmed (park area), 5 with no public evidence.
    labels = [t.get_text() for t in bars.get_yticklabels()]
    urban = labels.index("urban")
    per_status = [_widths(c)[urban] for c in bars.containers]
    assert per_status == [3, 1, 0, 0, 1, 5]
    assert sum(sum(_widths(c)) for c in bars.containers) == 42
    # committed vs delivered: 297 of 297 projects, 36,261 of 36,000 households, 5 of 5 parks (100%),
    # 170 of 143 pocket parks (118.88%)
    committed, delivered = outcome.containers
    assert _widths(committed) == [100.0] * 4
    assert _widths(delivered) == [100.0, round(36261 / 36000 * 100, 6), 100.0, round(170 / 143 * 100, 6)]
    texts = [t.get_text() for t in outcome.texts]
    assert "delivered 170 parks (exceeded)" in texts and "committed 143 parks" in texts
    assert "delivered 297 projects (met by 2022-06-30)" in texts  # all started by the end of June


def test_scorecard_for_one_action_without_outcomes(plan):
    fig = plot_scorecard(plan.action("medical"))
    bars, outcome = fig.axes[:2]
    assert [t.get_text() for t in bars.get_yticklabels()] == ["medical"]
    assert [_widths(c)[0] for c in bars.containers] == [0, 0, 0, 0, 0, 4]
    # the date is the latest search's (evidence_searches.csv: 2026-12-03), not typed in the chart
    assert any("No outcome published (as of 2026-12-03)" in t.get_text() for t in outcome.texts)


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
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "earlier goal 2012–2016: ≥ 60%" in legend and "plan floor for 2022: ≥ 80%" in legend
    assert "share of general public budget expenditure" in legend and "share of total expenditure" in legend


def test_delivery_charts_are_byte_identical(plan, tmp_path):
    digests = []
    for run in ("a", "b"):
        paths = save_figure(plot_scorecard(plan), "delivery", tmp_path / run)
        paths += save_figure(plot_spending_share(plan), "history", tmp_path / run)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0] == digests[1]


def test_an_outcome_row_changes_the_scorecard(data_copy):
    from test_delivery import _add_outcome

    _add_outcome(data_copy, value="30")
    fig = plot_scorecard(la.load_plan(data_copy))
    bars, outcome = fig.axes[:2]
    education = [t.get_text() for t in bars.get_yticklabels()].index("education")
    assert [_widths(c)[education] for c in bars.containers] == [0, 0, 1, 0, 0, 6]
    assert "delivered 30 schools (not met)" in [t.get_text() for t in outcome.texts]
