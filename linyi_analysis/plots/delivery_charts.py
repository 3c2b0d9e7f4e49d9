"""Charts of delivery: the scorecard (statuses per action; what was delivered where an outcome
decided) and the livelihood spending-share history against the city's floors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from matplotlib.lines import Line2D

from ..delivery import STATUSES, at_stated_precision, status_counts
from ..formatting import human_number, human_value
from ..periods import parse_period
from ..plan import Plan, require_plan
from ..ratios import DECIDED, denominator, derived_ratios
from .style import (
    MAX_ROWS,
    PLAN,
    REPORTED,
    STATUS_COLOURS,
    capped,
    derived_column,
    drawable,
    empty_figure,
    evidence_sources,
    finish,
    label_bars,
    new_figure,
    percent_scale,
    plan_source,
    room_for_labels,
    rows_axis,
    text_colour,
    themed,
    value_scale,
)


@themed
def plot_scorecard(plan: Plan, title: str | None = None):
    """Commitments per action by evidence status (stacked bars), and, where an outcome decided,
    what was delivered in percent of the commitment (a panel drawn only when there is one).

    ``plan`` is the whole plan, or a plan cut to one action (``plan.action("urban")``).
    """
    require_plan(plan, "plot_scorecard()")
    tracker = plan.delivery()
    names = dict(zip(plan.actions["action_id"].astype(str), plan.actions["name"].astype(str), strict=True))
    whole = plan.action_id is None
    if title is None:
        whose = (
            "Delivery: the evidence status of the plan's"
            if whole
            else f"{names[plan.action_id]}: the evidence status of its"
        )
        title = f"{whose} commitments"
    fresh = sorted({str(f) for f in tracker["freshness"] if str(f) not in ("", "nan")})
    as_of = f"as of {fresh[-1]}" if fresh else "not searched yet"
    sources = tracker[tracker["status"].astype(str) != "no public evidence"]
    cited = evidence_sources(sources["url"], sources["published"])
    caption = (
        f"Each status follows fixed rules from the cited evidence; searches {as_of}. "
        f"Sources: plan, {plan_source()}" + (f"; evidence, {cited}." if cited else ".")
    )
    if tracker.empty:
        return empty_figure(title, "No commitments to show.", caption)
    counts, note = capped(status_counts(tracker), "actions")
    decided, more = capped(
        tracker[tracker["status"].astype(str).isin(DECIDED)], "commitments an outcome decided"
    )
    # one scale for the plan's chart and every action's, fixed: an action's page is built from its
    # own data package (linyi_analysis.report.data), which holds no other action's commitments
    most = int(counts.sum(axis=1).max())
    top = max(COMMITMENT_SCALE, most)
    n = len(counts)
    fig, axes = new_figure([0.9 + 0.45 * n] + ([0.7 + 0.75 * len(decided)] if len(decided) else []))
    bars = axes[0]
    value_scale(bars, top, "commitments", integer=True)
    left = pd.Series(0, index=counts.index)
    present = [s for s in STATUSES if counts[s].sum() > 0]
    for status in present:
        drawn = bars.barh(
            range(n), counts[status], left=left, height=0.6, color=STATUS_COLOURS[status], label=status
        )
        labels = [str(w) if w else "" for w in counts[status]]
        bars.bar_label(
            drawn, labels=labels, label_type="center", fontsize=8, color=text_colour(STATUS_COLOURS[status])
        )
        left += counts[status]
    rows_axis(bars, [names.get(a, a) for a in counts.index], 34)
    bars.set_title(f"Commitments by evidence status ({as_of})", loc="left", pad=22)
    bars.legend(loc="lower right", bbox_to_anchor=(1, 1.0), ncols=len(present), fontsize=8, borderaxespad=0)
    if not whole and len(present) == 1 and not len(decided):  # one grey bar: say it in words too
        caption = f"All {most:,} of its commitments: {present[0]}; no outcome is decided. {caption}"
    if not whole:
        note += (
            f" Every action's chart has this scale, 0 to {COMMITMENT_SCALE:,} commitments."
            if most <= COMMITMENT_SCALE
            else f" This action has {most:,} commitments: its scale is longer than the 0 to"
            f" {COMMITMENT_SCALE:,} of the other actions' charts."
        )
    long = (
        counts[present].reset_index().melt(id_vars="action_id", var_name="status", value_name="commitments")
    )
    long = long[long["commitments"] > 0]  # the rows drawn: a status an action has none of draws nothing
    data = long.assign(panel="evidence status", action=long["action_id"].map(names))
    data = data[["panel", "action", "status", "commitments"]].astype({"commitments": "Int64"})
    if len(decided):
        data = pd.concat([data, _delivered(axes[1], plan, decided, names)], ignore_index=True)
        note += _precision_note(decided)
    return finish(fig, title, caption + note + more, data)


#: The end of every scorecard's commitment scale (longer only for an action with more), so that
#: 4 commitments never look longer than 7 on another action's page (the chart standard, rule 1).
COMMITMENT_SCALE = 10


def _precision_note(decided: pd.DataFrame) -> str:
    """How met and exceeded are told apart, with the first figure of the chart that rounds to its
    commitment as the example (:func:`~linyi_analysis.delivery.at_stated_precision`)."""
    text = " A figure is compared with its commitment at the precision the commitment states: equal is met, more is exceeded"
    for r in decided.to_dict("records"):
        rounded, committed, _ = at_stated_precision(r["evidence_value"], r["committed_value"])
        if rounded != Decimal(repr(float(r["evidence_value"]))):
            unit = r["unit_label"]
            return (
                f"{text} ({human_number(r['evidence_value'], exact=True)} against a commitment of"
                f" {human_value(float(committed), unit, exact=True)} counts as {human_number(float(rounded), exact=True)}: met)."
                if rounded == committed
                else f"{text}."
            )
    return f"{text}."


def _measured(plan: Plan, fact_ids) -> list[str]:
    """What each deciding fact counted, in its own words (its topic, before any aside)."""
    topics = plan.whole.evidence.set_index("fact_id")["topic"].astype(str)
    out = []
    for f in fact_ids:
        topic = topics.get(str(f), "")
        head = topic.split(" (")[0].split(";")[0].strip()
        out.append(head[:1].upper() + head[1:])
    return out


def _delivered(ax, plan: Plan, decided: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """What the deciding fact counted, in percent of each commitment an outcome decided; the
    commitment is the dotted line at 100. Each row says what was counted (the fact's topic), each
    label the figure against the commitment and the status. Returns the rows drawn."""
    # The share is derived once, in derived_ratios (kind "delivered"); NA when the commitment is 0.
    ratios = derived_ratios(plan.whole)
    ratios = ratios[ratios["kind"] == "delivered"]
    share_of = ratios.set_index(ratios["fact_id"].astype(str) + " " + ratios["target_id"].astype(str))[
        "value"
    ]
    keys = decided["fact_id"].astype(str) + " " + decided["target_id"].astype(str)
    shares = [share_of.get(k, pd.NA) for k in keys]
    drawn = [0.0 if pd.isna(s) else float(s) for s in shares]
    value_scale(ax, room_for_labels(max([100.0, *drawn])), "the figure counted, in percent of the commitment")
    colours = [STATUS_COLOURS[str(s)] for s in decided["status"]]
    bars = ax.barh(range(len(decided)), drawn, height=0.6, color=colours)
    # met early: "met by 2022-06-30" (the tracker's reached_by)
    status = [
        f"{s} by {b}" if b else str(s) for s, b in zip(decided["status"], decided["reached_by"], strict=True)
    ]
    labels = [
        f"{human_number(e, exact=True)} of {c} ({s}{'; share undefined: the commitment is 0' if pd.isna(v) else ''})"
        for e, c, s, v in zip(decided["evidence_value"], decided["commitment"], status, shares, strict=True)
    ]
    label_bars(ax, bars, labels)
    ax.axvline(100, color="#555555", linewidth=1, linestyle=":")
    ax.legend(
        [Line2D([], [], color="#555555", linewidth=1, linestyle=":")],
        ["the commitment (100)"],
        loc="lower right",
        bbox_to_anchor=(1, 1.0),
        fontsize=8,
        borderaxespad=0,
    )
    measured = _measured(plan, decided["fact_id"])
    rows_axis(ax, measured, 40)
    ax.set_title("Where the evidence decides an outcome: what was counted", loc="left", pad=22)
    return pd.DataFrame(
        {
            "panel": "delivered",
            "action": [names.get(str(a), str(a)) for a in decided["action_id"]],
            "status": status,
            "indicator": decided["indicator"].to_numpy(),
            "counted": measured,
            "commitment": decided["commitment"].to_numpy(),
            "figure": decided["evidence_figure"].to_numpy(),
            "percent_of_commitment": derived_column(shares).array,
        }
    )


def _bases_note(shares: pd.DataFrame, floors: pd.DataFrame) -> str:
    """A warning over the chart when its points are not one series: which plan years have no
    full-year share in the data, and how many expenditures the shares are of."""
    years = sorted({parse_period(str(p)).start.year for p in floors["period"]})
    full = {
        parse_period(str(p)).start.year for p in shares["period"] if parse_period(str(p)).kind == "full year"
    }
    missing = [str(y) for y in years if y not in full]
    bases = len({denominator(t) for t in shares["topic"]})
    parts = []
    if missing:
        parts.append(f"No full-year {', '.join(missing)} share is in the data")
    if bases > 1:
        parts.append(f"the shares are of {bases} different expenditures (marker shape), not one series")
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def _decimal(d: date) -> float:
    start = date(d.year, 1, 1)
    return d.year + (d - start).days / (date(d.year + 1, 1, 1) - start).days


_MARKERS = ["o", "s", "D", "P", "X", "h"]  # no triangle: a triangle is a minimum's mark


@themed
def plot_spending_share(plan: Plan):
    """The reported livelihood spending share by period against the earlier goal (``spending_share_goal``)
    and the plan's floor (the target the shares are linked to), on 0–100.

    Each share is drawn over its period (a line from its first to its last day, a dot at the
    middle): a full year is a filled dot, a part of a year a hollow one; the marker's shape is
    its denominator (the expenditure it is a share of, :func:`linyi_analysis.ratios.denominator`).
    The caption carries the facts' own notes and says which figures are reposts.
    """
    require_plan(plan, "plot_spending_share()")
    evidence, targets = plan.whole.evidence, plan.whole.targets
    title = "Livelihood spending as a share of expenditure, against the city's floors"
    shares = evidence[evidence["kind"] == "spending_share"]
    goals = evidence[evidence["kind"] == "spending_share_goal"]
    linked = set(shares["target_id"].dropna().astype(str)) | set(goals["target_id"].dropna().astype(str))
    # the floors to draw: linked targets with one figure (a range, e.g. of counties, has none)
    floors = targets[targets["target_id"].astype(str).isin(linked) & targets["value"].notna()]
    order = sorted(range(len(shares)), key=lambda i: parse_period(str(shares["period"].iloc[i])).sort_key)
    note = ""
    if len(order) > MAX_ROWS:  # the latest periods; the caption says how many were left out
        note = f" Only the latest {MAX_ROWS} of {len(order):,} shares are drawn; the tables list all."
        order = order[-MAX_ROWS:]
    if len(goals) > MAX_ROWS:
        note += f" Only the first {MAX_ROWS} of {len(goals):,} earlier goals are drawn."
        goals = goals.iloc[:MAX_ROWS]
    shares = shares.iloc[order]
    goal_names = [f"the earlier goal for {str(p).replace('/', '–')}" for p in goals["period"]]
    cited = pd.concat([shares.assign(named=shares["period"]), goals.assign(named=goal_names)])
    sources = evidence_sources(cited["url"], cited["published"])
    reposts = [str(p) for p in cited.loc[cited["source_type"].astype(str) == "repost", "named"]]
    notes = [
        f"{p[:1].upper()}{p[1:]}: {drawable(n)}"
        for p, n in zip(cited["named"], cited["notes"], strict=True)
        if isinstance(n, str) and n
    ]
    caption = (
        f"Sources: plan floor, {plan_source()}; shares and the earlier goal, {sources or 'none'}. "
        "Filled: a full year; hollow: part of a year."
        + (f" Reposted by another site: {', '.join(reposts)}." if reposts else "")
        + (f" Notes: {' '.join(n if n.endswith('.') else n + '.' for n in notes)}" if notes else "")
    )
    if shares.empty and goals.empty and floors.empty:
        return empty_figure(title, "No spending shares in the data.", caption)
    fig, (ax,) = new_figure([3.8])
    kinds = sorted({denominator(t) for t in shares["topic"]})
    marker = {d: _MARKERS[i % len(_MARKERS)] for i, d in enumerate(kinds)}
    rows, labelled = [], set()
    for n, f in enumerate(shares.to_dict("records")):
        p = parse_period(str(f["period"]))
        x0, x1 = _decimal(p.start), _decimal(p.end) + 1 / 365
        mid, v, den = (x0 + x1) / 2, float(f["value"]), denominator(f["topic"])
        full = p.kind == "full year"
        ax.plot([x0, x1], [v, v], color=REPORTED, linewidth=2.5, solid_capstyle="butt", zorder=2.5)
        ax.scatter(
            [mid],
            [v],
            marker=marker[den],
            s=55,
            zorder=3,
            edgecolors=REPORTED,
            linewidths=1.5,
            facecolors=REPORTED if full else "white",
            label=None if den in labelled else f"share of {den}",
        )
        labelled.add(den)
        ax.annotate(
            f"{human_value(v, '%', exact=True)}\n{p.text}\n{p.kind}, {p.days} days",
            (mid, v),
            xytext=(0, -38 if n % 2 == 0 else 12),  # alternate below/above so neighbours do not overlap
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
        rows.append(("share", p.text, p.start, p.end, v, "=", den, f["url"], f["notes"]))
    for kind, frame, style in [
        ("earlier goal", goals, (PLAN, "--", 1.5)),  # a target too: the plan's colour
        ("plan floor", floors, (PLAN, "-", 2)),
    ]:
        for g in frame.to_dict("records"):
            p = parse_period(str(g["period"]))
            symbol = {">=": "≥ ", ">": "> "}.get(
                str(g.get("comparator", ">=")), ""
            )  # a goal: "kept at 60% or more"
            figure = f"{symbol}{human_value(g['value'], '%', exact=True)}"
            what = (
                f"earlier goal {p.text.replace('/', '–')}"
                if kind == "earlier goal"
                else f"plan floor for {p.text}"
            )
            colour, line, width = style
            ax.hlines(
                float(g["value"]),
                _decimal(p.start),
                _decimal(p.end) + 1 / 365,
                colors=colour,
                linestyles=line,
                linewidth=width,
                label=f"{what}: {figure}" + (" (△ at least)" if symbol else ""),
                zorder=2,
            )
            if symbol:  # a minimum's open-ended mark, at the line's end: mid-period it reads as a point
                ax.plot(
                    [_decimal(p.end) + 1 / 365],
                    [float(g["value"])],
                    marker="^",
                    markersize=8,
                    linestyle="",
                    color=PLAN,
                    markerfacecolor="white",
                    markeredgewidth=1.5,
                    zorder=4,
                )
            rows.append(
                (
                    kind,
                    p.text,
                    p.start,
                    p.end,
                    float(g["value"]),
                    symbol.strip() or "=",
                    "",
                    g.get("url", ""),
                    g.get("notes", ""),
                )
            )
    periods = [(start, end) for _, _, start, end, *_ in rows]
    ax.set_xlim(min(s.year for s, _ in periods) - 1, max(e.year for _, e in periods) + 1.5)
    percent_scale(ax, "livelihood spending share", axis="y")
    ax.set_xlabel("year (each share drawn over its period)")
    ax.set_title(_bases_note(shares, floors), loc="left", fontsize=8, fontweight="normal")
    ax.legend(loc="lower right", fontsize=7.5)
    columns = [
        "series",
        "period",
        "period_start",
        "period_end",
        "value",
        "comparator",
        "share_of",
        "url",
        "notes",
    ]
    return finish(fig, title, caption + note, pd.DataFrame(rows, columns=columns))
