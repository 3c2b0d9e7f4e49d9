"""Write charts to files that are byte-identical run to run, and regenerate every chart of the data."""

from __future__ import annotations

import os
import re
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from ..plan import Plan, load_plan
from .delivery_charts import plot_scorecard, plot_spending_share
from .style import theme
from .summary_charts import plot_corroboration, plot_overview
from .target_charts import plot_action_targets, plot_changes, plot_composition, plot_percentages

# No timestamps and no software version strings in the files; SVG ids come from a fixed salt (theme).
METADATA = {"png": {"Software": "linyi_analysis"}, "svg": {"Date": None, "Creator": "linyi_analysis"}}


def save_figure(fig: Figure, name: str, directory: str | os.PathLike = "figures") -> list[Path]:
    """Write ``fig`` as ``<directory>/<name>.png`` (150 dpi) and ``.svg``, and a chart's data (the
    rows it drew) as ``<name>.csv``; return the paths.

    The same figure gives the same bytes in every run and process.

    >>> import tempfile
    >>> import linyi_analysis as la
    >>> paths = la.plots.save_figure(la.plots.plot_overview(la.load_plan()), "overview", tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['overview.png', 'overview.svg', 'overview.csv']
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name.startswith("."):
        raise ValueError(f"figure name {name!r}: use letters, digits, '_', '-' and '.' only (no path)")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in METADATA:
        paths.append(out / f"{name}.{fmt}")
        render(fig, paths[-1], fmt)
    data = getattr(fig, "data", None)
    if data is not None:
        paths.append(out / f"{name}.csv")
        data.to_csv(paths[-1], index=False, lineterminator="\n")
    return paths


def render(fig: Figure, target, fmt: str = "png") -> None:
    """Write ``fig`` to ``target`` (a path or a binary file) as ``png`` or ``svg``, as the package
    saves its charts: under the theme, with the signature and no timestamp.

    The layout is worked out once, at the first render, then kept at positions rounded to a
    millionth of the figure: the solver's last bits may differ from process to process, and the
    SVG names its clip paths after exact coordinates.
    """
    with theme():
        engine = fig.get_layout_engine()
        if isinstance(engine, ConstrainedLayoutEngine):  # not laid out yet
            engine.execute(fig)
            for ax in fig.axes:
                ax.set_position([round(v, 6) for v in ax.get_position().bounds])
            fig.set_layout_engine(
                None
            )  # no engine at all (the theme turns the rc layouts off): one draw per file
        fig.savefig(target, format=fmt, metadata=METADATA[fmt])


def figures(plan: Plan) -> dict[str, Figure]:
    """Every chart the report pages show, by file name: the overview's, then each report
    action's targets and delivery (the overall goals' one target is a number in a table)."""
    charts = {
        "overview": plot_overview(plan),
        "percentages": plot_percentages(plan),
        "changes": plot_changes(plan),
        "composition": plot_composition(plan),
        "spending_share": plot_spending_share(plan),
        "corroboration": plot_corroboration(plan),
        "delivery": plot_scorecard(plan),
    }
    actions = plan.actions
    for action_id in actions.loc[actions["order"] > 0, "action_id"].astype(str):
        charts[f"action_{action_id}"] = plot_action_targets(plan.action(action_id))
        charts[f"delivery_{action_id}"] = plot_scorecard(plan.action(action_id))
    return charts


def generate_figures(plan: Plan, directory: str | os.PathLike = "figures") -> list[Path]:
    """Draw every chart of the plan and save each as PNG, SVG and CSV in ``directory``; return the paths."""
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
