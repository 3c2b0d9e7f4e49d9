"""What changed in the data since a site was built: every table, row by row.

A site carries a copy of the data it was built from (``data/``). :func:`changes` compares it
with the current data, table by table of the data package, rows matched by their primary key
(a table without one: by the whole row): rows added, removed, and changed (each column, old →
new); and the delivery statuses that changed. :func:`as_text` gives it for a terminal or a mail
(``linyi-report --changes``), :func:`as_html` for the top of ``index.html``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from .data import Tables, read_data


def changes(site: Path, data_dir: Path) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each table or file of the data in ``data_dir`` that differs from the
    copy in the site ``site`` (one section saying why, where there is nothing to compare with)."""
    from .site import read_marker, sha256

    marker = read_marker(site) if site.is_dir() else None
    if marker is None or not (site / "data").is_dir():
        return [("Nothing to compare with", ["no earlier site"])]
    listed = {k.removeprefix("data/"): v for k, v in marker["files"].items() if k.startswith("data/")}
    try:
        old, new = read_data(site / "data"), read_data(data_dir)
        if "damaged" in marker or {n: sha256(site / "data" / n) for n in old} != listed:
            raise ValueError("its files are not those the marker lists")
        before, after = Tables(old), Tables(new)
    except Exception as err:  # any damage: nothing to compare with, said in one line
        return [
            (
                "Nothing to compare with",
                [f"the data copy of the earlier site ({site / 'data'}) is damaged: {err}"],
            )
        ]
    keys = {
        r["name"]: r["schema"].get("primaryKey") for r in json.loads(new["datapackage.json"])["resources"]
    }
    out = []
    for table, path in after.path.items():
        old_rows = _by_key(before.rows.get(table, []), keys.get(table))
        new_rows = _by_key(after.rows[table], keys.get(table))
        lines = [f"added {k}" for k in new_rows if k not in old_rows]
        lines += [f"removed {k}" for k in old_rows if k not in new_rows]
        for k, row in new_rows.items():
            was = old_rows.get(k)
            if was is not None and was != row:
                cols = [c for c in dict.fromkeys([*was, *row]) if was.get(c, "") != row.get(c, "")]
                lines.append(
                    f"{k}: " + "; ".join(f"{c}: {was.get(c, '')!r} → {row.get(c, '')!r}" for c in cols)
                )
        if lines:
            out.append((f"{path} ({len(lines)})", lines))
    statuses = _statuses(site / "data", data_dir)
    if statuses:
        out.append((f"Delivery statuses changed ({len(statuses)})", statuses))
    return out


def _by_key(rows, key: list[str] | None) -> dict[str, dict]:
    if key:
        return {" ".join(row.get(k, "") for k in key): row for _, row in rows}
    return {repr(tuple(row.values())): row for _, row in rows}  # no primary key: the whole row


def _statuses(old: Path, new: Path) -> list[str]:
    """``target: old status → new status`` for each commitment whose delivery status changed."""
    from ..errors import Error
    from ..plan import load_plan

    try:
        found = [load_plan(d).delivery() for d in (old, new)]
    except Error:  # an earlier copy that the rules of today refuse: no statuses to compare
        return []
    before, after = (
        dict(zip(d["target_id"].astype(str), d["status"].astype(str), strict=True)) for d in found
    )
    return [
        f"{t}: {before.get(t, '(none)')} → {after.get(t, '(none)')}"
        for t in sorted(set(before) | set(after))
        if before.get(t) != after.get(t)
    ]


def as_text(sections: list[tuple[str, list[str]]], where: str) -> str:
    """The changes for a terminal or a mail."""
    if not sections:
        return f"Changes in the data since {where} was built: none.\n"
    lines = [f"Changes in the data since {where} was built:"]
    for heading, items in sections:
        lines += [f"{heading}:", *(f"  - {item}" for item in items)]
    return "\n".join(lines) + "\n"


def as_html(sections: list[tuple[str, list[str]]]) -> str:
    """The changes as a section for the top of ``index.html`` (every text escaped)."""
    e = html.escape
    parts = ['<section id="changes"><h2>Changes in the data since the previous run</h2>']
    if not sections:
        parts.append("<p>No change.</p>")
    for heading, items in sections:
        parts.append(f"<h3>{e(heading)}</h3><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
    return "".join(parts) + "</section>\n"
