"""Showing the plan in a notebook: numbers with thousands separators and units, tables, charts.

Everything here returns plain objects with a fixed text form, so a notebook's stored outputs
stay the same from run to run (nbval compares them) and data text is always escaped in HTML:

>>> from linyi_analysis import display
>>> display.quantity(2200000000, "yuan")
'2,200,000,000 yuan'
>>> display.quantity(85, "%")
'85%'
>>> display.share(0.75)
'75%'

Tables, as DataFrames of formatted strings (pandas escapes them in HTML): ``targets_table``,
``summary_table``, ``measures_table``, ``ratios_table``, ``spending_table``,
``evidence_table``, ``corroboration_table``, ``discrepancies_table``, and ``table(frame, …)``
for any frame. ``pick_action(frame, action_id)`` picks one action's rows of any table.
``show_figure(fig, alt=…)`` shows a matplotlib figure as a PNG with alt text (and saves it
when asked); ``Heading``/``action_heading`` is a heading whose text is escaped; ``setup()``
sets pandas to show whole cell texts.
"""

from __future__ import annotations

import html
import io
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .formatting import human_number, human_value, target_label


def setup() -> None:
    """Set pandas' display options for reading tables in a notebook: whole cell texts (no ``…``)
    and up to 200 rows. Called once, at the top of the project's notebooks."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 200)


_COMPARATORS = {"=": "", ">=": "≥ ", ">": "> "}
_PART = {"headline": "lead paragraph", "body": "body"}


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


def share(fraction, digits: int = 0) -> str:
    """A fraction (0–1) as a percentage: ``0.5`` → ``'50%'``.

    >>> share(2 / 3, 1)
    '66.7%'
    """
    if fraction is None or pd.isna(fraction):
        return number(None)
    return f"{float(fraction) * 100:,.{digits}f}%"


def commitment(row: Mapping, label: str) -> str:
    """What a target row commits to, in full figures with its unit ``label`` (for tables).

    :func:`linyi_analysis.formatting.target_label` with every digit written:
    ``=`` → ``2,000 beds``; ``>=`` → ``≥ 80%``; ``range`` → ``10–15 towns a year``;
    ``increase_by`` → ``+10%``; ``from_to`` → ``4,500 → 5,000 yuan a year``.

    >>> commitment({"comparator": "range", "value_min": 1, "value_max": 2}, "counties")
    '1–2 counties'
    """
    return target_label({**row, "unit_label": label}, exact=True)


def unit_labels(data_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """Unit id → its short label from ``units.csv`` (``percent`` → ``%``, ``square_metres`` → ``m²``)."""
    from .loaders import load_units

    units = load_units(data_dir)
    return dict(zip(units["unit"].astype(str), units["label"].astype(str), strict=True))


def targets_table(
    targets: pd.DataFrame, kind: str | None = None, data_dir: str | os.PathLike | None = None
) -> pd.DataFrame:
    """Targets as a readable table, one row per target, indexed by ``target_id``.

    ``kind``: only targets of that kind (``target_kind`` of
    :func:`linyi_analysis.analysis.all_targets`: ``percent``, ``money``, ``range``, ``change``…).

    Columns: Indicator, Target (the commitment with its unit, thousands separators), Scope,
    Year, Stated in (lead paragraph or body).

    >>> import linyi_analysis as la
    >>> t = la.load_targets()
    >>> targets_table(t[t["target_id"] == "emp_startup_loans"])["Target"].tolist()
    ['≥ 2,200,000,000 yuan']
    """
    if kind is not None:
        targets = targets[targets["target_kind"].astype(str) == kind]
    labels = unit_labels(data_dir) if "unit_label" not in targets.columns else {}
    rows = {
        str(row["target_id"]): {
            "Indicator": str(row["indicator"]),
            "Target": commitment(
                row, row.get("unit_label") or labels.get(str(row["unit"]), str(row["unit"]))
            ),
            "Scope": str(row["scope"]),
            "Year": str(row["period"]),
            "Stated in": _PART.get(str(row["source_part"]), str(row["source_part"])),
        }
        for row in targets.to_dict("records")
    }
    columns = ["Indicator", "Target", "Scope", "Year", "Stated in"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns, dtype="str")
    frame.index.name = "target"
    return frame


def table(
    frame: pd.DataFrame,
    *,
    numbers: Iterable[str] = (),
    shares: Iterable[str] = (),
    units: Mapping[str, str] | None = None,
    rename: Mapping[str, str] | None = None,
    index: str | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with figures written for reading.

    ``numbers``: columns shown with thousands separators; ``shares``: fractions shown as
    percentages; ``units``: column → unit label appended (``{"value": "yuan"}``), or column →
    the name of another column holding a unit id per row (``{"value": "@unit"}``, labels from
    ``units.csv``). ``rename`` renames columns afterwards; ``index`` sets that column as index.

    >>> import pandas as pd
    >>> table(pd.DataFrame({"n": [47300]}), numbers=["n"])["n"].tolist()
    ['47,300']
    """
    out = frame.copy()
    for col in numbers:
        out[col] = [number(v) for v in out[col]]
    for col in shares:
        out[col] = [share(v) for v in out[col]]
    labels = None
    for col, label in (units or {}).items():
        if label.startswith("@"):
            labels = labels if labels is not None else unit_labels()
            per_row = [labels.get(str(u), str(u)) for u in out[label[1:]]]
            out[col] = [quantity(v, lab) for v, lab in zip(out[col], per_row, strict=True)]
        else:
            out[col] = [quantity(v, label) for v in out[col]]
    out = out.set_index(index) if index is not None else out.reset_index(drop=True)
    if rename:
        out = out.rename(columns=dict(rename))
        if out.index.name in rename:
            out.index.name = rename[out.index.name]
    return out


def _labels_for(frame: pd.DataFrame, unit_column: str = "unit") -> list[str]:
    """The unit label of each row: its ``unit_label`` column, else looked up in ``units.csv``."""
    if "unit_label" in frame.columns:
        return [str(v) for v in frame["unit_label"]]
    labels = unit_labels()
    return [labels.get(str(u), str(u)) for u in frame[unit_column]]


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`linyi_analysis.analysis.summary_by_action` for reading, one row per action.

    >>> from linyi_analysis import analysis
    >>> summary_table(analysis.summary_by_action()).loc["education", "Measures with a number"]
    '2 of 4 (50%)'
    """
    rows = {}
    for r in summary.to_dict("records"):
        with_number = (
            f"{number(r['quantified_measures'])} of {number(r['measures'])} ({share(r['quantification_rate'])})"
            if r["measures"]
            else "–"
        )
        rows[str(r["action_id"])] = {
            "Action": str(r["name"]),
            "Measures": number(r["measures"]),
            "Measures with a number": with_number,
            "Targets": number(r["targets"]),
            "Kinds of target": _text(r["kinds"]),
            "Official facts": number(r["evidence"]),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", dtype="str")
    frame.index.name = "action"
    return frame


def measures_table(measures: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Measures in the article's order, each with the number of targets attached to it (a
    lead-paragraph row restating a body target, ``restates``, is not counted again).

    >>> import linyi_analysis as la
    >>> from linyi_analysis import analysis
    >>> m = pick_action(la.load_measures(), "employment")
    >>> measures_table(m, analysis.action_targets("employment"))["Targets"].tolist()
    ['3', '2', '1', '0']
    """
    if "restates" in targets.columns:
        targets = targets[~targets["restates"].astype(bool)]
    counts = targets["measure_id"].astype(str).value_counts()
    rows = {
        str(r["measure_id"]): {
            "No.": number(r["order"]),
            "Measure": str(r["name"]),
            "Targets": number(counts.get(str(r["measure_id"]), 0)),
        }
        for r in measures.to_dict("records")
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["No.", "Measure", "Targets"], dtype="str")
    frame.index.name = "measure"
    return frame


def ratios_table(ratios: pd.DataFrame) -> pd.DataFrame:
    """:func:`linyi_analysis.analysis.derived_ratios` for reading: what, value, how it is worked out."""
    frame = pd.DataFrame(
        {
            "Ratio": [str(v) for v in ratios["description"]],
            "Value": [quantity(v, lab) for v, lab in zip(ratios["value"], _labels_for(ratios), strict=True)],
            "Calculation": [_text(v) for v in ratios["calculation"]],
            "From": [str(v) for v in ratios["source"]],
        },
        index=pd.Index([str(v) for v in ratios["ratio_id"]], name="ratio"),
        dtype="str",
    )
    return frame


def spending_table(spending: pd.DataFrame) -> pd.DataFrame:
    """:func:`linyi_analysis.spending_ratios` for reading: the target, the reported shares, the
    ratios derived from spending figures, each with its period and source."""
    labels = {"percent": "%"}
    values = []
    for r in spending.to_dict("records"):
        label = labels.get(str(r["unit"]), str(r["unit"]))
        comparator = _COMPARATORS.get(_text(r["comparator"]), "")
        values.append(comparator + quantity(r["value"], label))
    return pd.DataFrame(
        {
            "Kind": [str(v) for v in spending["kind"]],
            "Period": [str(v) for v in spending["period"]],
            "What": [str(v) for v in spending["indicator"]],
            "Share": values,
            "Source": [_text(v) for v in spending["source"]],
        },
        dtype="str",
    )


def evidence_table(evidence: pd.DataFrame) -> pd.DataFrame:
    """Facts from official sources (:func:`linyi_analysis.load_evidence`) for reading, with their
    citation and the Chinese passage that states each."""
    return pd.DataFrame(
        {
            "Fact": [str(v) for v in evidence["topic"]],
            "Period": [str(v) for v in evidence["period"]],
            "Value": [
                quantity(v, lab) for v, lab in zip(evidence["value"], _labels_for(evidence), strict=True)
            ],
            "Target": [_text(v) for v in evidence["target_id"]],
            "Relation": [_text(v) for v in evidence["relation"]],
            "Publisher": [str(v) for v in evidence["publisher"]],
            "Published": [str(v) for v in evidence["published"]],
            "Passage": [str(v) for v in evidence["quote_zh"]],
        },
        index=pd.Index([str(v) for v in evidence["fact_id"]], name="fact"),
        dtype="str",
    )


def corroboration_table(corroboration: pd.DataFrame) -> pd.DataFrame:
    """:func:`linyi_analysis.analysis.corroboration` for reading: plan figure, official figure,
    the difference in the unit and relative to the plan."""
    labels = _labels_for(corroboration)
    return pd.DataFrame(
        {
            "Indicator": [str(v) for v in corroboration["indicator"]],
            "Plan": [quantity(v, lab) for v, lab in zip(corroboration["plan_value"], labels, strict=True)],
            "Official": [
                quantity(v, lab) for v, lab in zip(corroboration["evidence_value"], labels, strict=True)
            ],
            "Difference": [_signed(v) for v in corroboration["difference"]],
            "Relative": [
                _signed(v * 100 if not pd.isna(v) else v, "%") for v in corroboration["relative_difference"]
            ],
            "Publisher": [str(v) for v in corroboration["publisher"]],
            "Published": [str(v) for v in corroboration["published"]],
        },
        index=pd.Index([str(v) for v in corroboration["target_id"]], name="target"),
        dtype="str",
    )


def discrepancies_table(discrepancies: pd.DataFrame) -> pd.DataFrame:
    """:func:`linyi_analysis.audit.discrepancies` for reading: the lead paragraph's figure beside
    the body's, the difference, and both quotes."""
    labels = _labels_for(discrepancies)
    return pd.DataFrame(
        {
            "Indicator": [str(v) for v in discrepancies["indicator"]],
            "Lead paragraph": [
                quantity(v, lab) for v, lab in zip(discrepancies["headline_value"], labels, strict=True)
            ],
            "Body": [quantity(v, lab) for v, lab in zip(discrepancies["body_value"], labels, strict=True)],
            "Difference": [_signed(v) for v in discrepancies["difference"]],
            "Lead paragraph says": [str(v) for v in discrepancies["headline_quote"]],
            "Body says": [str(v) for v in discrepancies["body_quote"]],
        },
        index=pd.Index([str(v) for v in discrepancies["headline_target_id"]], name="target"),
        dtype="str",
    )


def _signed(value, label: str = "") -> str:
    """``+261``, ``−1,200``, ``0``; ``label`` as in :func:`quantity`."""
    if value is None or pd.isna(value):
        return number(None)
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return sign + quantity(abs(float(value)), label)


def pick_action(frame: pd.DataFrame, action_id: str, column: str = "action_id") -> pd.DataFrame:
    """The rows of ``frame`` that belong to one action, renumbered from 0.

    Raises ``ValueError`` naming the valid ids when ``action_id`` is not an action of the plan.

    >>> import linyi_analysis as la
    >>> len(pick_action(la.load_measures(), "medical"))
    7
    """
    from .loaders import load_actions

    valid = load_actions()["action_id"].astype(str).tolist()
    if action_id not in valid:
        raise ValueError(f"unknown action {action_id!r}; valid ids: {', '.join(valid)}")
    return frame[frame[column].astype(str) == action_id].reset_index(drop=True)


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


def action_heading(action_id: str, data_dir: str | os.PathLike | None = None) -> Heading:
    """The action's name as a heading, with the article's own heading for it under it.

    >>> action_heading("medical")
    Medical services for the public
    The article's heading: "Mass medical treatment service improvement actions"
    """
    from .loaders import load_actions

    row = pick_action(load_actions(data_dir), action_id).iloc[0]
    return Heading(str(row["name"]), 2, f'The article\'s heading: "{row["name_source"]}"')


class Figure:
    """A rendered chart: a PNG (no timestamp or software tag: same bytes every run) and its alt text.

    In a notebook it shows as the image; its text form is the alt text, so the stored
    output of a chart cell is stable and says what the chart shows.
    """

    def __init__(self, png: bytes, alt: str):
        self.png, self.alt = png, alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": self.png, "text/plain": f"[chart] {self.alt}"}
        return data, {"image/png": {"alt": self.alt}}

    def __repr__(self) -> str:
        return f"[chart] {self.alt}"


def show_figure(fig, *, alt: str, name: str | None = None, directory: str | os.PathLike | None = None):
    """Render a matplotlib figure for display (PNG with alt text) and release it.

    With ``name`` and a non-empty ``directory``, the chart is saved there as PNG and SVG through
    :func:`linyi_analysis.plots.save_figure`, and the PNG shown is that file (drawn once, not
    twice). Returns a :class:`Figure`; a notebook cell ending with it shows the chart once (the
    figure is closed, so pyplot does not show it again).
    """
    if directory and name:
        from .plots import save_figure

        png = next(p for p in save_figure(fig, name, Path(directory)) if p.suffix == ".png").read_bytes()
    else:
        from .plots import theme

        buf = io.BytesIO()
        with theme():  # as save_figure draws it
            fig.savefig(buf, format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.15)
        png = buf.getvalue()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close(fig)
    return Figure(png, alt)
