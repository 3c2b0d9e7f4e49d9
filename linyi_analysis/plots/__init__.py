"""Charts of the plan: one look, every chart a function from a Plan to a matplotlib Figure.

The only part of the package that imports matplotlib (the seaborn look is written out in
:mod:`.style`, so drawing needs no seaborn import). Figures are plain
:class:`~matplotlib.figure.Figure` objects rendered with Agg (PNG) and the SVG backend;
:func:`save_figure` writes both, byte-identical from run to run.

>>> import tempfile
>>> import linyi_analysis as la
>>> fig = la.plots.plot_action_targets(la.load_plan().action("urban"))
>>> out = tempfile.mkdtemp()
>>> [p.name for p in la.plots.save_figure(fig, "action_urban", out)]
['action_urban.png', 'action_urban.svg']
>>> paths = la.plots.generate_figures(la.load_plan(), out)   # every chart; python -m linyi_analysis.plots
"""

from .delivery_charts import plot_scorecard, plot_spending_share
from .output import figures, generate_figures, save_figure
from .style import MAX_ROWS, PALETTE, apply_theme, register_inline, theme
from .summary_charts import plot_corroboration, plot_overview
from .target_charts import plot_action_targets, plot_changes, plot_composition, plot_percentages

__all__ = [
    "MAX_ROWS",
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
    "plot_scorecard",
    "plot_spending_share",
    "register_inline",
    "save_figure",
    "theme",
]

# In a notebook, a chart returned by a cell shows as a picture from the first use of la.plots on.
register_inline()
