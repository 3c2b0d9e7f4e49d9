"""Write figures to files that are byte-identical run to run, and regenerate every chart of the data."""

from __future__ import annotations

import os
import re
from pathlib import Path

from matplotlib.figure import Figure

from ..chart_signature import METADATA
from ..plan import Plan, load_plan
from .delivery_charts import plot_scorecard, plot_spending_share
from .style import theme
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
    with theme():
        _freeze_layout(fig)
        for fmt, metadata in _METADATA.items():
            path = out / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.15)
            paths.append(path)
    return paths


def _freeze_layout(fig: Figure) -> None:
    """Fix the layout at rounded positions before saving.

    The constrained-layout solver's last float bits vary from process to process, and the SVG
    writer names clip paths after exact coordinates: rounding to a millionth of the figure makes
    the ids, and so the files, the same in every process.
    """
    if fig.get_layout_engine() is None:
        return
    fig.draw_without_rendering()  # runs the layout engine
    for ax in fig.axes:
        ax.set_position([round(v, 6) for v in ax.get_position().bounds])
    fig.set_layout_engine("none")


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
