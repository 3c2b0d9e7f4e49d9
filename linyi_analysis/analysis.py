"""What the plan commits to, per action, and how its figures compare with independent ones.

Everything here follows the data's own relationships (``part_of``, ``ratio_to``,
``counterpart_id``, the comparators, ``evidence.target_id``), never target ids written in code:
a row added to ``targets.csv`` or ``evidence.csv`` shows up in every result it concerns.

>>> from linyi_analysis import analysis
>>> analysis.summary_by_action().set_index("action_id").at["employment", "measures"]
np.int64(4)
"""

from __future__ import annotations

import os

import pandas as pd

from .formatting import target_label
from .loaders import load_tables
from .ratios import derived_ratios, spending_ratios
from .resources import resource

__all__ = [
    "action_targets",
    "all_targets",
    "compositions",
    "corroboration",
    "derived_ratios",
    "in_measure_order",
    "spending_ratios",
    "summary_by_action",
    "target_kinds",
]


def target_kinds() -> list[str]:
    """The kinds of target, in a fixed order: the unit kinds of ``units.csv``, then range and change."""
    fields = {f["name"]: f for f in resource("units")["schema"]["fields"]}
    return [*fields["kind"]["constraints"]["enum"], "range", "change"]


def _kind(row) -> str:
    if row["comparator"] == "range":
        return "range"
    if row["comparator"] in ("from_to", "increase_by"):
        return "change"
    return row["unit_kind"]


def all_targets(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every target with what a table or chart needs beside it.

    The columns of ``targets.csv`` plus: action_name, measure_name, unit_label, unit_kind, target_kind (one
    of :func:`target_kinds`), restates (a lead-paragraph row restating a body row, which
    counts once) and label (the figure as a person reads it, e.g. ``≥ 2.2 bn yuan``).

    >>> from linyi_analysis import analysis
    >>> t = analysis.all_targets().set_index("target_id")
    >>> t.loc["kg_veteran_subsidy", ["target_kind", "label"]].tolist()
    ['change', '4,500 → 5,000 yuan a year']
    """
    tables = load_tables(data_dir)
    units = tables["units"].set_index("unit")
    names = dict(zip(tables["measures"]["measure_id"], tables["measures"]["name"], strict=True))
    action_names = dict(zip(tables["actions"]["action_id"], tables["actions"]["name"], strict=True))
    t = tables["targets"].copy()
    unit = t["unit"].astype(str)
    t["action_name"] = t["action_id"].astype(object).map(action_names).astype("str")
    t["measure_name"] = t["measure_id"].astype(object).map(names).astype("str")
    t["unit_label"] = unit.map(units["label"]).astype("str")
    t["unit_kind"] = unit.map(units["kind"].astype(str)).astype("str")
    t["target_kind"] = pd.Categorical([_kind(r) for _, r in t.iterrows()], categories=target_kinds())
    t["restates"] = (t["source_part"] == "headline") & t["counterpart_id"].notna()
    t["label"] = pd.Series([target_label(r) for _, r in t.iterrows()], index=t.index, dtype="str")
    return t


def action_targets(action_id: str, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One action's targets (columns of :func:`all_targets`), in the order of its measures.

    Raises ``ValueError`` listing the valid ids if ``action_id`` is not an action.

    >>> from linyi_analysis import analysis
    >>> analysis.action_targets("employment")["label"].tolist()[:2]
    ['47.3k posts', '47.3k posts']
    """
    t = all_targets(data_dir)
    valid = [str(a) for a in t["action_id"].cat.categories]
    if action_id not in valid:
        raise ValueError(f"unknown action_id {action_id!r}; valid ids: {', '.join(valid)}")
    return in_measure_order(t[t["action_id"] == action_id])


def in_measure_order(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets sorted by their measure's place in the article (targets without a measure first),
    keeping file order within a measure: the order tables and charts show an action's targets in."""
    order = targets["measure_id"].cat.codes.where(targets["measure_id"].notna(), -1)
    return targets.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")


def summary_by_action(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Per action: measures, quantified targets, quantification rate, kinds of target, evidence.

    Columns: action_id, name, measures (listed in measures.csv), measures_stated (by the
    article), quantified_measures (measures with at least one target), quantification_rate
    (their share of the measures, 0–1; empty without measures), targets (commitments: a
    lead-paragraph restatement of a body target is not counted again), target_rows (every row),
    one column per kind of :func:`target_kinds` (commitments of that kind), kinds (the kinds
    present, as text) and evidence (facts of evidence.csv on the action).

    >>> from linyi_analysis import analysis
    >>> s = analysis.summary_by_action().set_index("action_id")
    >>> s.loc["education", ["measures", "quantified_measures"]].tolist()
    [4, 2]
    """
    tables = load_tables(data_dir)
    targets = all_targets(data_dir)
    actions = tables["actions"][["action_id", "name", "measures_stated"]].set_index("action_id")
    by_action = {"observed": False}
    counted = targets[~targets["restates"]]
    out = actions.assign(
        measures=tables["measures"].groupby("action_id", **by_action).size(),
        quantified_measures=targets.dropna(subset=["measure_id"])
        .groupby("action_id", **by_action)["measure_id"]
        .nunique(),
        targets=counted.groupby("action_id", **by_action).size(),
        target_rows=targets.groupby("action_id", **by_action).size(),
    )
    out["quantification_rate"] = (out["quantified_measures"] / out["measures"]).astype("Float64")
    out.loc[out["measures"] == 0, "quantification_rate"] = pd.NA
    kinds = pd.crosstab(counted["action_id"], counted["target_kind"], dropna=False)
    kinds = kinds.reindex(index=out.index, columns=target_kinds(), fill_value=0)
    out = out.join(kinds)
    out["kinds"] = [", ".join(k for k in target_kinds() if row[k]) for _, row in kinds.iterrows()]
    evidence = tables["evidence"]
    out["evidence"] = evidence.groupby("action_id", **by_action).size().reindex(out.index, fill_value=0)
    columns = [
        "name",
        "measures",
        "measures_stated",
        "quantified_measures",
        "quantification_rate",
        "targets",
        "target_rows",
        *target_kinds(),
        "kinds",
        "evidence",
    ]
    return out[columns].reset_index()


def corroboration(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Each plan figure beside the independent figure for it (evidence with relation ``same_figure``).

    Columns: target_id, action_id, indicator, unit, unit_label, comparator, plan_value,
    fact_id, period, evidence_value, difference (evidence − plan, in the unit),
    relative_difference (difference ÷ plan value, a fraction: 0.00725 is +0.725 %), quote
    (the article's words), quote_zh, publisher, published, url.

    >>> from linyi_analysis import analysis
    >>> c = analysis.corroboration().set_index("fact_id")
    >>> c.loc["old_households_2022", ["plan_value", "evidence_value", "difference"]].tolist()
    [36000.0, 36261.0, 261.0]
    """
    targets = all_targets(data_dir)
    evidence = load_tables(data_dir)["evidence"]
    same = evidence[evidence["relation"] == "same_figure"]
    plan = targets[
        ["target_id", "action_id", "indicator", "unit", "unit_label", "comparator", "value", "quote"]
    ]
    out = same[
        ["fact_id", "target_id", "period", "value", "quote_zh", "publisher", "published", "url"]
    ].merge(
        plan.rename(columns={"value": "plan_value"}),
        on="target_id",
        how="left",
        validate="many_to_one",
    )
    out = out.rename(columns={"value": "evidence_value"})
    out["difference"] = out["evidence_value"] - out["plan_value"]
    out["relative_difference"] = out["difference"] / out["plan_value"]
    columns = [
        "target_id",
        "action_id",
        "indicator",
        "unit",
        "unit_label",
        "comparator",
        "plan_value",
        "fact_id",
        "period",
        "evidence_value",
        "difference",
        "relative_difference",
        "quote",
        "quote_zh",
        "publisher",
        "published",
        "url",
    ]
    return out[columns]


def compositions(targets: pd.DataFrame) -> pd.DataFrame:
    """Totals and their parts, from a frame of :func:`all_targets`: what a composition chart draws.

    One row per bar segment. A total with components (``part_of``) gives one group: its
    components, plus ``not itemised`` if they fall short of it. A pair in one unit
    (``ratio_to``, e.g. units completed vs started) gives a group of two bars.
    Columns: group (the total's target_id, or the pair's numerator), group_label, kind
    (``parts`` or ``pair``: denominator first), target_id, label, value, unit_label.
    """
    by_id = targets.set_index("target_id")
    rows = []
    for total, parts in targets.dropna(subset=["part_of"]).groupby("part_of", sort=False):
        if total not in by_id.index:
            continue
        head = by_id.loc[total]
        for _, p in parts.iterrows():
            rows.append((total, head["indicator"], "parts", p["target_id"], p["indicator"], p["value"]))
        rest = head["value"] - parts["value"].sum()
        if rest > 0:
            rows.append((total, head["indicator"], "parts", None, "not itemised", rest))
    pairs = targets.dropna(subset=["ratio_to"])
    for _, p in pairs.iterrows():
        if p["ratio_to"] not in by_id.index or by_id.at[p["ratio_to"], "unit"] != p["unit"]:
            continue  # a per-unit figure (households per project) is not a composition
        den, group = by_id.loc[p["ratio_to"]], p["target_id"]
        rows.append((group, p["indicator"], "pair", p["ratio_to"], den["indicator"], den["value"]))
        rows.append((group, p["indicator"], "pair", group, p["indicator"], p["value"]))
    frame = pd.DataFrame(rows, columns=["group", "group_label", "kind", "target_id", "label", "value"])
    frame["value"] = frame["value"].astype("Float64")
    frame["unit_label"] = frame["group"].map(by_id["unit_label"]).astype("str")
    frame["target_id"] = frame["target_id"].astype("str")
    return frame
