"""The chart standard (``linyi_analysis.plots``' docstring) read back from every Figure: each public
chart function, on the plan and on each action's cut; and charts that leave the session alone."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import warnings

import pytest
from conftest import PROJECT, read_rows, write_rows
from matplotlib.container import BarContainer
from matplotlib.text import Text

import linyi_analysis as la
from linyi_analysis import plots
from linyi_analysis.errors import ParameterError
from linyi_analysis.plots.output import render

ACTIONS = [str(a) for a in la.load_actions()["action_id"]]
#: Every public chart function (``plots.__all__``), by name.
CHARTS = sorted(n for n in plots.__all__ if n.startswith("plot_"))
CASES = [(c, a) for c in CHARTS for a in [None, *ACTIONS] if not (c == "plot_action_targets" and a is None)]


def drawn_texts(fig) -> list[tuple[Text, object]]:
    """The texts drawn into the PNG, with where they were drawn (recorded as they draw)."""
    drawn = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    Text.draw = record
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a glyph missing from the font, a layout that gave up
            render(fig, io.BytesIO(), "png")
    finally:
        Text.draw = original
    return drawn


@pytest.fixture(scope="module")
def charts():
    """(chart name, action or None) → (Figure, the texts drawn with their boxes)."""
    plan = la.load_plan()
    out = {}
    for chart, action in CASES:
        fig = getattr(plots, chart)(plan if action is None else plan.action(action))
        out[chart, action] = fig, drawn_texts(fig)
    return out


def _inside(box, frame, slack: float = 1.0) -> bool:
    return (
        box.x0 >= frame.x0 - slack
        and box.x1 <= frame.x1 + slack
        and box.y0 >= frame.y0 - slack
        and box.y1 <= frame.y1 + slack
    )


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


def test_every_public_chart_function_is_tested():
    """CASES come from ``plots.__all__``: a new chart function is tested on the plan and every cut."""
    assert len(CHARTS) == 8 and {c for c, _ in CASES} == set(CHARTS)
    with pytest.raises(ParameterError, match="cut to one action"):
        plots.plot_action_targets(la.load_plan())  # the one chart of a single action


@pytest.mark.parametrize(("chart", "action"), CASES)
def test_bars_are_read_against_a_numbered_scale_from_zero(charts, chart, action):
    fig, _ = charts[chart, action]
    for ax in fig.axes:
        for bars in (c for c in ax.containers if isinstance(c, BarContainer)):
            horizontal = bars.orientation == "horizontal"
            low = (ax.get_xlim() if horizontal else ax.get_ylim())[0]
            labels = ax.get_xticklabels() if horizontal else ax.get_yticklabels()
            numbers = [_number(t.get_text()) for t in labels if t.get_visible() and t.get_text()]
            assert low == 0 and 0 in numbers and len(numbers) >= 3, (chart, action, ax.get_xlabel())


@pytest.mark.parametrize(("chart", "action"), CASES)
def test_percentages_of_a_whole_run_from_0_to_100(charts, chart, action):
    """An axis labelled ``… (%)`` is a percentage of a whole: 0 to 100, no more, no less."""
    fig, _ = charts[chart, action]
    for ax in fig.axes:
        for label, limits in [(ax.get_xlabel(), ax.get_xlim()), (ax.get_ylabel(), ax.get_ylim())]:
            if label.endswith("(%)"):
                assert tuple(limits) == (0, 100), (chart, action, label)


def test_every_percentage_target_is_drawn_on_a_0_to_100_scale(charts):
    """From targets.csv: an action with a share, coverage or rate has a 0–100 panel for it."""
    rows = read_rows(PROJECT / "data" / "targets.csv")
    for action in ACTIONS[1:]:
        shares = [
            r
            for r in rows
            if r["action_id"] == action and r["unit"] == "percent" and r["comparator"] != "increase_by"
        ]
        fig, _ = charts["plot_action_targets", action]
        scales = [
            ax for ax in fig.axes if ax.get_xlabel().endswith("(%)") and tuple(ax.get_xlim()) == (0, 100)
        ]
        assert len(scales) == (1 if shares else 0), action


@pytest.mark.parametrize(("chart", "action"), CASES)
def test_no_panel_is_empty(charts, chart, action):
    fig, _ = charts[chart, action]
    for ax in fig.axes:
        bars = sum(len(c) for c in ax.containers)
        dots = sum(len(c.get_offsets()) for c in ax.collections)
        listed = ax.get_gid() == "listed" and len(ax.texts) > 0  # single figures, name and figure
        assert bars + dots > 0 or listed, (chart, action, ax.get_title())


@pytest.mark.parametrize(("chart", "action"), CASES)
def test_all_text_lies_inside_the_figure_and_a_label_inside_its_panel(charts, chart, action):
    fig, texts = charts[chart, action]
    outside = [t.get_text()[:50] for t, box in texts if not _inside(box, fig.bbox)]
    assert outside == [], (chart, action)
    for ax in fig.axes:
        frame = ax.get_window_extent()
        labels = [t.get_text()[:50] for t, box in texts if t in ax.texts and not _inside(box, frame)]
        assert labels == [], (chart, action)


@pytest.mark.parametrize(("chart", "action"), CASES)
def test_actions_and_targets_by_name_and_captions_without_files(charts, chart, action):
    plan = la.load_plan()
    # ids written as code (key_groups, urb_pocket_parks); one-word ids are English words too
    ids = {i for i in [*plan.action_ids, *plan.targets["target_id"].astype(str)] if "_" in i}
    _, texts = charts[chart, action]
    words = {w for t, _ in texts for w in re.findall(r"[\w.']+", t.get_text())}
    assert words & ids == set(), (chart, action)
    shown = " ".join(t.get_text() for t, _ in texts)
    assert not re.search(r"README|\.csv\b|\.json\b|see the", shown), (chart, action)


# --- hostile data: the layout still keeps every text inside ---

LONG_WORD = "Supercalifragilistic" * 8  # 160 characters, no space to break at


def _hostile(data_copy, case: str):
    """A copy of the data with one kind of text that the layout must still fit; returns the plan."""
    targets = read_rows(data_copy / "targets.csv")
    if case == "long part label":  # a part of a total
        for row in targets:
            if row["target_id"] == "emp_public_welfare_posts_rural":
                row["indicator"] = " ".join(["Very long indicator wording"] * 10 + ["end"])
    elif case == "one long word":
        for row in targets:
            if row["target_id"] in ("urb_pocket_parks", "emp_public_welfare_posts"):
                row["indicator"] = LONG_WORD
    elif case == "long action name":
        actions = read_rows(data_copy / "actions.csv")
        for row in actions:
            if row["action_id"] == "urban":
                row["name"] = "Actionnamewithoutanyspaces" * 5
        write_rows(data_copy / "actions.csv", actions)
    elif case == "long unit label":
        units = read_rows(data_copy / "units.csv")
        for row in units:
            if row["unit"] == "yuan":
                row["label"] = " ".join(["yuan of the kind with a long name"] * 6)
        write_rows(data_copy / "units.csv", units)
    write_rows(data_copy / "targets.csv", targets)
    return la.load_plan(data_copy)


@pytest.mark.parametrize("case", ["long part label", "one long word", "long action name", "long unit label"])
def test_text_from_hostile_data_stays_inside_every_chart(data_copy, case):
    plan = _hostile(data_copy, case)
    for name, fig in plots.figures(plan).items():
        outside = [t.get_text()[:50] for t, box in drawn_texts(fig) if not _inside(box, fig.bbox)]
        assert outside == [], (case, name)
        assert fig.get_size_inches()[0] == 8.0, name  # 1,200 px: wrapped, never widened


def test_saving_draws_the_figure_once(monkeypatch):
    from matplotlib.figure import Figure

    fig = plots.plot_corroboration(la.load_plan())
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    render(fig, io.BytesIO(), "png")
    render(fig, io.BytesIO(), "svg")
    assert len(draws) == 2  # one per file: the layout is worked out without drawing, once


def test_a_users_matplotlib_settings_do_not_change_the_charts(tmp_path):
    """The committed chart is the oracle: a session with another style and odd settings draws
    the same bytes."""
    code = (
        "import sys, matplotlib, matplotlib.pyplot as plt, linyi_analysis as la;"
        "from linyi_analysis import plots;"
        "plt.style.use('seaborn-v0_8-talk'); plt.xkcd();"
        "matplotlib.rcParams.update({'savefig.transparent': True, 'font.weight': 'bold',"
        " 'ytick.labelleft': False, 'axes.titlepad': 20, 'svg.id': 'x', 'savefig.bbox': 'tight',"
        " 'figure.constrained_layout.use': True, 'figure.dpi': 72});"
        "plots.save_figure(plots.plot_overview(la.load_plan()), 'overview', sys.argv[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=PROJECT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    for suffix in ("png", "svg", "csv"):
        assert (tmp_path / f"overview.{suffix}").read_bytes() == (
            PROJECT / "figures" / f"overview.{suffix}"
        ).read_bytes()


# --- issue 18: the theme is seaborn's own; importing or drawing changes no session setting ---


def test_the_theme_is_seaborns_own_whitegrid_at_font_scale_0_8():
    """Inside the theme every rcParam seaborn's style and context set has seaborn's value (seaborn
    itself is the oracle), except the package's own choices the chart standard names."""
    import matplotlib
    import seaborn as sns

    expected = sns.axes_style("whitegrid") | sns.plotting_context("notebook", font_scale=0.8)
    ours = {"font.family", "axes.titlesize", "axes.edgecolor", "grid.color"}
    with plots.theme():
        differs = {
            k for k, v in expected.items() if matplotlib.rcParams[k] != matplotlib.rcParams.validate[k](v)
        }
    assert differs == ours
    assert not hasattr(plots.style, "SEABORN_WHITEGRID")  # no copy of seaborn's numbers to keep in step


IPYTHON_SESSION = """
import json, sys
import matplotlib
from IPython.testing.globalipapp import start_ipython
from matplotlib.figure import Figure
ip = start_ipython()
ip.display_formatter.active_types = list(ip.display_formatter.formatters)  # as in a kernel, not a terminal
if sys.argv[2] == "svg":  # the user asked for SVG figures before using the package
    ip.run_cell("%matplotlib inline")
    ip.run_cell("%config InlineBackend.figure_formats = ['svg']")
before = dict(matplotlib.rcParams)
ip.run_cell("import linyi_analysis as la; from linyi_analysis import plots")
imported = dict(matplotlib.rcParams)
formatters = ip.display_formatter.formatters
formats = sorted(m for m in ("image/png", "image/svg+xml") if Figure in formatters[m].type_printers)
ip.run_cell("fig = plots.plot_overview(la.load_plan()); plots.save_figure(fig, 'o', sys.argv[1])")
drawn = dict(matplotlib.rcParams)
bundle, _ = ip.display_formatter.format(ip.user_ns["fig"])
changed = lambda a, b: sorted(k for k in a if a[k] != b[k])
print(json.dumps({"formats": formats, "import": changed(before, imported), "draw": changed(before, drawn),
                  "shown": sorted(bundle), "seaborn": "seaborn" in sys.modules}))
"""


def _session(tmp_path, mode: str) -> dict:
    """An IPython session with the inline backend, as a notebook's kernel has it (``fresh``, or with
    SVG figures asked for first, ``svg``): what importing the package and drawing a chart changed."""
    import json
    import os

    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    done = subprocess.run(
        [sys.executable, "-c", IPYTHON_SESSION, str(tmp_path), mode],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_or_drawing_a_chart_changes_no_rcparam_and_it_still_shows(tmp_path):
    """In a fresh kernel: no rcParam changed by the import or by drawing (ce03277's import
    loaded the inline backend and turned ``interactive`` on); the chart shows as a PNG."""
    session = _session(tmp_path, "fresh")
    assert session["import"] == [] and session["draw"] == []
    assert session["seaborn"]  # drawing used seaborn's theme
    assert "image/png" in session["shown"]


def test_importing_the_charts_keeps_the_sessions_figure_formats(tmp_path):
    """``%config InlineBackend.figure_formats = ['svg']`` survives the import (ce03277 set PNG)."""
    session = _session(tmp_path, "svg")
    assert session["formats"] == ["image/svg+xml"]
    assert session["import"] == [] and session["draw"] == []
    assert "image/svg+xml" in session["shown"]


def test_a_chart_shows_as_a_picture_without_any_formatter():
    """In a fresh IPython (no %matplotlib) a chart returned by a cell is a PNG, not ``<Figure …>``."""
    png = plots.plot_overview(la.load_plan())._repr_png_()
    assert png.startswith(b"\x89PNG")
