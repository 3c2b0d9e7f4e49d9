"""Write figures to files that are byte-identical run to run, and regenerate every chart of the data."""

from __future__ import annotations

import os
import re
import textwrap
import warnings
from pathlib import Path

from matplotlib.figure import Figure

from ..plan import Plan, load_plan
from .delivery_charts import plot_scorecard, plot_spending_share
from .style import PAD, theme
from .summary_charts import plot_corroboration, plot_overview
from .target_charts import plot_action_targets, plot_changes, plot_composition, plot_percentages

# No timestamps and no software version strings in the files; SVG ids come from a fixed salt (theme).
_METADATA = {"png": {"Software": "linyi_analysis"}, "svg": {"Date": None, "Creator": "linyi_analysis"}}


def save_figure(fig: Figure, name: str, directory: str | os.PathLike = "figures") -> list[Path]:
    """Write ``fig`` as ``<directory>/<name>.png`` (150 dpi) and ``.svg``; return both paths.

    The same figure gives the same bytes in every run and process (its layout is fixed, at
    rounded positions, when it is first saved).

    >>> import tempfile
    >>> import linyi_analysis as la
    >>> paths = la.plots.save_figure(la.plots.plot_overview(la.load_plan()), "overview", tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['overview.png', 'overview.svg']
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name.startswith("."):
        raise ValueError(f"figure name {name!r}: use letters, digits, '_', '-' and '.' only (no path)")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in _METADATA:
        paths.append(out / f"{name}.{fmt}")
        render(fig, paths[-1], fmt)
    return paths


def render(fig: Figure, target, fmt: str = "png") -> None:
    """Write ``fig`` to ``target`` (a path or a binary file) as ``png`` or ``svg``, as the package
    saves its charts: the theme, the signature, the layout fixed (:func:`_freeze_layout`)."""
    with theme():
        _freeze_layout(fig)
        fig.savefig(target, format=fmt, metadata=_METADATA[fmt])


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out so that everything is inside it, then fix the layout at rounded positions.

    The layout engine runs until nothing needs it again: a title too wide is wrapped to fewer
    characters; a text still past the edges after a second run (a label that cannot be wrapped, a
    long unit name), or panels the solver could not fit at all, make the figure larger by what
    sticks out. The constrained-layout solver's last float bits vary from process to process,
    and the SVG writer names clip paths after exact coordinates: rounding to a millionth of the
    figure makes the ids, and so the files, the same in every process. The engine is then
    removed, so that saving draws the figure once.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    for attempt in range(6):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            engine.execute(fig)  # the layout alone: no drawing
        collapsed = any("collapsed" in str(w.message) for w in caught)
        rewrapped = _rewrap_wide_titles(fig)
        overflow = _overflow(fig)
        if not (rewrapped or collapsed or any(overflow)):
            break
        # The solver moves the panels once per run, and a label placed in data coordinates (a
        # bar's value) moves with them: one more run usually settles it; after that, grow.
        if collapsed or (attempt > 0 and not rewrapped and any(overflow)):
            _grow(fig, overflow, collapsed)
    for ax in fig.axes:
        ax.set_position([round(v, 6) for v in ax.get_position().bounds])
    fig.set_layout_engine(None)  # (the theme turns the rc layouts off: no engine at all)


def _rewrap_wide_titles(fig: Figure) -> bool:
    """Wrap again, to fewer characters, any title or caption running past the figure's right edge.

    Titles come from the data: the layout engine can make room above or beside a panel, not make
    a line shorter. A word longer than the room is broken. Returns whether any text changed.
    """
    renderer = fig._get_renderer()
    right = fig.bbox.x1 - PAD * fig.dpi
    titles = [t for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title)]
    changed = False
    for text in [*fig.texts, *titles]:
        if not text.get_visible() or not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        if box.x1 <= right:
            continue
        words = text.get_text().split()
        longest = max(len(line) for line in text.get_text().splitlines())
        room = max(right - box.x0, 1.0)
        chars = max(12, int(longest * room / box.width) - 2)
        wrapped = textwrap.fill(" ".join(words), chars)
        if wrapped != text.get_text():
            text.set_text(wrapped)
            changed = True
    return changed


def _overflow(fig: Figure) -> tuple[float, float, float, float]:
    """Inches by which what the figure draws reaches into its outer padding or past its edges:
    left, bottom, right, top (0 where it does not)."""
    box = fig.get_tightbbox(fig._get_renderer())  # inches; only what is drawn
    width, height = fig.get_size_inches()
    margin = PAD / 2
    return (
        max(0.0, margin - box.x0),
        max(0.0, margin - box.y0),
        max(0.0, box.x1 - (width - margin)),
        max(0.0, box.y1 - (height - margin)),
    )


def _grow(fig: Figure, overflow: tuple[float, float, float, float], collapsed: bool) -> None:
    """Make the figure larger by what sticks out (a quarter wider if the panels did not fit at all)."""
    left, bottom, right, top = overflow
    width, height = fig.get_size_inches()
    extra_w, extra_h = left + right + PAD, bottom + top + (PAD if bottom or top else 0.0)
    if collapsed and not (left or right or bottom or top):
        extra_w = width / 4
    fig.set_size_inches(round(width + extra_w, 2), round(height + extra_h, 2))


def figures(plan: Plan) -> dict[str, Figure]:
    """Every chart of the plan by file name: the overview charts, then per action its targets and its
    delivery scorecard."""
    charts = {
        "overview": plot_overview(plan),
        "percentages": plot_percentages(plan),
        "changes": plot_changes(plan),
        "composition": plot_composition(plan),
        "spending_share": plot_spending_share(plan),
        "corroboration": plot_corroboration(plan),
        "delivery": plot_scorecard(plan),
    }
    for action_id in plan.action_ids:
        charts[f"action_{action_id}"] = plot_action_targets(plan.action(action_id))
    actions = plan.actions
    # the goals' commitments are in the plan's scorecard; each action report draws its own
    for action_id in actions.loc[actions["order"] > 0, "action_id"].astype(str):
        charts[f"delivery_{action_id}"] = plot_scorecard(plan.action(action_id))
    return charts


def generate_figures(plan: Plan, directory: str | os.PathLike = "figures") -> list[Path]:
    """Draw every chart of the plan and save each as PNG and SVG in ``directory``; return the paths."""
    paths = []
    for name, fig in figures(plan).items():
        paths += save_figure(fig, name, directory)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m linyi_analysis.plots [DIR]``: regenerate every figure into DIR (default ``figures``)."""
    import sys

    from ..errors import DataValidationError

    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m linyi_analysis.plots [DIR]", file=sys.stderr)
        return 2
    try:
        paths = generate_figures(load_plan(), args[0] if args else "figures")
    except DataValidationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(paths)} files written to {paths[0].parent if paths else '-'}")
    return 0
