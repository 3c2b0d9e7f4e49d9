"""Charts of the plan: each a function from a Plan (whole, or cut to one action) to a Figure.

The chart standard
------------------
Every chart of the package keeps these rules; ``tests/test_chart_layout.py`` reads them back
from each chart, on the plan and on each action's cut.

1. **Zero-based scales.** A bar's length is read against a visible value scale that starts at
   zero and has numbers on it. Every mark sits on such a scale: no panel scaled to its own
   largest bar without one. Charts of one kind on different pages share one scale (every
   delivery chart runs from 0 to 10 commitments, longer only for an action with more; a page is
   built from its action's data alone, so the scale cannot come from the other actions), so a
   shorter bar is always a smaller number.
2. **Percentages of a whole on 0–100.** A share, a coverage or a rate is drawn on a scale from
   0 to 100, and its axis label ends in ``(%)``. Other percentages (a rise, a delivered share of
   a commitment, a difference) are labelled in words and may pass 100 or go below 0.
3. **Ranges as ranges, minimums as minimums.** A range is a hatched bar from its minimum to its
   maximum on that scale; a change from→to is an arrow from the baseline (hollow dot) to the new
   level. A minimum (``≥``, ``>``) is open-ended, the same way in every chart: a hollow triangle
   at the floor pointing to larger values (▷; △ on a vertical scale), at the end of a bar in the
   plan's lighter blue, or alone in a dot plot; a floor over time (a period's minimum) is a line
   across its period with the △ at the line's end, never mid-period, where it would read as a
   measured point; an exact figure is a solid bar or a filled dot.
   The legend names each way drawn ("minimum: at least this (▷)").
4. **A commitment is drawn once**, by the tracker's definition
   (:func:`linyi_analysis.delivery.commitments`): a lead-paragraph row with the same figure as
   a body row is not drawn again; one with another figure is its own commitment, and both are
   drawn dashed, each label naming the other figure ("800 beds (the opening paragraph gives
   2,000)"), in the tables' words: two figures the data pairs as one commitment, whether they
   describe the same thing left to the reader (never "conflicting", never a difference).
5. **Only panels with data.** A chart draws no empty panel and its legend lists only what it
   draws; with nothing to draw it says so in one sentence, with no panel. A single figure is a
   number in a table, not a chart (so the overall goals' one target has no chart of its own):
   in an action's targets chart, bars are drawn only where two or more figures share a unit (or
   on the 0–100 scale every percentage of a whole shares); a figure alone in its unit is listed
   in a last panel of text, name and figure, with no scale (80 bridges and 159,000 households,
   each a full-length bar on its own scale, would look alike). A small difference is a dot plot
   with the difference written on it.
6. **One number format.** A figure is written as the tables write it (:mod:`linyi_analysis.tables`:
   every digit, thousands separators, ``47,300 posts``, ``≥ 85%``, a derived share to 0.1),
   on the marks and on the scales.
7. **Text inside.** Every text lies inside the figure, and a mark's label inside its panel: after
   the mark when it ends in the first 60% of the scale, else inside or before it. Texts are
   wrapped when drawn; the layout makes room for every label, title and legend.
8. **Names, not ids.** Actions and targets are shown by their names, as a reader says them
   (no words for the article's structure: "(the article's opening paragraph)", not "(lead
   paragraph)").
9. **One meaning per colour**, the same in every chart (:mod:`.style`): blue is a figure of the
   plan, whatever its kind (the panel's scale gives the unit), its lighter tint a minimum (a
   dashed blue line: the city's earlier goal, a target too);
   black a figure another source reports; grey a count that is no target (measures); each
   delivery status its own colour (green met, dark green exceeded, vermilion not met, orange in
   progress, pink plan confirmed, light grey no public evidence), none of them blue or black;
   met and exceeded differ in lightness too (CIE L* 58 and 21), so they stay apart in greyscale.
10. **Captions from the data.** A caption names the sources (sites and dates) and carries notes
    taken from the data only (``evidence.notes``, source types), never a file name or "see the
    README". DejaVu Sans has no Chinese glyphs: Chinese text in a note is left out. A chart
    states only relations the data records: a share of a total only for a ``part_of`` link (a
    ``ratio_to`` pair is drawn side by side, without a share); a delivery figure is labelled
    with what its fact counted (its topic: "projects started by the end of June 2022"), never
    "delivered", and the caption says how met and exceeded are decided. Units a reader may not
    know (the area units) are explained from the units table; points on different bases or
    for parts of a year are said to be so over the chart.
11. **Data beside the chart.** :func:`save_figure` writes ``name.png``, ``name.svg`` and
    ``name.csv``, the rows the chart drew (:attr:`Chart.data`), as Our World in Data's grapher
    offers a chart's data: names first (action, indicator), then figures; whole numbers without
    ``.0``; a derived value (a share, a rise, a difference or a delivered figure in percent)
    rounded to one decimal, as the tables write a derived share (``44.4``, never
    ``44.44444444444444``). Ids (``target_id``, ``fact_id``) come last, after the names, as keys
    to the package's own tables for a user who joins them.
12. **Same data, same bytes**: PNG, SVG and CSV are byte-identical from run to run.

The look is seaborn's ``whitegrid`` style and ``notebook`` context (font scale 0.8), taken from
seaborn itself, with the Okabe–Ito palette and DejaVu Sans (:func:`theme`). It applies while a
chart is drawn or saved only: importing or drawing changes no session setting (rcParams, the
inline figure formats). A chart returned by a notebook cell shows as a picture by itself.

>>> import tempfile
>>> import linyi_analysis as la
>>> fig = la.plots.plot_action_targets(la.load_plan().action("urban"))
>>> out = tempfile.mkdtemp()
>>> [p.name for p in la.plots.save_figure(fig, "action_urban", out)]
['action_urban.png', 'action_urban.svg', 'action_urban.csv']
>>> paths = la.plots.generate_figures(la.load_plan(), out)   # every chart; python -m linyi_analysis.plots
"""

from .delivery_charts import plot_scorecard, plot_spending_share
from .output import figures, generate_figures, save_figure
from .style import MAX_ROWS, PALETTE, Chart, theme
from .summary_charts import plot_corroboration, plot_overview
from .target_charts import plot_action_targets, plot_changes, plot_composition, plot_percentages

__all__ = [
    "MAX_ROWS",
    "PALETTE",
    "Chart",
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
    "save_figure",
    "theme",
]
