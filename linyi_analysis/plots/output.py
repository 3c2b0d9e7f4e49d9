"""Write figures to files that are byte-identical run to run, and regenerate every chart of the data."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

from matplotlib.figure import Figure

from ..chart_signature import METADATA
from ..plan import Plan, load_plan
from .delivery_charts import plot_scorecard, plot_spending_share
from .style import PAD, theme
from .summary_charts import plot_corroboration, plot_overview
from .target_charts import plot_action_targets, plot_changes, plot_composition, plot_percentages

# No timestamps and no software version strings in the files; SVG ids come from a fixed salt (theme).
# Every file carries the package's constant signature: the report runner recognises its charts by it.
_METADATA = METADATA


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
    """Fix the layout at rounded positions before saving.

    The constrained-layout solver's last float bits vary from process to process, and the SVG
    writer names clip paths after exact coordinates: rounding to a millionth of the figure makes
    the ids, and so the files, the same in every process.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    engine.execute(fig)  # the layout alone: no drawing
    # The solver moves the panels once per run, and a label placed in data coordinates (a bar's
    # value) moves with them: run it again while a title had to be wrapped or a text still
    # reaches past the figure (twice at most; once is the usual case).
    for _ in range(2):
        if not (_rewrap_wide_titles(fig) | _spills(fig)):
            break
        engine.execute(fig)
    for ax in fig.axes:
        ax.set_position([round(v, 6) for v in ax.get_position().bounds])
    fig.set_layout_engine("none")


def _rewrap_wide_titles(fig: Figure) -> bool:
    """Wrap again, to fewer characters, any title or caption running past the figure's right edge.

    A chart is saved at its own width (nothing outside the figure is kept), and titles come from
    the data: the layout engine can make room above or beside a panel, not make a line shorter.
    Returns whether any text changed (the layout must then be run again).
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
        text.set_text(textwrap.fill(" ".join(words), chars, break_long_words=False))
        changed = True
    return changed


def _spills(fig: Figure) -> bool:
    """Whether a text of the figure or of a panel (a title, a bar's label) reaches into the
    figure's outer padding or past its edge. (Tick labels and legends the solver places itself.)"""
    renderer = fig._get_renderer()
    inner = fig.bbox.padded(-PAD * fig.dpi / 2)
    for text in [*fig.texts, *(t for ax in fig.axes for t in ax.texts)]:
        if text.get_visible() and text.get_text():
            box = text.get_window_extent(renderer)
            if box.x0 < inner.x0 or box.x1 > inner.x1 or box.y0 < inner.y0 or box.y1 > inner.y1:
                return True
    return False


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
