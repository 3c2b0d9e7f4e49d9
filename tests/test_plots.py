"""The charts: every one renders for every action, with one mark per figure, and saves to the same bytes."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, read_rows, write_rows
from extra_rows import add_rows, add_zero_target
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

import linyi_analysis as la
from linyi_analysis import formatting, plots
from linyi_analysis.plots.style import unit_axis_label

ACTIONS = [str(a) for a in la.load_actions()["action_id"]]
CHARTS = ["overview", "percentages", "changes", "composition", "spending_share", "corroboration", "delivery"]


def marks(fig: Figure) -> int:
    """Data marks drawn: bars (in bar containers) and dots (scatter points)."""
    bars = sum(len(c) for ax in fig.axes for c in ax.containers)
    dots = sum(
        len(c.get_offsets()) for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection)
    )
    return bars + dots


def dots(fig: Figure) -> int:
    return sum(
        len(c.get_offsets()) for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection)
    )


def caption(fig: Figure) -> str:
    return next(t.get_text() for t in fig.texts if t.get_text().startswith("Source"))


def texts(fig: Figure) -> str:
    found = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return "\n".join(found)


def assert_well_formed(fig: Figure) -> None:
    """A title, a source caption, and axes each with marks and a labelled value axis."""
    assert isinstance(fig, Figure)
    assert fig.get_suptitle()
    assert any(t.get_text().startswith("Source") for t in fig.texts)
    for ax in fig.axes:
        assert ax.containers or ax.collections, "empty axes"
        assert ax.get_xlabel() or ax.get_ylabel(), "unlabelled axes"


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


def _rows(name: str) -> list[dict]:
    return read_rows(PROJECT / "data" / name)


@pytest.mark.parametrize("action_id", ACTIONS)
def test_action_chart_has_one_bar_per_target_and_one_unit_per_axis(plan, action_id):
    cut = plan.action(action_id)
    rows = cut.targets
    fig = plots.plot_action_targets(cut)
    assert_well_formed(fig)
    expected = [r for r in _rows("targets.csv") if r["action_id"] == action_id]  # from the CSV
    assert marks(fig) == len(expected) > 0
    units = list(dict.fromkeys(rows["unit_label"]))
    assert [ax.get_xlabel() for ax in fig.axes] == [unit_axis_label(u) for u in units]
    shown = texts(fig)
    for label in rows["label"]:  # human form: 47.3k posts, ≥ 2.2 bn yuan
        assert label in shown
    for indicator in rows["indicator"]:
        assert formatting.wrap(indicator, 38) in shown
    assert str(cut.actions["name"].iloc[0]) in fig.get_suptitle()


def test_action_chart_labels_literal(plan):
    shown = texts(plots.plot_action_targets(plan.action("employment")))
    for label in ("47.3k posts", "42k posts", "5,300 posts", "≥ 2.2 bn yuan"):
        assert label in shown, label


def test_overview_bars_are_the_articles_counts(plan):
    fig = plots.plot_overview(plan)
    assert_well_formed(fig)
    counts = fig.axes[0].containers
    # the article's measure counts per action (goals first, with none); see test_analysis
    assert [b.get_width() for b in counts[0]] == [0, 9, 4, 4, 7, 8, 6]
    assert marks(fig) == 3 * 7


def test_percentages_has_one_dot_per_percentage_target(plan):
    expected = [
        float(r["value"])
        for r in _rows("targets.csv")
        if r["unit"] == "percent" and r["comparator"] in ("=", ">=", ">")
    ]
    fig = plots.plot_percentages(plan)
    assert_well_formed(fig)
    assert dots(fig) == len(expected) > 0
    assert fig.axes[0].get_xlim()[0] == 0 and fig.axes[0].get_xlim()[1] >= 100
    drawn = sorted(float(x) for c in fig.axes[0].collections for x, _ in c.get_offsets())
    assert drawn == sorted(expected)


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
    assert dots(fig) == 40
    note = " ".join(caption(fig).split())  # the caption is wrapped
    assert f"Only the first 40 of {500 + shipped} percentage targets are drawn" in note
    assert fig.get_size_inches()[1] < 40  # inches: the figure did not grow with the data


def test_changes_has_one_bar_per_change(plan):
    changes = [r for r in _rows("targets.csv") if r["comparator"] in ("from_to", "increase_by")]
    fig = plots.plot_changes(plan)
    assert_well_formed(fig)
    assert marks(fig) == len(changes) > 0
    assert len(fig.axes) == len({r["unit"] for r in changes})  # never two units on one axis
    assert "4,500 → 5,000 yuan a year (11.1% rise)" in texts(fig)  # 500 / 4,500, by hand


def test_composition_bars_follow_part_of_and_ratio_to(plan):
    """Expected bars from targets.csv: each total's parts (+ one bar for what they leave
    unitemised), and two bars for each pair in one unit."""
    rows = _rows("targets.csv")
    by_id = {r["target_id"]: r for r in rows}
    totals = {r["part_of"] for r in rows if r["part_of"]}
    expected = 0
    for total in totals:
        parts = [float(r["value"]) for r in rows if r["part_of"] == total]
        expected += len(parts) + (sum(parts) < float(by_id[total]["value"]))
    pairs = [r for r in rows if r["ratio_to"] and by_id[r["ratio_to"]]["unit"] == r["unit"]]
    expected += 2 * len(pairs)
    fig = plots.plot_composition(plan)
    assert_well_formed(fig)
    assert marks(fig) == expected > 0
    assert len(fig.axes) == len(totals) + len(pairs)
    shown = texts(fig)
    for share in ("88.8%", "11.2%", "77.0%"):  # 42,000 and 5,300 of 47,300; 2,650 of 3,442
        assert share in shown, share
    assert "47.3k" in shown  # the plan's total, never the sum of its parts


def test_spending_share_draws_reported_history_against_the_target_line(plan):
    fig = plots.plot_spending_share(plan)
    assert_well_formed(fig)
    assert dots(fig) == 5
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
    for url in {r["url"] for r in _rows("evidence.csv") if r["kind"] == "spending_share"}:
        assert re.sub(r"^https?://([^/]+).*", r"\1", url) in caption(fig)


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


def test_corroboration_has_plan_and_official_bars(plan):
    fig = plots.plot_corroboration(plan)
    assert_well_formed(fig)
    widths = [[b.get_width() for b in ax.containers[0]] for ax in fig.axes]
    # plan beside official, in the order of evidence.csv: 297 projects, 36,000 vs 36,261 households,
    # 143 parks, parks of 100 mu, a 10% rise, 500 women (restated twice: 临政办字〔2022〕78号 and 齐鲁网)
    assert widths == [[297, 297], [36000, 36261], [143, 143], [100, 100], [10, 10], [500, 500], [500, 500]]


@pytest.mark.parametrize("zero", ["0", "-0"])
def test_corroboration_of_a_zero_plan_figure_draws(data_copy, zero):
    add_zero_target(data_copy, zero)
    fig = plots.plot_corroboration(la.load_plan(data_copy))
    assert_well_formed(fig)
    assert "relative difference undefined" in texts(fig)
    plots.save_figure(fig, "corroboration", data_copy.parent / "out")  # renders without error


@pytest.mark.parametrize(
    ("chart", "action"),
    [
        (plots.plot_changes, "goals"),
        (plots.plot_composition, "goals"),
        (plots.plot_corroboration, "goals"),
    ],
    ids=["changes", "composition", "corroboration"],
)
def test_nothing_to_draw_gives_a_figure_that_says_so(plan, chart, action):
    fig = chart(plan.action(action))
    assert marks(fig) == 0
    assert re.search(r"^No .* in the data|^No quantified targets", texts(fig), re.MULTILINE)
    assert fig.get_suptitle()


def test_save_figure_writes_png_and_svg_without_timestamps(tmp_path):
    fig = plots.plot_overview(la.load_plan())
    png, svg = plots.save_figure(fig, "overview", tmp_path)
    assert (png.name, svg.name) == ("overview.png", "overview.svg")
    # no version string or date; the package's constant signature (the report runner's test of "its own")
    assert png.read_bytes().startswith(b"\x89PNG") and b"tEXtSoftware\0linyi_analysis\x8c" in png.read_bytes()
    text = svg.read_text()
    assert "<dc:date>" not in text and "<svg" in text and "Matplotlib v" not in text
    assert "<dc:title>linyi_analysis</dc:title>" in text
    first = png.read_bytes(), svg.read_bytes()
    plots.save_figure(fig, "overview", tmp_path)
    assert (png.read_bytes(), svg.read_bytes()) == first
    with pytest.raises(ValueError, match="no path"):
        plots.save_figure(fig, "../escape", tmp_path)


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_two_processes_write_identical_files(tmp_path):
    """The module command and the function, in two processes with different hash seeds: same bytes."""
    first, second = tmp_path / "a", tmp_path / "b"
    env = {k: v for k, v in os.environ.items() if k != "LINYI_DATA_DIR"}
    done = subprocess.run(
        [sys.executable, "-m", "linyi_analysis.plots", str(first)],
        env={**env, "PYTHONHASHSEED": "1"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    code = (
        "import linyi_analysis as la; from linyi_analysis.plots import generate_figures; "
        f"generate_figures(la.load_plan(), {str(second)!r})"
    )
    subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONHASHSEED": "2"}, check=True)
    # written here, not asked of plots.figures()
    names = CHARTS + [f"action_{a}" for a in ACTIONS] + [f"delivery_{a}" for a in ACTIONS if a != "goals"]
    expected = {f"{n}.{ext}" for n in names for ext in ("png", "svg")}
    assert set(_digests(first)) == expected
    assert _digests(first) == _digests(second)


def test_generate_figures_draws_every_chart_and_every_action(tmp_path):
    paths = plots.generate_figures(la.load_plan(), tmp_path)
    names = {p.stem for p in paths}
    per_action = {f"action_{a}" for a in ACTIONS} | {f"delivery_{a}" for a in ACTIONS if a != "goals"}
    assert names == per_action | set(CHARTS)
    assert len(paths) == 2 * len(names) and all(p.stat().st_size > 1000 for p in paths)


def test_readme_shows_figures_that_exist():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\((figures/[^)]+\.(?:png|svg))\)", readme)
    assert len(shown) >= 2
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

    before = {name: (marks(fig), texts(fig)) for name, fig in draw().items()}
    add_rows(data_copy)
    after = {name: (marks(fig), texts(fig)) for name, fig in draw().items()}
    grew = {name: after[name][0] - before[name][0] for name in before}
    assert grew == {
        "employment": 2,  # WAGE and PART
        "education": 1,  # SHARE
        "percentages": 1,  # SHARE
        "changes": 1,  # WAGE
        "composition": 2,  # PART and the part of its total it leaves unitemised
        "spending": 1,  # REPORTED
        "corroboration": 2,  # plan and official bars for FACT
        "overview": 0,  # same bars, new lengths:
    }
    assert before["overview"][1] != after["overview"][1]
    assert "Fixture wage floor" in after["changes"][1] and "Fixture rural new jobs" in after["composition"][1]
    assert "Fixture after-school coverage" in after["percentages"][1]


def test_the_doctests_leave_the_committed_figures_untouched():
    """Review T15: ``make test`` runs the package's doctests; the charts' examples must not
    rewrite figures/ (not even with the same bytes: the mtimes are compared too)."""
    figures = PROJECT / "figures"
    doctests = ["--doctest-modules", "linyi_analysis/plots"]

    def state():
        return {p.name: (p.stat().st_mtime_ns, _digests(figures)[p.name]) for p in figures.iterdir()}

    before = state()
    assert before, "figures/ is committed with the charts"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider", *doctests],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert state() == before
