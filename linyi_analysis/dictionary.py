"""The data dictionary: every frame the API returns, as a DataFrame (:func:`describe`), and the
CSV files' columns from ``datapackage.json`` in Markdown (the README embeds it).

``python -m linyi_analysis.dictionary`` prints the Markdown; a test keeps the README's copy in step.
"""

from __future__ import annotations

import pandas as pd

from .errors import UnknownTable
from .plan import Plan, load_plan
from .ratios import derived_ratios, spending_ratios
from .resources import datapackage

#: The meaning (and unit) of each column the package adds or derives, by frame; the columns of
#: the CSV files are described in ``datapackage.json``. A period column's ``_start`` and ``_end``
#: dates are described by :func:`_meaning`.
MEANINGS = {
    "targets": {
        "action_name": "The action's clean English name (actions.name)",
        "measure_name": "The measure's clean English name (measures.name); empty for the goals",
        "unit_label": "Short label of the unit for tables and charts (units.label)",
        "unit_kind": "What the unit measures (units.kind)",
        "target_kind": "The unit kind, or `range` or `change` by the comparator",
        "restates": "A lead-paragraph row restating a body row with the same figure: the same commitment, counted once",
        "contradicts": "A row whose counterpart in the other part of the article states another figure: its own commitment",
        "label": "The commitment as a person reads it, e.g. `≥ 2.2 bn yuan`",
    },
    "derived_ratios": {
        "ratio_id": "`numerator:kind:denominator`, unique",
        "kind": "share, ratio, per_unit, change, relative_change, remainder, difference, relative_difference or delivered (la.derived_ratios explains each)",
        "source": "What the figures come from: plan, evidence, or evidence and plan",
        "action_id": "The action the ratio is about",
        "target_id": "The target it is about (empty for evidence alone)",
        "fact_id": "The evidence fact it is about (empty for the plan alone)",
        "numerator": "Id of the figure divided (or subtracted from)",
        "denominator": "Id of the figure divided by (or subtracted); `baseline` or `parts` for a target's own",
        "period": "Period of the numerator's figure (ISO text)",
        "description": "What the ratio is, in words",
        "value": "The ratio; empty when its denominator is zero",
        "unit": "Unit of value: `percent` (0–100), a unit of the plan, or `x_per_y`",
        "unit_label": "Short label of the unit",
        "input_kind": "The numerator's unit kind (count, money, percent, length, area)",
        "formula": "The formula, in ids",
        "calculation": "The formula in figures, with its result",
    },
    "spending_ratios": {
        "kind": "target (the plan's spending-share target), reported (a share the city reported) or derived (a spending amount as a share of another)",
        "target_id": "The plan's target the row bears on",
        "fact_id": "The evidence fact (reported and derived rows)",
        "ratio_id": "The derived ratio (derived rows; la.derived_ratios)",
        "period": "Period of the share (ISO text)",
        "indicator": "What the share is, in words",
        "value": "The share, 0–100",
        "unit": "Unit of value (`percent`)",
        "comparator": "How the target states it (`>=`: a floor); `=` for a reported share",
        "denominator": "What the share is a share of (the reports use different expenditures)",
        "calculation": "How a derived share is worked out, in figures",
        "source": "Publisher and date of the figure",
        "published": "When the source was published",
        "url": "The source's address",
        "quote": "The article's words, or the Chinese passage stating the figure",
    },
    "delivery": {
        "action_id": "The commitment's action",
        "target_id": "The commitment (a target's id)",
        "indicator": "What is committed, in words",
        "commitment": "The commitment as a person reads it, e.g. `≥ 5,000 people`",
        "committed_value": "The figure met or exceeded is judged against: the value, or a range's upper end",
        "unit_label": "Short label of the commitment's unit",
        "status": "Evidence status: met, exceeded, not met, in progress, plan confirmed or no public evidence",
        "reached_by": "The day by which a figure counted so far reached a cumulative commitment (YYYY-MM-DD); empty otherwise",
        "evidence_figure": "The deciding fact's figure, as a person reads it",
        "evidence_value": "The deciding fact's figure, in the commitment's unit",
        "evidence_period": "Period of the deciding fact (ISO text)",
        "fact_id": "The deciding fact",
        "period_kind": "as of date, partial year, full year or multi-year (of the deciding fact's period)",
        "rule": "The rule applied, in words, naming every fact",
        "fact_ids": "Every fact on the commitment, space-separated, the deciding one first",
        "context": "Linked facts that cannot decide, each with the reason",
        "publisher": "Publisher of the deciding fact",
        "published": "When it was published",
        "url": "Its address",
        "source_type": "Its kind of source (official document … repost)",
        "repost_only": "The status rests only on reposts",
        "freshness": "Date of the latest search covering the commitment (YYYY-MM-DD); empty if none did",
        "searches": "Those searches' ids, space-separated",
    },
}
#: Frames that are not tables of the data package, by name: how to get each from a plan.
FRAMES = {"derived_ratios": derived_ratios, "spending_ratios": spending_ratios, "delivery": Plan.delivery}


def describe(name: str) -> pd.DataFrame:
    """The data dictionary of one frame the API returns: column, dtype (pandas', read from the
    frame itself), unit, meaning, constraints (the full vocabulary of a coded column: a frame's
    categoricals hold only its own values).

    ``name`` is a table (``targets`` with the columns :func:`~linyi_analysis.load_plan` adds,
    ``evidence``, …), ``derived_ratios``, ``spending_ratios`` or ``delivery`` (``plan.delivery()``).

    >>> import linyi_analysis as la
    >>> la.describe("spending_ratios").set_index("column").loc["period_start", ["dtype", "unit"]].tolist()
    ['datetime64[s]', 'date']
    """
    tables = {r["name"]: r for r in datapackage()["resources"]}
    if not isinstance(name, str) or name not in [*tables, *FRAMES]:
        raise UnknownTable(f"no frame {name!r}; frames: {', '.join([*tables, *FRAMES])}")
    plan = load_plan()
    frame = FRAMES[name](plan) if name in FRAMES else plan.table(name)
    fields = {f["name"]: f for f in tables[name]["schema"]["fields"]} if name in tables else {}
    rows = [(col, str(frame[col].dtype), *_meaning(name, col, fields)) for col in frame.columns]
    return pd.DataFrame(rows, columns=["column", "dtype", "unit", "meaning", "constraints"], dtype="str")


def _meaning(name: str, col: str, fields: dict) -> tuple[str, str, str]:
    """(unit, meaning, constraints) of a column."""
    for end, which in (("_start", "first"), ("_end", "last")):
        if col.endswith(end) and col.removesuffix(end) in [*fields, *MEANINGS.get(name, {})]:
            return "date", f"The {which} day of `{col.removesuffix(end)}`", ""
    if col in fields:
        f = fields[col]
        return f.get("unit", ""), f["description"], _constraints(f)
    return "", MEANINGS[name][col], ""


def _constraints(field: dict) -> str:
    c = field.get("constraints", {})
    parts = []
    if c.get("required"):
        parts.append("required")
    if c.get("unique"):
        parts.append("unique")
    if "enum" in c:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    if "minimum" in c:
        parts.append(f"≥ {c['minimum']}")
    if "maximum" in c:
        parts.append(f"≤ {c['maximum']}")
    return "; ".join(parts)


def added_markdown() -> str:
    """The columns of the frames beyond the CSV files' (what ``load_plan`` adds, the period
    dates, the derived frames), as a Markdown table: `frame.column`, dtype, unit, meaning."""
    lines = ["| column | dtype | unit | meaning |", "|---|---|---|---|"]
    for res in [*datapackage()["resources"], *({"name": n} for n in FRAMES)]:
        in_csv = {f["name"] for f in res.get("schema", {}).get("fields", [])}
        for row in describe(res["name"]).itertuples():
            if row.column not in in_csv:
                meaning = row.meaning.replace("|", "\\|")
                lines.append(f"| `{res['name']}.{row.column}` | {row.dtype} | {row.unit} | {meaning} |")
    return "\n".join(lines)


def markdown() -> str:
    """Every column of every table: name, type, unit, constraints, meaning."""
    out = []
    for res in datapackage()["resources"]:
        out += [f"#### `{res['path']}` — {res['title']}", ""]
        out += ["| column | type | unit | constraints | meaning |", "|---|---|---|---|---|"]
        for f in res["schema"]["fields"]:
            meaning = f["description"].replace("|", "\\|")
            constraints = _constraints(f).replace("|", "\\|")
            out.append(f"| `{f['name']}` | {f['type']} | {f.get('unit', '')} | {constraints} | {meaning} |")
        for fk in res["schema"].get("foreignKeys", []):
            ref = fk["reference"]["resource"] or res["name"]
            out.append(f"\n`{fk['fields'][0]}` refers to `{ref}.{fk['reference']['fields'][0]}`.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
