"""The report site's ``index.html``: every report, linked, with its headline numbers.

:func:`headlines` computes the numbers from the data (the same snapshot the notebooks read);
:func:`render` writes the page. Every piece of text in it is escaped, the page has no script
and loads nothing: its links are to the reports, notebooks and charts beside it, and to the
source article.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..plan import Plan
from ..tables import cell_html, number, percent


@dataclass
class Entry:
    """One report on the index: its name (file stem), title, numbers and files."""

    name: str
    title: str
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (label, value as text)
    #: Groups of (label, relative href), each kept on one line (a chart's PNG with its CSV).
    files: list[list[tuple[str, str]]] = field(default_factory=list)


def headlines(plan: Plan, actions: list[str]) -> dict[str, list]:
    """Headline numbers per report: ``overview``, ``goals`` (the overall goals, which have no page
    of their own) and each action id → [(label, value), …]. Commitments are counted as
    :func:`linyi_analysis.delivery.commitments` defines them, so the overview's counts are the
    sums over the goals and the actions."""
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
            ("commitments", number(summary["targets"].sum())),
            (
                "measures with a number",
                percent(mine["quantified_measures"].sum() / mine["measures"].sum() * 100),
            ),
            ("figures checked against official sources", number(len(corroborated))),
            ("commitments the article gives two different figures for", number(len(discrepancies))),
            ("delivery (public evidence)", _statuses(tracker)),
        ]
    }
    for action in [a for a in summary.index if a == "goals"] + list(actions):
        row = summary.loc[action]
        numbers = [] if action == "goals" else [("measures", number(row["measures"]))]
        out[action] = [
            *numbers,
            ("commitments", number(row["targets"])),
            *([] if action == "goals" else [("measures with a number", percent(row["quantified_percent"]))]),
            ("kinds of commitment", str(row["kinds"]) or "none"),
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


def latest_search(plan: Plan) -> str:
    """The date of the latest search for public evidence, from the data (``''`` if none)."""
    return max((d for d in plan.delivery()["freshness"].astype(str) if d), default="")


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d1d1f; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin: 0 0 0.5rem; }
p.source { color: #555; margin-top: 0; overflow-wrap: anywhere; }
section.report { border-top: 1px solid #ddd; padding: 16px 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dt { color: #555; } dd { margin: 0; font-variant-numeric: tabular-nums; }
@media (max-width: 600px) { dl { grid-template-columns: 1fr; } dd { margin-bottom: 6px; } }
a { color: #0a58ca; }
p.files { margin: 10px 0 0; }
.files .group { display: inline-block; white-space: nowrap; margin-right: 1.2em; }
.date { white-space: nowrap; }
p.intro { font-size: 1.05rem; }
footer { color: #666; font-size: 0.85rem; margin-top: 2rem; }
"""


def render(
    entries: list[Entry],
    *,
    title: str,
    source: str,
    intro: str = "",
    source_url: str = "",
    footer: str,
    data_sha256: str = "",
    preface: str = "",
) -> str:
    """The index page: a heading, ``intro`` (one sentence on what the site is), the source line (``source``, then ``source_url`` as a link),
    ``preface`` (HTML, already escaped: the changes since the previous run), one section per
    entry (its title linked to its report, its numbers, its files), a footer; ``data_sha256``
    (the data the site was built from) goes in a ``<meta name="linyi-data-sha256">``."""
    e = html.escape
    sections = []
    for entry in entries:
        main_href = next((h for g in entry.files for _, h in g if ".html" in h), None)
        name = f'<a href="{e(main_href)}">{e(entry.title)}</a>' if main_href else e(entry.title)
        numbers = "".join(f"<dt>{e(label)}</dt><dd>{cell_html(value)}</dd>" for label, value in entry.numbers)
        files = " ".join(
            '<span class="group">'
            + " · ".join(f'<a href="{e(h)}">{e(label)}</a>' for label, h in group)
            + "</span>"
            for group in entry.files
        )
        sections.append(
            f'<section class="report" id="{e(entry.name)}"><h2>{name}</h2><dl>{numbers}</dl><p class="files">{files}</p></section>'
        )
    body = "\n".join(sections)
    link = (
        f' <a href="{e(source_url)}">{e(source_url)}</a>'
        if source_url.startswith(("https://", "http://"))
        else ""
    )
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
{f'<p class="intro">{e(intro)}</p>' if intro else ""}
<p class="source">{e(source)}{link}</p>
{preface}{body}
<footer>{e(footer)}</footer>
</main>
</body>
</html>
"""
