"""Charts of the summary and of the evidence: overview per action, corroboration."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ..analysis import corroboration, summary_by_action
from ..formatting import human_number, human_value, wrap
from ..plan import Plan, require_plan
from .style import (
    PALETTE,
    capped,
    empty_figure,
    evidence_sources,
    finish,
    new_figure,
    plan_source,
    themed,
    unit_axis_label,
    values_on_bars,
)


@themed
def plot_overview(plan: Plan) -> Figure:
    """Measures and quantified targets per action, and the share of measures carrying a number.

    Two panels, each in its own unit: counts, and the quantified share in percent
    (:func:`linyi_analysis.analysis.summary_by_action`).

    >>> import linyi_analysis as la
    >>> fig = la.plots.plot_overview(la.load_plan())
    """
    require_plan(plan, "plot_overview()")
    summary, note = capped(summary_by_action(plan), "actions")
    title = "Measures and quantified targets per action"
    caption = f"Source: the 2022 livelihood action plan as reported by {plan_source()}.{note}"
    if summary.empty:
        return empty_figure(title, "No actions in the data.", caption)
    n = len(summary)
    fig, (counts, rates) = new_figure(2, [0.5 + 0.5 * n, 0.4 + 0.3 * n])
    y = pd.Series(range(n), dtype=float)
    labels = [wrap(name, 30) for name in summary["name"]]
    for offset, column, colour, label in [
        (-0.2, "measures", PALETTE[0], "measures listed"),
        (0.2, "targets", PALETTE[1], "quantified targets"),
    ]:
        bars = counts.barh(y + offset, summary[column].astype(float), height=0.4, color=colour, label=label)
        counts.bar_label(bars, padding=3, fontsize=8)
    counts.set_yticks(y, labels)
    counts.set_ylim(n - 0.5, -0.6)
    counts.set_xlabel("number (measures, targets)")
    counts.legend(loc="lower right", fontsize=8)
    counts.grid(axis="y", visible=False)
    values_on_bars(counts)

    rate = summary["quantified_percent"].astype(float)
    bars = rates.barh(y, rate.fillna(0), height=0.6, color=PALETTE[2])
    rates.bar_label(
        bars, labels=["no measures" if pd.isna(r) else f"{r:.0f}%" for r in rate], padding=3, fontsize=8
    )
    rates.set_yticks(y, labels)
    rates.set_ylim(n - 0.5, -0.5)
    rates.set_xlim(0, 110)
    rates.set_xlabel("measures with at least one quantified target (%)")
    rates.set_title("Quantification rate", loc="left")
    rates.grid(axis="y", visible=False)
    values_on_bars(rates)
    return finish(fig, title, caption)


@themed
def plot_corroboration(plan: Plan) -> Figure:
    """Each plan figure beside the independent official figure for it: one panel per pair, in its
    unit (:func:`linyi_analysis.analysis.corroboration`).
    """
    require_plan(plan, "plot_corroboration()")
    pairs, note = capped(corroboration(plan), "pairs", 12)
    title = "The plan's figures beside independent official figures"
    official = evidence_sources(pairs["url"], pairs["published"])
    caption = f"Sources: plan, {plan_source()}; official figures, {official or 'none'}.{note}"
    if pairs.empty:
        return empty_figure(title, "No independent figures for the plan's targets in the data.", caption)
    fig, axes = new_figure(len(pairs), [1.1] * len(pairs))
    for ax, (_, r) in zip(axes, pairs.iterrows(), strict=True):
        unit = r["unit_label"]
        values = [float(r["plan_value"]), float(r["evidence_value"])]
        bars = ax.barh([0, 1], values, height=0.6, color=[PALETTE[0], PALETTE[1]])
        ax.bar_label(bars, labels=[human_value(v, unit, exact=True) for v in values], padding=4, fontsize=8)
        ax.set_yticks([0, 1], ["plan (article)", "official figure"])
        ax.set_ylim(1.5, -0.5)
        ax.set_xlim(0, max(max(values) * 1.3, 1e-9))
        diff, rel = float(r["difference"]), r["relative_difference_percent"]
        sign = "+" if diff > 0 else ""
        relative = "relative difference undefined" if pd.isna(rel) else f"{sign}{float(rel):.2f}%"
        gap = "same figure" if diff == 0 else f"official {sign}{human_number(diff, exact=True)} ({relative})"
        ax.set_title(f"{wrap(r['indicator'], 60)} — {gap}", loc="left")
        ax.set_xlabel(unit_axis_label(unit))
        ax.grid(axis="y", visible=False)
        values_on_bars(ax)
    return finish(fig, title, caption)
