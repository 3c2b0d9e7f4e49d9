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
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from ..formatting import human_number
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


@functools.cache
def rc() -> dict:
    """The theme's rcParams: seaborn's whitegrid style and notebook context, the palette, fixed ids."""
    import seaborn as sns

    params = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=0.8)}
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
            "savefig.dpi": 150,
            "savefig.facecolor": "white",
            "svg.hashsalt": SVG_HASHSALT,
            "svg.fonttype": "path",
            "legend.frameon": False,
        }
    )
    return params


@contextmanager
def theme():
    """Apply the theme inside a ``with`` block only (rcParams are restored afterwards)."""
    with matplotlib.rc_context(rc()):
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
    """A constrained-layout figure with ``rows`` stacked axes sized by ``heights`` (inches)."""
    heights = heights or [3.0] * rows
    fig = Figure(figsize=(width, sum(heights) + 1.2), layout="constrained")
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


def evidence_sources(urls, published) -> str:
    """Official sources in one line: site (date); each site once, in the order given."""
    seen = {}
    for url, date in zip(urls, published, strict=True):
        seen.setdefault(urlparse(str(url)).netloc, str(date))
    return "; ".join(f"{site} ({date})" for site, date in seen.items())


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
    """Title the figure and put the source caption below it."""
    fig.suptitle(title, x=0.01, ha="left")
    text = textwrap.fill(caption, 130)
    below = fig.transFigure + ScaledTranslation(0, -8 / 72, fig.dpi_scale_trans)  # 8 pt under the figure
    fig.text(0.01, 0, text, ha="left", va="top", fontsize=7.5, color="#555555", transform=below)
    return fig


def empty_figure(title: str, message: str, caption: str) -> Figure:
    """A figure that says there is nothing to draw (rather than failing or drawing blank axes)."""
    fig, (ax,) = new_figure(1, [1.2])
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color="#555555", transform=ax.transAxes)
    return finish(fig, title, caption)


def human_ticks(ax, axis: str = "x") -> None:
    """Tick labels in human form (47.3k, 2.2 bn)."""
    formatter = FuncFormatter(lambda x, _pos: human_number(x))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def unit_axis_label(unit_label: str) -> str:
    """The axis label for a unit: ``%`` reads as "percent"."""
    return "percent (%)" if unit_label == "%" else unit_label


def kind_colours(kinds: list[str]) -> dict[str, str]:
    """One colour per kind of target, fixed by the kinds' order (the same in every chart)."""
    return {k: KIND_PALETTE[i % len(KIND_PALETTE)] for i, k in enumerate(kinds)}
