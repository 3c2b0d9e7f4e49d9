"""What the plan commits to, per action, and how its figures compare with independent ones.

Every function takes a :class:`~linyi_analysis.plan.Plan` (whole, or cut to one action) and
follows the data's own relationships (``part_of``, ``ratio_to``, ``counterpart_id``, the
comparators, ``evidence.target_id``), never ids written in code: a row added to
``targets.csv`` or ``evidence.csv`` shows up in every result it concerns. Derived numbers
come from :func:`~linyi_analysis.ratios.derived_ratios`, their one home.

>>> import linyi_analysis as la
>>> la.analysis.summary_by_action(la.load_plan()).set_index("action_id").at["employment", "measures"]
np.int64(4)
"""

from __future__ import annotations

import pandas as pd

from .plan import Plan, require_plan, target_kinds
from .ratios import derived_ratios, spending_ratios

__all__ = ["compositions", "corroboration", "derived_ratios", "spending_ratios", "summary_by_action"]


def summary_by_action(plan: Plan) -> pd.DataFrame:
    """Per action: measures, quantified targets, quantified share, kinds of target, evidence.

    Columns: action_id, name, measures (listed in measures.csv), measures_stated (by the
    article), quantified_measures (measures with at least one target), quantified_percent
    (their share of the measures, 0–100; empty without measures), targets (commitments: a
    lead-paragraph restatement of a body target is not counted again), target_rows (every row),
    one column per kind of :func:`~linyi_analysis.plan.target_kinds` (commitments of that
    kind), kinds (the kinds present, as text) and evidence (facts of evidence.csv on the action).

    >>> import linyi_analysis as la
    >>> s = la.analysis.summary_by_action(la.load_plan()).set_index("action_id")
    >>> s.loc["education", ["measures", "quantified_measures"]].tolist(), s.at["education", "quantified_percent"]
    ([4, 2], np.float64(50.0))
    """
    require_plan(plan, "summary_by_action()")
    targets = plan.targets
    actions = plan.actions[["action_id", "name", "measures_stated"]].set_index("action_id")
    counted = targets[~targets["restates"]]

    def per_action(counts: pd.Series) -> pd.Series:  # every action, 0 where it has none
        return (
            counts.rename(index=str).reindex(actions.index.astype(str), fill_value=0).set_axis(actions.index)
        )

    out = actions.assign(
        measures=per_action(plan.measures.groupby("action_id", observed=True).size()),
        quantified_measures=per_action(
            targets.dropna(subset=["measure_id"]).groupby("action_id", observed=True)["measure_id"].nunique()
        ),
        targets=per_action(counted.groupby("action_id", observed=True).size()),
        target_rows=per_action(targets.groupby("action_id", observed=True).size()),
    )
    out["quantified_percent"] = (out["quantified_measures"] / out["measures"] * 100).astype("Float64")
    out.loc[out["measures"] == 0, "quantified_percent"] = pd.NA
    kinds = pd.crosstab(counted["action_id"], counted["target_kind"], dropna=False)
    kinds = kinds.reindex(index=out.index, columns=target_kinds(), fill_value=0)
    out = out.join(kinds)
    out["kinds"] = [", ".join(k for k in target_kinds() if row[k]) for _, row in kinds.iterrows()]
    out["evidence"] = per_action(plan.evidence.groupby("action_id", observed=True).size())
    columns = [
        "name",
        "measures",
        "measures_stated",
        "quantified_measures",
        "quantified_percent",
        "targets",
        "target_rows",
        *target_kinds(),
        "kinds",
        "evidence",
    ]
    return out[columns].reset_index()


def corroboration(plan: Plan) -> pd.DataFrame:
    """Each plan figure beside the independent figure for it (evidence with relation ``same_figure``).
    A commitment stated as a range has no single figure to set beside one: it is left out (the
    tracker lists such a fact on the commitment's row, with why it does not confirm it).

    Columns: target_id, action_id, indicator, unit, unit_label, comparator, plan_value,
    fact_id, period, evidence_value, difference (official − plan, in the unit),
    relative_difference_percent (difference ÷ plan value × 100; empty when the plan's figure is
    0), quote (the article's words), quote_zh, publisher, published, url. The two differences
    are read from :func:`derived_ratios`.

    >>> import linyi_analysis as la
    >>> c = la.analysis.corroboration(la.load_plan()).set_index("fact_id")
    >>> c.loc["old_households_2022", ["plan_value", "evidence_value", "difference"]].tolist()
    [36000.0, 36261.0, 261.0]
    """
    require_plan(plan, "corroboration()")
    evidence = plan.evidence
    same = evidence[evidence["relation"] == "same_figure"]
    targets = plan.whole.targets
    columns = ["target_id", "action_id", "indicator", "unit", "unit_label", "comparator", "value", "quote"]
    out = same[["fact_id", "target_id", "period", "value", "quote_zh", "publisher", "published", "url"]]
    out = out.rename(columns={"value": "evidence_value"}).merge(
        targets[columns].rename(columns={"value": "plan_value"}),
        on="target_id",
        how="left",
        validate="many_to_one",
    )
    out = out[out["plan_value"].notna()].reset_index(drop=True)
    ratios = derived_ratios(plan.whole).set_index("ratio_id")["value"]
    key = out["fact_id"] + ":{}:" + out["target_id"].astype(str)
    out["difference"] = [ratios.get(k.format("difference")) for k in key]
    out["relative_difference_percent"] = [ratios.get(k.format("relative_difference")) for k in key]
    for col in ["difference", "relative_difference_percent"]:
        out[col] = out[col].astype("Float64")
    return out[
        [
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
            "relative_difference_percent",
            "quote",
            "quote_zh",
            "publisher",
            "published",
            "url",
        ]
    ]


def compositions(plan: Plan) -> pd.DataFrame:
    """Totals and their parts: what a composition chart draws, one row per bar segment.

    A total with components (``part_of``) gives one group: its components with their share
    of the total, plus ``not itemised`` (the ``remainder`` ratio) when they fall short of it.
    A pair in one unit (``ratio_to``, e.g. units completed vs started) gives a group of two
    bars, the denominator first, the second carrying the ratio. Columns: group (the total's
    target_id, or the pair's numerator), group_label, kind (``parts`` or ``pair``),
    target_id, label, value, unit_label, total (the total's figure), percent (the share, or
    the pair's ratio, from :func:`derived_ratios`).
    """
    require_plan(plan, "compositions()")
    targets = plan.targets
    by_id = plan.whole.targets.set_index("target_id")
    ratios = derived_ratios(plan.whole).set_index("ratio_id")["value"]
    rows = []
    for total, parts in targets.dropna(subset=["part_of"]).groupby("part_of", sort=False):
        head = by_id.loc[total]
        for p in parts.to_dict("records"):
            share = ratios.get(f"{p['target_id']}:share:{total}")
            rows.append(
                (total, head["indicator"], "parts", p["target_id"], p["indicator"], p["value"], share)
            )
        rest = ratios.get(f"{total}:remainder:parts")
        if rest is not None and rest > 0:
            share = ratios.get(f"{total}.not_itemised:share:{total}")
            rows.append((total, head["indicator"], "parts", None, "not itemised", rest, share))
    for p in targets.dropna(subset=["ratio_to"]).to_dict("records"):
        if by_id.at[p["ratio_to"], "unit"] != p["unit"]:
            continue  # a per-unit figure (households per project) is not a composition
        den, group = by_id.loc[p["ratio_to"]], p["target_id"]
        ratio = ratios.get(f"{group}:ratio:{p['ratio_to']}")
        rows.append((group, p["indicator"], "pair", p["ratio_to"], den["indicator"], den["value"], None))
        rows.append((group, p["indicator"], "pair", group, p["indicator"], p["value"], ratio))
    columns = ["group", "group_label", "kind", "target_id", "label", "value", "percent"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["value"] = frame["value"].astype("Float64")
    frame["percent"] = frame["percent"].astype("Float64")
    frame["unit_label"] = frame["group"].map(by_id["unit_label"]).astype("str")
    frame["total"] = frame["group"].map(by_id["value"]).astype("Float64")
    frame["target_id"] = frame["target_id"].astype("str")
    return frame
