"""Charts of the summary and of the evidence: measures and targets per action; the plan's figures
against independent official ones."""

from __future__ import annotations

import pandas as pd
from matplotlib.patches import Patch

from ..analysis import corroboration, summary_by_action
from ..plan import Plan, require_plan
from ..tables import percent, quantity, signed
from .style import (
    GREY,
    PLAN,
    REPORTED,
    capped,
    derived_column,
    empty_figure,
    evidence_sources,
    finish,
    label_at,
    label_bars,
    legend_above,
    new_figure,
    percent_scale,
    plan_source,
    room_for_labels,
    rows_axis,
    themed,
    unit_notes,
    value_scale,
)

MEASURES, TARGETS = GREY, PLAN  # measures are counts of things; quantified targets are the plan's figures


@themed
def plot_overview(plan: Plan):
    """Measures and quantified targets per action, and the share of measures carrying a number.

    Two panels, each on its own scale from zero: counts, and the quantified share on 0–100
    (:func:`linyi_analysis.analysis.summary_by_action`).

    >>> import linyi_analysis as la
    >>> fig = la.plots.plot_overview(la.load_plan())
    """
    require_plan(plan, "plot_overview()")
    summary, note = capped(summary_by_action(plan), "actions")
    title = "Measures and quantified targets per action"
    caption = (
        f"Source: the 2022 livelihood action plan as reported by {plan_source()}. One measure may carry"
        f" several targets, so an action can have more targets than quantified measures.{note}"
    )
    if summary.empty:
        return empty_figure(title, "No actions in the data.", caption)
    n = len(summary)
    fig, (counts, rates) = new_figure([0.6 + 0.5 * n, 0.6 + 0.3 * n])
    y = pd.Series(range(n), dtype=float)
    # the labels are short numbers: a little room after the longest bar is enough
    top = summary[["measures", "targets"]].max().max()
    value_scale(counts, top * 1.15, "how many (measures listed; quantified targets)", integer=True)
    for offset, column, colour in [(-0.2, "measures", MEASURES), (0.2, "targets", TARGETS)]:
        values = summary[column].astype(float)
        bars = counts.barh(y + offset, values, height=0.4, color=colour)
        label_bars(counts, bars, [quantity(v, "") for v in values])
    rows_axis(counts, list(summary["name"]), 30)
    legend_above(
        counts, [Patch(color=MEASURES), Patch(color=TARGETS)], ["measures listed", "quantified targets"]
    )

    rate = summary["quantified_percent"].astype(float)
    percent_scale(rates, "measures with at least one quantified target")
    bars = rates.barh(y, rate.fillna(0), height=0.6, color=GREY)
    # as the overview table writes it: "3 of 8 (38%)"
    label_bars(
        rates,
        bars,
        [
            "no measures" if pd.isna(r) else f"{q:,} of {m:,} measures ({percent(r)})"
            for q, m, r in zip(summary["quantified_measures"], summary["measures"], rate, strict=True)
        ],
    )
    rows_axis(rates, list(summary["name"]), 30)
    rates.set_title("Quantification rate", loc="left")
    data = summary[["name", "measures", "targets", "quantified_measures"]].rename(columns={"name": "action"})
    data["quantified_percent"] = derived_column(rate).array
    return finish(fig, title, caption, data)


@themed
def plot_corroboration(plan: Plan):
    """Each plan figure against the same figure as another official source states it, as a dot
    plot of the difference in percent of the plan's figure, the difference written on it
    (:func:`linyi_analysis.analysis.corroboration`): a small difference stays small. A target two
    sources restate has one row per source, each naming its site."""
    require_plan(plan, "plot_corroboration()")
    pairs, note = capped(corroboration(plan), "pairs")
    title = "The plan's figures as other official sources state them"
    official = evidence_sources(pairs["url"], pairs["published"])
    same = int((pairs["difference"] == 0).sum())
    caption = (
        f"Sources: plan, {plan_source()}; the other sources, {official or 'none'}. {same:,} of"
        f" {len(pairs):,} give the plan's own figure: they restate the plan, which is not evidence of"
        f" delivery.{note}"
    )
    if pairs.empty:
        return empty_figure(title, "No other official figures for the plan's targets in the data.", caption)
    fig, (ax,) = new_figure([0.6 + 0.45 * len(pairs)])
    relative = pairs["relative_difference_percent"].astype(float)
    largest = relative.abs().max()
    end = max(5.0, 0.0 if pd.isna(largest) else room_for_labels(largest))
    value_scale(ax, end, "other source's figure minus the plan's, in percent of the plan's figure")
    ax.set_xlim(-end, end)  # as much room below zero as above; at least ±5%: a small difference stays small
    ax.axvline(0, color="#555555", linewidth=1)
    # a target stated by two sources: each row names its source's site, so neither looks a copy
    twice = pairs["target_id"].duplicated(keep=False)
    for y, r in enumerate(pairs.to_dict("records")):
        unit, plan_figure = r["unit_label"], quantity(r["plan_value"], r["unit_label"])
        if r["difference"] == 0:
            text = f"same figure: {plan_figure}"
        else:
            rel = (
                "relative difference undefined"
                if pd.isna(r["relative_difference_percent"])
                else signed(round(float(r["relative_difference_percent"]), 3), "%")  # as tables.corroboration
            )
            text = f"{signed(r['difference'], unit)} ({rel}): other source {quantity(r['evidence_value'], unit)}, plan {plan_figure}"
        if twice.iloc[y]:
            text += f", in {evidence_sources([r['url']], [r['published']])}"
        x = 0.0 if pd.isna(relative.iloc[y]) else float(relative.iloc[y])
        if not pd.isna(relative.iloc[y]):
            ax.scatter([x], [y], s=60, color=REPORTED, zorder=3)
        label_at(ax, x, y, text, gap=7)
    rows_axis(ax, list(pairs["indicator"]), 40)
    caption += unit_notes(plan, pairs["unit_label"])
    data = pairs.assign(
        relative_difference_percent=derived_column(pairs["relative_difference_percent"]).array
    )[
        [
            "indicator",
            "plan_value",
            "evidence_value",
            "unit_label",
            "difference",
            "relative_difference_percent",
            "publisher",
            "published",
            "url",
            "target_id",
            "fact_id",
        ]
    ]
    return finish(
        fig, title, caption, data.rename(columns={"unit_label": "unit", "evidence_value": "official_value"})
    )
