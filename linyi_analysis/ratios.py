"""Every number derived from the data, in one place, each with its formula and inputs.

:func:`derived_ratios` is the single source of derived numbers: tables, charts and the
report's index read it and never compute a ratio again. :func:`spending_ratios` puts the
plan's spending-share target beside the shares the city reported, with each share's
denominator, and the shares derived from reported spending amounts.
"""

from __future__ import annotations

import re

import pandas as pd

from .formatting import human_number, singular
from .periods import period_sort_key
from .plan import Plan, require_plan, typed, with_dates
from .resources import citation

RATIO_COLUMNS = [
    "ratio_id",
    "kind",
    "source",
    "action_id",
    "target_id",
    "fact_id",
    "numerator",
    "denominator",
    "period",
    "description",
    "value",
    "unit",
    "unit_label",
    "input_kind",
    "formula",
    "calculation",
]
#: Coded columns of derived_ratios (categorical), with their vocabulary where it is fixed.
RATIO_CODES = {
    "kind": [
        "share",
        "ratio",
        "per_unit",
        "change",
        "relative_change",
        "remainder",
        "difference",
        "relative_difference",
        "delivered",
    ],
    "source": ["plan", "evidence", "evidence and plan"],
    "action_id": None,
    "unit": None,
    "input_kind": None,
}
PERCENT = ("percent", "%")
#: The statuses a figure decides: their delivered share is derived (kind ``delivered``).
DECIDED = ("met", "exceeded", "not met")
#: Relations whose facts are compared with the plan here: a ``component`` as its share of the
#: commitment, a ``same_figure`` as official minus plan. Both compare figures
#: (:data:`~linyi_analysis.delivery_rules.COMPARING_RELATIONS`), so validation gives each such fact
#: its figure; an ``outcome`` is compared by the tracker, a ``history`` fact is of another period.
COMPARED = ("component", "same_figure")


def _exact(x) -> str:
    return human_number(x, exact=True)


def _result(value) -> str:
    """How a calculation ends: ``= 77`` when exact, ``≈ 77.0`` rounded to 0.1, ``undefined`` without a value."""
    if value is None or pd.isna(value):
        return ": undefined (division by zero)"
    value = float(value)
    if value == round(value, 1):
        return f" = {_exact(round(value, 1))}"
    return f" ≈ {value:,.1f}"


class _Rows:
    """Collects derived rows; every row names its numerator, kind and denominator (its id)."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, kind, numerator, denominator, value, formula, calculation, **row) -> None:
        self.rows.append(
            {
                "ratio_id": f"{numerator}:{kind}:{denominator}",
                "kind": kind,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "formula": formula,
                "calculation": calculation + _result(value),
                **row,
            }
        )

    def quotient(self, kind, num_id, num, den_id, den, percent: bool, **row) -> None:
        """num ÷ den (× 100 for a percentage); undefined (no value) when den is zero (or -0)."""
        times = " × 100" if percent else ""
        defined = not pd.isna(den) and float(den) != 0
        value = float(num) / float(den) * (100 if percent else 1) if defined else None
        self.add(
            kind,
            num_id,
            den_id,
            value,
            f"{num_id} / {den_id}{times}",
            f"{_exact(num)} / {_exact(den)}{times}",
            **row,
        )


def _derive(plan: Plan) -> pd.DataFrame:
    units = plan.units.set_index("unit")
    label, kind_of = units["label"].to_dict(), units["kind"].astype(str).to_dict()
    targets, evidence = plan.targets, plan.evidence
    by_id, facts = targets.set_index("target_id"), evidence.set_index("fact_id")
    out = _Rows()

    def about(subject, source, unit, input_unit, description, **ids):
        return {
            "source": source,
            "action_id": subject["action_id"],
            "period": subject["period"],
            "unit": unit[0],
            "unit_label": unit[1],
            "input_kind": kind_of[str(input_unit)],
            "description": description,
            **ids,
        }

    for t in targets.to_dict("records"):
        tid, unit = t["target_id"], str(t["unit"])
        own = (unit, label[unit])
        if not pd.isna(t["part_of"]):
            total = by_id.loc[t["part_of"]]
            info = about(t, "plan", PERCENT, unit, f"{t['indicator']}: share of {total['indicator']}")
            out.quotient("share", tid, t["value"], t["part_of"], total["value"], True, target_id=tid, **info)
        if not pd.isna(t["ratio_to"]):
            den = by_id.loc[t["ratio_to"]]
            den_unit = str(den["unit"])
            same = den_unit == unit
            per = (f"{unit}_per_{singular(den_unit)}", f"{label[unit]} per {singular(label[den_unit])}")
            info = about(t, "plan", PERCENT if same else per, unit, f"{t['indicator']} ÷ {den['indicator']}")
            kind = "ratio" if same else "per_unit"
            out.quotient(kind, tid, t["value"], t["ratio_to"], den["value"], same, target_id=tid, **info)
        if t["comparator"] == "from_to" and not pd.isna(t["baseline"]):
            v, b = _exact(t["value"]), _exact(t["baseline"])
            change = float(t["value"]) - float(t["baseline"])
            info = about(t, "plan", own, unit, f"{t['indicator']}: rise from the baseline", target_id=tid)
            out.add("change", tid, "baseline", change, f"{tid}.value − {tid}.baseline", f"{v} − {b}", **info)
            info = about(t, "plan", PERCENT, unit, f"{t['indicator']}: relative rise from the baseline")
            out.add(
                "relative_change",
                tid,
                "baseline",
                change / float(t["baseline"]) * 100 if t["baseline"] else None,
                f"({tid}.value − {tid}.baseline) / {tid}.baseline × 100",
                f"({v} − {b}) / {b} × 100",
                target_id=tid,
                **info,
            )

    # Where the lead paragraph states a body commitment with another figure: the article
    # contradicts itself, and the gap is reported (audit.discrepancies), not resolved.
    lead = targets[targets["contradicts"] & (targets["source_part"] == "headline")]
    for h in lead.to_dict("records"):
        b = by_id.loc[h["counterpart_id"]]
        if pd.isna(h["value"]) or pd.isna(b["value"]):
            continue  # a range has no single figure to subtract
        unit = str(h["unit"])
        text = f"{b['indicator']}: lead paragraph minus body"
        info = about(h, "plan", (unit, label[unit]), unit, text, target_id=h["target_id"])
        hid, bid = h["target_id"], h["counterpart_id"]
        diff = float(h["value"]) - float(b["value"])
        out.add(
            "difference",
            hid,
            bid,
            diff,
            f"{hid} − {bid}",
            f"{_exact(h['value'])} − {_exact(b['value'])}",
            **info,
        )

    # What a total holds beyond its itemised parts (validation guarantees parts ≤ total).
    for total_id, parts in targets.dropna(subset=["part_of"]).groupby("part_of", sort=False):
        total = by_id.loc[total_id]
        unit = str(total["unit"])
        rest = float(total["value"]) - float(parts["value"].sum())
        names = " − ".join([total_id, *parts["target_id"]])
        figures = " − ".join(_exact(v) for v in [total["value"], *parts["value"]])
        info = about(
            total.to_dict(),
            "plan",
            (unit, label[unit]),
            unit,
            f"{total['indicator']}: not itemised",
            target_id=total_id,
        )
        out.add("remainder", total_id, "parts", rest, names, figures, **info)
        info = about(total.to_dict(), "plan", PERCENT, unit, f"{total['indicator']}: share not itemised")
        rest_id = f"{total_id}.not_itemised"
        if rest > 0:
            out.quotient("share", rest_id, rest, total_id, total["value"], True, target_id=total_id, **info)

    for f in evidence.to_dict("records"):
        fid = f["fact_id"]
        if not pd.isna(f["part_of"]):
            whole = facts.loc[f["part_of"]]
            info = about(
                f, "evidence", PERCENT, f["unit"], f"{f['topic']}: share of {whole['topic']}", fact_id=fid
            )
            out.quotient("share", fid, f["value"], f["part_of"], whole["value"], True, **info)
        if pd.isna(f["target_id"]) or str(f["relation"]) not in COMPARED:
            continue
        t = by_id.loc[f["target_id"]]
        if pd.isna(t["value"]):
            continue  # a range commitment has no single figure to compare a fact with
        ids = {"fact_id": fid, "target_id": f["target_id"]}
        if f["relation"] == "component":  # a part of a target's quantity
            text = f"{f['topic']}: share of the plan's {t['indicator'].lower()}"
            info = about(f, "evidence and plan", PERCENT, f["unit"], text, **ids)
            out.quotient("share", fid, f["value"], f["target_id"], t["value"], True, **info)
        else:  # an independent figure for the target's own quantity: official minus plan
            unit = str(f["unit"])
            diff = float(f["value"]) - float(t["value"])
            text = f"{t['indicator']}: official figure minus the plan's"
            info = about(f, "evidence and plan", (unit, label[unit]), unit, text, **ids)
            out.add(
                "difference",
                fid,
                f["target_id"],
                diff,
                f"{fid} − {f['target_id']}",
                f"{_exact(f['value'])} − {_exact(t['value'])}",
                **info,
            )
            text = f"{t['indicator']}: official figure relative to the plan's"
            info = about(f, "evidence and plan", PERCENT, unit, text, **ids)
            out.add(
                "relative_difference",
                fid,
                f["target_id"],
                diff / float(t["value"]) * 100 if t["value"] else None,
                f"({fid} − {f['target_id']}) / {f['target_id']} × 100",
                f"({_exact(f['value'])} − {_exact(t['value'])}) / {_exact(t['value'])} × 100",
                **info,
            )

    # Delivered as a share of the commitment, for each commitment a figure decided (the scorecard).
    decided = plan.delivery()
    decided = decided[decided["status"].astype(str).isin(DECIDED)]
    for d in decided.to_dict("records"):
        fid, tid, unit = d["fact_id"], d["target_id"], str(facts.at[d["fact_id"], "unit"])
        info = {
            "source": "evidence and plan",
            "action_id": d["action_id"],
            "target_id": tid,
            "fact_id": fid,
            "period": d["evidence_period"],
            "unit": PERCENT[0],
            "unit_label": PERCENT[1],
            "input_kind": kind_of[unit],
            "description": f"{d['indicator']}: delivered as a share of the commitment",
        }
        out.quotient("delivered", fid, d["evidence_value"], tid, d["committed_value"], True, **info)

    frame = pd.DataFrame(out.rows, columns=RATIO_COLUMNS)
    frame["value"] = frame["value"].astype("Float64")
    for col in [c for c in RATIO_COLUMNS if c not in ("value", *RATIO_CODES)]:
        frame[col] = frame[col].astype("str")
    return with_dates(typed(frame, plan, RATIO_CODES), "period")


def derived_ratios(plan: Plan) -> pd.DataFrame:
    """Every number that follows from the data, with its formula and the figures put in it.

    Kinds: ``share`` (a component ÷ its total × 100), ``ratio`` (a figure ÷ the one it is
    paired with in the same unit × 100, e.g. units completed ÷ started), ``per_unit`` (the same
    across units, households per project), ``change`` (value − baseline), ``relative_change``
    ((value − baseline) ÷ baseline × 100), ``remainder`` (a total minus its itemised parts),
    ``difference`` and ``relative_difference`` (an official figure minus the plan's, and that
    relative to the plan's × 100; also the lead paragraph's figure minus the body's where the
    article states one commitment twice with two figures), ``delivered`` (for a commitment an
    outcome decided, :meth:`~linyi_analysis.plan.Plan.delivery`: the deciding fact's figure ÷
    the committed value × 100; id ``fact_id:delivered:target_id``). Percentages are 0–100 (unit ``percent``). A ratio whose
    denominator is zero has no value (``<NA>``) and its calculation says undefined.

    Columns: ratio_id (``numerator:kind:denominator``, unique), kind, source (``plan``,
    ``evidence``, ``evidence and plan``), action_id, target_id, fact_id, numerator, denominator,
    period, description, value, unit, unit_label, input_kind (the numerator's unit kind),
    formula (in ids), calculation (in figures).

    >>> import linyi_analysis as la
    >>> r = la.derived_ratios(la.load_plan()).set_index("ratio_id")
    >>> r.at["kg_veteran_subsidy:relative_change:baseline", "calculation"]
    '(5,000 − 4,500) / 4,500 × 100 ≈ 11.1'
    """
    require_plan(plan, "derived_ratios()")
    return plan.derived("derived_ratios", _derive)


def denominator(topic: str) -> str:
    """The expenditure a spending share is a share of, as the fact's topic states it.

    >>> denominator("livelihood spending share of general public budget expenditure, January-February cumulative")
    'general public budget expenditure'
    """
    m = re.search(r"share of ((?:[a-z]+ )*?expenditure)", str(topic))
    return m[1] if m else "expenditure not stated"


SPENDING_COLUMNS = [
    "kind",
    "target_id",
    "fact_id",
    "ratio_id",
    "period",
    "indicator",
    "value",
    "unit",
    "comparator",
    "denominator",
    "calculation",
    "source",
    "published",
    "url",
    "quote",
]
#: Coded columns of spending_ratios (categorical).
SPENDING_CODES = {"kind": ["target", "reported", "derived"], "unit": None, "comparator": None}
#: Evidence kinds that are reported spending (amounts and shares).
SPENDING_KINDS = ("spending_share", "spending_amount")


def _spending(plan: Plan) -> pd.DataFrame:
    targets, evidence = plan.targets, plan.evidence
    cite = citation()
    plan_source = f"{cite['outlet']}, {cite['date']} (the plan)"
    reported = evidence[evidence["kind"] == "spending_share"]
    reported = reported.iloc[
        sorted(range(len(reported)), key=lambda i: period_sort_key(reported["period"].iloc[i]))
    ]
    denominators = [denominator(t) for t in reported["topic"]]
    # the plan's share targets the reported shares bear on: a percentage with one figure to draw
    share_targets = targets[
        targets["target_id"].isin(set(reported["target_id"].dropna()))
        & (targets["unit_kind"] == "percent")
        & targets["value"].notna()
    ]
    rows = [
        {
            "kind": "target",
            "target_id": t["target_id"],
            "period": t["period"],
            "indicator": t["indicator"],
            "value": t["value"],
            "unit": str(t["unit"]),
            "comparator": t["comparator"],
            "denominator": "fiscal expenditure (as the article states it)",
            "source": plan_source,
            "published": cite["date"],
            "url": cite["url"],
            "quote": t["quote"],
        }
        for t in share_targets.to_dict("records")
    ]
    rows += [
        {
            "kind": "reported",
            "target_id": f["target_id"],
            "fact_id": f["fact_id"],
            "period": f["period"],
            "indicator": f["topic"],
            "value": f["value"],
            "unit": str(f["unit"]),
            "comparator": "=",
            "denominator": d,
            "source": f"{f['publisher']}, {f['published']}",
            "published": f["published"],
            "url": f["url"],
            "quote": f["quote_zh"],
        }
        for f, d in zip(reported.to_dict("records"), denominators, strict=True)
    ]
    # Shares of reported spending amounts in each other (education within livelihood spending…).
    spending_facts = evidence.loc[evidence["kind"].isin(SPENDING_KINDS), "fact_id"]
    ratios = derived_ratios(plan)
    ratios = ratios[(ratios["kind"] == "share") & ratios["numerator"].isin(spending_facts)]
    ratios = ratios[ratios["denominator"].isin(spending_facts)]
    facts = evidence.set_index("fact_id")
    for r in ratios.to_dict("records"):
        f = facts.loc[r["numerator"]]
        rows.append(
            {
                "kind": "derived",
                "fact_id": r["fact_id"],
                "ratio_id": r["ratio_id"],
                "period": r["period"],
                "indicator": r["description"],
                "value": r["value"],
                "unit": r["unit"],
                "denominator": facts.at[r["denominator"], "topic"],
                "calculation": r["calculation"],
                "source": f"derived from {f['publisher']}, {f['published']}",
                "published": f["published"],
                "url": f["url"],
            }
        )
    out = pd.DataFrame(rows, columns=SPENDING_COLUMNS)
    out["value"] = out["value"].astype("Float64")
    for col in [c for c in SPENDING_COLUMNS if c not in ("value", *SPENDING_CODES)]:
        out[col] = out[col].astype("str")
    return with_dates(typed(out, plan, SPENDING_CODES), "period")


def spending_ratios(plan: Plan) -> pd.DataFrame:
    """Livelihood spending only: the plan's share target, the reported shares, and the shares
    derived from reported spending amounts, each with its denominator and source.

    ``kind`` is ``target`` (the plan's spending-share target), ``reported`` (a share the city
    reported, in time order) or ``derived`` (a spending amount as a share of another, from
    :func:`derived_ratios`). Values are percentages, 0–100. ``denominator`` says what each
    share is a share of: the reported shares use different ones (public fiscal expenditure,
    fiscal expenditure, general public budget expenditure) and are not strictly comparable.

    Columns: kind, target_id, fact_id, ratio_id, period, indicator, value, unit, comparator,
    denominator, calculation, source, published, url, quote (the article's words, or the
    Chinese passage).

    >>> import linyi_analysis as la
    >>> s = la.spending_ratios(la.load_plan())
    >>> s.loc[s["kind"] == "target", ["value", "comparator"]].values.tolist()
    [[80.0, '>=']]
    """
    require_plan(plan, "spending_ratios()")
    return plan.derived("spending_ratios", _spending)
