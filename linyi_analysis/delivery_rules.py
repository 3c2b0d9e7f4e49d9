"""The data rules of the delivery tracker: what a fact needs before it may decide a commitment's status,
and what a record of searches must name. Each broken rule is a located :class:`~linyi_analysis.errors.Problem`.

Called by :func:`linyi_analysis.validation.validate` (through ``_row_rules``) on the rows that
passed their column rules, so a bad row fails every loader, with file, row, column and problem.
"""

from __future__ import annotations

import pandas as pd

from .errors import Problem
from .formatting import a_kind
from .periods import PeriodError, parse_period

#: Kinds of fact that decide a commitment's status: their period must lie within the target's year.
DECIDING_KINDS = ("outcome", "progress", "corroboration")
#: Kinds of fact that may state no figure (work started, a policy in force).
NO_FIGURE_KINDS = ("progress", "context")


def delivery_problems(tables: dict[str, pd.DataFrame], partial=frozenset()) -> list[Problem]:
    """Every delivery rule broken in ``tables`` (typed frames by name).

    A table in ``partial`` lacks rows that broke their column rules (reported already): a
    check that would name such a row as missing is skipped rather than report it twice.
    """
    out: list[Problem] = []
    if {"evidence", "targets"} <= tables.keys():
        out += evidence_problems(tables["evidence"], tables["targets"])
    if {"evidence_searches", "targets", "evidence"} <= tables.keys():
        out += search_problems(
            tables["evidence_searches"],
            tables["targets"],
            tables["evidence"],
            check_targets="targets" not in partial,
            check_facts="evidence" not in partial,
        )
    return out


def evidence_problems(ev: pd.DataFrame, tg: pd.DataFrame) -> list[Problem]:
    """Rules on evidence.csv: valid periods; an outcome names a target, is in its unit and has a
    figure; a deciding fact lies within its target's year; a fact without a url says why."""
    out: list[Problem] = []
    target = tg.set_index("target_id")

    for row, r in ev.iterrows():

        def bad(column, message, row=row, r=r):
            out.append(Problem("evidence.csv", row, column, message, r["fact_id"]))

        kind, tid, value = str(r["kind"]), r["target_id"], r["value"]
        try:
            period = parse_period(str(r["period"]))
        except PeriodError as err:
            bad("period", f"{r['period']!r} is not a valid period: {err.reason}")
            period = None
        if (kind == "outcome") != (r["relation"] == "outcome"):
            bad(
                "relation",
                f"is {_text(r['relation'])}, but kind is {kind!r}: an outcome and only an outcome has relation 'outcome'",
            )
        if kind == "outcome" and pd.isna(tid):
            bad("target_id", "is empty, but an outcome must name the target it reports on")
        if pd.isna(value) and kind not in NO_FIGURE_KINDS:
            what = (
                "an outcome needs the delivered figure"
                if kind == "outcome"
                else f"{a_kind(kind)} fact needs its figure"
            )
            bad("value", f"is empty, but {what}")
        if pd.isna(r["url"]) and pd.isna(r["notes"]):
            bad(
                "url", "is empty, but notes do not say why the source has no address: cite it, or say why not"
            )
        if pd.isna(tid) or tid not in target.index:  # no target, or one with problems of its own
            continue
        t = target.loc[tid]
        if kind == "outcome" and str(r["unit"]) != str(t["unit"]):
            bad("unit", f"is {str(r['unit'])!r}, but the outcome's target {tid!r} is in {str(t['unit'])!r}")
        if kind in DECIDING_KINDS and period is not None:
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
) -> list[Problem]:
    """Rules on evidence_searches.csv: what a search covers is named as its ``covers`` says,
    and every target and fact it lists exists."""
    out: list[Problem] = []
    targets, facts = set(tg["target_id"]), set(ev["fact_id"])
    needs = {"targets": "target_ids", "action": "action_id", "plan": None}

    for row, r in searches.iterrows():

        def bad(column, message, row=row, r=r):
            out.append(Problem("evidence_searches.csv", row, column, message, r["search_id"]))

        covers = str(r["covers"])
        for column in ("target_ids", "action_id"):
            wanted = needs.get(covers) == column
            if wanted and pd.isna(r[column]):
                bad(column, f"is empty, but the search covers {covers!r}: name them")
            elif not wanted and not pd.isna(r[column]):
                bad(column, f"must be empty when the search covers {covers!r}")
        if check_targets and not pd.isna(r["target_ids"]):
            for tid in str(r["target_ids"]).split():
                if tid not in targets:
                    bad("target_ids", f"{tid!r} is not a target_id of targets.csv")
        if check_facts and not pd.isna(r["fact_ids"]):
            for fid in str(r["fact_ids"]).split():
                if fid not in facts:
                    bad("fact_ids", f"{fid!r} is not a fact_id of evidence.csv")
        if not pd.isna(r["searched_on"]):
            try:
                parse_period(str(r["searched_on"]))
            except PeriodError as err:
                bad("searched_on", f"{r['searched_on']!r} is not a valid date: {err.reason}")
    return out


def _text(value) -> str:
    return "empty" if pd.isna(value) else repr(str(value))
