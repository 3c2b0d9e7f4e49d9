"""The pieces every chart is made of: the theme, the colours, the value scale, labels and captions.

The chart standard they serve is written once, in :mod:`linyi_analysis.plots`.
"""

from __future__ import annotations

import functools
import io
import re
import textwrap
from collections.abc import Callable
from contextlib import contextmanager
from urllib.parse import urlparse

import matplotlib
import matplotlib.style
import pandas as pd
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..formatting import human_number, plain, wrap
from ..resources import citation

#: Okabe & Ito's palette, distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: One meaning per colour in every chart (the standard's rule 9). Blue is a figure of the plan,
#: whatever its unit (the panel's scale says the unit); a minimum (``≥``) is its lighter tint.
PLAN = "#0072B2"
PLAN_MINIMUM = "#B3D1E8"  # PLAN at 30% on white
#: Black: a figure reported by another source (a spending share, an official figure's difference).
REPORTED = "#000000"
#: Grey: a count that is no target (measures listed, their quantified share, a part not itemised).
GREY = "#8C8C8C"
#: One colour per delivery status (strong to weak), none of them the plan's blue or the greys above.
STATUS_COLOURS = {
    "met": "#009E73",
    "exceeded": "#003B2B",  # CIE L* 21 against met's 58: the two greens differ in greyscale print
    "not met": "#D55E00",
    "in progress": "#E69F00",
    "plan confirmed": "#CC79A7",
    "no public evidence": "#C8C8C8",
}
WIDTH = 8.0  # inches: a report page's text width at 150 dpi is 1,200 px
DPI = 150  # of the saved PNG; the figure is drawn at it throughout
SVG_HASHSALT = "linyi-analysis"  # fixed, so SVG ids are the same on every run
#: Most rows (bars, dots, panels) one chart draws; beyond, the caption says how many are left out.
MAX_ROWS = 40
#: Longest title and caption lines (characters) that fit in ``WIDTH`` at their font sizes.
TITLE_CHARS = 62
CAPTION_CHARS = 130
CAPTION_LINE = 0.13  # inches a caption line takes
LABEL_CHARS = 30  # longest line of a label written on a panel (8 pt: about 9 px a character)
MAX_SOURCES = 8  # sites a caption names; it counts the others
PAD = 0.1  # inches of white around the chart and between its panels
MARGIN = 0.0125  # of the width: where the title and the caption start (0.1 in)
#: A bar ending past this share of its scale carries its label inside (there is no room after it).
INSIDE_FROM = 0.6

#: What the package sets over seaborn's look: one font everywhere (seaborn prefers Arial where it
#: is installed, so the files would differ by machine), titles, the palette, fixed SVG ids.
_OURS = {
    "axes.prop_cycle": cycler(color=PALETTE),
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs everywhere
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.edgecolor": "#BBBBBB",
    "grid.color": "#E6E6E6",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "svg.hashsalt": SVG_HASHSALT,
    "svg.fonttype": "path",
    "legend.frameon": False,
}


@functools.cache
def rc() -> dict:
    """The theme's rcParams: seaborn's ``whitegrid`` style and ``notebook`` context at 0.8, then
    the package's own settings (:data:`_OURS`)."""
    import seaborn as sns  # here, not at import: importing the package costs no seaborn

    return sns.axes_style("whitegrid") | sns.plotting_context("notebook", font_scale=0.8) | _OURS


@contextmanager
def theme():
    """The theme inside a ``with`` block only: every rcParam is restored afterwards.

    It starts from matplotlib's defaults, not from the session's settings, so a user's
    matplotlibrc or style does not change the package's charts; and what importing seaborn
    sets (it imports pyplot) is undone too.
    """
    with matplotlib.rc_context():
        matplotlib.style.use(["default", rc()])
        yield


def themed(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Decorator: draw the chart under the theme."""

    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        with theme():
            return plot(*args, **kwargs)

    return wrapper


class Chart(Figure):
    """A matplotlib Figure that carries the rows it draws (:attr:`data`, written beside it as CSV
    by :func:`~linyi_analysis.plots.save_figure`) and shows itself in IPython as the PNG that
    ``save_figure`` writes, without a formatter registered (a session's own one comes first)."""

    data: pd.DataFrame | None = None

    def _repr_png_(self) -> bytes:
        from .output import render

        buf = io.BytesIO()
        render(self, buf, "png")
        return buf.getvalue()


def new_figure(heights: list[float], width: float = WIDTH) -> tuple[Chart, list]:
    """A constrained-layout chart with one stacked panel per height (inches), on its own Agg
    canvas at the saved resolution."""
    fig = Chart(figsize=(width, sum(heights) + 1.2), layout="constrained", dpi=DPI)
    fig.get_layout_engine().set(w_pad=PAD, h_pad=PAD)
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(heights), 1, squeeze=False, height_ratios=heights)[:, 0]
    return fig, list(axes)


def finish(fig: Chart, title: str, caption: str, data: pd.DataFrame) -> Chart:
    """Title the chart, put the source caption at its foot and attach the rows it drew.

    Both texts are wrapped here, when they are drawn; the figure grows by the caption's lines, so
    the panels keep their heights. Each panel's first ticks are made now, under the theme: the
    ticks added when the chart is drawn copy them, so it looks the same wherever it is drawn.
    """
    fig.suptitle(textwrap.fill(title, TITLE_CHARS), x=MARGIN, ha="left")
    text = textwrap.fill(caption, CAPTION_CHARS)
    fig.supxlabel(text, x=MARGIN, ha="left", fontsize=7.5, color="#555555")
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + CAPTION_LINE * (text.count("\n") + 1))
    for ax in fig.axes:
        ax.xaxis.get_major_ticks(1), ax.yaxis.get_major_ticks(1)
    fig.data = tidy(data)
    return fig


#: Decimals a derived value (a share, a rise, a difference in percent) keeps in a chart's data,
#: as the tables write a derived share (to 0.1): a CSV reader gets 44.4, never 44.44444444444444.
DERIVED_DECIMALS = 1


def derived_column(values) -> pd.Series:
    """A derived value's column as a chart's data writes it: rounded to :data:`DERIVED_DECIMALS`."""
    return pd.Series(values, dtype="Float64").round(DERIVED_DECIMALS)


def tidy(data: pd.DataFrame) -> pd.DataFrame:
    """A chart's rows as a reader wants them in its CSV: a column of whole numbers written without
    ``.0`` (``47300``, not ``47300.0``); other numbers as the chart computed them."""
    data = data.reset_index(drop=True)
    for column in data.columns:
        values = data[column]
        if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            data[column] = values.astype("Int64")
    return data


def empty_figure(title: str, message: str, caption: str) -> Chart:
    """A chart with nothing to draw: its title, one sentence saying so, its caption; no panel."""
    fig = Chart(figsize=(WIDTH, 1.6), dpi=DPI)  # no panel: nothing for a layout engine to do
    FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, wrap(message, 100), ha="center", va="center", fontsize=11, color="#555555")
    return finish(fig, title, caption, pd.DataFrame({"note": [message]}))


def value_scale(ax, top: float, label: str, axis: str = "x", integer: bool = False) -> None:
    """A visible value scale from zero: numbered ticks written as the tables write figures
    (thousands separators), up to a round number at or above ``top``; ``label`` names the unit."""
    locator = MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10], integer=integer, min_n_ticks=3)
    end = float(locator.tick_values(0, max(float(top), 1e-9))[-1])
    scale = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, end)
    scale.set_major_locator(locator)
    scale.set_major_formatter(FuncFormatter(lambda v, _: human_number(round(v, 9), exact=True)))
    scale.set_label_text(wrap(label, 90))


def percent_scale(ax, label: str, axis: str = "x") -> None:
    """A percentage of a whole: the scale runs 0–100, and its label ends in ``(%)``."""
    value_scale(ax, 100, f"{label} (%)", axis)


def room_for_labels(top: float) -> float:
    """The top of a scale that leaves room after the longest bar for its label."""
    return float(top) / INSIDE_FROM


def text_colour(face) -> str:
    """Black or white, whichever reads on ``face`` (WCAG relative luminance)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(face))
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 else "white"


def label_at(ax, x: float, y: float, text: str, face=None, gap: float = 4) -> None:
    """Write ``text`` ``gap`` points from the end ``x`` of a mark, inside the panel: after it when
    the mark ends in the first :data:`INSIDE_FROM` of the scale, else before it (inside a bar of
    colour ``face``)."""
    inside = x > INSIDE_FROM * ax.get_xlim()[1]
    colour = text_colour(face) if inside and face is not None else ".15"
    box = {"facecolor": face, "edgecolor": "none", "pad": 1} if inside and face is not None else None
    ax.annotate(
        wrap(text, LABEL_CHARS),
        (x, y),
        xytext=(-gap if inside else gap, 0),
        textcoords="offset points",
        ha="right" if inside else "left",
        va="center",
        fontsize=8,
        color=colour,
        bbox=box,
    )


def label_bars(ax, bars, labels) -> None:
    """Each bar of a horizontal bar container labelled at its end (:func:`label_at`)."""
    for bar, text in zip(bars, labels, strict=True):
        label_at(
            ax, bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height() / 2, text, bar.get_facecolor()
        )


def rows_axis(ax, labels: list[str], width: int = 38) -> None:
    """One row per label on the y axis, the first on top, no grid lines across the rows; names
    as a reader says them (:func:`plain`)."""
    ax.set_yticks(range(len(labels)), [wrap(plain(label), width) for label in labels])
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)


def plan_source() -> str:
    """The article's citation in one line (ASCII only, so every font has the glyphs)."""
    c = citation()
    outlet = c["outlet"].split(" (")[0]
    parts = urlparse(c["url"])
    return f"{outlet}, {c['date']}, {parts.netloc}{parts.path}"


def evidence_sources(urls, published, limit: int = MAX_SOURCES) -> str:
    """Official sources in one line: site (date); each site once (``www.`` dropped: one host), in
    the order given; beyond
    ``limit`` sites, how many more (a caption does not grow with the data). A fact without a web
    address is cited by its newspaper's title, which a chart cannot draw (Chinese)."""
    seen = {}
    for url, date in zip(urls, published, strict=True):
        host = urlparse(str(url)).netloc if isinstance(url, str) and url else ""
        site = host.removeprefix("www.") if host else "a newspaper cited by title"
        seen.setdefault(site, str(date))
    named = [f"{site} ({date})" for site, date in list(seen.items())[:limit]]
    more = len(seen) - len(named)
    return "; ".join(named) + (f"; and {more:,} more sites" if more else "")


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"


def drawable(text: str) -> str:
    """A data note as a chart can draw it: DejaVu Sans has no Chinese glyphs, so Chinese text (an
    aside in brackets, or a run of words) is left out, never drawn as empty boxes or named by a
    placeholder."""
    text = re.sub(rf"\s*\([^()]*[{_CJK}][^()]*\)", "", str(text))
    text = re.sub(rf"\s*[0-9]*[{_CJK}]+(?:[0-9]+[{_CJK}]+)*", "", text)
    return re.sub(r"\s+([,.;:])", r"\1", text)


def capped(rows, what: str, limit: int | None = None):
    """``rows`` cut to ``limit`` (default :data:`MAX_ROWS`), and a caption note when some were left out."""
    limit = MAX_ROWS if limit is None else limit
    if len(rows) <= limit:
        return rows, ""
    note = f" Only the first {limit} of {len(rows):,} {what} are drawn; the tables list all."
    return rows.iloc[:limit], note


#: Source-structure words in the data's names, as a reader says them.
def floor_mark(ax, x: float, y: float, up: bool = False) -> None:
    """A minimum's open-ended mark at the floor: a hollow triangle pointing to larger values."""
    ax.scatter(
        [x],
        [y],
        marker="^" if up else ">",
        s=60,
        facecolors="white",
        edgecolors=PLAN,
        linewidths=1.5,
        zorder=4,
    )


#: What each way of drawing a plan figure means, as the legends say it (one wording everywhere).
MARKS = {
    "=": "exact figure",
    "minimum": "minimum: at least this (▷)",
    "range": "range",
    "from_to": "change from ○ to ▶",
    "conflict": "two figures for one commitment",
}


def mark_handle(key: str, dots: bool = False):
    """The legend handle of a way of drawing a plan figure (:data:`MARKS`), as bars or as dots."""
    hollow = {"markerfacecolor": "white", "markeredgecolor": PLAN, "markeredgewidth": 1.5}
    if key == "minimum":
        tip = Line2D([], [], marker=">", linestyle="", markersize=8, **hollow)
        return tip if dots else (Patch(facecolor=PLAN_MINIMUM, edgecolor=PLAN), tip)
    if key == "range":
        return Patch(facecolor=PLAN, hatch="//", edgecolor="white")
    if key == "from_to":
        start = Line2D([], [], marker="o", linestyle="", markersize=6, **hollow)
        return (
            Line2D([], [], color=PLAN, linewidth=2),
            start,
            Line2D([], [], marker=">", color=PLAN, linestyle=""),
        )
    if key == "conflict":
        return Patch(facecolor="white", edgecolor=PLAN, linestyle="--")
    return (
        Line2D([], [], marker="o", linestyle="", markersize=8, color=PLAN) if dots else Patch(facecolor=PLAN)
    )


def marks_legend(ax, keys, dots: bool = False) -> None:
    """The legend of the ways plan figures are drawn (``keys``, in :data:`MARKS` order), just above
    the panel ``ax``, in rows of at most three (the layout makes room for it)."""
    drawn = [k for k in MARKS if k in set(keys)]
    ax.legend(
        [mark_handle(k, dots) for k in drawn],
        [MARKS[k] for k in drawn],
        loc="lower right",
        bbox_to_anchor=(1, 1.01),
        ncols=min(len(drawn), 3),
        fontsize=8,
        borderaxespad=0,
    )


def unit_notes(plan, labels) -> str:
    """A caption sentence explaining each area unit drawn (``labels``), from the units table."""
    units = plan.units
    area = units[(units["kind"] == "area") & units["label"].isin(set(labels))]
    notes = [f"{r['label']}: {drawable(r['description'])}" for r in area.to_dict("records")]
    return f" Units: {'; '.join(notes)}." if notes else ""


def legend_above(ax, handles, labels) -> None:
    """A one-row legend just above the panel, at its right (the layout makes room for it)."""
    ax.legend(
        handles,
        labels,
        loc="lower right",
        bbox_to_anchor=(1, 1.01),
        ncols=len(labels),
        fontsize=8,
        borderaxespad=0,
    )
