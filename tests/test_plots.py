"""The charts: every one renders for every action, with one mark per figure, and saves to the same bytes."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT
from extra_rows import add_rows
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

import linyi_analysis as la
from linyi_analysis import analysis, formatting, plots
from linyi_analysis.plots.style import unit_axis_label

ACTIONS = [str(a) for a in la.load_actions()["action_id"]]


def marks(fig: Figure) -> int:
    """Data marks drawn: bars (in bar containers) and dots (scatter points)."""
    bars = sum(len(c) for ax in fig.axes for c in ax.containers)
    dots = sum(
        len(c.get_offsets()) for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection)
    )
    return bars + dots


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
def targets():
    return analysis.all_targets()


@pytest.mark.parametrize("action_id", ACTIONS)
def test_action_chart_has_one_bar_per_target_and_one_unit_per_axis(action_id):
    rows = analysis.action_targets(action_id)
    fig = plots.plot_action_targets(rows, action_id)
    assert_well_formed(fig)
    assert marks(fig) == len(rows) > 0
    units = list(dict.fromkeys(rows["unit_label"]))
    assert [ax.get_xlabel() for ax in fig.axes] == [unit_axis_label(u) for u in units]
    shown = texts(fig)
    for label in rows["label"]:  # human form: 47.3k posts, ≥ 2.2 bn yuan
        assert label in shown
    for indicator in rows["indicator"]:
        assert formatting.wrap(indicator, 38) in shown
    assert str(rows["action_name"].iloc[0]) in fig.get_suptitle()


def test_action_chart_takes_all_targets_too(targets):
    rows = targets[targets["action_id"] == "urban"]
    assert marks(plots.plot_action_targets(targets, "urban")) == len(rows)


def test_overview_has_three_bars_per_action():
    summary = analysis.summary_by_action()
    fig = plots.plot_overview(summary)
    assert_well_formed(fig)
    assert marks(fig) == 3 * len(summary)
    counts = fig.axes[0].containers
    assert [b.get_width() for b in counts[0]] == summary["measures"].tolist()
    assert [b.get_width() for b in counts[1]] == summary["targets"].tolist()


def test_percentages_has_one_dot_per_percentage_target(targets):
    shares = targets[(targets["unit_kind"] == "percent") & (targets["comparator"] != "increase_by")]
    fig = plots.plot_percentages(targets)
    assert_well_formed(fig)
    assert marks(fig) == len(shares) > 0
    assert fig.axes[0].get_xlim()[0] == 0 and fig.axes[0].get_xlim()[1] >= 100
    dots = sorted(float(x) for c in fig.axes[0].collections for x, _ in c.get_offsets())
    assert dots == sorted(shares["value"].astype(float))


def test_changes_has_one_bar_per_change(targets):
    changes = targets[targets["comparator"].isin(["from_to", "increase_by"])]
    fig = plots.plot_changes(targets)
    assert_well_formed(fig)
    assert marks(fig) == len(changes) > 0
    assert len(fig.axes) == changes["unit_label"].nunique()  # never two units on one axis


def test_composition_has_one_bar_per_part(targets):
    parts = analysis.compositions(targets)
    fig = plots.plot_composition(targets)
    assert_well_formed(fig)
    assert marks(fig) == len(parts) > 0
    assert len(fig.axes) == parts["group"].nunique()
    components = targets.dropna(subset=["part_of"])
    assert set(components["target_id"]) <= set(parts["target_id"])


def test_spending_share_draws_reported_history_against_the_target_line():
    spending = la.spending_ratios()
    reported, target = spending[spending["kind"] == "reported"], spending[spending["kind"] == "target"]
    fig = plots.plot_spending_share(spending)
    assert_well_formed(fig)
    assert marks(fig) == len(reported) > 0
    heights = [line.get_ydata()[0] for line in fig.axes[0].lines if len(set(line.get_ydata())) == 1]
    assert sorted(heights) == sorted(target["value"].astype(float))
    dots = [float(y) for _, y in fig.axes[0].collections[0].get_offsets()]
    assert dots == reported["value"].astype(float).tolist()
    caption = next(t.get_text() for t in fig.texts if t.get_text().startswith("Source"))
    for url in reported["url"]:
        assert re.sub(r"^https?://([^/]+).*", r"\1", url) in caption


def test_corroboration_has_plan_and_official_bars():
    c = analysis.corroboration()
    fig = plots.plot_corroboration(c)
    assert_well_formed(fig)
    assert marks(fig) == 2 * len(c) > 0
    for ax, (_, r) in zip(fig.axes, c.iterrows(), strict=True):
        assert [b.get_width() for b in ax.containers[0]] == [r["plan_value"], r["evidence_value"]]


@pytest.mark.parametrize(
    ("chart", "frame"),
    [
        (lambda t: plots.plot_action_targets(t, "goals"), lambda: analysis.all_targets().iloc[0:0]),
        (plots.plot_percentages, lambda: analysis.all_targets().query("unit_kind != 'percent'")),
        (plots.plot_changes, lambda: analysis.all_targets().query("comparator == '='")),
        (plots.plot_composition, lambda: analysis.all_targets().iloc[0:0]),
        (plots.plot_spending_share, lambda: la.spending_ratios().iloc[0:0]),
        (plots.plot_corroboration, lambda: analysis.corroboration().iloc[0:0]),
        (plots.plot_overview, lambda: analysis.summary_by_action().iloc[0:0]),
    ],
    ids=["action", "percentages", "changes", "composition", "spending", "corroboration", "overview"],
)
def test_nothing_to_draw_gives_a_figure_that_says_so(chart, frame):
    fig = chart(frame())
    assert marks(fig) == 0
    assert re.search(r"^No .* in the data|^No quantified targets", texts(fig), re.MULTILINE)
    assert fig.get_suptitle()


def test_a_raw_frame_gets_a_clear_error():
    with pytest.raises(ValueError, match=r"analysis\.all_targets"):
        plots.plot_percentages(la.load_targets())


def test_save_figure_writes_png_and_svg_without_timestamps(tmp_path):
    fig = plots.plot_overview(analysis.summary_by_action())
    png, svg = plots.save_figure(fig, "overview", tmp_path)
    assert (png.name, svg.name) == ("overview.png", "overview.svg")
    assert png.read_bytes().startswith(b"\x89PNG") and b"Software" not in png.read_bytes()
    text = svg.read_text()
    assert "<dc:date>" not in text and "<svg" in text
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
    code = f"from linyi_analysis.plots import generate_figures; generate_figures({str(second)!r})"
    subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONHASHSEED": "2"}, check=True)
    expected = {f"{n}.{ext}" for n in plots.figures() for ext in ("png", "svg")}
    assert set(_digests(first)) == expected
    assert _digests(first) == _digests(second)


def test_generate_figures_draws_every_chart_and_every_action(tmp_path):
    paths = plots.generate_figures(tmp_path)
    names = {p.stem for p in paths}
    assert {f"action_{a}" for a in ACTIONS} <= names
    assert {"overview", "percentages", "changes", "composition", "spending_share", "corroboration"} <= names
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
        t = analysis.all_targets(data_copy)
        return {
            "employment": plots.plot_action_targets(t, "employment"),
            "education": plots.plot_action_targets(t, "education"),
            "percentages": plots.plot_percentages(t),
            "changes": plots.plot_changes(t),
            "composition": plots.plot_composition(t),
            "spending": plots.plot_spending_share(la.spending_ratios(data_copy)),
            "corroboration": plots.plot_corroboration(analysis.corroboration(data_copy)),
            "overview": plots.plot_overview(analysis.summary_by_action(data_copy)),
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
