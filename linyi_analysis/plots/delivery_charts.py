"""Charts of delivery: the scorecard (statuses per action; committed vs delivered) and the
livelihood spending-share history against the city's floors.

Both are functions of DataFrames (no loading here), drawn under the package theme and saved
byte-identically by :func:`~linyi_analysis.plots.save_figure`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from ..delivery import STATUSES, status_counts
from ..formatting import human_value, wrap
from ..periods import parse_period
from ..plan import Plan, require_plan
from ..ratios import DECIDED, denominator, derived_ratios
from .style import (
    GREY,
    MAX_ROWS,
    PALETTE,
    capped,
    empty_figure,
    evidence_sources,
    finish,
    new_figure,
    plan_source,
    themed,
    values_on_bars,
)

#: One colour per status, fixed (strong to weak: green, blue, vermilion, orange, purple, grey).
STATUS_COLOURS = dict(
    zip(STATUSES, ["#009E73", "#0072B2", "#D55E00", "#E69F00", "#CC79A7", "#BBBBBB"], strict=True)
)


@themed
def plot_scorecard(plan: Plan, title: str | None = None) -> Figure:
    """Statuses per action (stacked bars of commitments), and committed vs delivered for the
    commitments an outcome decided (each as a share of its own commitment, labelled in its unit).

    ``plan`` is the whole plan, or a plan cut to one action (``plan.action("urban")``).
    """
    require_plan(plan, "plot_scorecard()")
    tracker = plan.delivery()
    title = title or "Delivery scorecard: what the public record shows for each commitment"
    fresh = sorted({str(f) for f in tracker["freshness"] if str(f) not in ("", "nan")})
    as_of = f"as of {fresh[-1]}" if fresh else "not searched yet"
    decided = tracker[tracker["status"].astype(str).isin(DECIDED)]
    sources = tracker[tracker["status"].astype(str) != "no public evidence"]
    cited = evidence_sources(
        [u if str(u) not in ("", "nan") else "//newspaper-cited-by-title" for u in sources["url"]],
        sources["published"],
    )
    caption = (
        f"Statuses computed from the cited facts by the rules of the README's Delivery section, "
        f"searches {as_of}. Sources: plan, {plan_source()}; facts, {cited or 'none'}."
    )
    if tracker.empty:
        return empty_figure(title, "No commitments to show.", caption)
    counts, note = capped(status_counts(tracker), "actions")
    decided, more = capped(decided, "commitments an outcome decided")
    caption += note + more
    n, m = len(counts), max(len(decided), 1)
    fig, (bars, outcome) = new_figure(2, [0.6 + 0.45 * n, 0.6 + 0.5 * m])

    y = list(range(n))
    left = [0] * n
    for status in STATUSES:
        widths = counts[status].astype(int).tolist()
        drawn = bars.barh(y, widths, left=left, height=0.6, color=STATUS_COLOURS[status], label=status)
        bars.bar_label(drawn, labels=[str(w) if w else "" for w in widths], label_type="center", fontsize=8)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    bars.set_yticks(y, counts.index.tolist())
    bars.set_ylim(n - 0.5, -0.5)
    bars.set_xlabel("commitments")
    bars.set_title(f"Evidence status per action ({as_of})", loc="left")
    bars.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, title="status", title_fontsize=8)
    bars.grid(axis="y", visible=False)
    values_on_bars(bars)

    outcome.set_title("Committed vs delivered (commitments a figure decided)", loc="left")
    if decided.empty:
        outcome.set_axis_off()
        outcome.text(
            0.5,
            0.5,
            f"No outcome published ({as_of}).",
            ha="center",
            va="center",
            color="#555555",
            transform=outcome.transAxes,
        )
        return finish(fig, title, caption)
    ys = list(range(len(decided)))
    # The delivered share is derived once, in derived_ratios (kind "delivered"); NA when the commitment is 0.
    ratios = derived_ratios(plan.whole)
    share_of = ratios[ratios["kind"] == "delivered"].set_index("ratio_id")["value"]
    shares = [
        share_of.get(f"{f}:delivered:{t}", pd.NA)
        for f, t in zip(decided["fact_id"], decided["target_id"], strict=True)
    ]
    undefined = [pd.isna(v) for v in shares]
    shares = [0.0 if u else float(v) for v, u in zip(shares, undefined, strict=True)]
    committed = outcome.barh(
        [i - 0.2 for i in ys], [100.0] * len(ys), height=0.4, color=GREY, label="committed"
    )
    delivered = outcome.barh(
        [i + 0.2 for i in ys],
        shares,
        height=0.4,
        color=[STATUS_COLOURS[str(s)] for s in decided["status"]],
        label="delivered",
    )
    outcome.bar_label(
        committed, labels=[f"committed {c}" for c in decided["commitment"]], padding=3, fontsize=8
    )
    outcome.bar_label(
        delivered,
        labels=[
            f"delivered {f} ({s}; share undefined: the commitment is 0)" if u else f"delivered {f} ({s})"
            for f, s, u in zip(
                decided["evidence_figure"],
                # met early: "met by 2022-06-30" (the tracker's reached_by)
                [
                    f"{s} by {b}" if b else str(s)
                    for s, b in zip(decided["status"], decided["reached_by"], strict=True)
                ],
                undefined,
                strict=True,
            )
        ],
        padding=3,
        fontsize=8,
    )
    outcome.set_yticks(ys, [wrap(i, 34) for i in decided["indicator"]])
    outcome.set_ylim(len(ys) - 0.5, -0.6)
    outcome.set_xlim(0, max([100.0, *shares]) * 1.55)
    outcome.axvline(100, color="#555555", linewidth=0.8, linestyle=":")
    outcome.set_xlabel("share of the commitment (%)")
    outcome.grid(axis="y", visible=False)
    return finish(fig, title, caption)


def _decimal(d: date) -> float:
    start = date(d.year, 1, 1)
    return d.year + (d - start).days / (date(d.year + 1, 1, 1) - start).days


_MARKERS = ["o", "s", "D", "^", "v", "P"]


@themed
def plot_spending_share(plan: Plan) -> Figure:
    """The reported livelihood spending share by period against the earlier goal (``spending_share_goal``)
    and the plan's floor (the target the shares are linked to).

    Each share is drawn over its period (a line from its first to its last day, a dot at the
    middle): a full year is a filled dot, a part of a year a hollow one; the marker's shape is
    its denominator (the expenditure it is a share of, :func:`linyi_analysis.ratios.denominator`).
    """
    require_plan(plan, "plot_spending_share()")
    evidence, targets = plan.whole.evidence, plan.whole.targets
    title = "Livelihood spending as a share of expenditure, against the city's floors"
    shares = evidence[evidence["kind"] == "spending_share"]
    goals = evidence[evidence["kind"] == "spending_share_goal"]
    linked = set(shares["target_id"].dropna().astype(str)) | set(goals["target_id"].dropna().astype(str))
    # the floors to draw: linked targets with one figure (a range, e.g. of counties, has none)
    plan = targets[targets["target_id"].astype(str).isin(linked) & targets["value"].notna()]
    cited = pd.concat([shares, goals])
    sources = evidence_sources(cited["url"], cited["published"])
    caption = (
        f"Sources: plan floor, {plan_source()}; shares and the earlier goal, {sources or 'none'}. "
        "Filled: a full year; hollow: part of a year (the line spans the period). "
        "Some figures are reposts; the 2011 share was an expected figure and the 2022 year is inferred (see evidence.csv notes)."
    )
    if shares.empty and goals.empty and plan.empty:
        return empty_figure(title, "No spending shares in the data.", caption)
    fig, (ax,) = new_figure(1, [3.8])
    kinds = sorted({denominator(t) for t in shares["topic"]})
    marker = {d: _MARKERS[i % len(_MARKERS)] for i, d in enumerate(kinds)}
    order = sorted(range(len(shares)), key=lambda i: parse_period(str(shares["period"].iloc[i])).sort_key)
    note = ""
    if len(order) > MAX_ROWS:  # the latest periods; the caption says how many were left out
        note = f" Only the latest {MAX_ROWS} of {len(order):,} shares are drawn; the tables list all."
        order = order[-MAX_ROWS:]
    if len(goals) > MAX_ROWS:
        note += f" Only the first {MAX_ROWS} of {len(goals):,} earlier goals are drawn."
        goals = goals.iloc[:MAX_ROWS]
    labelled = set()
    for n, i in enumerate(order):
        f = shares.iloc[i]
        p = parse_period(str(f["period"]))
        x0, x1 = _decimal(p.start), _decimal(p.end) + 1 / 365
        mid, v, den = (x0 + x1) / 2, float(f["value"]), denominator(f["topic"])
        full = p.kind == "full year"
        ax.plot([x0, x1], [v, v], color=PALETTE[0], linewidth=2.5, solid_capstyle="butt")
        ax.scatter(
            [mid],
            [v],
            marker=marker[den],
            s=55,
            zorder=3,
            edgecolors=PALETTE[0],
            linewidths=1.5,
            facecolors=PALETTE[0] if full else "white",
            label=None if den in labelled else f"share of {den}",
        )
        labelled.add(den)
        ax.annotate(
            f"{human_value(v, '%')}\n{p.text}\n{p.kind}, {p.days} d",
            (mid, v),
            xytext=(0, -38 if n % 2 == 0 else 12),  # alternate below/above so neighbours do not overlap
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
    for _, g in goals.iterrows():
        p = parse_period(str(g["period"]))
        ax.hlines(
            float(g["value"]),
            _decimal(p.start),
            _decimal(p.end) + 1 / 365,
            colors=PALETTE[4],
            linestyles="--",
            linewidth=1.5,
            label=f"earlier goal {p.text.replace('/', '–')}: ≥ {human_value(g['value'], '%')}",
        )
    for _, t in plan.iterrows():
        p = parse_period(str(t["period"]))
        symbol = {">=": "≥ ", ">": "> "}.get(str(t["comparator"]), "")
        ax.hlines(
            float(t["value"]),
            _decimal(p.start),
            _decimal(p.end) + 1 / 365,
            colors=PALETTE[3],
            linestyles="-",
            linewidth=2.5,
            label=f"plan floor for {p.text}: {symbol}{human_value(t['value'], '%')}",
        )
    drawn = shares["period"].iloc[order] if order else []
    periods = [parse_period(str(x)) for x in [*drawn, *goals["period"], *plan["period"]]]
    ax.set_xlim(min(p.start.year for p in periods) - 0.5, max(p.end.year for p in periods) + 1.5)
    ax.set_ylim(0, 100)
    ax.set_xlabel("year (each share drawn over its period)")
    ax.set_ylabel("livelihood spending share (%)")
    ax.legend(loc="lower right", fontsize=7.5)
    return finish(fig, title, caption + note)
