"""Charts of the plan's own targets: one action's targets, percentages, changes, compositions.

Each takes a frame of :func:`linyi_analysis.analysis.all_targets` (or of ``action_targets``)
and returns a Figure; one data mark (bar or dot) per target drawn.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..analysis import compositions, in_measure_order, target_kinds
from ..formatting import human_value, wrap
from .style import (
    GREY,
    PALETTE,
    empty_figure,
    finish,
    human_ticks,
    kind_colours,
    new_figure,
    plan_source,
    themed,
    unit_axis_label,
)

NEEDED = [
    "target_id",
    "action_id",
    "indicator",
    "unit_label",
    "unit_kind",
    "target_kind",
    "comparator",
    "label",
]
BAR = 0.38  # inches of height per bar


def _check(targets: pd.DataFrame, chart: str) -> None:
    missing = [c for c in NEEDED if c not in targets]
    if missing:
        raise ValueError(
            f"{chart} needs the columns {', '.join(missing)}: pass linyi_analysis.analysis.all_targets() "
            "or action_targets()"
        )


def _caption() -> str:
    return f"Source: the 2022 livelihood action plan as reported by {plan_source()}."


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
    human_ticks(ax)


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
def plot_action_targets(targets: pd.DataFrame, action_id: str) -> Figure:
    """One action's targets as bars, one panel per unit (never yuan and people on one axis).

    ``targets`` is :func:`~linyi_analysis.analysis.action_targets` (or all targets: the
    action's rows are taken). Ranges are hatched from minimum to maximum; a from→to change
    shows its baseline as a black tick.

    >>> from linyi_analysis import analysis, plots
    >>> fig = plots.plot_action_targets(analysis.action_targets("employment"), "employment")
    """
    _check(targets, "plot_action_targets")
    rows = in_measure_order(targets[targets["action_id"] == action_id])
    name = str(rows["action_name"].iloc[0]) if len(rows) and "action_name" in rows else action_id
    title = f"{name}: the plan's targets for 2022"
    if rows.empty:
        return empty_figure(title, f"No quantified targets for action {action_id!r}.", _caption())
    units = list(dict.fromkeys(rows["unit_label"]))  # first-seen order
    heights = [0.5 + BAR * (rows["unit_label"] == u).sum() for u in units]
    fig, axes = new_figure(len(units), heights)
    colours = kind_colours(target_kinds())
    for ax, unit in zip(axes, units, strict=True):
        _bars(ax, rows[rows["unit_label"] == unit], colours)
    _kind_legend(axes[0], [k for k in target_kinds() if (rows["target_kind"] == k).any()], colours)
    return finish(fig, title, _caption())


_MARKERS = {
    "=": ("o", "= exactly", PALETTE[0]),
    ">=": (">", "≥ at least", PALETTE[1]),
    ">": (">", "> more than", PALETTE[3]),
}


@themed
def plot_percentages(targets: pd.DataFrame) -> Figure:
    """Every percentage target (a share from 0 to 100) on one dot plot, marked by its comparator.

    Rises stated in percent (``increase_by``) are changes, drawn by :func:`plot_changes`.
    A range is drawn as a hatched bar from its minimum to its maximum.
    """
    _check(targets, "plot_percentages")
    title = "Percentage targets of the plan"
    rows = targets[(targets["unit_kind"] == "percent") & (targets["comparator"] != "increase_by")]
    if rows.empty:
        return empty_figure(title, "No percentage targets in the data.", _caption())
    rows = rows.reset_index(drop=True)
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
    return finish(fig, title, _caption())


@themed
def plot_changes(targets: pd.DataFrame) -> Figure:
    """From→to changes (a bar from the baseline to the target) and stated increases (a bar from 0).

    One panel per unit; each bar labelled with the change as the plan states it and, for a
    from→to change, the relative rise.
    """
    _check(targets, "plot_changes")
    title = "Changes the plan commits to"
    rows = targets[targets["comparator"].isin(["from_to", "increase_by"])]
    if rows.empty:
        return empty_figure(title, "No from→to changes or increases in the data.", _caption())
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
        labels = [
            f"{r['label']} ({human_value((r['value'] - r['baseline']) / r['baseline'] * 100, '%')} rise)"
            if r["comparator"] == "from_to" and r["baseline"]
            else r["label"]
            for _, r in mine.iterrows()
        ]
        ax.bar_label(bars, labels=labels, padding=4, fontsize=8)
        ax.set_yticks(range(len(mine)), [wrap(i, 38) for i in mine["indicator"]])
        ax.set_ylim(len(mine) - 0.5, -0.5)
        ax.set_xlim(0, float(mine["value"].max()) * 1.6)
        only_rises = not rising.any()
        ax.set_xlabel(("rise, " if only_rises else "") + unit_axis_label(unit))
        ax.grid(axis="y", visible=False)
        human_ticks(ax)
    return finish(fig, title, _caption())


@themed
def plot_composition(targets: pd.DataFrame) -> Figure:
    """Totals and their parts: components stacked in their total (``part_of``), and pairs in one
    unit side by side (``ratio_to``, e.g. units completed beside units started). One panel each.
    """
    _check(targets, "plot_composition")
    title = "What the totals are made of"
    parts = compositions(targets)
    if parts.empty:
        return empty_figure(title, "No totals with components or paired figures in the data.", _caption())
    groups = list(dict.fromkeys(parts["group"]))
    kinds = [parts.loc[parts["group"] == g, "kind"].iloc[0] for g in groups]
    fig, axes = new_figure(len(groups), [1.4 if k == "parts" else 1.2 for k in kinds])
    for ax, group, kind in zip(axes, groups, kinds, strict=True):
        mine = parts[parts["group"] == group].reset_index(drop=True)
        unit = mine["unit_label"].iloc[0]
        if kind == "parts":
            total, left = float(mine["value"].sum()), 0.0
            for i, r in mine.iterrows():
                value, share = float(r["value"]), float(r["value"]) / total * 100
                colour = GREY if pd.isna(r["target_id"]) else PALETTE[i % len(PALETTE)]
                label = f"{r['label']}: {human_value(value, unit, exact=True)} ({share:.1f}%)"
                ax.barh([0], [value], left=left, height=0.6, color=colour, edgecolor="white", label=label)
                left += value
            ax.set_yticks([0], [f"total\n{human_value(total, unit)}"])
            ax.set_xlim(0, total)
            ax.legend(loc="upper left", bbox_to_anchor=(0, -0.45), fontsize=8, ncols=1)
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
            ratio = float(mine["value"].iloc[1]) / float(mine["value"].iloc[0]) * 100
            first = mine["label"].iloc[0]
            text = f"{mine['label'].iloc[1]}: {ratio:.1f}% of {first[:1].lower()}{first[1:]}"
            ax.set_title(wrap(text, 80), loc="left")
        ax.set_xlabel(unit_axis_label(unit))
        ax.grid(axis="y", visible=False)
        human_ticks(ax)
    return finish(fig, title, _caption())
