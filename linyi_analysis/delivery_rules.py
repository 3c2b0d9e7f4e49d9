"""What a fact may decide, written once, and the data rules that follow from it.

:data:`DECIDES` is the one table of which fact may decide a commitment's status, by its
``kind`` and ``relation``; :func:`needs_figure` says which facts must state a figure and
:func:`covers` which areas a fact's figure speaks for. Validation (:func:`delivery_problems`,
called by :func:`linyi_analysis.validation.validate`), the tracker
(:mod:`linyi_analysis.delivery`) and the ratios (:mod:`linyi_analysis.ratios`) all read them,
so data the loader accepts is data every later step can handle. Each broken rule is a located
:class:`~linyi_analysis.errors.Problem` (file, row, column and problem).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from .errors import Problem
from .formatting import a_kind
from .periods import PeriodError, parse_period

#: Which fact may decide a commitment's status: ``(kind, relation)`` → role. Every other pair is
#: context and never decides. A fact with a role decides only in the commitment's unit, for an area
#: that covers the commitment's and within its plan year (the tracker gives the reason otherwise).
#:
#: - ``outcome``: the delivered figure of the commitment's own quantity. For the whole plan year it
#:   is compared with the commitment (met, exceeded, not met); for part of the year, as ``to_date``.
#: - ``to_date``: the commitment's own quantity counted so far. For a cumulative commitment (a
#:   quantity counted up within the year), a figure that reaches it decides met or exceeded as of
#:   its date; below it, or for a level, share or standard, it means in progress.
#: - ``progress``: work under way, measured otherwise (cases registered, no figure): in progress.
#: - ``confirms``: an independent source restates the commitment: plan confirmed, when its figure
#:   equals the commitment's at the precision the commitment states.
DECIDES = {
    ("outcome", "outcome"): "outcome",
    ("spending_share", "same_figure"): "outcome",
    ("spending_share", "progress"): "outcome",
    ("progress", "progress"): "to_date",
    ("progress", "same_figure"): "to_date",
    ("progress", "related"): "progress",
    ("corroboration", "same_figure"): "confirms",
}
#: Kinds of fact that are a figure: the ``value`` column is required.
FIGURE_KINDS = ("outcome", "corroboration", "spending_share", "spending_amount", "spending_share_goal")
#: Relations that compare the fact's figure with its commitment's: the fact needs a figure, in the
#: commitment's unit. :func:`~linyi_analysis.ratios.derived_ratios` derives ``component`` (a share
#: of the commitment) and ``same_figure`` (official minus plan) from them.
COMPARING_RELATIONS = ("outcome", "same_figure", "component", "history")
#: The areas each area's figures speak for (``scope``): its own, and citywide speaks for every area.
#: ``urban`` is 城镇, the city's towns and urban areas as a whole; ``central_city`` is 中心城区;
#: a figure for one district speaks for no commitment.
COVERS = {
    "citywide": ("citywide", "urban", "central_city", "rural"),
    "urban": ("urban",),
    "central_city": ("central_city",),
    "rural": ("rural",),
    "district": (),
}


def role(kind: str, relation) -> str | None:
    """The role of a fact of ``kind`` and ``relation`` in :data:`DECIDES` (None: context, never decides).

    >>> role("progress", "progress"), role("context", "same_figure")
    ('to_date', None)
    """
    return DECIDES.get((str(kind), None if pd.isna(relation) else str(relation)))


def needs_figure(kind: str, relation) -> bool:
    """Whether a fact must state a figure: its kind is a figure, or its relation compares one.

    >>> needs_figure("progress", "progress"), needs_figure("progress", "component")
    (False, True)
    """
    return str(kind) in FIGURE_KINDS or (not pd.isna(relation) and str(relation) in COMPARING_RELATIONS)


def covers(fact_scope, target_scope) -> bool:
    """Whether a figure for area ``fact_scope`` speaks for a commitment in ``target_scope`` (:data:`COVERS`)."""
    return not pd.isna(fact_scope) and str(target_scope) in COVERS.get(str(fact_scope), ())


def delivery_problems(
    tables: dict[str, pd.DataFrame], partial=frozenset(), today: date | None = None, since: date | None = None
) -> list[Problem]:
    """Every delivery rule broken in ``tables`` (typed frames by name).

    A table in ``partial`` lacks rows that broke their column rules (reported already): a
    check that would name such a row as missing is skipped rather than report it twice.
    ``today`` is the run's date (no fact is published and no search made after it); ``since`` the
    date of the plan's article (no search for its evidence was made before it).
    """
    today = today or date.today()
    out: list[Problem] = []
    if {"evidence", "targets"} <= tables.keys():
        out += evidence_problems(tables["evidence"], tables["targets"], today)
    if {"evidence_searches", "targets", "evidence"} <= tables.keys():
        out += search_problems(
            tables["evidence_searches"],
            tables["targets"],
            tables["evidence"],
            check_targets="targets" not in partial,
            check_facts="evidence" not in partial,
            today=today,
            since=since,
        )
    return out


def evidence_problems(ev: pd.DataFrame, tg: pd.DataFrame, today: date | None = None) -> list[Problem]:
    """Rules on evidence.csv: valid periods and publication dates (none after ``today``); an
    outcome names a target and is in its unit; a fact has the figure its kind and relation need
    (:func:`needs_figure`); a fact that may decide (:data:`DECIDES`) lies within its target's year;
    a fact without a url says why in its notes."""
    today = today or date.today()
    out: list[Problem] = []
    target = tg.set_index("target_id")

    for row, r in ev.iterrows():

        def bad(column, message, row=row, r=r):
            out.append(Problem("evidence.csv", row, column, message, r["fact_id"]))

        kind, tid, value, relation = str(r["kind"]), r["target_id"], r["value"], r["relation"]
        try:
            period = parse_period(str(r["period"]))
        except PeriodError as err:
            bad("period", f"{r['period']!r} is not a valid period: {err.reason}")
            period = None
        _date_problems(bad, "published", r["published"], today)
        if (kind == "outcome") != (relation == "outcome"):
            bad(
                "relation",
                f"is {_text(relation)}, but kind is {kind!r}: an outcome and only an outcome has relation 'outcome'",
            )
        if kind == "outcome" and pd.isna(tid):
            bad("target_id", "is empty, but an outcome must name the target it reports on")
        if pd.isna(value) and needs_figure(kind, relation):
            if kind == "outcome":
                what = "an outcome needs the delivered figure"
            elif kind in FIGURE_KINDS:
                what = f"{a_kind(kind)} fact needs its figure"
            else:
                what = f"relation {relation!r} compares the fact's figure with the commitment's"
            bad("value", f"is empty, but {what}")
        if pd.isna(r["url"]) and not _said(r["notes"]):
            bad(
                "url", "is empty, but notes do not say why the source has no address: cite it, or say why not"
            )
        if pd.isna(tid) or tid not in target.index:  # no target, or one with problems of its own
            continue
        t = target.loc[tid]
        if kind == "outcome" and str(r["unit"]) != str(t["unit"]):
            bad("unit", f"is {str(r['unit'])!r}, but the outcome's target {tid!r} is in {str(t['unit'])!r}")
        if role(kind, relation) is not None and period is not None:
            try:
                year = parse_period(str(t["period"]))
            except PeriodError:
                continue  # the target's own problem
            if not period.within(year):
                bad(
                    "period",
                    f"{period.text} ({period.kind}, {period.start}–{period.end}) lies outside the plan year "
                    f"{year.text} of {tid!r}, but {a_kind(kind)} fact decides its status: "
                    "record figures of other periods as history or context",
                )
    return out


def search_problems(
    searches: pd.DataFrame,
    tg: pd.DataFrame,
    ev: pd.DataFrame,
    check_targets: bool = True,
    check_facts: bool = True,
    today: date | None = None,
    since: date | None = None,
) -> list[Problem]:
    """Rules on evidence_searches.csv: what a search covers is named as its ``covers`` says, once
    each, every target and fact it lists exists, and its date is a real day no later than
    ``today``, no earlier than ``since`` (the plan's article) nor than a fact it found was published."""
    today = today or date.today()
    out: list[Problem] = []
    targets, facts = set(tg["target_id"]), set(ev["fact_id"])
    published = dict(zip(ev["fact_id"], ev["published"], strict=True))
    needs = {"targets": "target_ids", "action": "action_id", "plan": None}

    for row, r in searches.iterrows():

        def bad(column, message, row=row, r=r):
            out.append(Problem("evidence_searches.csv", row, column, message, r["search_id"]))

        covers_ = str(r["covers"])
        for column in ("target_ids", "action_id"):
            wanted = needs.get(covers_) == column
            if wanted and pd.isna(r[column]):
                bad(column, f"is empty, but the search covers {covers_!r}: name them")
            elif not wanted and not pd.isna(r[column]):
                bad(column, f"must be empty when the search covers {covers_!r}")
        for column, known, table in (("target_ids", targets, "targets"), ("fact_ids", facts, "evidence")):
            if pd.isna(r[column]) or not (check_targets if column == "target_ids" else check_facts):
                continue
            ids = str(r[column]).split()
            for i in sorted({i for i in ids if ids.count(i) > 1}):
                bad(column, f"names {i!r} {ids.count(i)} times: name each once")
            for i in dict.fromkeys(ids):
                if i not in known:
                    bad(column, f"{i!r} is not a {column[:-1]} of {table}.csv")
        day = _date_problems(bad, "searched_on", r["searched_on"], today, "date")
        if day is None:
            continue
        if since is not None and day < since:
            bad("searched_on", f"{day} is before {since}, when the plan's article was published")
        for fid in [] if pd.isna(r["fact_ids"]) else str(r["fact_ids"]).split():
            try:
                first = parse_period(str(published.get(fid))).start
            except PeriodError:
                continue  # an unknown fact, or one whose date has a problem of its own
            if day < first:
                bad(
                    "searched_on",
                    f"{day} is before {fid!r} was published ({published[fid]}): a search finds only what was out",
                )
    return out


def _date_problems(bad, column: str, value, today: date, form: str | None = None) -> date | None:
    """The first day a written date (or year) stands for, or None after reporting why it cannot be used:
    not a real date (or not of ``form``), or after ``today``, the day of the run."""
    if pd.isna(value):
        return None  # a required cell left empty: the column rules report it
    try:
        period = parse_period(str(value))
    except PeriodError as err:
        bad(column, f"{value!r} is not a valid date: {err.reason}")
        return None
    if form is not None and period.form != form:
        bad(column, f"{value!r} is not a valid date (YYYY-MM-DD)")
        return None
    if period.start > today:
        bad(column, f"{value!r} is after today ({today}): a date in the future cannot have happened yet")
        return None
    return period.start


def _said(notes) -> bool:
    """Whether a notes cell says something (whitespace alone says nothing)."""
    return not pd.isna(notes) and bool(str(notes).strip())


def _text(value) -> str:
    return "empty" if pd.isna(value) else repr(str(value))
