"""The plan as tables for reading in a notebook: figures written in full, with their units.

Each function takes a :class:`~linyi_analysis.plan.Plan` (whole, or cut to one action with
``plan.action(id)``) and returns a view: a DataFrame of formatted strings with a fixed text
form, so a notebook's stored outputs stay the same from run to run (nbval compares them), and
data text is always escaped in HTML. For numbers to compute with, use the plan's frames.

>>> import linyi_analysis as la
>>> from linyi_analysis import tables
>>> tables.targets(la.load_plan().action("employment"))["Target"].tolist()[:2]
['47,300 posts', '42,000 posts']
>>> tables.quantity(2200000000, "yuan"), tables.quantity(85, "%")
('2,200,000,000 yuan', '85%')

Each view is a :class:`View`: a DataFrame (indexed by the rows' ids, for code) that shows in
full whatever pandas' display options are, without its index, and as one sentence when it has no
rows. ``show_figure(fig, alt=…)`` shows a chart as a PNG with alt text (and saves it, with its
data, when asked); ``heading(plan)`` is an action's name as an escaped heading.
"""

from __future__ import annotations

import html
import io
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pandas as pd

from .formatting import human_number, human_value, plain, target_label
from .plan import Plan, require_action, require_plan

#: A web address in data text (shown as a link), and a date or period written with hyphens
#: (2022-06-30, 2022-01/2022-02, 2014-H1: kept on one line).
_URL = re.compile(r"https?://[^\s<>\"'()]+[^\s<>\"'().,;:]")
_DATE = re.compile(
    r"\b\d{4}-(?:\d{2}(?:-\d{2})?|H[12]|Q[1-4])(?:/\d{4}-(?:\d{2}(?:-\d{2})?|H[12]|Q[1-4]))?\b"
)


def cell_html(text) -> str:
    """Data text as HTML: escaped, each web address a link, each date on one line.

    >>> cell_html("x <b> http://a.cn/1?a=1&b=2, 2022-06-30")
    'x &lt;b&gt; <a href="http://a.cn/1?a=1&amp;b=2">http://a.cn/1?a=1&amp;b=2</a>, <span class="date">2022-06-30</span>'
    """
    out, at = [], 0
    text = str(text)
    for m in _URL.finditer(text):
        out.append(_dates(text[at : m.start()]))
        url = html.escape(m.group())
        out.append(f'<a href="{url}">{url}</a>')
        at = m.end()
    out.append(_dates(text[at:]))
    return "".join(out)


def _dates(text: str) -> str:
    return _DATE.sub(lambda m: f'<span class="date">{m.group()}</span>', html.escape(text))


class View(pd.DataFrame):
    """A table for reading: text cells, indexed by the rows' ids (for code, never shown).

    It shows every row and whole cell texts whatever pandas' display options are (set for this
    table only), leaves out the index and the columns empty in every row, and shows
    :attr:`when_empty` instead of a table without rows. Operations on it give plain DataFrames.

    >>> View({"Fact": ["a <b>", ""]}, index=["id_1", "id_2"], dtype="str")._repr_html_().count("<tr")
    3
    >>> View({"Fact": []}, dtype="str", when_empty="Nothing found.")._repr_html_()
    '<p>Nothing found.</p>'
    """

    _metadata: ClassVar[list[str]] = ["when_empty"]  # kept by pandas when it copies the frame

    def __init__(self, *args, when_empty: str = "No rows.", **kwargs):
        super().__init__(*args, **kwargs)
        self.when_empty = when_empty

    def _shown(self) -> pd.DataFrame:
        return pd.DataFrame(self).loc[:, [c for c in self.columns if self[c].ne("").any()]]

    def _repr_html_(self) -> str:
        if not len(self):
            return f"<p>{html.escape(self.when_empty)}</p>"
        shown = self._shown()
        names = [html.escape(str(c)) for c in shown.columns]
        head = "".join(f"<th>{n}</th>" for n in names)
        rows = "".join(
            "<tr>"
            + "".join(f'<td data-label="{n}">{cell_html(v)}</td>' for n, v in zip(names, row, strict=True))
            + "</tr>\n"
            for row in shown.itertuples(index=False)
        )
        # A narrow screen stacks each row as "label: value" (the page's CSS reads data-label).
        return f'<table class="dataframe linyi-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>'

    def __repr__(self) -> str:
        return self._shown().to_string(index=False) if len(self) else self.when_empty


_COMPARATORS = {"=": "", ">=": "≥ ", ">": "> "}
_PART = {"headline": "the article's opening paragraph", "body": "the body"}
_FROM = {
    "plan": "the plan",
    "evidence": "official figures",
    "evidence and plan": "the plan and official figures",
}
#: Ratios that are a change, written with their sign as the charts write them (+11.1%).
_CHANGES = ("change", "relative_change")
_SPENDING_KINDS = {"target": "the plan's floor", "derived": "worked out from amounts"}
#: How a fact bears on its target (``evidence.relation``), in words.
_RELATIONS = {
    "outcome": "what was delivered",
    "same_figure": "the plan's figure, stated independently",
    "component": "a part of it",
    "history": "the same indicator, another period",
    "progress": "counted so far",
    "related": "a related figure",
    "context": "background",
}


def number(value) -> str:
    """A figure written out in full with thousands separators: ``47300`` → ``'47,300'``.

    (:func:`linyi_analysis.formatting.human_number` with ``exact=True``; charts use its short
    form, 47.3k.)

    >>> number(2490000.0), number(83.1), number(None)
    ('2,490,000', '83.1', 'n/a')
    """
    return human_number(value, exact=True)


def quantity(value, label: str) -> str:
    """A figure in full with its unit label; percentages are written ``85%``.

    >>> quantity(5300, "posts"), quantity(80, "%")
    ('5,300 posts', '80%')
    """
    return human_value(value, label, exact=True) if label else number(value)


def derived(value, label: str) -> str:
    """A derived figure (a ratio, share or rise) for reading: to 0.1, as its calculation rounds it.

    >>> derived(88.79492600422833, "%"), derived(77, "%"), derived(24653.465346534653, "people per project")
    ('88.8%', '77.0%', '24,653.5 people per project')
    """
    if value is None or pd.isna(value):
        return number(None)
    return percent(value) if label == "%" else quantity(round(float(value), 1), label)


def percent(value, digits: int = 1) -> str:
    """A derived percentage (0–100) for reading, to 0.1 as every derived share is written:
    ``66.666`` → ``'66.7%'``; ``'n/a'`` without a value.

    >>> percent(200 / 3), percent(50), percent(None)
    ('66.7%', '50.0%', 'n/a')
    """
    if value is None or pd.isna(value):
        return number(None)
    return f"{float(value):,.{digits}f}%"


def commitment(row: Mapping, label: str) -> str:
    """What a target row commits to, in full figures with its unit ``label`` (for tables).

    :func:`linyi_analysis.formatting.target_label` with every digit written:
    ``=`` → ``2,000 beds``; ``>=`` → ``≥ 80%``; ``range`` → ``10–15 towns a year``;
    ``increase_by`` → ``+10%``; ``from_to`` → ``4,500 → 5,000 yuan a year``.

    >>> commitment({"comparator": "range", "value_min": 1, "value_max": 2}, "counties")
    '1–2 counties'
    """
    return target_label({**row, "unit_label": label}, exact=True)


def _labels(frame: pd.DataFrame, plan: Plan, unit_column: str = "unit") -> list[str]:
    """The unit label of each row: its ``unit_label`` column, else the label in ``units.csv``."""
    if "unit_label" in frame.columns:
        return [str(v) for v in frame["unit_label"]]
    units = plan.units
    labels = dict(zip(units["unit"].astype(str), units["label"].astype(str), strict=True))
    return [labels.get(str(u), str(u)) for u in frame[unit_column]]


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _view(columns: dict[str, list], index: list, name: str, when_empty: str) -> View:
    return View(
        columns, index=pd.Index([str(v) for v in index], name=name), dtype="str", when_empty=when_empty
    )


def _sentence(name) -> str:
    """A ratio's name as a reader writes it: a capital first letter, and an indicator named
    after "share of" in lower case ("share of urban and rural posts", not "share of Urban…")."""
    name = re.sub(r"(share of )([A-Z])(?=[a-z])", lambda m: m[1] + m[2].lower(), plain(name))
    return name[:1].upper() + name[1:]


def targets(plan: Plan, kind: str | None = None) -> View:
    """The plan's targets for reading, one row per commitment (a lead-paragraph row restating a
    body row counts once, as :func:`linyi_analysis.delivery.commitments` says), indexed by
    ``target_id``.

    ``kind``: only targets of that kind (``target_kind``: ``percent``, ``money``, ``range``,
    ``change``…). Columns: Indicator, Target (the commitment with its unit, every digit),
    Scope, Year, Stated in (lead paragraph, body, or both).
    """
    require_plan(plan, "targets()")
    from .delivery import commitments

    t, alias = commitments(plan.targets)
    both = set(alias.values())
    if kind is not None:
        t = t[t["target_kind"].astype(str) == kind]
    return _view(
        {
            "Indicator": [plain(v) for v in t["indicator"]],
            "Target": [target_label(r, exact=True) for r in t.to_dict("records")],
            "Scope": [str(v).replace("_", " ") for v in t["scope"]],  # central_city reads "central city"
            "Year": [str(v) for v in t["period"]],
            "Stated in": [
                "the opening paragraph and the body" if i in both else _PART.get(str(v), str(v))
                for i, v in zip(t["target_id"], t["source_part"], strict=True)
            ],
        },
        t["target_id"],
        "target",
        "No quantified targets.",
    )


def summary(plan: Plan) -> View:
    """:func:`linyi_analysis.analysis.summary_by_action` for reading, one row per action.

    >>> import linyi_analysis as la
    >>> summary(la.load_plan()).loc["education", "Measures with a number"]
    '2 of 4 (50.0%)'
    """
    require_plan(plan, "summary()")
    from .analysis import summary_by_action

    s = summary_by_action(plan)
    return _view(
        {
            "Action": [str(v) for v in s["name"]],
            "Measures": [number(v) for v in s["measures"]],
            "Measures with a number": [
                f"{number(q)} of {number(m)} ({percent(p)})" if m else "–"
                for q, m, p in zip(
                    s["quantified_measures"], s["measures"], s["quantified_percent"], strict=True
                )
            ],
            "Commitments": [number(v) for v in s["targets"]],
            "Kinds of commitment": [_text(v) for v in s["kinds"]],
            "Official facts": [number(v) for v in s["evidence"]],
        },
        s["action_id"],
        "action",
        "No actions.",
    )


def measures(plan: Plan) -> View:
    """Measures in the article's order, each with the number of targets attached to it (a
    lead-paragraph row restating a body target is not counted again)."""
    require_plan(plan, "measures()")
    t = plan.targets
    counts = t.loc[~t["restates"], "measure_id"].astype(str).value_counts()
    m = plan.measures
    return _view(
        {
            "No.": [number(v) for v in m["order"]],
            "Measure": [str(v) for v in m["name"]],
            "Commitments": [number(counts.get(str(v), 0)) for v in m["measure_id"]],
        },
        m["measure_id"],
        "measure",
        "The article lists no measures here.",
    )


def ratios(plan: Plan) -> View:
    """:func:`linyi_analysis.ratios.derived_ratios` for reading: what, value, how it is worked out.

    Only the ratios no other table shows: not the differences between two figures (in
    :func:`corroboration` and :func:`discrepancies`), nor what was delivered (:func:`delivery`),
    nor the spending shares (:func:`spending`), nor a remainder of 0 (the parts add up).
    """
    require_plan(plan, "ratios()")
    from .ratios import derived_ratios, spending_ratios

    r = derived_ratios(plan)
    shown_elsewhere = r["kind"].isin(["difference", "relative_difference", "delivered"])
    shown_elsewhere |= r["ratio_id"].isin(spending_ratios(plan.whole)["ratio_id"].dropna())
    shown_elsewhere |= (r["kind"] == "remainder") & (r["value"] == 0)
    r = r[~shown_elsewhere]
    return _view(
        {
            "Ratio": [_sentence(v) for v in r["description"]],
            "Value": [
                signed(round(float(v), 1), lab) if k in _CHANGES else derived(v, lab)
                for v, lab, k in zip(r["value"], _labels(r, plan), r["kind"], strict=True)
            ],
            "Calculation": [_text(v) for v in r["calculation"]],
            "From": [_FROM.get(str(v), str(v)) for v in r["source"]],
        },
        r["ratio_id"],
        "ratio",
        "No ratio follows from these targets.",
    )


def spending(plan: Plan) -> View:
    """:func:`linyi_analysis.ratios.spending_ratios` for reading: the target, the reported shares
    (each with what it is a share of) and the shares derived from spending amounts."""
    require_plan(plan, "spending()")
    from .ratios import spending_ratios

    s = spending_ratios(plan)
    return View(
        {
            "Kind": [_SPENDING_KINDS.get(str(v), str(v)) for v in s["kind"]],
            "Period": [str(v) for v in s["period"]],
            "What": [str(v) for v in s["indicator"]],
            "Share": [
                _COMPARATORS.get(_text(c), "") + (derived(v, "%") if k == "derived" else quantity(v, "%"))
                for v, c, k in zip(s["value"], s["comparator"], s["kind"], strict=True)
            ],
            "Share of": [_text(v) for v in s["denominator"]],
            "Source": [_text(v) for v in s["source"]],
        },
        dtype="str",
        when_empty="No spending share is stated.",
    )


def evidence(plan: Plan) -> View:
    """Facts from outside the article for reading, with their citation (publisher and web address)
    and the Chinese passage."""
    require_plan(plan, "evidence()")
    e = plan.evidence
    indicators = plan.whole.targets.set_index("target_id")["indicator"]
    return _view(
        {
            "Fact": [str(v) for v in e["topic"]],
            "Period": [str(v) for v in e["period"]],
            "Value": [quantity(v, lab) for v, lab in zip(e["value"], _labels(e, plan), strict=True)],
            "On the target": [plain(indicators.get(v)) if _text(v) else "" for v in e["target_id"]],
            "As": [_RELATIONS.get(_text(v), _text(v)) for v in e["relation"]],
            "Publisher": [f"{p} {_text(u)}".strip() for p, u in zip(e["publisher"], e["url"], strict=True)],
            "Published": [str(v) for v in e["published"]],
            "Passage": [str(v) for v in e["quote_zh"]],
        },
        e["fact_id"],
        "fact",
        "No fact from an official source was found.",
    )


def corroboration(plan: Plan) -> View:
    """:func:`linyi_analysis.analysis.corroboration` for reading: plan figure, official figure,
    the difference in the unit and relative to the plan (``undefined`` for a plan figure of 0)."""
    require_plan(plan, "corroboration()")
    from .analysis import corroboration as pairs

    c = pairs(plan)
    labels = _labels(c, plan)
    return _view(
        {
            "Indicator": [plain(v) for v in c["indicator"]],
            "Plan": [quantity(v, lab) for v, lab in zip(c["plan_value"], labels, strict=True)],
            "Official": [quantity(v, lab) for v, lab in zip(c["evidence_value"], labels, strict=True)],
            # A difference of two percentages is in points (+10% against 10%: 0 points).
            "Difference": [
                signed(v, "points" if lab == "%" else lab)
                for v, lab in zip(c["difference"], labels, strict=True)
            ],
            "Relative": [
                "undefined" if pd.isna(v) else signed(v, "%") for v in c["relative_difference_percent"]
            ],
            "Publisher": [f"{p} {_text(u)}".strip() for p, u in zip(c["publisher"], c["url"], strict=True)],
            "Published": [str(v) for v in c["published"]],
        },
        c["target_id"],
        "target",
        "No official source restates one of these figures.",
    )


_SOURCE_TYPES = {
    "official_document": "official document",
    "official_press_conference": "official press conference",
    "news_report": "news report",
    "repost": "repost",
}


def delivery(plan: Plan) -> View:
    """The delivery tracker (``plan.delivery()``) for reading: each commitment, its status, the evidence figure and
    period, the source and its strength, and the date of the last search. The rule applied, which
    names facts and searches by id, is in ``plan.delivery()``."""
    require_plan(plan, "delivery()")
    d = plan.delivery()
    facts = plan.whole.evidence
    topics = dict(zip(facts["fact_id"].astype(str), facts["topic"].astype(str), strict=True))
    source = []
    for r in d.to_dict("records"):
        if _text(r["publisher"]):
            kind = _SOURCE_TYPES.get(_text(r["source_type"]), _text(r["source_type"]))
            source.append(f"{r['publisher']}, {r['published']} ({kind}) {_text(r['url'])}".strip())
        else:
            source.append("")
    return _view(
        {
            "Indicator": [plain(v) for v in d["indicator"]],
            "Commitment": [str(v) for v in d["commitment"]],
            "Status": [
                f"{s} (by {b})" if b else str(s) for s, b in zip(d["status"], d["reached_by"], strict=True)
            ],
            # The figure with what it counts (the fact's topic): 669 people registered, not aided.
            "Evidence": [
                f"{f}: {topics[i]}" if _text(f) and _text(i) in topics else _text(f)
                for f, i in zip(d["evidence_figure"], d["fact_id"], strict=True)
            ],
            "Period": [_text(v) for v in d["evidence_period"]],
            "Source": source,
            "Searched": [_text(v) for v in d["freshness"]],
        },
        d["target_id"],
        "target",
        "No commitments.",
    )


def delivery_counts(plan: Plan) -> View:
    """Commitments per action and evidence status (``plan.delivery()`` counted), with the date of
    the latest search: how much of the plan the public record shows as done."""
    require_plan(plan, "delivery_counts()")
    from .delivery import status_counts

    d = plan.delivery()
    counts = status_counts(d)
    names = dict(zip(plan.actions["action_id"].astype(str), plan.actions["name"].astype(str), strict=True))
    columns = {"Action": [names.get(a, a) for a in counts.index]}
    columns |= {str(status): [number(v) for v in counts[status]] for status in counts.columns}
    latest = d.groupby(d["action_id"].astype(str))["freshness"].max()
    columns["Searched up to"] = [_text(latest.get(a)) for a in counts.index]
    return _view(columns, counts.index, "action", "No commitments.")


def discrepancies(plan: Plan) -> View:
    """:func:`linyi_analysis.audit.discrepancies` for reading: where the article's opening
    paragraph and its body give two different figures for what the data pairs as one commitment
    (``targets.contradicts``), each figure with its own indicator and the article's words. Whether
    the two describe the same thing is for the reader: no difference is worked out."""
    require_plan(plan, "discrepancies()")
    from .audit import discrepancies as found

    d = found(plan)
    labels = _labels(d, plan)
    names = plan.whole.targets.set_index("target_id")["indicator"]
    lead = [str(names.get(i, "")).replace(" (lead paragraph)", "") for i in d["headline_target_id"]]
    body = [str(names.get(i, "")) for i in d["body_target_id"]]
    return _view(
        {
            "Opening paragraph": [
                f"{n}: {quantity(v, lab)}"
                for n, v, lab in zip(lead, d["headline_value"], labels, strict=True)
            ],
            "Its words": [str(v) for v in d["headline_quote"]],
            "Body": [
                f"{n}: {quantity(v, lab)}" for n, v, lab in zip(body, d["body_value"], labels, strict=True)
            ],
            "The body's words": [str(v) for v in d["body_quote"]],
        },
        d["headline_target_id"],
        "target",
        "The opening paragraph and the body agree wherever both give a figure.",
    )


def signed(value, label: str = "") -> str:
    """A difference with its sign, as tables and charts write it: ``label`` as in :func:`quantity`.

    A percentage is written to 0.1, as every derived share (:func:`percent`).

    >>> signed(261), signed(-1200), signed(0.725, "%"), signed(0, "%")
    ('+261', '−1,200', '+0.7%', '0.0%')
    """
    if value is None or pd.isna(value):
        return number(None)
    if label == "%":
        value = round(float(value), 1)
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return sign + (percent(abs(value)) if label == "%" else quantity(abs(float(value)), label))


class Heading:
    """A heading built from data text, with an optional line under it: escaped in HTML, plain in text.

    >>> Heading("Pocket parks <143>")._repr_html_()
    '<h2>Pocket parks &lt;143&gt;</h2>'
    """

    def __init__(self, text: str, level: int = 2, note: str | None = None):
        self.text, self.level, self.note = str(text), int(level), note

    def _repr_html_(self) -> str:
        note = f"<p><em>{html.escape(self.note)}</em></p>" if self.note else ""
        return f"<h{self.level}>{html.escape(self.text)}</h{self.level}>{note}"

    def __repr__(self) -> str:
        return f"{self.text}\n{self.note}" if self.note else self.text


def heading(plan: Plan) -> Heading:
    """A cut plan's action name as the page's heading (H1), with the article's own heading for it under it.

    >>> import linyi_analysis as la
    >>> heading(la.load_plan().action("medical"))
    Medical services for the public
    The article's heading: "Mass medical treatment service improvement actions"
    """
    require_action(plan, "heading()")
    row = plan.actions.iloc[0]
    return Heading(str(row["name"]), 1, f'The article\'s heading: "{row["name_source"]}"')


class Figure:
    """A rendered chart: a PNG (no timestamp, the package's constant signature: same bytes every run) and its alt text.

    In a notebook it shows as the image; its text form is the alt text, so the stored
    output of a chart cell is stable and says what the chart shows.
    """

    def __init__(self, png: bytes, alt: str, files: dict[str, str] | None = None):
        self.png, self.alt, self.files = png, alt, files or {}

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": self.png, "text/plain": f"[chart] {self.alt}"}
        # The saved files (format → path), which the page links under the chart.
        meta = {"alt": self.alt, **({"files": self.files} if self.files else {})}
        return data, {"image/png": meta}

    def __repr__(self) -> str:
        return f"[chart] {self.alt}"


def show_figure(fig, *, alt: str, name: str | None = None, directory: str | os.PathLike | None = None):
    """Render a matplotlib figure for display (PNG with alt text) and release it.

    With ``name`` and a non-empty ``directory``, the chart is saved there as PNG and SVG, with its
    data as CSV, through :func:`linyi_analysis.plots.save_figure`, and the PNG shown is that file
    (drawn once, not twice); the page links the files under the chart. Returns a :class:`Figure`; a notebook cell ending with it shows the chart once (the
    figure is closed, so pyplot does not show it again).
    """
    files = {}
    if directory and name:
        from .plots import save_figure

        files = {p.suffix[1:]: p.as_posix() for p in save_figure(fig, name, Path(directory))}
        png = Path(files["png"]).read_bytes()
    else:
        from .plots.output import render

        buf = io.BytesIO()
        render(fig, buf)  # as save_figure draws it
        png = buf.getvalue()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close(fig)
    return Figure(png, alt, files)
