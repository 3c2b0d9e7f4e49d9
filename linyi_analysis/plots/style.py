"""The package's one look: a seaborn theme, a colour-blind-safe palette, captions and empty figures.

Figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot state, no GUI backend):
they render with Agg to PNG and with the SVG backend. :func:`register_inline` (called by
``tables.setup()``) makes a Figure returned by a notebook cell show as a picture.

A chart never grows without bound with the data: :func:`capped` keeps what one figure draws
to :data:`MAX_ROWS` rows and the caption says how many were left out.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from contextlib import contextmanager
from urllib.parse import urlparse

import matplotlib
import matplotlib.style
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from ..resources import citation

#: Okabe & Ito's palette, distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#8C8C8C"
#: Colours of the kinds of target, in :func:`~linyi_analysis.analysis.target_kinds` order (no yellow:
#: too pale for bars on white).
KIND_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#555555", "#D55E00"]
WIDTH = 8.0  # inches: a report page's text width at 150 dpi is 1,200 px
SVG_HASHSALT = "linyi-analysis"  # fixed, so SVG ids are the same on every run
#: Most rows (bars, dots, panels) one chart draws; beyond, the caption says how many are left out.
MAX_ROWS = 40
DPI = 150  # of the saved PNG; the figure is drawn at it throughout
#: Longest title and caption lines (characters) that fit in ``WIDTH`` at their font sizes.
TITLE_CHARS = 70
CAPTION_CHARS = 130
CAPTION_LINE = 0.13  # inches a caption line takes
MAX_SOURCES = 8  # sites a caption names; it counts the others
PAD = 0.1  # inches of white around the chart and between its panels
MARGIN = 0.0125  # of the width: where the title and the caption start (0.1 in)


#: seaborn's ``axes_style("whitegrid")`` with ``plotting_context("notebook", font_scale=0.8)``,
#: written out: importing seaborn (which imports pyplot and urllib) would cost every report kernel
#: about 0.15 s for these numbers. ``tests/test_chart_layout.py`` checks them against seaborn itself.
#: Left out: what :func:`rc` sets otherwise, and ``image.cmap`` (seaborn's "rocket" exists only once
#: seaborn is imported; no chart draws an image).
_SCALE = 0.8  # font_scale, on the "notebook" context's sizes (12 and 11 points)
SEABORN_WHITEGRID = {
    "axes.axisbelow": True,
    "axes.facecolor": "white",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 12 * _SCALE,
    "axes.linewidth": 1.25,
    "axes.spines.bottom": True,
    "axes.spines.left": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "figure.facecolor": "white",
    "font.size": 12 * _SCALE,
    "grid.linestyle": "-",
    "grid.linewidth": 1,
    "legend.fontsize": 11 * _SCALE,
    "legend.title_fontsize": 12 * _SCALE,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "patch.linewidth": 1,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.direction": "out",
    "xtick.labelsize": 11 * _SCALE,
    "xtick.major.size": 6,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4,
    "xtick.minor.width": 1,
    "xtick.top": False,
    "ytick.color": ".15",
    "ytick.direction": "out",
    "ytick.labelsize": 11 * _SCALE,
    "ytick.left": False,
    "ytick.major.size": 6,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4,
    "ytick.minor.width": 1,
    "ytick.right": False,
}


@functools.cache
def rc() -> dict:
    """The theme's rcParams: seaborn's whitegrid style and notebook context
    (:data:`SEABORN_WHITEGRID`), the palette, one font, fixed ids."""
    params = dict(SEABORN_WHITEGRID)
    params.update(
        {
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
            "savefig.bbox": "standard",  # the figure as laid out (a user's "tight" would crop it)
            "figure.autolayout": False,  # no layout engine once the layout is fixed (save_figure)
            "figure.constrained_layout.use": False,
            "svg.hashsalt": SVG_HASHSALT,
            "svg.fonttype": "path",
            "legend.frameon": False,
        }
    )
    return params


@contextmanager
def theme():
    """Apply the theme inside a ``with`` block only (rcParams are restored afterwards).

    It starts from matplotlib's defaults, not from the session's settings: a user's
    matplotlibrc or ``rcParams`` (a transparent background, bold text, another style) does not
    change the package's charts, and the same data gives the same files everywhere."""
    with matplotlib.style.context(["default", rc()]):
        yield


def apply_theme() -> None:
    """Make the theme the session's default (for notebooks drawing their own charts)."""
    matplotlib.rcParams.update(rc())


def themed(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Decorator: draw the chart under the theme."""

    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        with theme():
            return plot(*args, **kwargs)

    return wrapper


def new_figure(rows: int = 1, heights: list[float] | None = None, width: float = WIDTH, **kw):
    """A constrained-layout figure with ``rows`` stacked axes sized by ``heights`` (inches).

    The figure is drawn at the saved resolution on its own Agg canvas: the layout pass and the
    PNG then share one renderer, so each text is measured once for both (see ``save_figure``).
    """
    heights = heights or [3.0] * rows
    layout = ConstrainedLayoutEngine(w_pad=PAD, h_pad=PAD)
    fig = Figure(figsize=(width, sum(heights) + 1.2), layout=layout, dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1, squeeze=False, height_ratios=heights, **kw)[:, 0]
    return fig, list(axes)


def plan_source() -> str:
    """The article's citation in one line (ASCII only, so every font has the glyphs)."""
    c = citation()
    outlet = c["outlet"].split(" (")[0]
    return f"{outlet}, {c['date']}, {_short_url(c['url'])}"


def _short_url(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.netloc}{parts.path}"


def evidence_sources(urls, published, limit: int = MAX_SOURCES) -> str:
    """Official sources in one line: site (date); each site once, in the order given; beyond
    ``limit`` sites, how many more (a caption does not grow with the data)."""
    seen = {}
    for url, date in zip(urls, published, strict=True):
        seen.setdefault(urlparse(str(url)).netloc, str(date))
    named = [f"{site} ({date})" for site, date in list(seen.items())[:limit]]
    more = len(seen) - len(named)
    return "; ".join(named) + (f"; and {more:,} more sites (see evidence.csv)" if more else "")


def register_inline() -> None:
    """In IPython, show a matplotlib Figure returned by a cell as a PNG (no-op elsewhere).

    The package draws on plain Figures without pyplot, which IPython would show as
    ``<Figure size … with N Axes>`` text until a formatter is registered.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # not in IPython: nothing to register
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")


def capped(rows, what: str, limit: int | None = None):
    """``rows`` cut to ``limit`` (default :data:`MAX_ROWS`), and a caption note when some were left out."""
    limit = MAX_ROWS if limit is None else limit
    if len(rows) <= limit:
        return rows, ""
    return rows.iloc[
        :limit
    ], f" Only the first {limit} of {len(rows):,} {what} are drawn; the tables list all."


def finish(fig: Figure, title: str, caption: str) -> Figure:
    """Title the figure and put the source caption at its foot.

    Both are figure-level labels, so the layout engine keeps room for them inside the figure:
    a chart is saved at its own size (``WIDTH`` wide), with nothing outside it to measure. The
    figure grows by the caption's lines, so the panels keep the height they were given.
    """
    fig.suptitle(textwrap.fill(title, TITLE_CHARS), x=MARGIN, ha="left")
    text = textwrap.fill(caption, CAPTION_CHARS)
    fig.supxlabel(text, x=MARGIN, ha="left", fontsize=7.5, color="#555555")
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + CAPTION_LINE * (text.count("\n") + 1))
    return fig


def empty_figure(title: str, message: str, caption: str) -> Figure:
    """A figure that says there is nothing to draw (rather than failing or drawing blank axes)."""
    fig, (ax,) = new_figure(1, [1.2])
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color="#555555", transform=ax.transAxes)
    return finish(fig, title, caption)


def values_on_bars(ax) -> None:
    """No value scale on a panel whose bars each carry their figure: no ticks, tick labels or grid
    lines along x (the labels give the figures, the axis label still names the unit). Less to
    read, and about half the cost of drawing such a panel."""
    ax.set_xticks([])


def unit_axis_label(unit_label: str) -> str:
    """The axis label for a unit: ``%`` reads as "percent"."""
    return "percent (%)" if unit_label == "%" else unit_label


def kind_colours(kinds: list[str]) -> dict[str, str]:
    """One colour per kind of target, fixed by the kinds' order (the same in every chart)."""
    return {k: KIND_PALETTE[i % len(KIND_PALETTE)] for i, k in enumerate(kinds)}
