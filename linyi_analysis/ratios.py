"""Ratios that follow from the data, each with its formula and inputs, and the spending ratios.

- :func:`derived_ratios`: shares of components in their totals (``part_of``), ratios of paired
  figures (``ratio_to``: completed ÷ started, households per project), changes from a baseline
  (``from_to``), and the same for evidence (a sector's share of livelihood spending);
- :func:`spending_ratios`: the plan's spending-share target beside the reported shares by
  period, each with its source, plus the derived ratios of money figures.
"""

from __future__ import annotations

import os

import pandas as pd

from .formatting import human_number, singular
from .loaders import load_tables
from .periods import period_sort_key
from .resources import citation

RATIO_COLUMNS = [
    "ratio_id",
    "kind",
    "source",
    "action_id",
    "target_id",
    "fact_id",
    "period",
    "description",
    "value",
    "unit",
    "unit_label",
    "input_kind",
    "formula",
    "calculation",
    "inputs",
]


def _row(
    kind,
    source,
    subject,
    value,
    unit,
    unit_label,
    input_kind,
    formula,
    calculation,
    inputs,
    description,
    target_id=None,
    fact_id=None,
) -> dict:
    return {
        "ratio_id": f"{target_id or fact_id}:{kind}",
        "kind": kind,
        "source": source,
        "action_id": subject["action_id"],
        "target_id": target_id,
        "fact_id": fact_id,
        "period": subject["period"],
        "description": description,
        "value": value,
        "unit": unit,
        "unit_label": unit_label,
        "input_kind": input_kind,
        "formula": formula,
        "calculation": f"{calculation} = {human_number(value, exact=True)}",
        "inputs": ", ".join(inputs),
    }


def _quotient(num_id: str, num, den_id: str, den, percent: bool) -> dict | None:
    """num ÷ den (× 100 for a percentage) with its formula in ids and in figures; None if undefined."""
    if pd.isna(num) or pd.isna(den) or not den:
        return None
    times = " × 100" if percent else ""
    return {
        "value": float(num) / float(den) * (100 if percent else 1),
        "formula": f"{num_id} / {den_id}{times}",
        "calculation": f"{human_number(num, exact=True)} / {human_number(den, exact=True)}{times}",
        "inputs": (num_id, den_id),
    }


def derived_ratios(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every ratio that follows from the data, with its formula, the figures put in it and its inputs.

    Kinds: ``share`` (a component ÷ its total × 100), ``ratio`` (a figure ÷ the one it is
    paired with in the same unit × 100, e.g. units completed ÷ started), ``per_unit`` (the same
    across units, e.g. households per project), ``change`` (value − baseline) and
    ``relative_change`` ((value − baseline) ÷ baseline × 100). ``source`` says where the inputs
    come from: ``plan``, ``evidence``, or ``evidence and plan``.

    Columns: ratio_id, kind, source, action_id, target_id, fact_id, period, description, value,
    unit, unit_label, input_kind (the unit kind of the numerator: money, count, …), formula (in
    ids), calculation (in figures), inputs (ids).

    >>> import linyi_analysis as la
    >>> r = la.derived_ratios().set_index("ratio_id")
    >>> r.at["kg_veteran_subsidy:relative_change", "calculation"]
    '(5,000 − 4,500) / 4,500 × 100 = 11.1'
    """
    tables = load_tables(data_dir)
    units = tables["units"].set_index("unit")
    label, kind_of = units["label"].to_dict(), units["kind"].astype(str).to_dict()
    targets, evidence = tables["targets"], tables["evidence"]
    by_id, facts = targets.set_index("target_id"), evidence.set_index("fact_id")
    percent = ("percent", "%")
    rows = []

    for _, t in targets.iterrows():
        tid, unit = t["target_id"], str(t["unit"])
        common = {"source": "plan", "subject": t, "input_kind": kind_of[unit], "target_id": tid}
        if not pd.isna(t["part_of"]):
            total = by_id.loc[t["part_of"]]
            q = _quotient(tid, t["value"], t["part_of"], total["value"], percent=True)
            if q:
                rows.append(
                    _row(
                        "share",
                        **common,
                        unit=percent[0],
                        unit_label=percent[1],
                        **q,
                        description=f"{t['indicator']}: share of {total['indicator']}",
                    )
                )
        if not pd.isna(t["ratio_to"]):
            den = by_id.loc[t["ratio_to"]]
            den_unit = str(den["unit"])
            same = den_unit == unit
            q = _quotient(tid, t["value"], t["ratio_to"], den["value"], percent=same)
            per = (f"{unit}_per_{singular(den_unit)}", f"{label[unit]} per {singular(label[den_unit])}")
            unit_id, unit_label = percent if same else per
            if q:
                rows.append(
                    _row(
                        "ratio" if same else "per_unit",
                        **common,
                        unit=unit_id,
                        unit_label=unit_label,
                        **q,
                        description=f"{t['indicator']} ÷ {den['indicator']}",
                    )
                )
        if t["comparator"] == "from_to" and not pd.isna(t["baseline"]):
            v, b = human_number(t["value"], exact=True), human_number(t["baseline"], exact=True)
            inputs = (f"{tid}.value", f"{tid}.baseline")
            change = float(t["value"]) - float(t["baseline"])
            rows.append(
                _row(
                    "change",
                    **common,
                    value=change,
                    unit=unit,
                    unit_label=label[unit],
                    formula=f"{tid}.value − {tid}.baseline",
                    calculation=f"{v} − {b}",
                    inputs=inputs,
                    description=f"{t['indicator']}: rise from the baseline",
                )
            )
            if t["baseline"]:
                rows.append(
                    _row(
                        "relative_change",
                        **common,
                        value=change / float(t["baseline"]) * 100,
                        unit=percent[0],
                        unit_label=percent[1],
                        formula=f"({tid}.value − {tid}.baseline) / {tid}.baseline × 100",
                        calculation=f"({v} − {b}) / {b} × 100",
                        inputs=inputs,
                        description=f"{t['indicator']}: relative rise from the baseline",
                    )
                )

    for _, f in evidence.iterrows():
        fid = f["fact_id"]
        common = {"subject": f, "input_kind": kind_of[str(f["unit"])], "fact_id": fid}
        if not pd.isna(f["part_of"]):
            whole = facts.loc[f["part_of"]]
            q = _quotient(fid, f["value"], f["part_of"], whole["value"], percent=True)
            if q:
                rows.append(
                    _row(
                        "share",
                        "evidence",
                        **common,
                        unit=percent[0],
                        unit_label=percent[1],
                        **q,
                        description=f"{f['topic']}: share of {whole['topic']}",
                    )
                )
        if f["relation"] == "component":  # a part of a target's quantity
            t = by_id.loc[f["target_id"]]
            q = _quotient(fid, f["value"], f["target_id"], t["value"], percent=True)
            if q:
                rows.append(
                    _row(
                        "share",
                        "evidence and plan",
                        **common,
                        unit=percent[0],
                        unit_label=percent[1],
                        **q,
                        target_id=f["target_id"],
                        description=f"{f['topic']}: share of the plan's {t['indicator'].lower()}",
                    )
                )

    out = pd.DataFrame(rows, columns=RATIO_COLUMNS)
    out["value"] = out["value"].astype("Float64")
    for col in [c for c in RATIO_COLUMNS if c != "value"]:
        out[col] = out[col].astype("str")
    return out


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
    "formula",
    "calculation",
    "source",
    "published",
    "url",
    "quote",
]


def spending_ratios(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every spending ratio in one tidy frame, each row with its source.

    ``kind`` is ``target`` (the plan's spending-share target: the target that reported
    spending shares in evidence.csv inform), ``reported`` (the reported share in a period,
    ``target_id`` naming the target it is set against) or ``derived`` (a ratio of money
    figures from :func:`derived_ratios`, with its formula). Values are in percent.

    Columns: kind, target_id, fact_id, ratio_id, period, indicator, value, unit, comparator,
    formula, calculation, source, published, url, quote (the article's words, or the Chinese
    passage).

    >>> import linyi_analysis as la
    >>> s = la.spending_ratios()
    >>> s.loc[s["kind"] == "target", ["value", "comparator"]].values.tolist()
    [[80.0, '>=']]
    >>> s.loc[s["kind"] == "reported", ["period", "value"]].values.tolist()
    [['2011', 60.4], ['2014-H1', 69.0], ['2019-H1', 82.0], ['2022-01/2022-02', 80.8], ['2025-Q1', 83.1]]
    """
    tables = load_tables(data_dir)
    targets, evidence = tables["targets"], tables["evidence"]
    cite = citation()
    plan_source = f"{cite['outlet']}, {cite['date']} (the plan)"

    reported = evidence[evidence["kind"] == "spending_share"]
    reported = reported.iloc[
        sorted(range(len(reported)), key=lambda i: period_sort_key(reported["period"].iloc[i]))
    ]
    wanted = set(reported["target_id"].dropna())
    share_targets = targets[targets["target_id"].isin(wanted)]
    rows = [
        {
            "kind": "target",
            "target_id": t["target_id"],
            "period": t["period"],
            "indicator": t["indicator"],
            "value": t["value"],
            "unit": str(t["unit"]),
            "comparator": t["comparator"],
            "source": plan_source,
            "published": cite["date"],
            "url": cite["url"],
            "quote": t["quote"],
        }
        for _, t in share_targets.iterrows()
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
            "source": f"{f['publisher']}, {f['published']}",
            "published": f["published"],
            "url": f["url"],
            "quote": f["quote_zh"],
        }
        for _, f in reported.iterrows()
    ]
    ratios = derived_ratios(data_dir)
    money = ratios[(ratios["input_kind"] == "money") & (ratios["unit"] == "percent")]
    fact_source = evidence.set_index("fact_id")
    for _, r in money.iterrows():
        if r["source"] == "plan":
            source, published, url = plan_source, cite["date"], cite["url"]
        else:
            f = fact_source.loc[r["fact_id"]]
            source, published, url = f"{f['publisher']}, {f['published']}", f["published"], f["url"]
        rows.append(
            {
                "kind": "derived",
                "target_id": r["target_id"],
                "fact_id": r["fact_id"],
                "ratio_id": r["ratio_id"],
                "period": r["period"],
                "indicator": r["description"],
                "value": r["value"],
                "unit": r["unit"],
                "formula": r["formula"],
                "calculation": r["calculation"],
                "source": f"derived from {source}",
                "published": published,
                "url": url,
            }
        )
    out = pd.DataFrame(rows, columns=SPENDING_COLUMNS)
    out["value"] = out["value"].astype("Float64")
    for col in [c for c in SPENDING_COLUMNS if c != "value"]:
        out[col] = out[col].astype("str")
    return out
