"""The delivery tracker: for every commitment of the plan, what the public record says was done.

:func:`delivery` gives one row per commitment with an **evidence status**, computed from the
data by the rules below (never typed by hand), every fact that bears on it (the deciding one
first), the rule applied in words, the source's strength and the freshness date (when it was
last searched for).

Statuses, strongest first:

- ``met`` / ``exceeded`` / ``not met``: an ``outcome`` fact (or a reported figure of the
  target's own quantity, e.g. a spending share) for the whole plan year is compared with the
  commitment. ``=`` (and a range's ends, a from→to's new level, an increase-by's rise) names
  an amount, compared at the precision the commitment states (:func:`at_stated_precision`:
  36,261 households against "36,000" is met; 170 parks against 143 is exceeded): equal is met,
  more is exceeded, less is not met. A floor (``>=``, ``>``) is a bound, compared exactly, with
  no amount to exceed: any figure that satisfies it is met.
- ``met`` / ``exceeded`` *by a date*: for a ``cumulative`` commitment (``targets.counted``: a
  quantity counted up within the year), a figure of its own quantity counted so far
  (``to_date`` in :data:`~linyi_analysis.delivery_rules.DECIDES`) that reaches it is delivery
  as of the end of its period (``reached_by``): it cannot fall back.
- ``in progress``: a figure counted so far that is below the commitment, a figure for part of
  the year of a level, share or standard (which only a whole-year figure decides), or work
  under way measured otherwise (cases registered).
- ``plan confirmed``: a ``corroboration`` fact with relation ``same_figure`` whose figure
  restates the commitment's (equal at the precision the commitment states): an independent
  source restates it, no delivery figure yet. Another figure is not a confirmation: it is
  context, with the reason.
- ``no public evidence``: nothing above, as of the freshness date of the searches that cover
  it (``evidence_searches.csv`` says what was searched, where and when).

Which fact may decide is one table, :data:`~linyi_analysis.delivery_rules.DECIDES` (by kind and
relation), read by validation and the ratios too. A fact with a role there decides only in the
commitment's unit, for an area that covers the commitment's
(:data:`~linyi_analysis.delivery_rules.COVERS`: its own area; citywide covers all; a district
covers none) and within the plan year; every other fact is listed as context, with the reason.

A commitment is :func:`linyi_analysis.plan.restated`'s: a lead-paragraph row that restates a body
row with the same figure counts once (the body row); a lead-paragraph figure that differs from
the body's (2,000 vs 800 nursing beds) is a commitment of its own, so the tracker follows both.

>>> import linyi_analysis as la
>>> d = la.load_plan().delivery().set_index("target_id")
>>> d.loc["urb_pocket_parks", ["commitment", "status", "evidence_figure"]].tolist()
['143 parks', 'exceeded', '170 parks']
>>> d.loc["urb_old_community_projects", ["status", "reached_by"]].tolist()
['met', '2022-06-30']
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .delivery_rules import DECIDES, covers, role
from .formatting import a_kind, human_number, human_value, target_label
from .periods import KINDS, PeriodError, as_date, parse_period
from .plan import Plan, require_plan, restated, typed, with_dates

__all__ = [
    "COLUMNS",
    "STATUSES",
    "at_stated_precision",
    "commitments",
    "delivery",
    "restates",
    "status_counts",
    "track",
]

#: The statuses, strongest first (the order of the categorical ``status`` column).
STATUSES = ("met", "exceeded", "not met", "in progress", "plan confirmed", "no public evidence")
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
    "reached_by",
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

# How strongly a fact's reading decides, strongest first: a whole-year figure compared, a figure
# counted so far that reached the commitment, in progress, plan confirmed, context.
_DECIDED, _REACHED, _PROGRESS, _CONFIRMS, _CONTEXT = range(5)


def commitments(targets: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The commitments (rows of ``targets`` that count), and the restating rows mapped to the row
    they restate, by the one definition of a commitment, :func:`linyi_analysis.plan.restated`."""
    alias, _ = restated(targets)
    return targets[~targets["target_id"].isin(alias)], alias


def delivery(plan: Plan, as_of=None) -> pd.DataFrame:
    """One row per commitment: its evidence status, the facts and rule it rests on, its sources
    (also ``plan.delivery()``). A plan cut to one action gives that action's commitments.

    ``as_of`` (a ``datetime.date``, a ``datetime`` or pandas ``Timestamp``, or ISO text such as
    ``2022-12-31``) makes the tracker state as of that day: only searches made and facts published
    by then count (a fact dated by its year only counts from the end of that year). By default
    everything in the data counts. A value that is not a date raises
    :class:`~linyi_analysis.errors.ParameterError`.

    Columns (see :data:`COLUMNS`): action_id, target_id, indicator, commitment (as a person
    reads it, ``≥ 5,000 people``), committed_value (the figure met or exceeded is judged
    against: value, or a range's upper end), unit_label, status (categorical, :data:`STATUSES`),
    reached_by (the day by which a figure counted so far had reached a cumulative commitment, so
    met or exceeded early: ``2022-06-30``; empty otherwise), evidence_figure, evidence_value and
    evidence_period (of the fact the status rests on; empty for no public evidence), fact_id
    (that fact's id), period_kind (full year, partial year, as of date, multi-year), rule (the
    rule applied, in words, naming every fact), fact_ids (every fact that bears on the
    commitment, space-separated: the deciding one first, then the others by strength, context
    last), context (linked facts that cannot decide, each with the reason), publisher,
    published, url, source_type (of the fact shown), repost_only (the status rests only on
    reposts), freshness (date of the latest search covering the commitment, ``YYYY-MM-DD``;
    empty if none did) and searches (their ids).
    """
    require_plan(plan, "delivery()")
    cutoff = None if as_of is None else as_date(as_of, "as_of")
    whole = plan.whole
    codes = {"action_id": None, "status": list(STATUSES), "period_kind": list(KINDS), "source_type": None}
    return plan.derived(
        f"delivery:{cutoff}",
        lambda _: with_dates(
            typed(
                track(
                    whole.table("targets"),
                    whole.evidence,
                    whole.table("evidence_searches"),
                    units=whole.units,
                    as_of=cutoff,
                ),
                whole,
                codes,
            ),
            "evidence_period",
        ),
    )


def track(
    targets: pd.DataFrame,
    evidence: pd.DataFrame,
    searches: pd.DataFrame,
    *,
    units: pd.DataFrame,
    as_of=None,
) -> pd.DataFrame:
    """:func:`delivery` from the tables themselves (``targets``, ``evidence``,
    ``evidence_searches`` and ``units`` of a plan)."""
    cutoff = None if as_of is None else as_date(as_of, "as_of")
    label = dict(zip(units["unit"].astype(str), units["label"].astype(str), strict=True))
    counted, alias = commitments(targets)
    if cutoff is not None:
        known = [_published_by(p, cutoff) for p in evidence["published"]]
        evidence = evidence[pd.Series(known, index=evidence.index, dtype=bool)]
        searched = [as_date(str(d)) <= cutoff for d in searches["searched_on"]]
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
        out[col] = out[col].astype("object").fillna("").astype("str")  # (an empty frame's are float64)
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
    # Every fact's reading (rank, status, why, reached_by), strongest first: within a rank the
    # latest period, the strongest source, the latest published (the one a status is shown with).
    readings = sorted(
        ((f, *_reading(f, target, year, unit_label, label)) for f in facts),
        key=lambda r: _primary_key(r[0]),
        reverse=True,
    )
    readings.sort(key=lambda r: r[1])
    context = [(f, why) for f, rank, _, why, _ in readings if rank == _CONTEXT]

    other = _other_figure(t, by_id, alias, label)
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
        "fact_ids": " ".join(str(f["fact_id"]) for f, *_ in readings),
        "context": "; ".join(
            f"{f['fact_id']} ({_figure(f, label)}, {f['period']}): {why}" for f, why in context
        ),
    }
    if not readings or readings[0][1] == _CONTEXT:
        searched = f"searched on {fresh} ({row['searches']})" if fresh else "not searched yet"
        rule = f"no public evidence: no fact decides it; {searched}"
        if context:
            rule += f"; context only: {', '.join(str(f['fact_id']) for f, _ in context)}"
        return {**row, "status": "no public evidence", "rule": rule + other, "repost_only": pd.NA}

    fact, best, status, _, reached = readings[0]
    chosen = [r for r in readings if r[1] == best]
    also = [r for r in readings if _CONTEXT > r[1] > best]
    repost_only = all(str(f["source_type"]) == "repost" for f, *_ in chosen)
    rule = f"{status}{f' (by {reached})' if reached else ''}: "
    rule += "; ".join(f"{f['fact_id']}: {why}" for f, _, _, why, _ in chosen)
    if also:
        rule += "; also on record: " + "; ".join(f"{f['fact_id']}: {why}" for f, _, _, why, _ in also)
    if context:
        rule += f"; context: {', '.join(str(f['fact_id']) for f, _ in context)}"
    if repost_only:
        rule += "; rests only on a repost" if len(chosen) == 1 else "; rests only on reposts"
    return {
        **row,
        "status": status,
        "reached_by": reached,
        "evidence_figure": _figure(fact, label),
        "evidence_value": fact["value"],
        "evidence_period": str(fact["period"]),
        "fact_id": str(fact["fact_id"]),
        "period_kind": parse_period(str(fact["period"])).kind,
        "rule": rule + other,
        "publisher": fact["publisher"],
        "published": fact["published"],
        "url": "" if pd.isna(fact["url"]) else fact["url"],
        "source_type": fact["source_type"],
        "repost_only": repost_only,
    }


def _reading(f, t, year, unit_label, label) -> tuple[int, str | None, str, str]:
    """What a fact linked to commitment ``t`` says of it: (rank, status, why, reached_by).

    A fact that cannot decide is context, with every reason it cannot, so a reader sees all
    that is missing; the role of one that can comes from :data:`~linyi_analysis.delivery_rules.DECIDES`.
    """
    kind = str(f["kind"])
    part = role(kind, f["relation"])
    period = parse_period(str(f["period"]))
    where = f"{period.text} ({period.kind})"
    reasons = _why_not(f, t, year, part, period)
    if reasons:
        return _CONTEXT, None, "; ".join(reasons), ""
    if part == "confirms":
        if pd.isna(t["value"]):
            why = f"states one figure ({float(f['value']):g}), not the commitment's range {target_label(t, exact=True)}: not a confirmation"
            return _CONTEXT, None, why, ""
        if not restates(f["value"], t["value"]):
            why = f"restates another figure ({float(f['value']):g}, not the commitment's {float(t['value']):g}): not a confirmation"
            return _CONTEXT, None, why, ""
        return (
            _CONFIRMS,
            "plan confirmed",
            f"restates the commitment ({_short(f)}, {period.text}); no delivery figure yet",
            "",
        )
    if part == "progress" or pd.isna(f["value"]):
        return (
            _PROGRESS,
            "in progress",
            f"progress within the plan year ({where}): never decides met or not met",
            "",
        )
    figure = _figure(f, label)
    status, words = _compare(t, float(f["value"]), unit_label)
    if part == "outcome" and period.start == year.start and period.end == year.end:
        return _DECIDED, status, f"{kind} for the whole plan year {year.text}: {figure} {words}", ""
    if str(t["counted"]) != "cumulative":
        why = (
            f"{kind} for part of the plan year only ({where}): the commitment is a level, share or "
            "standard, which only a figure for the whole year decides"
        )
        return _PROGRESS, "in progress", why, ""
    when = f"as of {period.end}" if period.form == "date" else f"for {where}, to {period.end}"
    so_far = f"{kind} figure counted {when}: {figure} {words}"
    if status == "not met":
        return _PROGRESS, "in progress", f"{so_far}: in progress", ""
    why = f"{so_far}; a quantity counted up within the plan year that has reached its commitment is delivered"
    return _REACHED, status, why, str(period.end)


def _why_not(f, t, year, part, period) -> list[str]:
    """Every reason fact ``f`` cannot decide commitment ``t`` (empty: it can)."""
    kind, unit, scope, relation = str(f["kind"]), str(f["unit"]), f["scope"], f["relation"]
    relation = "empty" if pd.isna(relation) else str(relation)
    reasons = []
    if part is None:
        deciding = [r for k, r in DECIDES if k == kind]
        if not deciding:
            reasons.append(f"{a_kind(kind)} fact never decides")
        elif kind == "corroboration":
            reasons.append(f"a {relation} figure, not the commitment restated")
        else:
            reasons.append(
                f"its relation ({relation}) says it does not measure the commitment "
                f"({a_kind(kind)} fact decides only with relation {' or '.join(deciding)})"
            )
    if unit != str(t["unit"]):
        reasons.append(f"in {unit}, not the commitment's {t['unit']}")
    if pd.isna(scope):
        reasons.append("its area is none of citywide, urban, central city, rural or one district")
    elif not covers(scope, t["scope"]):
        reasons.append(f"its scope ({scope}) does not cover the commitment's ({t['scope']})")
    if not period.within(year):
        reasons.append(f"{period.text} ({period.kind}) is not within the plan year {year.text}")
    if pd.isna(f["value"]) and kind != "progress":
        reasons.append("it states no figure")
    return reasons


def at_stated_precision(figure, committed) -> tuple[Decimal, Decimal, Decimal | None]:
    """``figure`` and ``committed`` rounded to the places the commitment states (its significant
    figures, at least two), and that step (None for a commitment of 0: compared exactly).

    The one rule for comparing a figure with a commitment's amount: "36,000 households" is stated
    to the thousand, so 36,261 counts as 36,000; "143 parks" to the unit, so 170 is more.

    >>> at_stated_precision(36261, 36000)
    (Decimal('3.6E+4'), Decimal('3.6E+4'), Decimal('1E+3'))
    >>> [str(v) for v in at_stated_precision(170, 143)]
    ['170', '143', '1']
    """
    x, c = Decimal(repr(float(figure))), Decimal(repr(float(committed)))
    if c == 0:
        return x, c, None
    stated = c.normalize().as_tuple()
    quantum = Decimal(1).scaleb(stated.exponent - max(0, 2 - len(stated.digits)))
    return x.quantize(quantum, rounding=ROUND_HALF_UP), c.quantize(quantum, rounding=ROUND_HALF_UP), quantum


def restates(figure, committed) -> bool:
    """Whether an official ``figure`` restates the ``committed`` one: equal at the precision the
    commitment states (:func:`at_stated_precision`), so the housing bureau's 36,261 households
    restate the plan's 36,000, but 9 does not restate 8, nor 14% a 10% rise.

    >>> restates(36261, 36000), restates(9, 8), restates(14, 10), restates(143, 143), restates(0, 0)
    (True, False, False, True, True)
    """
    if pd.isna(committed):
        return False
    x, c, _ = at_stated_precision(figure, committed)
    return x == c


def _short(f) -> str:
    return "no figure" if pd.isna(f["value"]) else f"figure {float(f['value']):g}"


def _other_figure(t, by_id, alias, label) -> str:
    """For a lead-paragraph row kept beside its body row (the figures differ): say so in the rule."""
    other = t["counterpart_id"]
    if pd.isna(other) or other not in by_id.index or other in alias:
        return ""
    o = {**by_id.loc[other].to_dict(), "unit_label": label.get(str(by_id.at[other, "unit"]), "")}
    part = "lead paragraph" if t["source_part"] == "headline" else "body"
    other_part = "body" if part == "lead paragraph" else "lead paragraph"
    return (
        f" (the {part}'s figure; the {other_part} gives {target_label(o, exact=True)} for the same commitment,"
        f" {other}: the article contradicts itself, so both figures are followed)"
    )


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
    """met / exceeded / not met for figure ``x``, and the comparison in words (saying how it is compared)."""
    comp = t["comparator"]

    def show(v):
        return human_value(float(v), unit_label, exact=True)

    if comp in (">=", ">"):
        ok = x >= t["value"] if comp == ">=" else x > t["value"]
        sign = "≥" if comp == ">=" else ">"
        if ok:
            return (
                "met",
                f"satisfies the floor {sign} {show(t['value'])} (a floor is a bound, compared exactly, with no amount to exceed)",
            )
        return (
            "not met",
            f"falls short of the floor {sign} {show(t['value'])} (a floor is a bound, compared exactly)",
        )
    if comp == "range":
        low, high = float(t["value_min"]), float(t["value_max"])
        span = f"the range {show(low)}–{show(high)}"
        if _order(x, high) > 0:
            return "exceeded", f"is above {span}{_precision(x, high, show)}"
        if _order(x, low) < 0:
            return "not met", f"is below {span}{_precision(x, low, show)}"
        return "met", f"is within {span}{_precision(x, high, show)}"
    amount = float(t["value"])
    what = {"increase_by": "the committed rise", "from_to": "the committed new level"}.get(
        comp, "the committed"
    )
    order, how = _order(x, amount), _precision(x, amount, show)
    if order == 0:
        return "met", f"equals {what} {show(amount)}{how}"
    if order > 0:
        return "exceeded", f"is more than {what} {show(amount)}{how}"
    return "not met", f"is less than {what} {show(amount)}{how}"


def _order(x: float, committed: float) -> int:
    """-1, 0 or 1 as figure ``x`` is below, at or above ``committed``, at the precision it states."""
    a, b, _ = at_stated_precision(x, committed)
    return (a > b) - (a < b)


def _precision(x: float, committed: float, show) -> str:
    """The comparison's precision in words: `` (compared to the nearest 1,000, as the commitment is
    stated: 36,261 households counts as 36,000 households)``."""
    rounded, _, step = at_stated_precision(x, committed)
    if step is None:
        return " (compared exactly)"
    text = f" (compared to the nearest {human_number(step, exact=True)}, as the commitment is stated"
    if rounded != Decimal(repr(float(x))):
        text += f": {show(x)} counts as {show(rounded)}"
    return text + ")"


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
