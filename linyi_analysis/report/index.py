"""The report site's ``index.html``: every report, linked, with its headline numbers.

:func:`headlines` computes the numbers from the data (the same snapshot the notebooks read);
:func:`render` writes the page. Every piece of text in it is escaped, the page has no script
and loads nothing: its only links are to the reports, notebooks and charts beside it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..plan import Plan
from ..tables import number, percent


@dataclass
class Entry:
    """One report on the index: its name (file stem), title, numbers and files."""

    name: str
    title: str
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (label, value as text)
    files: list[tuple[str, str]] = field(default_factory=list)  # (label, relative href)


def headlines(plan: Plan, actions: list[str]) -> dict[str, list]:
    """Headline numbers per report: ``overview`` and each action id → [(label, value), …]."""
    from .. import analysis, audit

    summary = analysis.summary_by_action(plan).set_index("action_id")
    mine = summary.loc[[a for a in summary.index if a != "goals"]]
    discrepancies = audit.discrepancies(plan)
    corroborated = analysis.corroboration(plan)
    tracker = plan.delivery()
    out = {
        "overview": [
            ("actions", number(len(mine))),
            ("measures", number(mine["measures"].sum())),
            ("targets", number(summary["targets"].sum())),
            (
                "measures with a number",
                percent(mine["quantified_measures"].sum() / mine["measures"].sum() * 100),
            ),
            ("figures checked against official sources", number(len(corroborated))),
            ("contradictions in the article", number(len(discrepancies))),
            ("delivery (public evidence)", _statuses(tracker)),
        ]
    }
    for action in actions:
        row = summary.loc[action]
        out[action] = [
            ("measures", number(row["measures"])),
            ("targets", number(row["targets"])),
            ("measures with a number", percent(row["quantified_percent"])),
            ("kinds of target", str(row["kinds"]) or "none"),
            ("delivery (public evidence)", _statuses(tracker[tracker["action_id"] == action])),
        ]
    return out


def _statuses(tracker) -> str:
    """``1 met, 1 exceeded, 5 no public evidence (searched up to 2026-11-28)``: the delivery
    statuses of some commitments, counted, with the date of the latest search covering them."""
    counts = tracker["status"].value_counts(sort=False)
    shown = [f"{number(n)} {status}" for status, n in counts.items() if n]
    searched = max((d for d in tracker["freshness"].astype(str) if d), default="")
    return ", ".join(shown or ["no commitments"]) + (f" (searched up to {searched})" if searched else "")


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d1d1f; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
p.source { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f4f4f6; }
td.num { white-space: nowrap; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0; }
dt { color: #555; } dd { margin: 0; font-variant-numeric: tabular-nums; }
a { color: #0a58ca; }
.files a { margin-right: 0.6em; white-space: nowrap; }
footer { color: #666; font-size: 0.85rem; margin-top: 2rem; }
"""


def render(
    entries: list[Entry], *, title: str, source: str, footer: str, data_sha256: str = "", preface: str = ""
) -> str:
    """The index page: a heading, the source line, ``preface`` (HTML, already escaped: the changes
    since the previous run), one table row per entry, a footer; ``data_sha256`` (the data the site
    was built from) goes in a ``<meta name="linyi-data-sha256">``."""
    e = html.escape
    rows = []
    for entry in entries:
        main_href = next((href for label, href in entry.files if href.endswith(".html")), None)
        name = f'<a href="{e(main_href)}">{e(entry.title)}</a>' if main_href else e(entry.title)
        numbers = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in entry.numbers)
        files = " ".join(f'<a href="{e(href)}">{e(label)}</a>' for label, href in entry.files)
        rows.append(
            f"<tr><td><strong>{name}</strong></td><td><dl>{numbers}</dl></td>"
            f'<td class="files">{files}</td></tr>'
        )
    body = "\n".join(rows)
    meta = f'<meta name="linyi-data-sha256" content="{e(data_sha256)}">\n' if data_sha256 else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{meta}<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{e(title)}</h1>
<p class="source">{e(source)}</p>
{preface}<table>
<thead><tr><th>Report</th><th>Headline numbers</th><th>Files</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
<footer>{e(footer)}</footer>
</main>
</body>
</html>
"""
