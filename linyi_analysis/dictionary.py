"""The data dictionary in Markdown, generated from ``datapackage.json`` (the README embeds it).

``python -m linyi_analysis.dictionary`` prints it; a test keeps the README's copy in step.
"""

from __future__ import annotations

from .resources import datapackage


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
