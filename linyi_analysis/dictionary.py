"""The data dictionary, generated from ``datapackage.json``: as a DataFrame (:func:`describe`)
and in Markdown (the README embeds it).

``python -m linyi_analysis.dictionary`` prints the Markdown; a test keeps the README's copy in step.
"""

from __future__ import annotations

import pandas as pd

from .errors import ParameterError
from .resources import datapackage

#: Columns :func:`linyi_analysis.load_plan` adds to ``targets`` (type, meaning).
ADDED = {
    "targets": [
        ("action_name", "string", "The action's clean English name (actions.name)"),
        ("measure_name", "string", "The measure's clean English name (measures.name); empty for the goals"),
        ("unit_label", "string", "Short label of the unit for tables and charts (units.label)"),
        ("unit_kind", "string", "What the unit measures (units.kind)"),
        ("target_kind", "string", "The unit kind, or `range` or `change` by the comparator"),
        (
            "restates",
            "boolean",
            "A lead-paragraph row restating a body row with the same figure: the same commitment, counted once",
        ),
        (
            "contradicts",
            "boolean",
            "A row whose counterpart in the other part of the article states another figure: its own commitment",
        ),
        ("label", "string", "The commitment as a person reads it, e.g. `≥ 2.2 bn yuan`"),
    ]
}


def describe(name: str) -> pd.DataFrame:
    """The data dictionary of one table as a DataFrame: column, type, unit, constraints, meaning.

    For ``targets`` it also lists the columns :func:`~linyi_analysis.load_plan` adds (their
    constraints say ``added by load_plan``).

    >>> import linyi_analysis as la
    >>> la.describe("targets").set_index("column").at["comparator", "type"]
    'string'
    """
    resources = {r["name"]: r for r in datapackage()["resources"]}
    if name not in resources:
        raise ParameterError(f"no table {name!r}; tables: {', '.join(resources)}")
    rows = [
        (f["name"], f["type"], f.get("unit", ""), _constraints(f), f["description"])
        for f in resources[name]["schema"]["fields"]
    ]
    rows += [(col, typ, "", "added by load_plan", meaning) for col, typ, meaning in ADDED.get(name, [])]
    return pd.DataFrame(rows, columns=["column", "type", "unit", "constraints", "meaning"], dtype="str")


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
