"""Charts of the summary and of the evidence: overview per action, spending share, corroboration."""

from __future__ import annotations

import calendar

import pandas as pd
from matplotlib.figure import Figure

from ..formatting import human_number, human_value, wrap
from ..periods import parse_period
from .style import (
    PALETTE,
    empty_figure,
    evidence_sources,
    finish,
    human_ticks,
    new_figure,
    plan_source,
    themed,
    unit_axis_label,
)


def _need(frame: pd.DataFrame, columns: list[str], chart: str, maker: str) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"{chart} needs the columns {', '.join(missing)}: pass {maker}")


@themed
def plot_overview(summary: pd.DataFrame) -> Figure:
    """Measures and quantified targets per action, and the share of measures carrying a number.

    ``summary`` is :func:`linyi_analysis.analysis.summary_by_action`. Two panels, each in
    its own unit: counts, and the quantification rate in percent.

    >>> from linyi_analysis import analysis, plots
    >>> fig = plots.plot_overview(analysis.summary_by_action())
    """
    _need(
        summary,
        ["name", "measures", "targets", "quantification_rate"],
        "plot_overview",
        "linyi_analysis.analysis.summary_by_action()",
    )
    title = "Measures and quantified targets per action"
    caption = f"Source: the 2022 livelihood action plan as reported by {plan_source()}."
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

    rate = summary["quantification_rate"].astype(float) * 100
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
    return finish(fig, title, caption)


def _year(period: str) -> float:
    """The middle of a period in decimal years: 2019-H1 → 2019.25, 2025-Q1 → 2025.12, 2022 → 2022.5
    (read by :mod:`linyi_analysis.periods`, so intervals such as 2022-01/2022-02 work too)."""
    p = parse_period(period)
    middle = p.start + (p.end - p.start) / 2
    days = 366 if calendar.isleap(middle.year) else 365
    return middle.year + (middle.timetuple().tm_yday - 0.5) / days


@themed
def plot_spending_share(spending: pd.DataFrame) -> Figure:
    """The reported livelihood spending share by period against the plan's target line (≥ 80%).

    ``spending`` is :func:`linyi_analysis.spending_ratios`: its ``target`` rows are drawn as
    horizontal lines, its ``reported`` rows as dots at the middle of their period.
    """
    _need(
        spending,
        ["kind", "target_id", "period", "value", "comparator", "url", "published"],
        "plot_spending_share",
        "linyi_analysis.spending_ratios()",
    )
    title = "Livelihood spending as a share of the city's fiscal expenditure"
    targets = spending[spending["kind"] == "target"]
    reported = spending[spending["kind"] == "reported"]
    official = evidence_sources(reported["url"], reported["published"])
    caption = f"Sources: target, {plan_source()}; reported shares, {official or 'none'}."
    if reported.empty and targets.empty:
        return empty_figure(title, "No spending shares in the data.", caption)
    fig, (ax,) = new_figure(1, [3.4])
    years = [_year(p) for p in reported["period"]]
    ax.plot(years, reported["value"].astype(float), color=PALETTE[0], linewidth=1, alpha=0.5)
    ax.scatter(
        years, reported["value"].astype(float), color=PALETTE[0], s=50, zorder=3, label="reported share"
    )
    for x, (_, r) in zip(years, reported.iterrows(), strict=True):
        ax.annotate(
            f"{human_value(r['value'], '%')}\n{r['period'].replace('-', ' ')}",
            (x, float(r["value"])),
            xytext=(0, -26),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    for _, t in targets.iterrows():
        symbol = {">=": "≥ ", ">": "> "}.get(t["comparator"], "")
        ax.axhline(
            float(t["value"]),
            color=PALETTE[3],
            linestyle="--",
            linewidth=1.5,
            label=f"plan target for {t['period']}: {symbol}{human_value(t['value'], '%')}",
        )
    span = [*years, *[_year(p) for p in targets["period"]]]
    ax.set_xlim(min(span) - 1, max(span) + 1)
    ax.set_ylim(0, 100)
    ax.set_xlabel("year (dots at the middle of the period reported)")
    ax.set_ylabel("share of fiscal expenditure (%)")
    ax.legend(loc="lower right", fontsize=8)
    return finish(fig, title, caption)


@themed
def plot_corroboration(corroboration: pd.DataFrame) -> Figure:
    """Each plan figure beside the independent official figure for it: one panel per pair, in its unit.

    ``corroboration`` is :func:`linyi_analysis.analysis.corroboration`.
    """
    _need(
        corroboration,
        [
            "indicator",
            "plan_value",
            "evidence_value",
            "unit_label",
            "difference",
            "relative_difference",
            "url",
            "published",
        ],
        "plot_corroboration",
        "linyi_analysis.analysis.corroboration()",
    )
    title = "The plan's figures beside independent official figures"
    official = evidence_sources(corroboration["url"], corroboration["published"])
    caption = f"Sources: plan, {plan_source()}; official figures, {official or 'none'}."
    if corroboration.empty:
        return empty_figure(title, "No independent figures for the plan's targets in the data.", caption)
    fig, axes = new_figure(len(corroboration), [1.1] * len(corroboration))
    for ax, (_, r) in zip(axes, corroboration.iterrows(), strict=True):
        unit = r["unit_label"]
        values = [float(r["plan_value"]), float(r["evidence_value"])]
        bars = ax.barh([0, 1], values, height=0.6, color=[PALETTE[0], PALETTE[1]])
        ax.bar_label(bars, labels=[human_value(v, unit, exact=True) for v in values], padding=4, fontsize=8)
        ax.set_yticks([0, 1], ["plan (article)", "official figure"])
        ax.set_ylim(1.5, -0.5)
        ax.set_xlim(0, max(values) * 1.3)
        diff = float(r["difference"])
        rel = float(r["relative_difference"]) * 100
        sign = "+" if diff > 0 else ""
        gap = (
            "same figure"
            if diff == 0
            else f"official {sign}{human_number(diff, exact=True)} ({sign}{rel:.2f}%)"
        )
        ax.set_title(f"{wrap(r['indicator'], 60)} — {gap}", loc="left")
        ax.set_xlabel(unit_axis_label(unit))
        ax.grid(axis="y", visible=False)
        human_ticks(ax)
    return finish(fig, title, caption)
