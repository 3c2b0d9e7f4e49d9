"""Charts of the plan's own targets: one action's targets, the percentages, the rises, the totals.

Each takes a :class:`~linyi_analysis.plan.Plan` (whole, or cut to one action) and returns a
:class:`~.style.Chart`. A commitment is drawn once (the tracker's definition,
:func:`~linyi_analysis.delivery.commitments`), labelled as the tables write it, in its kind's
colour; derived numbers (a rise, a share) are read from :func:`~linyi_analysis.ratios.derived_ratios`.
"""

from __future__ import annotations

import pandas as pd

from ..analysis import compositions
from ..delivery import commitments
from ..formatting import human_number, plain, target_label, wrap
from ..plan import Plan, require_action, require_plan
from ..ratios import derived_ratios
from ..tables import derived, quantity
from .style import (
    GREY,
    PLAN,
    PLAN_MINIMUM,
    capped,
    derived_column,
    empty_figure,
    finish,
    floor_mark,
    label_at,
    label_bars,
    marks_legend,
    new_figure,
    percent_scale,
    plan_source,
    room_for_labels,
    rows_axis,
    themed,
    unit_notes,
    value_scale,
)

BAR = 0.38  # inches of height per row
_DATA = [
    *["action", "indicator", "commitment", "comparator", "value", "value_min", "value_max", "baseline"],
    *["unit", "target_id"],
]


def _caption(note: str = "") -> str:
    return f"Source: the 2022 livelihood action plan as reported by {plan_source()}.{note}"


_USED = [
    *["target_id", "action_name", "indicator", "comparator", "value", "value_min", "value_max", "baseline"],
    *["unit", "unit_label", "unit_kind", "per", "period", "target_kind", "source_part", "counterpart_id"],
    "part_of",
]
_PART = {"headline": "the article's opening paragraph", "body": "the body"}


def _conflicts(rows: pd.DataFrame) -> dict[str, str]:
    """For each of two commitments the article gives different figures for (a lead-paragraph row
    and the body row it names, both drawn), the other's figure and where it is stated."""
    by_id = rows.set_index("target_id")
    found = {}
    for r in rows[rows["source_part"] == "headline"].to_dict("records"):
        other = r["counterpart_id"]
        if isinstance(other, str) and other in by_id.index:
            body = by_id.loc[other]
            found[r["target_id"]] = f"the body gives {human_number(body['value'], exact=True)}"
            found[other] = f"the opening paragraph gives {human_number(r['value'], exact=True)}"
    return found


def _contradictions(rows: pd.DataFrame) -> str:
    """A caption note for each commitment the article gives two figures for (both drawn)."""
    by_id = rows.set_index("target_id")
    notes = []
    for r in rows[rows["source_part"] == "headline"].to_dict("records"):
        other = r["counterpart_id"]
        if isinstance(other, str) and other in by_id.index:
            body = by_id.loc[other]
            # as the pages' tables say it (tables.discrepancies): two figures the data pairs as
            # one commitment; whether they describe the same thing is for the reader
            lead = str(r["indicator"]).replace(" (lead paragraph)", "")
            notes.append(
                f" The article's opening paragraph and its body give two different figures for what"
                f" the data pairs as one commitment: {lead}, {r['commitment']}; {body['indicator']},"
                f" {body['commitment']}. Both are drawn, dashed; whether they describe the same thing"
                " is for the reader."
            )
    return "".join(notes)


def _commitments(plan: Plan) -> pd.DataFrame:
    """The plan's commitments, each with its figure as the tables write it (``commitment``): the
    columns the charts read (a row of a narrow frame is cheap to read)."""
    rows = commitments(plan.targets)[0][_USED].reset_index(drop=True)
    rows["commitment"] = [target_label(r, exact=True) for r in rows.to_dict("records")]
    return rows


def _data(rows: pd.DataFrame, **extra) -> pd.DataFrame:
    """The rows a target chart drew, for its CSV: names and figures, no ids."""
    frame = rows.drop(columns="unit").rename(columns={"action_name": "action", "unit_label": "unit"})
    frame = frame.assign(**extra)
    return frame[[*_DATA, *extra]]


def _axis(row) -> str:
    """The value axis a target is read against: a rise, a percentage of a whole, or its unit."""
    unit = row["unit_label"]
    if row["comparator"] == "increase_by":
        return f"rise, in {'percent' if unit == '%' else unit}"
    return "percent" if unit == "%" else unit


def _draw_targets(ax, rows: pd.DataFrame, conflicts: dict[str, str]) -> list[str]:
    """One row per target on a zero-based scale, in the plan's colour: a bar from 0 to an exact
    figure; a minimum as a lighter bar to the floor with an open-ended mark; a range as a hatched
    bar from its minimum to its maximum; a from→to change as an arrow from the baseline; two
    figures for one commitment as dashed outlines. Returns the ways drawn (:data:`~.style.MARKS` keys)."""
    ends = rows["value_max"].where(rows["comparator"] == "range", rows["value"]).astype(float)
    if rows["unit_label"].iloc[0] == "%" and rows["comparator"].iloc[0] != "increase_by":
        percent_scale(ax, "percent")
    else:
        value_scale(
            ax, room_for_labels(ends.max()), _axis(rows.iloc[0]), integer=rows["unit_kind"].iloc[0] == "count"
        )
    drawn = []
    totals = dict(zip(rows["target_id"], rows["commitment"], strict=True))
    for y, r in enumerate(rows.to_dict("records")):
        if r["comparator"] == "from_to":
            start, end = float(r["baseline"]), float(r["value"])
            ax.plot([start, end], [y, y], color=PLAN, linewidth=2, solid_capstyle="butt")
            ax.scatter([start], [y], s=40, facecolors="white", edgecolors=PLAN, linewidths=1.5, zorder=3)
            ax.scatter([end], [y], s=60, marker=">" if end >= start else "<", color=PLAN, zorder=3)
            label_at(ax, max(start, end), y, r["commitment"], gap=7)
            drawn.append("from_to")
            continue
        ranged, floor = r["comparator"] == "range", r["comparator"] in (">=", ">")
        start = float(r["value_min"]) if ranged else 0.0
        key = (
            "range" if ranged else "minimum" if floor else "conflict" if r["target_id"] in conflicts else "="
        )
        style = {
            "range": {"color": PLAN, "hatch": "//"},
            "minimum": {"color": PLAN_MINIMUM, "edgecolor": PLAN},
            "conflict": {"color": "white", "edgecolor": PLAN, "linestyle": "--", "linewidth": 1.2},
        }.get(key, {"color": PLAN})
        bars = ax.barh([y], [ends.iloc[y] - start], left=start, height=0.6, **style)
        label = r["commitment"]
        if r["part_of"] in totals:  # a part drawn beside its total: say so, lest the two be added
            label = f"{label} (part of the {totals[r['part_of']]})"
        if key == "conflict":
            label = f"{label} ({conflicts[r['target_id']]})"
        if floor:
            floor_mark(ax, ends.iloc[y], y)
            label_at(ax, ends.iloc[y], y, label, PLAN_MINIMUM, gap=9)
        else:
            label_bars(ax, bars, [label])
        drawn.append(key)
    rows_axis(ax, list(rows["indicator"]))
    return drawn


#: A listed single figure's panel: its heading, and the inches each line of it takes.
LISTED = "Single figures, each the only one in its unit (not drawn as bars)"
LIST_LINE = 0.2


def _listed(ax, rows: pd.DataFrame) -> None:
    """Single figures as a list in a panel without a scale: each target's name, then its figure
    as the tables write it (a minimum with its ``≥``, a range, a change from→to)."""
    ax.set_axis_off()
    ax.set_gid("listed")  # a panel of text, no marks (the standard's rule 5)
    names = [wrap(plain(n), 58).split("\n") for n in rows["indicator"]]
    total = sum(len(lines) for lines in names)
    ax.set_xlim(0, 1)
    ax.set_ylim(total + 0.4, 0)  # a line of 8 pt text takes 0.7 of a LIST_LINE: room below the last
    y = 0
    for lines, figure in zip(names, rows["commitment"], strict=True):
        ax.text(0, y + 0.1, "\n".join(lines), va="top", fontsize=8, linespacing=1.25)
        ax.text(0.66, y + 0.1, wrap(figure, 32), va="top", fontsize=8, fontweight="bold")
        y += len(lines)
    ax.set_title(LISTED, loc="left", fontsize=9)


@themed
def plot_action_targets(plan: Plan):
    """A plan cut to one action (``plan.action(id)``): its commitments, one panel per unit (never
    yuan and people on one axis), each on a scale from zero; percentages on 0–100. A unit with
    one figure only (not a percentage of a whole, whose 0–100 scale is common to all) is listed
    in a last panel, not drawn: one bar on its own scale says nothing a number does not, and
    looks as long as any other (80 bridges beside 159,000 households).

    >>> import linyi_analysis as la
    >>> fig = la.plots.plot_action_targets(la.load_plan().action("employment"))
    """
    require_action(plan, "plot_action_targets()")
    name = str(plan.actions["name"].iloc[0])
    rows, note = capped(_commitments(plan), "targets")
    periods = set(rows["period"])
    title = f"{name}: the plan's targets" + (f" for {periods.pop()}" if len(periods) == 1 else "")
    if rows.empty:
        return empty_figure(title, f"No quantified targets for {name}.", _caption())
    rows["axis"] = [_axis(r) for r in rows.to_dict("records")]
    counts = rows["axis"].value_counts()
    single = rows["axis"].map(counts).eq(1) & rows["axis"].ne("percent")
    rows["shown_as"] = single.map({True: "listed", False: "bar"})
    listed = rows[single].reset_index(drop=True)
    panels = list(dict.fromkeys(rows.loc[~single, "axis"]))
    conflicts, drawn = _conflicts(rows), []
    # a conflict's label, or a part's naming its total, takes two lines
    tall = rows["target_id"].isin(list(conflicts)) | rows["part_of"].isin(set(rows["target_id"]))
    heights = [
        0.6 + BAR * (rows["axis"] == p).sum() + 0.15 * (tall & (rows["axis"] == p)).sum() for p in panels
    ]
    if len(listed):
        lines = sum(len(wrap(plain(n), 58).split("\n")) for n in listed["indicator"])
        heights.append(LIST_LINE * (lines + 0.4))
    fig, axes = new_figure(heights)
    for ax, panel in zip(axes[: len(panels)], panels, strict=True):
        drawn += _draw_targets(ax, rows[rows["axis"] == panel].reset_index(drop=True), conflicts)
    if len(listed):
        _listed(axes[-1], listed)
    if drawn:
        marks_legend(axes[0], drawn)
    notes = _contradictions(rows) + unit_notes(plan, rows["unit_label"]) + note
    shown = pd.concat([*(rows[rows["axis"] == p] for p in panels), listed])  # the order drawn
    return finish(fig, title, _caption(notes), _data(shown, shown_as=shown["shown_as"]))


@themed
def plot_percentages(plan: Plan):
    """Every percentage of a whole the plan commits to (a share, a coverage, a rate) on one
    0–100 dot plot: an exact figure a dot, a minimum the open-ended mark every chart gives it,
    a range a hatched bar. Rises stated in percent are not shares: :func:`plot_changes` draws them."""
    require_plan(plan, "plot_percentages()")
    rows = _commitments(plan)
    rows = rows[(rows["unit_kind"] == "percent") & (rows["comparator"] != "increase_by")]
    title = "Percentage targets of the plan"
    if rows.empty:
        return empty_figure(title, "No percentage targets in the data.", _caption())
    rows, note = capped(rows.reset_index(drop=True), "percentage targets")
    fig, (ax,) = new_figure([0.6 + 0.45 * len(rows)])  # room for labels of three lines
    percent_scale(ax, "percent")
    drawn = []
    for y, r in enumerate(rows.to_dict("records")):
        if r["comparator"] == "range":
            low, high = float(r["value_min"]), float(r["value_max"])
            label_bars(
                ax,
                ax.barh([y], [high - low], left=low, height=0.35, color=PLAN, hatch="//"),
                [r["commitment"]],
            )
            drawn.append("range")
        elif r["comparator"] in (">=", ">"):
            floor_mark(ax, float(r["value"]), y)
            label_at(ax, float(r["value"]), y, r["commitment"], gap=8)
            drawn.append("minimum")
        else:
            ax.scatter([float(r["value"])], [y], marker="o", s=70, color=PLAN, zorder=3)
            label_at(ax, float(r["value"]), y, r["commitment"], gap=8)
            drawn.append("=")
    whole = plan.action_id is None
    names = rows["indicator"] + " (" + rows["action_name"] + ")" if whole else rows["indicator"]
    rows_axis(ax, list(names), 48)
    marks_legend(ax, drawn, dots=True)
    return finish(fig, title, _caption(note), _data(rows))


@themed
def plot_changes(plan: Plan):
    """The rises the plan commits to, as a rise over the current level: a from→to change by its
    relative rise (from :func:`~linyi_analysis.ratios.derived_ratios`), a stated rise in percent as
    it is. A rise with no relative figure (a stated rise in yuan, a baseline of 0) is drawn in
    its unit, one panel per unit."""
    require_plan(plan, "plot_changes()")
    rows = _commitments(plan)
    rows = rows[rows["comparator"].isin(["from_to", "increase_by"])]
    title = "Rises the plan commits to"
    if rows.empty:
        return empty_figure(title, "No rises in the data.", _caption())
    rows, note = capped(rows.reset_index(drop=True), "rises")
    ratios = derived_ratios(plan.whole)
    ratios = ratios[ratios["kind"] == "relative_change"]
    relative = dict(zip(ratios["target_id"].astype(str), ratios["value"], strict=True))
    rises, axes_of, labels = [], [], []
    for r in rows.to_dict("records"):
        rise = relative.get(r["target_id"]) if r["comparator"] == "from_to" else None
        if r["unit_label"] == "%" and r["comparator"] == "increase_by":
            rise = r["value"]
        if rise is not None and not pd.isna(rise):
            axis = "rise, in percent of the current level"
            labels.append(
                r["commitment"]
                if r["comparator"] == "increase_by"
                else f"{r['commitment']}: +{derived(rise, '%')}"
            )
        else:
            rise = r["value"] - (r["baseline"] if r["comparator"] == "from_to" else 0)
            axis = f"rise, in {r['unit_label']}"
            labels.append(r["commitment"])
        rises.append(float(rise))
        axes_of.append(axis)
    rows = rows.assign(rise=rises, axis=axes_of, label=labels)
    panels = list(dict.fromkeys(rows["axis"]))
    fig, axes = new_figure([0.6 + BAR * (rows["axis"] == p).sum() for p in panels])
    for ax, panel in zip(axes, panels, strict=True):
        mine = rows[rows["axis"] == panel]
        value_scale(ax, room_for_labels(mine["rise"].max()), panel)
        bars = ax.barh(range(len(mine)), mine["rise"], height=0.6, color=PLAN)
        label_bars(ax, bars, list(mine["label"]))
        rows_axis(ax, list(mine["indicator"]))
    return finish(
        fig,
        title,
        _caption(note),
        _data(rows, rise=derived_column(rows["rise"]).array, rise_axis=rows["axis"]),
    )


@themed
def plot_composition(plan: Plan):
    """Totals and their parts on one zero-based scale per total (``part_of``: the total, then each
    part with its share of it), and pairs in one unit (``ratio_to``: units completed beside units
    started) side by side, without a share: only ``part_of`` says one figure is part of another."""
    require_plan(plan, "plot_composition()")
    parts = compositions(plan)
    paired = bool((parts["kind"] == "pair").any()) if not parts.empty else False
    title = "Totals with their parts" + (", and figures given side by side" if paired else "")
    if parts.empty:
        return empty_figure(title, "No totals with parts or paired figures in the data.", _caption())
    groups, note = capped(pd.Series(list(dict.fromkeys(parts["group"]))), "totals and pairs", 12)
    drawn = []
    for group in groups:
        mine = parts[parts["group"] == group].reset_index(drop=True)
        unit = mine["unit_label"].iloc[0]
        if mine["kind"].iloc[0] == "parts":
            total = str(mine["group_label"].iloc[0])
            rows = [(total, group, float(mine["total"].iloc[0]), quantity(mine["total"].iloc[0], unit))]
            for r in mine.to_dict("records"):
                share = "" if pd.isna(r["percent"]) else f" ({derived(r['percent'], '%')} of the total)"
                rows.append(
                    (r["label"], r["target_id"], float(r["value"]), quantity(r["value"], unit) + share)
                )
            heading = f"{total}: the total and its parts"
        else:
            # ratio_to pairs two figures in one unit; it does not say one is part of the other
            # (units completed this year need not be among those started this year): no share
            rows = [
                (r["label"], r["target_id"], float(r["value"]), quantity(r["value"], unit))
                for r in mine.to_dict("records")
            ]
            first, second = rows[0][0], rows[1][0]
            heading = f"{first}, and {second[:1].lower()}{second[1:]}: two figures side by side, no share (the article does not say one is part of the other)"
        drawn.append((heading, unit, rows))
    fig, axes = new_figure([0.9 + BAR * len(rows) for _, _, rows in drawn])
    data = []
    for ax, (heading, unit, rows) in zip(axes, drawn, strict=True):
        names, ids, values, labels = zip(*rows, strict=True)
        face = [GREY if pd.isna(i) else PLAN for i in ids]
        value_scale(ax, room_for_labels(max(values)), unit, integer=True)
        label_bars(ax, ax.barh(range(len(rows)), values, height=0.6, color=face), labels)
        rows_axis(ax, list(names))
        ax.set_title(wrap(heading, 60), loc="left")
        data += [
            {"chart_panel": heading, "row": n, "value": v, "unit": unit, "label": lab}
            for n, _, v, lab in rows
        ]
    return finish(fig, title, _caption(note), pd.DataFrame(data))
