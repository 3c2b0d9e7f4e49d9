"""Charts of the plan's own targets: one action's targets, percentages, changes, compositions.

Each takes a :class:`~linyi_analysis.plan.Plan` (whole, or cut to one action) and returns a
Figure; one data mark (bar or dot) per target drawn. Derived numbers printed on a chart (a
rise, a share, a ratio) are read from :func:`~linyi_analysis.ratios.derived_ratios`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import ScaledTranslation

from ..analysis import compositions
from ..formatting import human_value, wrap
from ..plan import Plan, require_action, require_plan, target_kinds
from ..ratios import derived_ratios
from .style import (
    GREY,
    PALETTE,
    capped,
    empty_figure,
    finish,
    kind_colours,
    new_figure,
    plan_source,
    themed,
    unit_axis_label,
    values_on_bars,
)

BAR = 0.38  # inches of height per bar
LEGEND_DROP = 22  # points from a panel's foot to a legend under it (below its axis label)


def _caption(note: str = "") -> str:
    return f"Source: the 2022 livelihood action plan as reported by {plan_source()}.{note}"


def _start(row) -> float:
    """Where a target's bar starts: a range at its minimum, everything else at zero."""
    return float(row["value_min"]) if row["comparator"] == "range" else 0.0


def _end(row) -> float:
    return float(row["value_max"]) if row["comparator"] == "range" else float(row["value"])


def _bars(ax, rows: pd.DataFrame, colours: dict[str, str]) -> None:
    """Horizontal bars, one per target, labelled with the figure as the plan states it."""
    starts = [_start(r) for _, r in rows.iterrows()]
    widths = [_end(r) - s for s, (_, r) in zip(starts, rows.iterrows(), strict=True)]
    y = list(range(len(rows)))
    bars = ax.barh(
        y,
        widths,
        left=starts,
        height=0.6,
        color=[colours[str(k)] for k in rows["target_kind"]],
        hatch=["//" if c == "range" else "" for c in rows["comparator"]],
        edgecolor="white",
    )
    ax.bar_label(bars, labels=list(rows["label"]), padding=4, fontsize=8)
    for yi, (_, r) in zip(y, rows.iterrows(), strict=True):
        if r["comparator"] == "from_to":  # the baseline, as a tick on the bar
            ax.plot([r["baseline"]] * 2, [yi - 0.3, yi + 0.3], color="black", linewidth=1.5)
    ax.set_yticks(y, [wrap(i, 38) for i in rows["indicator"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(max(s + w for s, w in zip(starts, widths, strict=True)), 1e-9) * 1.35)
    ax.set_xlabel(unit_axis_label(rows["unit_label"].iloc[0]))
    ax.grid(axis="y", visible=False)
    values_on_bars(ax)


def _legend_above(ax, handles=None, labels=None) -> None:
    """A one-row legend just above the top axes (the layout makes room for it under the title)."""
    args = (handles, labels) if handles is not None else ()
    ax.legend(
        *args,
        loc="lower right",
        bbox_to_anchor=(1, 1.01),
        ncols=len(labels or ax.get_legend_handles_labels()[1]),
        fontsize=8,
        borderaxespad=0,
    )


def _kind_legend(ax, kinds: list[str], colours: dict[str, str]) -> None:
    handles = [
        Patch(facecolor=colours[k], hatch="//" if k == "range" else None, edgecolor="white") for k in kinds
    ]
    _legend_above(ax, handles, [f"{k} target" for k in kinds])


@themed
def plot_action_targets(plan: Plan) -> Figure:
    """A plan cut to one action (``plan.action(id)``): its targets as bars, one panel per unit
    (never yuan and people on one axis). Ranges are hatched from minimum to maximum; a from→to
    change shows its baseline as a black tick.

    >>> import linyi_analysis as la
    >>> fig = la.plots.plot_action_targets(la.load_plan().action("employment"))
    """
    require_action(plan, "plot_action_targets()")
    name = str(plan.actions["name"].iloc[0])
    title = f"{name}: the plan's targets for 2022"
    rows, note = capped(plan.targets, "targets")
    if rows.empty:
        return empty_figure(title, f"No quantified targets for action {plan.action_id!r}.", _caption())
    units = list(dict.fromkeys(rows["unit_label"]))  # first-seen order
    heights = [0.5 + BAR * (rows["unit_label"] == u).sum() for u in units]
    fig, axes = new_figure(len(units), heights)
    colours = kind_colours(target_kinds())
    for ax, unit in zip(axes, units, strict=True):
        _bars(ax, rows[rows["unit_label"] == unit], colours)
    _kind_legend(axes[0], [k for k in target_kinds() if (rows["target_kind"] == k).any()], colours)
    return finish(fig, title, _caption(note))


_MARKERS = {
    "=": ("o", "= exactly", PALETTE[0]),
    ">=": (">", "≥ at least", PALETTE[1]),
    ">": (">", "> more than", PALETTE[3]),
}


@themed
def plot_percentages(plan: Plan) -> Figure:
    """Every percentage target (a share from 0 to 100) on one dot plot, marked by its comparator.

    Rises stated in percent (``increase_by``) are changes, drawn by :func:`plot_changes`.
    A range is drawn as a hatched bar from its minimum to its maximum.
    """
    require_plan(plan, "plot_percentages()")
    targets = plan.targets
    title = "Percentage targets of the plan"
    rows = targets[(targets["unit_kind"] == "percent") & (targets["comparator"] != "increase_by")]
    if rows.empty:
        return empty_figure(title, "No percentage targets in the data.", _caption())
    rows, note = capped(rows.reset_index(drop=True), "percentage targets")
    fig, (ax,) = new_figure(1, [0.6 + BAR * len(rows)])
    y = pd.Series(range(len(rows)))
    for comp in dict.fromkeys(rows["comparator"]):
        mine = rows["comparator"] == comp
        if comp == "range":
            ax.barh(
                y[mine],
                rows.loc[mine, "value_max"] - rows.loc[mine, "value_min"],
                left=rows.loc[mine, "value_min"],
                height=0.35,
                color=PALETTE[2],
                hatch="//",
                edgecolor="white",
                label="range",
            )
            continue
        marker, words, colour = _MARKERS.get(comp, ("D", comp, PALETTE[4]))
        ax.scatter(rows.loc[mine, "value"], y[mine], marker=marker, s=70, color=colour, zorder=3, label=words)
    for yi, r in rows.iterrows():
        x = r["value_max"] if r["comparator"] == "range" else r["value"]
        ax.annotate(
            r["label"], (float(x), yi), xytext=(8, 0), textcoords="offset points", va="center", fontsize=8
        )
    labels = [
        wrap(f"{r['indicator']} ({r['action_name']})" if "action_name" in r else r["indicator"], 48)
        for _, r in rows.iterrows()
    ]
    ax.set_yticks(y, labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("percent (%)")
    _legend_above(ax)
    return finish(fig, title, _caption(note))


@themed
def plot_changes(plan: Plan) -> Figure:
    """From→to changes (a bar from the baseline to the target) and stated increases (a bar from 0).

    One panel per unit; each bar labelled with the change as the plan states it and, for a
    from→to change, the relative rise.
    """
    require_plan(plan, "plot_changes()")
    targets = plan.targets
    title = "Changes the plan commits to"
    rows = targets[targets["comparator"].isin(["from_to", "increase_by"])]
    if rows.empty:
        return empty_figure(title, "No from→to changes or increases in the data.", _caption())
    rows, note = capped(rows, "changes")
    rises = derived_ratios(plan.whole).set_index("ratio_id")["value"]
    units = list(dict.fromkeys(rows["unit_label"]))
    fig, axes = new_figure(len(units), [0.7 + BAR * (rows["unit_label"] == u).sum() for u in units])
    for ax, unit in zip(axes, units, strict=True):
        mine = rows[rows["unit_label"] == unit].reset_index(drop=True)
        rising = mine["comparator"] == "from_to"
        left = mine["baseline"].where(rising, 0).astype(float)
        width = mine["value"].astype(float) - left
        bars = ax.barh(
            range(len(mine)),
            width,
            left=left,
            height=0.5,
            color=[PALETTE[0] if r else PALETTE[1] for r in rising],
        )
        labels = []
        for r in mine.to_dict("records"):
            rise = rises.get(f"{r['target_id']}:relative_change:baseline")
            known = r["comparator"] == "from_to" and rise is not None and not pd.isna(rise)
            labels.append(f"{r['label']} ({human_value(rise, '%')} rise)" if known else r["label"])
        ax.bar_label(bars, labels=labels, padding=4, fontsize=8)
        ax.set_yticks(range(len(mine)), [wrap(i, 38) for i in mine["indicator"]])
        ax.set_ylim(len(mine) - 0.5, -0.5)
        ax.set_xlim(0, float(mine["value"].max()) * 1.6)
        only_rises = not rising.any()
        ax.set_xlabel(("rise, " if only_rises else "") + unit_axis_label(unit))
        ax.grid(axis="y", visible=False)
        values_on_bars(ax)
    return finish(fig, title, _caption(note))


@themed
def plot_composition(plan: Plan) -> Figure:
    """Totals and their parts: components stacked in their total (``part_of``), and pairs in one
    unit side by side (``ratio_to``, e.g. units completed beside units started). One panel each.
    """
    require_plan(plan, "plot_composition()")
    title = "What the totals are made of"
    parts = compositions(plan)
    if parts.empty:
        return empty_figure(title, "No totals with components or paired figures in the data.", _caption())
    groups, note = capped(pd.Series(list(dict.fromkeys(parts["group"]))), "totals and pairs", 12)
    groups = list(groups)
    kinds = [parts.loc[parts["group"] == g, "kind"].iloc[0] for g in groups]
    rows = [int((parts["group"] == g).sum()) for g in groups]
    # a total's panel holds its legend (a line per part); a pair's, two labels of up to two lines
    heights = [1.2 + 0.2 * n if k == "parts" else 0.8 + 0.45 * n for k, n in zip(kinds, rows, strict=True)]
    fig, axes = new_figure(len(groups), heights)
    for ax, group, kind in zip(axes, groups, kinds, strict=True):
        mine = parts[parts["group"] == group].reset_index(drop=True)
        unit = mine["unit_label"].iloc[0]
        if kind == "parts":
            total, left = float(mine["total"].iloc[0]), 0.0  # the plan's total, not a sum of bars
            for i, r in mine.iterrows():
                value, share = float(r["value"]), float(r["percent"])
                colour = GREY if pd.isna(r["target_id"]) else PALETTE[i % len(PALETTE)]
                label = wrap(f"{r['label']}: {human_value(value, unit, exact=True)} ({share:.1f}%)", 90)
                ax.barh([0], [value], left=left, height=0.6, color=colour, edgecolor="white", label=label)
                left += value
            ax.set_yticks([0], [f"total\n{human_value(total, unit)}"])
            ax.set_xlim(0, total)
            # under the axis label, at a fixed distance whatever the panel's height
            below = ax.transAxes + ScaledTranslation(0, -LEGEND_DROP / 72, fig.dpi_scale_trans)
            ax.legend(loc="upper left", bbox_to_anchor=(0, 0), bbox_transform=below, fontsize=8, ncols=1)
            ax.set_title(wrap(mine["group_label"].iloc[0], 80), loc="left")
        else:
            y = list(range(len(mine)))
            bars = ax.barh(y, mine["value"].astype(float), height=0.6, color=[PALETTE[0], PALETTE[2]])
            ax.bar_label(
                bars, labels=[human_value(v, unit, exact=True) for v in mine["value"]], padding=4, fontsize=8
            )
            ax.set_yticks(y, [wrap(lbl, 38) for lbl in mine["label"]])
            ax.set_ylim(len(mine) - 0.5, -0.5)
            ax.set_xlim(0, float(mine["value"].max()) * 1.25)
            ratio = float(mine["percent"].iloc[1])
            first = mine["label"].iloc[0]
            text = f"{mine['label'].iloc[1]}: {ratio:.1f}% of {first[:1].lower()}{first[1:]}"
            ax.set_title(wrap(text, 80), loc="left")
        ax.set_xlabel(unit_axis_label(unit))
        ax.grid(axis="y", visible=False)
        values_on_bars(ax)  # a total's parts: their figures are in its legend
    return finish(fig, title, _caption(note))
