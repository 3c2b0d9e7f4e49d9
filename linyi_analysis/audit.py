"""Audit the dataset against the source article.

- :func:`quote_check`: every quote is a verbatim substring of the article's plan text;
- :func:`figure_check`: every figure of every target appears in its own quote;
- :func:`placement_check`: every target and measure is quoted from its own action's section
  (or the lead paragraph, for ``headline`` targets); :func:`unit_check`: its quote uses the
  article's word for its unit;
- :func:`coverage`: every number in the plan text is accounted for (target, stated measure
  count, or a listed non-target) — :func:`coverage_percent` gives the percent;
- :func:`consistency`: components add up to totals, stated measure counts match, ranges are ordered;
- :func:`discrepancies`: where the article contradicts itself (lead paragraph vs body).

``python -m linyi_analysis.audit`` prints the whole audit and exits non-zero if anything fails.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from pathlib import Path

import pandas as pd

from .errors import Error
from .plan import Plan, load_plan, require_plan
from .ratios import derived_ratios
from .source import normalize, plan_text, read_source
from .validation import QUOTED

_WORDS = {
    w: i
    for i, ws in enumerate(
        [
            (),
            ("one", "first", "single"),
            ("two", "second", "dual", "double"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
        ]
    )
    for w in ws
}
_SCALE = {"million": 1e6, "billion": 1e9}
_NUMBER = re.compile(
    r"(?<![\w.])(?:(?P<date>\d{4}\.\d{2}\.\d{2})"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s*(?P<scale>million|billion))?"
    r"|(?P<word>\b(?:" + "|".join(_WORDS) + r")\b))",
    re.IGNORECASE,
)
_FIGURES = ["value", "value_min", "value_max", "baseline"]


def _plan(text: str | None) -> str:
    return normalize(plan_text(read_source() if text is None else text))


def numbers(text: str | None = None) -> pd.DataFrame:
    """Every number in the plan text (digits, with million/billion; number words; dates).

    Columns: start, end (offsets in the whitespace-normalised plan text), text, value.
    """
    article = _plan(text)
    rows = []
    for m in _NUMBER.finditer(article):
        if m["date"]:
            value = float("nan")
        elif m["word"]:
            value = float(_WORDS[m["word"].lower()])
        else:
            value = float(m["num"].replace(",", "")) * _SCALE.get((m["scale"] or "").lower(), 1)
        rows.append({"start": m.start(), "end": m.end(), "text": m[0], "value": value})
    return pd.DataFrame(rows, columns=["start", "end", "text", "value"])


def _spans(article: str, quote: str) -> list[tuple[int, int]]:
    q = normalize(quote)
    return [(m.start(), m.start() + len(q)) for m in re.finditer(re.escape(q), article)]


def _tables(plan: Plan) -> dict[str, pd.DataFrame]:
    return {name: plan.table(name) for name in ("actions", "measures", "units", "targets", "non_targets")}


def quote_check(plan: Plan, text: str | None = None) -> pd.DataFrame:
    """One row per quote in the data: table, id, column, quote, found (verbatim in the plan text)."""
    require_plan(plan, "quote_check()")
    article, tables = _plan(text), _tables(plan)
    rows = []
    for table, id_col, col in QUOTED:
        for ident, quote in tables[table][[id_col, col]].itertuples(index=False):
            if pd.isna(quote):
                continue
            rows.append(
                {
                    "table": table,
                    "id": str(ident),
                    "column": col,
                    "quote": quote,
                    "found": bool(_spans(article, quote)),
                }
            )
    return pd.DataFrame(rows)


def _figures(row) -> list[float]:
    return [float(row[c]) for c in _FIGURES if not pd.isna(row[c])]


def figure_check(plan: Plan, text: str | None = None) -> pd.DataFrame:
    """For each target, whether each of its figures (value, range ends, baseline) is written in its quote."""
    require_plan(plan, "figure_check()")
    article, nums = _plan(text), numbers(text)
    rows = []
    for _, t in plan.targets.iterrows():
        in_quote = set()
        for a, b in _spans(article, t["quote"]):
            in_quote |= set(nums.loc[(nums["start"] >= a) & (nums["end"] <= b), "value"])
        for column in _FIGURES:
            if not pd.isna(t[column]):
                rows.append(
                    {
                        "target_id": t["target_id"],
                        "column": column,
                        "figure": float(t[column]),
                        "in_quote": float(t[column]) in in_quote,
                    }
                )
    return pd.DataFrame(rows)


def sections(plan: Plan, text: str | None = None) -> pd.DataFrame:
    """The plan text cut at the actions' headings: part (``headline`` or an action_id), start, end.

    The lead paragraph (``headline``) is everything before the first heading.
    """
    require_plan(plan, "sections()")
    article, actions = _plan(text), plan.actions.sort_values("order")
    starts = []
    for action_id, heading in actions[["action_id", "name_source"]].itertuples(index=False):
        found = [a for a, _ in _spans(article, heading)]
        if not found:
            raise ValueError(f"heading of {action_id!r} not in the article: {heading!r}")
        starts.append((found[0], str(action_id)))
    starts.sort()
    bounds = [(0, "headline"), *starts, (len(article), None)]
    return pd.DataFrame([{"part": p, "start": a, "end": b} for (a, p), (b, _) in itertools.pairwise(bounds)])


def placement_check(plan: Plan, text: str | None = None) -> pd.DataFrame:
    """Whether each target and measure is quoted from its own part of the article.

    A target's quote must lie in the lead paragraph when ``source_part`` is ``headline``, and in
    its action's section otherwise; a measure's quote in its action's section. Columns: table,
    id, expected (part), found (parts where the quote occurs), ok.
    """
    require_plan(plan, "placement_check()")
    article, secs, tables = _plan(text), sections(plan, text), _tables(plan)
    rows = []

    def parts_of(quote: str) -> list[str]:
        return [
            secs.loc[(secs["start"] <= a) & (b <= secs["end"]), "part"].iloc[0]
            for a, b in _spans(article, quote)
            if ((secs["start"] <= a) & (b <= secs["end"])).any()
        ]

    for _, t in tables["targets"].iterrows():
        expected = "headline" if t["source_part"] == "headline" else str(t["action_id"])
        found = parts_of(t["quote"])
        rows.append(
            {
                "table": "targets",
                "id": t["target_id"],
                "expected": expected,
                "found": ", ".join(found),
                "ok": expected in found,
            }
        )
    for _, m in tables["measures"].iterrows():
        found = parts_of(m["quote"])
        rows.append(
            {
                "table": "measures",
                "id": m["measure_id"],
                "expected": str(m["action_id"]),
                "found": ", ".join(found),
                "ok": str(m["action_id"]) in found,
            }
        )
    return pd.DataFrame(rows)


def unit_check(plan: Plan) -> pd.DataFrame:
    """Whether each target's quote uses the article's word for its unit (``units.source_words``)."""
    require_plan(plan, "unit_check()")
    tables = _tables(plan)
    words = dict(zip(tables["units"]["unit"], tables["units"]["source_words"], strict=True))
    rows = []
    for _, t in tables["targets"].iterrows():
        pattern = words[t["unit"]]
        rows.append(
            {
                "target_id": t["target_id"],
                "unit": t["unit"],
                "source_words": pattern,
                "ok": re.search(pattern, t["quote"], re.IGNORECASE) is not None,
            }
        )
    return pd.DataFrame(rows)


def coverage(plan: Plan, text: str | None = None) -> pd.DataFrame:
    """Every number of the plan text with what accounts for it (empty ``accounted_by`` = not covered)."""
    require_plan(plan, "coverage()")
    article, nums, tables = _plan(text), numbers(text), _tables(plan)
    claims: list[tuple[int, int, str, object]] = []  # span, label, matcher
    for _, t in tables["targets"].iterrows():
        for a, b in _spans(article, t["quote"]):
            claims.append((a, b, f"targets:{t['target_id']}", set(_figures(t))))
    for _, ac in tables["actions"].dropna(subset=["measures_stated_quote"]).iterrows():
        for a, b in _spans(article, ac["measures_stated_quote"]):
            claims.append(
                (a, b, f"actions:{ac['action_id']}.measures_stated", {float(ac["measures_stated"])})
            )
    for i, nt in tables["non_targets"].iterrows():
        for a, b in _spans(article, nt["quote"]):
            claims.append((a, b, f"non_targets:row {i + 1} ({nt['kind']})", nt["text"].lower()))

    def accounted(tok) -> str:
        labels = []
        for a, b, label, match in claims:
            if a <= tok.start and tok.end <= b:
                hit = tok.text.lower() == match if isinstance(match, str) else tok.value in match
                if hit:
                    labels.append(label)
        return "; ".join(labels)

    nums["accounted_by"] = [accounted(tok) for tok in nums.itertuples()]
    nums["context"] = [article[max(0, r.start - 30) : r.end + 30] for r in nums.itertuples()]
    return nums


def coverage_percent(plan: Plan, text: str | None = None) -> float:
    """Percent (0 to 100) of the plan text's numbers accounted for by the data."""
    require_plan(plan, "coverage_percent()")
    return _accounted_percent(coverage(plan, text))


def _accounted_percent(cov: pd.DataFrame) -> float:
    return 100 * float((cov["accounted_by"] != "").mean()) if len(cov) else 100.0


def consistency(plan: Plan) -> pd.DataFrame:
    """Internal checks of the data: check, subject, expected, actual, ok."""
    require_plan(plan, "consistency()")
    t = _tables(plan)
    targets, rows = t["targets"], []
    ratios = derived_ratios(plan)
    for r in ratios[ratios["kind"] == "remainder"].to_dict("records"):
        rows.append(
            {
                "check": "components add up to their total (nothing left not itemised)",
                "subject": r["numerator"],
                "expected": 0.0,
                "actual": float(r["value"]),
                "ok": float(r["value"]) == 0.0,
            }
        )
    counted = t["measures"].groupby("action_id", observed=False).size()
    for _, ac in t["actions"].dropna(subset=["measures_stated"]).iterrows():
        expected, actual = float(ac["measures_stated"]), float(counted.get(ac["action_id"], 0))
        rows.append(
            {
                "check": "measures listed match the stated count",
                "subject": ac["action_id"],
                "expected": expected,
                "actual": actual,
                "ok": expected == actual,
            }
        )
    for _, r in targets[targets["comparator"] == "range"].iterrows():
        rows.append(
            {
                "check": "range minimum <= maximum",
                "subject": r["target_id"],
                "expected": float(r["value_min"]),
                "actual": float(r["value_max"]),
                "ok": bool(r["value_min"] <= r["value_max"]),
            }
        )
    return pd.DataFrame(rows, columns=["check", "subject", "expected", "actual", "ok"])


def discrepancies(plan: Plan) -> pd.DataFrame:
    """Where the article states one commitment twice with different figures.

    One row per headline/body pair (``counterpart_id``) that disagrees: both target ids,
    both figures and comparators, both quotes, and the difference (headline − body).
    """
    require_plan(plan, "discrepancies()")
    targets = plan.targets
    body = plan.whole.targets.set_index("target_id")
    gaps = derived_ratios(plan.whole).set_index("ratio_id")["value"]
    rows = []
    for h in targets[targets["contradicts"] & (targets["source_part"] == "headline")].to_dict("records"):
        b = body.loc[h["counterpart_id"]]
        same = all(
            (pd.isna(h[c]) and pd.isna(b[c])) or h[c] == b[c]
            for c in ["value", "value_min", "value_max", "comparator", "unit"]
        )
        if not same:
            rows.append(
                {
                    "indicator": b["indicator"],
                    "unit": h["unit"],
                    "headline_target_id": h["target_id"],
                    "headline_value": h["value"],
                    "headline_comparator": h["comparator"],
                    "headline_quote": h["quote"],
                    "body_target_id": h["counterpart_id"],
                    "body_value": b["value"],
                    "body_comparator": b["comparator"],
                    "body_quote": b["quote"],
                    "difference": gaps.get(f"{h['target_id']}:difference:{h['counterpart_id']}"),
                }
            )
    columns = [
        "indicator",
        "unit",
        "headline_target_id",
        "headline_value",
        "headline_comparator",
        "headline_quote",
        "body_target_id",
        "body_value",
        "body_comparator",
        "body_quote",
        "difference",
    ]
    return pd.DataFrame(rows, columns=columns)


EVIDENCE_SOURCE_ENV = "LINYI_EVIDENCE_SOURCE"
EVIDENCE_SOURCE_NAME = "external-evidence.csv"
#: The shared file of delivery facts, beside EVIDENCE_SOURCE_NAME (issue 11); its ``note`` is our ``notes``.
DELIVERY_SOURCE_NAME = "delivery-evidence.csv"
#: Every shared file of delivery facts: the first, and those of later searches (``delivery-evidence-2026-12-03.csv``),
#: whose ``note`` starts with the fact's relation (``relation=progress. Confidence: …``).
DELIVERY_SOURCE_GLOB = "delivery-evidence*.csv"
#: The shared files' scope words in ours: their ``urban`` is the central city (their README), our ``central_city``.
SOURCE_SCOPES = {"urban": "central_city"}
#: Columns copied from the shared file as they are (``unit`` is copied with spaces as underscores).
COPIED = ("kind", "topic", "period", "value", "unit", "quote_zh", "url", "publisher", "published")
#: Further columns copied from the delivery file (our name: its name).
DELIVERY_COPIED = {"scope": "scope", "target_id": "target_id", "source_type": "source_type", "notes": "note"}


class EvidenceSourceNotFound(Error, FileNotFoundError):
    """The shared evidence file is not on this machine (tests that need it skip with this message)."""


def find_evidence_source() -> Path:
    """``$LINYI_EVIDENCE_SOURCE``, or ``shared/source/external-evidence.csv`` beside the project."""
    paths = [Path(os.environ[EVIDENCE_SOURCE_ENV])] if os.environ.get(EVIDENCE_SOURCE_ENV) else []
    for base in (Path(__file__).resolve().parents[1], Path.cwd()):
        paths.append(base.parent / "shared" / "source" / EVIDENCE_SOURCE_NAME)
    for path in paths:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in paths)
    raise EvidenceSourceNotFound(
        f"{EVIDENCE_SOURCE_NAME} not found; set {EVIDENCE_SOURCE_ENV} or place it at one of: {looked}"
    )


def source_differences(plan: Plan, source: str | os.PathLike | None = None) -> pd.DataFrame:
    """Where ``evidence.csv`` differs from the shared evidence files: one row per fact and column.

    ``source`` is the shared external-evidence file; the delivery file beside it
    (``delivery-evidence.csv``), where present, is compared too, with its scope, target_id,
    source_type and note.

    Columns: fact_id, column, in_data, in_source. A fact missing on one side shows as a row with
    column ``fact_id``. Empty when the copy is faithful.
    """
    require_plan(plan, "source_differences()")
    path = Path(source) if source else find_evidence_source()
    frames = [pd.read_csv(path, dtype=str, keep_default_na=False)]
    for delivery_path in sorted(path.parent.glob(DELIVERY_SOURCE_GLOB)):  # the delivery facts beside it
        delivery = pd.read_csv(delivery_path, dtype=str, keep_default_na=False)
        # a later file's note starts with the relation: ours holds it in relation, the rest in notes
        said = delivery["note"].str.extract(r"^relation=([a-z_]+)\.? ?(.*)$", flags=re.DOTALL).fillna("")
        frames.append(
            delivery.assign(relation=said[0], notes=delivery["note"].where(said[0] == "", said[1])).drop(
                columns="note"
            )
        )
    src = pd.concat(frames, ignore_index=True).fillna("").set_index("fact_id")
    data = plan.evidence.set_index("fact_id")
    rows = []
    for fact in sorted(set(src.index) ^ set(data.index)):
        rows.append(
            {
                "fact_id": fact,
                "column": "fact_id",
                "in_data": fact if fact in data.index else None,
                "in_source": fact if fact in src.index else None,
            }
        )
    for fact in (f for f in data.index if f in src.index):
        delivery_fact = "source_type" in src and src.at[fact, "source_type"] != ""
        stated = "relation" in src and src.at[fact, "relation"] != ""  # the note named the relation
        columns = (
            COPIED + (tuple(DELIVERY_COPIED) if delivery_fact else ()) + (("relation",) if stated else ())
        )
        for col in columns:
            ours, theirs = data.at[fact, col], src.at[fact, col]
            if col == "value":
                same = (pd.isna(ours) and theirs == "") or (theirs != "" and float(ours) == float(theirs))
            elif col == "unit":
                same = str(ours) == theirs.replace(" ", "_")
            elif col == "scope":
                same = ("" if pd.isna(ours) else str(ours)) == SOURCE_SCOPES.get(theirs, theirs)
            elif col == "notes" and stated:  # ours may start with a derived figure's formula
                same = ("" if pd.isna(ours) else str(ours)).endswith(theirs)
            else:
                same = ("" if pd.isna(ours) else str(ours)) == theirs
            if not same:
                rows.append({"fact_id": fact, "column": col, "in_data": ours, "in_source": theirs})
    return pd.DataFrame(rows, columns=["fact_id", "column", "in_data", "in_source"])


def main() -> int:
    """Print the audit; exit 1 if a quote, figure, coverage or consistency check fails (or the
    article or the data cannot be read: one message, no traceback)."""
    try:
        text, plan = read_source(), load_plan()
    except Error as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    quotes, figures = quote_check(plan, text), figure_check(plan, text)
    cov, cons = coverage(plan, text), consistency(plan)
    placed, units = placement_check(plan, text), unit_check(plan)
    percent = _accounted_percent(cov)
    print(f"quotes found verbatim: {quotes['found'].sum()}/{len(quotes)}")
    print(f"target figures written in their quotes: {figures['in_quote'].sum()}/{len(figures)}")
    print(f"targets and measures quoted from their own section: {placed['ok'].sum()}/{len(placed)}")
    print(f"target quotes naming their unit: {units['ok'].sum()}/{len(units)}")
    print(
        f"coverage of the plan text's numbers: {percent:.1f}% ({(cov['accounted_by'] != '').sum()}/{len(cov)})"
    )
    print(f"consistency checks passed: {cons['ok'].sum()}/{len(cons)}")
    failed = [
        quotes[~quotes["found"]],
        figures[~figures["in_quote"]],
        placed[~placed["ok"]],
        units[~units["ok"]],
        cov[cov["accounted_by"] == ""],
        cons[~cons["ok"]],
    ]
    for frame in failed:
        if len(frame):
            print(frame.to_string(index=False))
    disc = discrepancies(plan)
    print(f"\ndiscrepancies in the article: {len(disc)}")
    for _, d in disc.iterrows():
        print(
            f"  {d['indicator']}: lead paragraph {d['headline_value']:,.0f} vs body {d['body_value']:,.0f} {d['unit']}"
        )
    return 1 if any(len(f) for f in failed) else 0


if __name__ == "__main__":
    sys.exit(main())
