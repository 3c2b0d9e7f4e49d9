"""Charts are saved at their own size: every text inside the figure, long titles wrapped to fit,
legends clear of axis labels; the theme is seaborn's, without importing seaborn."""

from __future__ import annotations

import io
import struct
import subprocess
import sys

import pytest
from conftest import PROJECT, read_rows, write_rows
from matplotlib.collections import PathCollection
from matplotlib.text import Text

import linyi_analysis as la
from linyi_analysis import plots
from linyi_analysis.plots.output import render
from linyi_analysis.plots.style import SEABORN_WHITEGRID

WIDTH_PX = 1200  # 8 inches at 150 dpi, worked by hand


def png_width(fig) -> int:
    buf = io.BytesIO()
    render(fig, buf, "png")
    return struct.unpack(">I", buf.getvalue()[16:20])[0]  # IHDR width


def outside(fig) -> list[str]:
    """The texts drawn into the saved PNG (recorded as they draw) that reach past its edges."""
    drawn = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self.get_text(), self.get_window_extent(renderer)))

    Text.draw = record
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png")  # the layout is already fixed: the same drawing as render()
    finally:
        Text.draw = original
    assert drawn, "nothing recorded"
    edge = fig.bbox
    return [
        text[:60]
        for text, box in drawn
        if box.x0 < edge.x0 - 1 or box.x1 > edge.x1 + 1 or box.y0 < edge.y0 - 1 or box.y1 > edge.y1 + 1
    ]


@pytest.fixture(scope="module")
def charts():
    return plots.figures(la.load_plan())


def test_every_chart_is_saved_at_its_width_with_every_text_inside(charts):
    assert len(charts) == 20
    for name, fig in charts.items():
        assert png_width(fig) == WIDTH_PX, name
        assert outside(fig) == [], name
        assert any(t.get_text().startswith(("Source", "Statuses")) for t in fig.texts), name


def test_the_legend_under_a_total_clears_its_axis_label(charts):
    fig = charts["composition"]
    png_width(fig)
    renderer = fig._get_renderer()
    ax = next(a for a in fig.axes if a.get_legend() is not None)
    legend = ax.get_legend().get_window_extent(renderer)
    label = ax.xaxis.label.get_window_extent(renderer)
    assert label.y0 > legend.y1  # the label above the legend, not under it


def test_long_titles_from_the_data_are_wrapped_to_fit(data_copy):
    """An indicator of 40 words on a corroborated target and on a total with parts: the panel
    titles that carry it are wrapped to the figure's width, never cut off at its edge."""
    long = " ".join(["Very long indicator wording"] * 10 + ["end"])
    targets = read_rows(data_copy / "targets.csv")
    for row in targets:
        if row["target_id"] in ("urb_pocket_parks", "emp_public_welfare_posts"):
            row["indicator"] = long
    write_rows(data_copy / "targets.csv", targets)
    plan = la.load_plan(data_copy)
    for fig in (plots.plot_corroboration(plan), plots.plot_composition(plan)):
        assert png_width(fig) == WIDTH_PX
        assert outside(fig) == []
        titles = [ax.get_title(loc="left") for ax in fig.axes]
        assert any("end" in t and t.count("\n") >= 2 for t in titles), titles


def test_a_long_chart_title_is_wrapped_to_fit():
    fig = plots.plot_overview(la.load_plan())
    title = "A chart title a good deal longer than the width of the figure can show on one line, " * 2
    fig.suptitle(title.strip(), x=0.0125, ha="left", fontsize=13, fontweight="bold")
    assert png_width(fig) == WIDTH_PX
    assert outside(fig) == []
    assert fig.get_suptitle().count("\n") >= 1
    assert " ".join(fig.get_suptitle().split()) == title.strip()  # wrapped, not cut


def test_the_theme_is_seaborns_whitegrid_at_font_scale_0_8():
    import seaborn as sns  # the oracle: seaborn itself, in the test only

    expected = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=0.8)}
    assert {k: expected[k] for k in SEABORN_WHITEGRID} == SEABORN_WHITEGRID
    # what is left out is set by the theme itself, or (image.cmap) exists only inside seaborn
    assert set(expected) - set(SEABORN_WHITEGRID) == {
        "axes.edgecolor",
        "axes.titlesize",
        "font.family",
        "font.sans-serif",
        "grid.color",
        "image.cmap",
    }
    assert plots.style.rc()["axes.titlesize"] == 10 and plots.style.rc()["font.family"] == "DejaVu Sans"


def test_drawing_a_chart_does_not_import_seaborn():
    code = (
        "import sys, linyi_analysis as la; from linyi_analysis import plots;"
        "plots.save_figure(plots.plot_overview(la.load_plan()), 'o', sys.argv[1]);"
        "print('seaborn' in sys.modules)"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", code, out], capture_output=True, text=True, cwd=PROJECT, timeout=120
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --- what a hostile data file does to the layout (each case found by an attack on this change) ---

LONG_WORD = "Supercalifragilistic" * 8  # 160 characters, no space to break at


def _hostile(data_copy, case: str):
    """A copy of the data with one kind of text that the layout must still fit; returns the plan."""
    targets = read_rows(data_copy / "targets.csv")
    if case == "long part label":  # a part of a total: its legend entry under the panel
        for row in targets:
            if row["target_id"] == "emp_public_welfare_posts_rural":
                row["indicator"] = " ".join(["Very long indicator wording"] * 10 + ["end"])
    elif case == "one long word":
        for row in targets:
            if row["target_id"] == "urb_pocket_parks":
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
def test_text_from_hostile_data_stays_inside_every_chart(data_copy, case, recwarn):
    plan = _hostile(data_copy, case)
    for name, fig in plots.figures(plan).items():
        assert png_width(fig) >= WIDTH_PX, name
        assert outside(fig) == [], (case, name)
    collapsed = [str(w.message) for w in recwarn if "collapsed" in str(w.message)]
    assert collapsed == []  # the layout engine never gave up


def test_only_unbreakable_text_makes_a_chart_wider(data_copy):
    plan = _hostile(data_copy, "long unit label")
    widths = {name: png_width(fig) for name, fig in plots.figures(plan).items()}
    assert widths["overview"] == WIDTH_PX  # no yuan in it
    assert widths["action_employment"] > WIDTH_PX  # "≥ 2.2 bn yuan of the kind…" on a bar: one label


def test_saving_draws_the_figure_once(monkeypatch):
    from matplotlib.figure import Figure

    fig = plots.plot_corroboration(la.load_plan())
    render(fig, io.BytesIO(), "png")  # lays it out
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    render(fig, io.BytesIO(), "png")
    render(fig, io.BytesIO(), "svg")
    assert len(draws) == 2  # one per file, no measuring pass


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
    for suffix in ("png", "svg"):
        assert (tmp_path / f"overview.{suffix}").read_bytes() == (
            PROJECT / "figures" / f"overview.{suffix}"
        ).read_bytes()


def test_a_long_history_and_many_sources_do_not_make_a_huge_spending_chart(data_copy):
    evidence = read_rows(data_copy / "evidence.csv")
    base = next(r for r in evidence if r["fact_id"] == "spend_share_2019h1")
    for i in range(400):
        evidence.append(
            {
                **base,
                "fact_id": f"fx_share_{i}",
                "period": str(1580 + i),
                "value": str(60 + i % 20),
                "url": f"http://bureau-{i}.example.gov.cn/info/{i}.htm",
                "published": f"{1581 + i}-03-01",
                "notes": "",
            }
        )
    write_rows(data_copy / "evidence.csv", evidence)
    fig = plots.plot_spending_share(la.load_plan(data_copy))
    dots = sum(
        len(c.get_offsets()) for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection)
    )
    assert dots == 40  # plots.MAX_ROWS
    caption = " ".join(fig.get_supxlabel().split())
    assert "Only the latest 40 of 405 shares are drawn" in caption  # 400 + the 5 shipped
    assert "and 397 more sites (see evidence.csv)" in caption  # 8 sites named of 405 (5 shipped)
    assert fig.get_size_inches()[1] < 8
    assert outside(fig) == []
