"""The charts draw what the data says: one mark per commitment, labelled as the tables write it, in
its kind's colour; the chart's data saved beside it; the same bytes every time."""

from __future__ import annotations

import csv
import doctest
import re

import pytest
from conftest import PROJECT, read_rows, set_cell, write_rows
from extra_rows import add_rows, add_zero_target
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

import linyi_analysis as la
from linyi_analysis import plots, tables

ACTIONS = [str(a) for a in la.load_actions()["action_id"]]
REPORTED = ACTIONS[1:]  # the six actions with a report page (the goals come first)
CHARTS = ["overview", "percentages", "changes", "composition", "spending_share", "corroboration", "delivery"]


def rows_drawn(fig: Figure) -> list[str]:
    """The label of every row that carries a mark (a bar, a dot), panel by panel (wrapping undone)."""
    found = []
    for ax in fig.axes:
        marked = {round(b.get_y() + b.get_height() / 2) for c in ax.containers for b in c}
        marked |= {
            round(float(y))
            for c in ax.collections
            if isinstance(c, PathCollection)
            for _, y in c.get_offsets()
        }
        found += [
            " ".join(t.get_text().split())
            for t in ax.get_yticklabels()
            if round(t.get_position()[1]) in marked
        ]
        if ax.get_gid() == "listed":  # single figures: name, then figure, as text
            found += [" ".join(t.get_text().split()) for t in ax.texts[0::2]]
    return found


def texts(fig: Figure) -> str:
    """Every text of the figure, with wrapping undone."""
    return "\n".join(" ".join(t.get_text().split()) for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def colour_of(fig: Figure, indicator: str) -> tuple:
    """The colour of the mark in the row labelled ``indicator``."""
    for ax in fig.axes:
        for t in ax.get_yticklabels():
            if " ".join(t.get_text().split()) == indicator:
                y = round(t.get_position()[1])
                for c in ax.containers:
                    for b in c:
                        if round(b.get_y() + b.get_height() / 2) == y:
                            return tuple(b.get_facecolor())
                for c in ax.collections:
                    if isinstance(c, PathCollection) and round(float(c.get_offsets()[0][1])) == y:
                        colours = (
                            c.get_facecolor()
                            if str(c.get_facecolor()[0]) != "[1. 1. 1. 1.]"
                            else c.get_edgecolor()
                        )
                        return tuple(colours[0])
    raise KeyError(indicator)


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


def _csv(name: str) -> list[dict]:
    return read_rows(PROJECT / "data" / name)


def commitments_by_hand(action: str) -> list[str]:
    """From targets.csv: the action's rows, less a lead-paragraph row that gives the same figure as
    the body row it names (the tracker's rule, worked out here from the file)."""
    rows = [r for r in _csv("targets.csv") if r["action_id"] == action]
    by_id = {r["target_id"]: r for r in rows}
    figure = ("comparator", "value", "value_min", "value_max", "baseline", "unit", "per")

    def restates(r):
        other = by_id.get(r["counterpart_id"])
        return r["source_part"] == "headline" and other and all(r[k] == other[k] for k in figure)

    # the chart names the article's parts as a reader says them
    opening = "(the article's opening paragraph)"
    return [r["indicator"].replace("(lead paragraph)", opening) for r in rows if not restates(r)]


@pytest.mark.parametrize("action_id", ACTIONS)
def test_an_action_chart_draws_each_commitment_once(plan, action_id):
    fig = plots.plot_action_targets(plan.action(action_id))
    assert sorted(rows_drawn(fig)) == sorted(commitments_by_hand(action_id))
    assert plan.action(action_id).actions["name"].iloc[0] in fig.get_suptitle().replace("\n", " ")


def test_the_lead_paragraphs_restatements_are_not_drawn_twice(plan):
    # employment: 47,300 posts in the lead paragraph and in the body: one bar; key groups: 2,000
    # nursing beds in the lead paragraph against 800 in the body: two commitments, both drawn
    employment = rows_drawn(plots.plot_action_targets(plan.action("employment")))
    assert len(employment) == 6 and not any("lead paragraph" in r for r in employment)
    fig = plots.plot_action_targets(plan.action("key_groups"))
    key_groups = rows_drawn(fig)
    opening = "New nursing-care beds for the elderly (the article's opening paragraph)"
    assert opening in key_groups and len(key_groups) == 7
    assert not any("lead paragraph" in r for r in key_groups)  # source-structure jargon
    shown = texts(fig)
    assert "two different figures for what the data pairs as one commitment" in shown
    # each of the two is marked, naming the other figure (targets.csv: 2,000 and 800)
    assert "2,000 beds (the body gives 800)" in shown
    assert "800 beds (the opening paragraph gives 2,000)" in shown
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "two figures for one commitment" in legend


@pytest.mark.parametrize("action_id", REPORTED)
def test_a_chart_writes_each_figure_as_its_table_does(plan, action_id):
    cut = plan.action(action_id)
    shown = texts(plots.plot_action_targets(cut))
    table = tables.targets(cut)
    for indicator, target in zip(table["Indicator"], table["Target"], strict=True):
        if "(lead paragraph)" not in indicator or indicator in shown:
            assert target in shown, target


def test_action_chart_labels_literal(plan):
    shown = texts(plots.plot_action_targets(plan.action("employment")))
    for label in ("47,300 posts", "42,000 posts", "5,300 posts", "≥ 2,200,000,000 yuan", "≥ 85%"):
        assert label in shown, label
    assert "47.3k" not in shown


BLUE, LIGHT_BLUE = (0.0, 0.447, 0.698, 1.0), (0.702, 0.82, 0.91, 1.0)  # #0072B2 and #B3D1E8


def _rgba(colour) -> tuple:
    return tuple(round(float(c), 3) for c in colour)


def test_a_plan_figure_is_blue_in_every_chart_whatever_its_kind(plan):
    """Rule 9: the colour says "a figure of the plan", not its kind (the panel gives the unit)."""
    changes = plots.plot_changes(plan)
    # a change from→to and a rise: each alone in its unit in key groups' chart (listed, review 2)
    for indicator in ("Subsidy standard for veterans who find their own employment",):
        assert _rgba(colour_of(changes, indicator)) == BLUE
    rise = "Rise in assistance standards (subsistence allowance, extreme poverty, orphans, children without care, severely disabled people in difficulty)"
    assert _rgba(colour_of(changes, rise)) == BLUE
    # a count, a range, a percentage: one colour (before, each kind had its own)
    urban = plots.plot_action_targets(plan.action("urban"))
    assert _rgba(colour_of(urban, "New street-corner and pocket parks")) == BLUE
    assert _rgba(colour_of(urban, "Coverage of smart, safe communities")) == BLUE
    composition = plots.plot_composition(plan)
    assert _rgba(colour_of(composition, "Rural public-welfare posts created")) == BLUE


def test_status_colours_share_nothing_with_the_plans_colours():
    """Rule 9 (review 8): green, blue, orange, pink meant a kind of target in one chart and a
    status in the next. The status colours are none of the plan's (blue, its tint) or black."""
    statuses = {_rgba(to_rgba(c)) for c in plots.style.STATUS_COLOURS.values()}
    assert len(statuses) == 6
    assert statuses.isdisjoint({BLUE, LIGHT_BLUE, (0.0, 0.0, 0.0, 1.0)})
    fig = plots.plot_scorecard(la.load_plan())
    drawn = {_rgba(b.get_facecolor()) for ax in fig.axes for c in ax.containers for b in c}
    assert drawn and drawn.isdisjoint({BLUE, LIGHT_BLUE})


def test_the_spending_floor_has_one_colour_in_both_charts(plan):
    """Review 8: the plan's >= 80% floor was green in percentages.png and vermilion in
    spending_share.png; both now draw it in the plan's blue, with the minimum's hollow triangle."""
    percentages = plots.plot_percentages(plan)
    name = "Livelihood spending as a share of the city's fiscal expenditure (Overall work goals)"
    assert _rgba(colour_of(percentages, name)) == BLUE
    (ax,) = plots.plot_spending_share(plan).axes
    floor = [
        _rgba(c.get_colors()[0])
        for c in ax.collections
        if not isinstance(c, PathCollection) and round(float(c.get_segments()[0][0][1]), 6) == 80.0
    ]
    assert floor == [BLUE]
    # the shares, figures another source reports, are black, not the plan's blue
    shares = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert {_rgba(c.get_edgecolor()[0]) for c in shares} == {(0.0, 0.0, 0.0, 1.0)}


def test_overview_bars_are_the_articles_counts(plan):
    fig = plots.plot_overview(plan)
    counts, rates = fig.axes
    # the article's measure counts per action (goals first, with none); see test_analysis
    assert [b.get_width() for b in counts.containers[0]] == [0, 9, 4, 4, 7, 8, 6]
    assert [round(b.get_width()) for b in rates.containers[0]] == [0, 44, 75, 50, 29, 38, 50]  # 4/9, 3/4, …
    labels = [t.get_text() for t in counts.get_yticklabels()]
    assert "Protection of key groups" in " ".join(" ".join(labels).split())


def test_percentages_has_one_dot_per_percentage_target(plan):
    expected = [
        float(r["value"])
        for r in _csv("targets.csv")
        if r["unit"] == "percent" and r["comparator"] in ("=", ">=", ">")
    ]
    fig = plots.plot_percentages(plan)
    drawn = sorted(float(x) for c in fig.axes[0].collections for x, _ in c.get_offsets())
    assert drawn == sorted(expected)
    assert tuple(fig.axes[0].get_xlim()) == (0, 100)


def test_a_chart_draws_at_most_max_rows_and_says_how_many_were_left_out(data_copy):
    """500 extra percentage targets: the chart draws MAX_ROWS dots, and the caption says so."""
    targets = read_rows(data_copy / "targets.csv")
    base = next(r for r in targets if r["target_id"] == "edu_inclusive_kindergarten_coverage")
    shipped = sum(1 for r in targets if r["unit"] == "percent" and r["comparator"] in ("=", ">=", ">"))
    for i in range(500):
        targets.append(
            {**base, "target_id": f"fx_share_{i:03d}", "value": str(i % 100), "counterpart_id": ""}
        )
    write_rows(data_copy / "targets.csv", targets)
    fig = plots.plot_percentages(la.load_plan(data_copy))
    assert plots.MAX_ROWS == 40
    assert len(rows_drawn(fig)) == 40
    assert f"Only the first 40 of {500 + shipped} percentage targets are drawn" in texts(fig)
    assert fig.get_size_inches()[1] < 40  # inches: the figure did not grow with the data


def test_changes_are_drawn_as_rises_over_the_current_level(plan):
    changes = [r["indicator"] for r in _csv("targets.csv") if r["comparator"] in ("from_to", "increase_by")]
    fig = plots.plot_changes(plan)
    assert sorted(rows_drawn(fig)) == sorted(changes)
    widths = sorted(round(b.get_width(), 3) for c in fig.axes[0].containers for b in c)
    assert widths == [10, 11.111]  # +10% as stated; 500 / 4,500 by hand
    assert "4,500 → 5,000 yuan a year: +11.1%" in texts(fig)


def test_composition_draws_each_total_its_parts_and_each_pair(plan):
    """From targets.csv: each total, its parts (and what they leave unitemised), each pair in one unit."""
    rows = _csv("targets.csv")
    by_id = {r["target_id"]: r for r in rows}
    totals = {r["part_of"] for r in rows if r["part_of"]}
    expected = 0
    for total in totals:
        parts = [float(r["value"]) for r in rows if r["part_of"] == total]
        expected += 1 + len(parts) + (sum(parts) < float(by_id[total]["value"]))
    pairs = [r for r in rows if r["ratio_to"] and by_id[r["ratio_to"]]["unit"] == r["unit"]]
    expected += 2 * len(pairs)
    fig = plots.plot_composition(plan)
    assert len(rows_drawn(fig)) == expected > 0
    assert len(fig.axes) == len(totals) + len(pairs)
    shown = texts(fig)
    # 42,000 and 5,300 of 47,300 (part_of in targets.csv)
    for share in ("42,000 posts (88.8% of the total)", "5,300 posts (11.2% of the total)"):
        assert share in shown, share
    assert "47,300 posts" in shown  # the plan's total, never the sum of its parts


def test_spending_share_draws_reported_history_against_the_target_line(plan):
    fig = plots.plot_spending_share(plan)
    shares = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    drawn = [float(c.get_offsets()[0][1]) for c in shares]
    assert drawn == [60.4, 69.0, 82.0, 80.8, 83.1]  # 2011, 2014-H1, 2019-H1, 2022-01/02, 2025-Q1
    floors = {
        round(float(seg[0][1]), 6)
        for c in fig.axes[0].collections
        if not isinstance(c, PathCollection)
        for seg in c.get_segments()
    }
    assert floors == {60.0, 80.0}  # the earlier floor (2012-2016) and the plan's (2022)
    caption = " ".join(fig.get_supxlabel().split())
    for url in {r["url"] for r in _csv("evidence.csv") if r["kind"] == "spending_share"}:
        assert re.sub(r"^https?://(www\.)?([^/]+).*", r"\2", url) in caption
    # notes from evidence.csv, not from the code
    assert "2011: An expected full-year figure stated in November, not a final account." in caption
    assert (
        "2022 is inferred" in caption
        and "Reposted by another site: 2011, 2014-H1, 2022-01/2022-02" in caption
    )


def test_the_spending_caption_follows_the_data(data_copy):
    """D8: without the 2011 and the January–February 2022 rows, nothing is said about them."""
    evidence = read_rows(data_copy / "evidence.csv")
    gone = {
        "spend_share_2011_expected",
        "spend_amount_2011_expected",
        "spend_share_2022_01_02",
        "spend_amount_2022_01_02",
    }
    write_rows(data_copy / "evidence.csv", [r for r in evidence if r["fact_id"] not in gone])
    set_cell(data_copy, "evidence_searches", "search_spending_share", "fact_ids", "")
    caption = " ".join(plots.plot_spending_share(la.load_plan(data_copy)).get_supxlabel().split())
    assert "expected full-year" not in caption and "2022 is inferred" not in caption
    assert "2011:" not in caption and "2022-01/2022-02" not in caption
    assert "Reposted by another site: 2014-H1" in caption


def test_spending_line_runs_forward_in_time(data_copy):
    """Defect 4: with mixed period kinds the line zig-zagged back in time."""
    from extra_rows import add_evidence

    for period in ("2019-Q1", "2019-H2", "2019-12"):
        add_evidence(
            data_copy,
            fact_id=f"fx_{period.lower().replace('-', '')}",
            kind="spending_share",
            topic="livelihood spending share",
            period=period,
            value="80",
            unit="percent",
            target_id="goals_livelihood_spending_share",
            relation="history",
            action_id="goals",
        )
    fig = plots.plot_spending_share(la.load_plan(data_copy))
    shares = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    xs = [float(c.get_offsets()[0][0]) for c in shares]
    # drawn in time order: 2011, 2014-H1, 2019-Q1, 2019-H1, 2019-H2, 2019-12, 2022-01/02, 2025-Q1
    assert len(xs) == 8 and xs == sorted(xs)


def test_corroboration_is_a_dot_plot_of_the_difference_written_on_it(plan):
    fig = plots.plot_corroboration(plan)
    (ax,) = fig.axes
    dots = [round(float(c.get_offsets()[0][0]), 6) for c in ax.collections]
    # official minus plan, in percent of the plan, in the order of evidence.csv: 297 projects, 36,261
    # against 36,000 households (261 / 36,000 = 0.725%), 143 parks, 100 mu, a 10% rise, 500 women
    # (restated twice: 临政办字〔2022〕78号 and 齐鲁网)
    assert dots == [0, 0.725, 0, 0, 0, 0, 0]
    shown = texts(fig)
    table = tables.corroboration(plan).loc["urb_old_community_households"]
    assert f"{table['Difference']} ({table['Relative']})" in shown  # as the table writes it
    assert "+261 households (+0.7%)" in shown and shown.count("same figure") == 6
    assert not [c for c in ax.containers if isinstance(c, BarContainer)]  # no bars to hide a small difference


@pytest.mark.parametrize("zero", ["0", "-0"])
def test_corroboration_of_a_zero_plan_figure_draws(data_copy, zero, tmp_path):
    add_zero_target(data_copy, zero)
    fig = plots.plot_corroboration(la.load_plan(data_copy))
    assert "relative difference undefined" in texts(fig)
    plots.save_figure(fig, "corroboration", tmp_path / "out")  # renders without error


@pytest.mark.parametrize("chart", [plots.plot_changes, plots.plot_composition, plots.plot_corroboration])
def test_nothing_to_draw_gives_a_figure_that_says_so_without_a_panel(plan, chart):
    fig = chart(plan.action("goals"))
    assert fig.axes == []
    assert re.search(r"^No .* in the data", texts(fig), re.MULTILINE)
    assert fig.get_suptitle()


def test_save_figure_writes_png_svg_and_the_charts_data_without_timestamps(plan, tmp_path):
    fig = plots.plot_action_targets(plan.action("employment"))
    png, svg, data = plots.save_figure(fig, "employment", tmp_path)
    assert (png.name, svg.name, data.name) == ("employment.png", "employment.svg", "employment.csv")
    # no version string or date; the package's constant signature (the report runner's test of "its own")
    assert png.read_bytes().startswith(b"\x89PNG") and b"tEXtSoftware\0linyi_analysis\x8c" in png.read_bytes()
    text = svg.read_text()
    assert "<dc:date>" not in text and "<svg" in text and "Matplotlib v" not in text
    assert "<dc:title>linyi_analysis</dc:title>" in text
    with data.open(encoding="utf-8", newline="") as f:
        drawn = list(csv.DictReader(f))
    # the CSV holds the rows the chart drew: the commitments, as the table writes them
    assert [r["commitment"] for r in drawn] == [
        "47,300 posts",
        "42,000 posts",
        "5,300 posts",
        "≥ 85%",
        "90,000 people",  # alone in its unit: listed after the panels (review 2)
        "≥ 2,200,000,000 yuan",
    ]
    assert [r["indicator"] for r in drawn] == [" ".join(r.split()) for r in rows_drawn(fig)]
    first = png.read_bytes(), svg.read_bytes(), data.read_bytes()
    plots.save_figure(fig, "employment", tmp_path)
    assert (png.read_bytes(), svg.read_bytes(), data.read_bytes()) == first
    with pytest.raises(ValueError, match="no path"):
        plots.save_figure(fig, "../escape", tmp_path)


def test_generate_figures_draws_every_chart_of_the_pages_with_its_data(tmp_path):
    paths = plots.generate_figures(la.load_plan(), tmp_path)
    names = {p.stem for p in paths}
    per_action = {f"{kind}_{a}" for a in REPORTED for kind in ("action", "delivery")}
    assert names == per_action | set(CHARTS)  # no action_goals: one figure is a number in a table
    assert sorted(p.name for p in paths) == sorted(
        f"{n}.{ext}" for n in names for ext in ("png", "svg", "csv")
    )
    assert all(p.stat().st_size > 50 for p in paths)


def test_the_committed_figures_are_those_of_the_data():
    """figures/ holds exactly the charts the data gives today (a removed chart's files are gone)."""
    expected = {f"{n}.{ext}" for n in plots.figures(la.load_plan()) for ext in ("png", "svg", "csv")}
    # and the marker `make report` (linyi-report --figures figures) keeps of the files it wrote
    assert {p.name for p in (PROJECT / "figures").iterdir()} == expected | {".linyi-report.json"}


def test_readme_shows_figures_that_exist():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\((figures/[^)]+\.(?:png|svg))\)", readme)
    assert len(shown) >= 1
    for path in shown:
        assert (PROJECT / path).is_file(), path


def test_a_new_target_row_changes_every_chart_concerned(data_copy):
    """Rows added to the data change the charts that concern them, with no code edited."""

    def draw():
        plan = la.load_plan(data_copy)
        return {
            "employment": plots.plot_action_targets(plan.action("employment")),
            "education": plots.plot_action_targets(plan.action("education")),
            "percentages": plots.plot_percentages(plan),
            "changes": plots.plot_changes(plan),
            "composition": plots.plot_composition(plan),
            "spending": plots.plot_spending_share(plan),
            "corroboration": plots.plot_corroboration(plan),
            "overview": plots.plot_overview(plan),
        }

    def marks(fig):
        if fig.axes[0].get_ylabel():  # the spending history: a dot per share on a time axis
            return sum(isinstance(c, PathCollection) for c in fig.axes[0].collections)
        return len(rows_drawn(fig))

    before = {name: (marks(fig), texts(fig)) for name, fig in draw().items()}
    add_rows(data_copy)
    after = {name: (marks(fig), texts(fig)) for name, fig in draw().items()}
    grew = {name: after[name][0] - before[name][0] for name in before}
    assert grew == {
        "employment": 2,  # WAGE and PART
        "education": 1,  # SHARE
        "percentages": 1,  # SHARE
        "changes": 1,  # WAGE
        "composition": 3,  # PART's total (new jobs), PART, and the part of the total it leaves unitemised
        "spending": 1,  # REPORTED
        "corroboration": 1,  # FACT
        "overview": 0,  # same rows, new lengths:
    }
    assert before["overview"][1] != after["overview"][1]
    assert "Fixture wage floor" in after["changes"][1] and "Fixture rural new jobs" in after["composition"][1]
    assert "Fixture after-school coverage" in after["percentages"][1]


def test_the_chart_examples_run_and_write_nothing_here(monkeypatch, tmp_path):
    """The docstring examples of the charts run (``make test`` runs them too) and write only to the
    temporary directories they name: nothing in the working directory."""
    monkeypatch.chdir(tmp_path)
    results = [doctest.testmod(m) for m in (plots, plots.output, plots.target_charts, plots.summary_charts)]
    assert sum(r.failed for r in results) == 0 and sum(r.attempted for r in results) > 5
    assert list(tmp_path.iterdir()) == []
