"""The delivery tracker: for every commitment of the plan, what the public record says was done.

:func:`delivery` gives one row per commitment with an **evidence status**, computed from the
data by the rules below (never typed by hand), the fact(s) it rests on, the rule applied in
words, the source's strength and the freshness date (when it was last searched for).

Statuses, strongest first:

- ``met`` / ``exceeded`` / ``not met``: an ``outcome`` fact (or a reported figure of the
  target's own quantity, e.g. a spending share) for the whole plan year is compared with the
  commitment. ``=`` (and a range's upper end, a from→to's new level, an increase-by's rise)
  names an amount: equal is met, more is exceeded, less is not met. A floor (``>=``, ``>``)
  names no amount to exceed: any figure that satisfies it is met.
- ``in progress``: a ``progress`` fact within the plan year (registered cases, work started),
  or a figure of the target's quantity for part of the year (January–February): never
  decides met or not met.
- ``plan confirmed``: a ``corroboration`` fact with relation ``same_figure`` whose figure
  restates the commitment's (equal once rounded to the places the commitment states, see
  :func:`restates`): an independent source restates it, no delivery figure yet. Another
  figure is not a confirmation: it is context, with the reason.
- ``no public evidence``: nothing above, as of the freshness date of the searches that cover
  it (``evidence_searches.csv`` says what was searched, where and when).

A fact can decide only if its relation says it measures the commitment (``outcome``,
``progress``, ``same_figure``: never ``history``, ``context``, ``related`` or ``component``),
it has the commitment's unit, a scope that covers the commitment's
(citywide covers all; a single district covers none) and a period within the plan year; facts
of kind ``context``, ``spending_amount`` and ``spending_share_goal`` (two-year totals, stocks,
planned figures, earlier goals) never decide, and are listed as context with the reason.

A lead-paragraph row that restates a body row with the same figure counts once (the body
row); a lead-paragraph figure that differs from the body's (2,000 vs 800 nursing beds) is a
commitment of its own, so the tracker follows both figures.

>>> import linyi_analysis as la
>>> d = la.load_plan().delivery().set_index("target_id")
>>> d.loc["urb_pocket_parks", ["commitment", "status", "evidence_figure"]].tolist()
['143 parks', 'exceeded', '170 parks']
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .formatting import a_kind, human_number, human_value, target_label
from .periods import PeriodError, parse_period
from .plan import Plan, require_plan

__all__ = ["COLUMNS", "STATUSES", "commitments", "delivery", "status_counts", "track"]

#: The statuses, strongest first (the order of the categorical ``status`` column).
STATUSES = ("met", "exceeded", "not met", "in progress", "plan confirmed", "no public evidence")
#: Kinds of fact that measure the target's own quantity (decide met/exceeded/not met for a full year).
MEASURED = ("outcome", "spending_share")
#: Kinds of fact that never decide a status.
NEVER_DECIDE = ("context", "spending_amount", "spending_share_goal")
#: Relations (``evidence.relation``) of a fact that measures the commitment itself: only these may decide.
DECIDING_RELATIONS = ("outcome", "progress", "same_figure")
#: Source types from strongest to weakest.
SOURCE_STRENGTH = ("official_document", "official_press_conference", "news_report", "repost")

COLUMNS = [
    "action_id",
    "target_id",
    "indicator",
    "commitment",
    "committed_value",
    "unit_label",
    "status",
    "evidence_figure",
    "evidence_value",
    "evidence_period",
    "fact_id",
    "period_kind",
    "rule",
    "fact_ids",
    "context",
    "publisher",
    "published",
    "url",
    "source_type",
    "repost_only",
    "freshness",
    "searches",
]

_FIGURES = ("comparator", "value", "value_min", "value_max", "baseline", "unit", "per")


def commitments(targets: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The commitments (rows of ``targets`` that count), and the restating rows mapped to the row they restate.

    A lead-paragraph (``headline``) row whose ``counterpart_id`` names a body row with the same
    figure (comparator, value, range, baseline, unit, per) restates it and counts once; one
    whose figure differs is kept, as the other figure the article gives for the commitment.
    """
    by_id = targets.set_index("target_id")
    alias = {}
    for _, t in targets.iterrows():
        other = t["counterpart_id"]
        if t["source_part"] != "headline" or pd.isna(other) or other not in by_id.index:
            continue
        if all(_same(t[c], by_id.at[other, c]) for c in _FIGURES):
            alias[t["target_id"]] = other
    return targets[~targets["target_id"].isin(alias)], alias


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return str(a) == str(b)


def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    period = parse_period(str(value))  # raises PeriodError (a linyi_analysis.Error) if unreadable
    if period.form != "date":
        raise PeriodError(str(value), "freshness must be a date (YYYY-MM-DD)")
    return period.start


def delivery(plan: Plan, freshness: str | date | None = None) -> pd.DataFrame:
    """One row per commitment: its evidence status, the facts and rule it rests on, its sources
    (also ``plan.delivery()``). A plan cut to one action gives that action's commitments.

    ``freshness`` (a date, or ``YYYY-MM-DD``) makes the tracker state as of that day: only
    searches made and facts published by then count (a fact dated by its year only counts from
    the end of that year). By default everything in the data counts.

    Columns (see :data:`COLUMNS`): action_id, target_id, indicator, commitment (as a person
    reads it, ``≥ 5,000 people``), committed_value (the figure met or exceeded is judged
    against: value, or a range's upper end), unit_label, status (categorical, :data:`STATUSES`),
    evidence_figure, evidence_value and evidence_period (of the fact the status rests on;
    empty for no public evidence), fact_id (that fact's id), period_kind (full year, partial year, as of date,
    multi-year), rule (the rule applied, in words, naming its facts), fact_ids (the facts it
    rests on, space-separated), context (linked facts that did not decide, each with the
    reason), publisher, published, url, source_type (of the fact shown), repost_only (the
    status rests only on reposts), freshness (date of the latest search covering the
    commitment, ``YYYY-MM-DD``; empty if none did) and searches (their ids).
    """
    require_plan(plan, "delivery()")
    whole = plan.whole
    key = f"delivery:{freshness}"
    return plan.derived(
        key,
        lambda _: track(
            whole.table("targets"),
            whole.evidence,
            whole.table("evidence_searches"),
            units=whole.units,
            freshness=freshness,
        ),
    )


def track(
    targets: pd.DataFrame,
    evidence: pd.DataFrame,
    searches: pd.DataFrame,
    *,
    units: pd.DataFrame,
    freshness: str | date | None = None,
) -> pd.DataFrame:
    """:func:`delivery` from the tables themselves (``targets``, ``evidence``,
    ``evidence_searches`` and ``units`` of a plan)."""
    cutoff = _as_date(freshness)
    label = dict(zip(units["unit"].astype(str), units["label"].astype(str), strict=True))
    counted, alias = commitments(targets)
    if cutoff is not None:
        known = [_published_by(p, cutoff) for p in evidence["published"]]
        evidence = evidence[pd.Series(known, index=evidence.index, dtype=bool)]
        searched = [_as_date(d) <= cutoff for d in searches["searched_on"]]
        searches = searches[pd.Series(searched, index=searches.index, dtype=bool)]
    by_id = targets.set_index("target_id")
    # Facts and searches grouped once (by target, by action), not scanned again for every commitment.
    facts_of: dict[str, list[dict]] = {}
    for order, f in enumerate(evidence.to_dict("records")):
        if not pd.isna(f["target_id"]):
            facts_of.setdefault(str(f["target_id"]), []).append({**f, "_order": order})
    searches_of = _Searches(searches)
    restated_by: dict[str, list[str]] = {}
    for k, v in alias.items():
        restated_by.setdefault(v, []).append(k)
    rows = [
        _row(t, restated_by.get(t["target_id"], []), alias, by_id, facts_of, searches_of, label)
        for t in counted.to_dict("records")
    ]
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["status"] = pd.Categorical(out["status"], categories=STATUSES)
    for col in ("committed_value", "evidence_value"):
        out[col] = out[col].astype("Float64")
    out["repost_only"] = out["repost_only"].astype("boolean")
    for col in [
        c for c in COLUMNS if c not in ("status", "committed_value", "evidence_value", "repost_only")
    ]:
        out[col] = out[col].astype("str")
    return out.reset_index(drop=True)


def _published_by(published, cutoff: date) -> bool:
    try:
        return parse_period(str(published)).end <= cutoff
    except PeriodError:
        return False


def _row(t, restating, alias, by_id, facts_of, searches_of, label) -> dict:
    tid = t["target_id"]
    names = [tid, *restating]
    unit_label = label.get(str(t["unit"]), str(t["unit"]))
    target = {**t, "unit_label": unit_label}
    # in evidence.csv's order, as a filter of the table would give them
    facts = sorted((f for n in names for f in facts_of.get(str(n), [])), key=lambda f: f["_order"])
    year = parse_period(str(t["period"]))

    outcomes, progress, confirms, context = [], [], [], []
    for f in facts:
        role, reason = _role(f, t, year)
        {"outcome": outcomes, "progress": progress, "confirms": confirms}.get(role, context).append(
            (f, reason)
        )

    other = _other_figure(t, by_id, alias)
    covering = searches_of.covering(str(t["action_id"]), names)
    fresh = max((str(s["searched_on"]) for s in covering), default="")
    committed = t["value_max"] if t["comparator"] == "range" else t["value"]
    row = {
        "action_id": t["action_id"],
        "target_id": tid,
        "indicator": t["indicator"],
        "commitment": target_label(target, exact=True),
        "committed_value": committed,
        "unit_label": unit_label,
        "freshness": fresh,
        "searches": " ".join(str(s["search_id"]) for s in covering),
        "context": "; ".join(
            f"{f['fact_id']} ({_figure(f, label)}, {f['period']}): {why}" for f, why in context
        ),
    }
    if outcomes:
        status, chosen, words = "outcome", outcomes, None
    elif progress:
        status, chosen, words = "in progress", progress, None
    elif confirms:
        status, chosen, words = "plan confirmed", confirms, None
    else:
        searched = f"searched on {fresh} ({row['searches']})" if fresh else "not searched yet"
        rule = f"no public evidence: no fact decides it; {searched}"
        if context:
            rule += f"; context only: {', '.join(str(f['fact_id']) for f, _ in context)}"
        return {**row, "status": "no public evidence", "rule": rule + other, "repost_only": pd.NA}

    fact = max(chosen, key=lambda fr: _primary_key(fr[0]))[0]
    period = parse_period(str(fact["period"]))
    figure = _figure(fact, label)
    if status == "outcome":
        status, words = _compare(t, float(fact["value"]), unit_label)
    ids = [str(f["fact_id"]) for f, _ in chosen]
    reasons = "; ".join(f"{f['fact_id']}: {why}" for f, why in chosen)
    repost_only = all(str(f["source_type"]) == "repost" for f, _ in chosen)
    rule = f"{status}: {reasons}"
    if words:
        rule += f"; {figure} {words}"
    if repost_only:
        rule += "; rests only on a repost" if len(chosen) == 1 else "; rests only on reposts"
    rule += other
    return {
        **row,
        "status": status,
        "evidence_figure": figure,
        "evidence_value": fact["value"],
        "evidence_period": str(fact["period"]),
        "fact_id": str(fact["fact_id"]),
        "period_kind": period.kind,
        "rule": rule,
        "fact_ids": " ".join(ids),
        "publisher": fact["publisher"],
        "published": fact["published"],
        "url": "" if pd.isna(fact["url"]) else fact["url"],
        "source_type": fact["source_type"],
        "repost_only": repost_only,
    }


def _role(f, t, year) -> tuple[str, str]:
    """What a fact linked to commitment ``t`` does: decide (outcome, progress, confirms) or context, and why.

    A context fact gets every reason it cannot decide, so a reader sees all that is missing.
    """
    kind, unit, scope = str(f["kind"]), str(f["unit"]), f["scope"]
    period = parse_period(str(f["period"]))
    where = f"{period.text} ({period.kind})"
    reasons = []
    if kind in NEVER_DECIDE:
        reasons.append(f"{a_kind(kind)} fact never decides")
    if unit != str(t["unit"]):
        reasons.append(f"in {unit}, not the commitment's {t['unit']}")
    if pd.isna(scope):
        reasons.append("its area is none of citywide, urban, rural or one district")
    elif not _covers(str(scope), str(t["scope"])):
        reasons.append(f"its scope ({scope}) does not cover the commitment's ({t['scope']})")
    if not period.within(year):
        reasons.append(f"{where} is not within the plan year {year.text}")
    if pd.isna(f["value"]) and kind != "progress":
        reasons.append("it states no figure")
    relation = "empty" if pd.isna(f["relation"]) else str(f["relation"])
    if kind == "corroboration" and relation != "same_figure":
        reasons.append(f"a {relation} figure, not the commitment restated")
    elif kind not in NEVER_DECIDE and relation not in DECIDING_RELATIONS:
        reasons.append(
            f"its relation ({relation}) says it does not measure the commitment "
            f"(only {', '.join(DECIDING_RELATIONS)} may decide)"
        )
    elif kind == "corroboration" and not pd.isna(f["value"]) and not restates(f["value"], t["value"]):
        reasons.append(
            f"restates another figure ({float(f['value']):g}, not the commitment's {float(t['value']):g}): "
            "not a confirmation"
        )
    if reasons:
        return "context", "; ".join(reasons)
    if kind in MEASURED:
        if period.start == year.start and period.end == year.end:
            return "outcome", f"{kind} for the whole plan year {year.text}"
        return "progress", f"{kind} for part of the plan year only ({where}): never decides met or not met"
    if kind == "progress":
        return "progress", f"progress within the plan year ({where}): never decides met or not met"
    if kind == "corroboration":
        return "confirms", f"restates the commitment ({_short(f)}, {period.text}); no delivery figure yet"
    return "context", f"{a_kind(kind)} fact does not decide"


def restates(figure, committed) -> bool:
    """Whether an official ``figure`` restates the ``committed`` one: equal once rounded to the places
    the commitment states (its significant figures, at least two), so the housing bureau's 36,261
    households restate the plan's 36,000, but 9 does not restate 8, nor 14% a 10% rise.

    >>> restates(36261, 36000), restates(9, 8), restates(14, 10), restates(143, 143), restates(0, 0)
    (True, False, False, True, True)
    """
    if pd.isna(committed):
        return False
    x, c = Decimal(repr(float(figure))), Decimal(repr(float(committed)))
    if c == 0:
        return x == 0
    stated = c.normalize().as_tuple()
    exponent = stated.exponent - max(0, 2 - len(stated.digits))
    quantum = Decimal(1).scaleb(exponent)
    return x.quantize(quantum, rounding=ROUND_HALF_UP) == c.quantize(quantum, rounding=ROUND_HALF_UP)


def _short(f) -> str:
    return "no figure" if pd.isna(f["value"]) else f"figure {float(f['value']):g}"


def _other_figure(t, by_id, alias) -> str:
    """For a lead-paragraph row kept beside its body row (the figures differ): say so in the rule."""
    other = t["counterpart_id"]
    if pd.isna(other) or other not in by_id.index or other in alias:
        return ""
    o = by_id.loc[other]
    part = "lead paragraph" if t["source_part"] == "headline" else "body"
    other_part = "body" if part == "lead paragraph" else "lead paragraph"
    return (
        f" (the {part}'s figure; the {other_part} gives {human_number(o['value'], exact=True)} for the same commitment,"
        f" {other}: the article contradicts itself, so both figures are followed)"
    )


def _covers(fact_scope: str, target_scope: str) -> bool:
    return fact_scope == target_scope or fact_scope == "citywide"


def _primary_key(f):
    """The fact a status is shown with: the latest period, then the strongest source, then the latest published."""
    period = parse_period(str(f["period"]))
    strength = -SOURCE_STRENGTH.index(str(f["source_type"]))
    return (period.end, strength, str(f["published"]))


def _figure(f, label) -> str:
    if pd.isna(f["value"]):
        return "no figure"
    return human_value(float(f["value"]), label.get(str(f["unit"]), str(f["unit"])), exact=True)


def _compare(t, x: float, unit_label: str) -> tuple[str, str]:
    """met / exceeded / not met for delivered figure ``x``, and the comparison in words."""
    comp = t["comparator"]

    def show(v):
        return human_value(float(v), unit_label, exact=True)

    if comp in (">=", ">"):
        ok = x >= t["value"] if comp == ">=" else x > t["value"]
        sign = "≥" if comp == ">=" else ">"
        if ok:
            return "met", f"satisfies the floor {sign} {show(t['value'])} (a floor has no amount to exceed)"
        return "not met", f"falls short of the floor {sign} {show(t['value'])}"
    if comp == "range":
        low, high = float(t["value_min"]), float(t["value_max"])
        if x > high:
            return "exceeded", f"is above the range {show(low)}–{show(high)}"
        if x < low:
            return "not met", f"is below the range {show(low)}–{show(high)}"
        return "met", f"is within the range {show(low)}–{show(high)}"
    amount = float(t["value"])
    what = {"increase_by": "the committed rise", "from_to": "the committed new level"}.get(
        comp, "the committed"
    )
    if math.isclose(x, amount):
        return "met", f"equals {what} {show(amount)}"
    if x > amount:
        return "exceeded", f"is more than {what} {show(amount)}"
    return "not met", f"is less than {what} {show(amount)}"


class _Searches:
    """The searches grouped once: those of the whole plan, of each action, of each target."""

    def __init__(self, searches: pd.DataFrame):
        self.rows = searches.to_dict("records")
        self.plan, self.action, self.target = [], {}, {}
        for i, s in enumerate(self.rows):
            covers = str(s["covers"])
            if covers == "plan":
                self.plan.append(i)
            elif covers == "action":
                self.action.setdefault(str(s["action_id"]), []).append(i)
            else:
                for tid in str(s["target_ids"]).split():
                    self.target.setdefault(tid, []).append(i)

    def covering(self, action_id: str, names: list[str]) -> list[dict]:
        """The searches that covered a commitment (by its id or a restating row's, its action, or
        the plan), in the file's order."""
        found = {*self.plan, *self.action.get(action_id, [])}
        for n in names:
            found.update(self.target.get(str(n), []))
        return [self.rows[i] for i in sorted(found)]


def status_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Commitments per action and status (every status a column, in :data:`STATUSES` order), from
    a frame of :func:`delivery` (possibly filtered). Actions in the frame's order."""
    actions = list(dict.fromkeys(str(a) for a in frame["action_id"]))
    counts = pd.crosstab(frame["action_id"].astype(str), frame["status"], dropna=False)
    return counts.reindex(index=actions, columns=list(STATUSES), fill_value=0).rename_axis(
        index="action_id", columns=None
    )
