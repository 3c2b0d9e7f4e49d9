"""Charts are saved at their own size: every text inside the figure, long titles wrapped to fit,
legends clear of axis labels; the theme is seaborn's, without importing seaborn."""

from __future__ import annotations

import io
import struct
import subprocess
import sys

import pytest
from conftest import PROJECT, read_rows, write_rows
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
        "import sys, io, linyi_analysis as la; from linyi_analysis import plots;"
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
