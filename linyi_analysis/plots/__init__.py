"""Charts of the plan: one look, every chart a function from DataFrames to a matplotlib Figure.

The only part of the package that imports matplotlib and seaborn. Figures are plain
:class:`~matplotlib.figure.Figure` objects rendered with Agg (PNG) and the SVG backend;
:func:`save_figure` writes both, byte-identical from run to run.

>>> from linyi_analysis import analysis, plots
>>> fig = plots.plot_action_targets(analysis.action_targets("urban"), "urban")
>>> plots.save_figure(fig, "action_urban")          # figures/action_urban.png and .svg
[PosixPath('figures/action_urban.png'), PosixPath('figures/action_urban.svg')]
>>> paths = plots.generate_figures("figures")       # every chart; also: python -m linyi_analysis.plots
"""

from .output import figures, generate_figures, save_figure
from .style import PALETTE, apply_theme, theme
from .summary_charts import plot_corroboration, plot_overview, plot_spending_share
from .target_charts import plot_action_targets, plot_changes, plot_composition, plot_percentages

__all__ = [
    "PALETTE",
    "apply_theme",
    "figures",
    "generate_figures",
    "plot_action_targets",
    "plot_changes",
    "plot_composition",
    "plot_corroboration",
    "plot_overview",
    "plot_percentages",
    "plot_spending_share",
    "save_figure",
    "theme",
]
