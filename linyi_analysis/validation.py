"""Validate the data tables together: column rules (pandera) and the rules between columns and tables.

Every problem of every file is collected before raising, so one run shows all that is wrong.
"""

from __future__ import annotations

import math

import pandas as pd

from .delivery_rules import delivery_problems
from .errors import DataValidationError, Problem
from .resources import datapackage

#: Tables in dependency order: a table's foreign keys point only to tables before it (or itself).
TABLES = ("actions", "measures", "units", "targets", "non_targets", "evidence", "evidence_searches")

#: Columns holding verbatim text of the article: (table, id column, quote column).
QUOTED = (
    ("actions", "action_id", "name_source"),
    ("actions", "action_id", "measures_stated_quote"),
    ("measures", "measure_id", "quote"),
    ("targets", "target_id", "quote"),
    ("non_targets", "text", "quote"),
)


def validate(
    raw: dict[str, pd.DataFrame | None], problems: list[Problem], plan: str | None = None
) -> dict[str, pd.DataFrame]:
    """Check raw (all-string) tables; return them coerced to their types, or raise with every problem.

    ``plan`` is the article's plan text, whitespace-normalised, where it is available: every
    quote must then be a verbatim part of it.
    """
    from .schema import table_schema  # pandera is only paid for when data is actually validated

    resources = {r["name"]: r for r in datapackage()["resources"]}
    problems = list(problems)
    typed: dict[str, pd.DataFrame] = {}
    partial: set[str] = set()  # tables typed without the rows that broke their column rules
    for name in TABLES:
        res, frame = resources[name], raw.get(name)
        if frame is None:
            continue
        frame, found = _non_finite(frame, res)
        problems += found
        schema = table_schema(res, _foreign_values(name, res, raw))
        passed, found = _column_rules(frame, res, schema)
        problems += found
        if passed is not None:
            typed[name] = passed
            if len(passed) < len(frame):
                partial.add(name)
    problems += _row_rules(typed, partial)  # on every row that passed its column rules
    if plan is not None:
        problems += _quote_rules(raw, plan)
    if problems:
        raise DataValidationError(problems)
    return typed


_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _non_finite(frame: pd.DataFrame, res: dict) -> tuple[pd.DataFrame, list[Problem]]:
    """'NaN' or 'inf' written in a numeric column is a problem (an empty cell means no value);
    the cell is then blanked so the other rules still run on the rest of the file."""
    out, key_col = [], _key_column(res)
    numeric = [f["name"] for f in res["schema"]["fields"] if f["type"] in ("number", "integer")]
    for col in (c for c in numeric if c in frame):
        bad = frame[col].str.strip().str.lower().isin(_NON_FINITE)
        for row in frame.index[bad]:
            message = f"{frame.at[row, col]!r} is not a number (leave the cell empty for no value)"
            out.append(Problem(res["path"], row, col, message, _key_of(frame, key_col, row)))
        if bad.any():
            frame = frame.assign(**{col: frame[col].mask(bad)})
    return frame, out


def _column_rules(frame: pd.DataFrame, res: dict, schema) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check a table's column rules; return it typed, without the rows that broke them, and the problems.

    The rows that broke a rule are set aside and the rest checked again, until it passes: a value
    that is not a number hides the other checks of its column (pandera cannot compare it), and the
    rules between columns need typed rows, so this is how one run lists every problem. The table is
    None when it is broken as a whole (a column missing or unknown).
    """
    import pandera.pandas as pa

    problems, rest = [], frame
    while True:
        try:
            return schema.validate(rest, lazy=True), problems
        except pa.errors.SchemaErrors as err:
            problems += _schema_problems(err.failure_cases, res, frame)
            failed = set(pd.to_numeric(err.failure_cases["index"], errors="coerce").dropna().astype(int))
            failed &= set(rest.index)
            if not failed:
                return None, problems
            rest = rest.drop(index=sorted(failed))


def _quote_rules(raw: dict, plan: str) -> list[Problem]:
    from .source import normalize

    out = []
    for table, id_col, col in QUOTED:
        frame = raw.get(table)  # every row, also those that broke other rules
        if frame is None or col not in frame or id_col not in frame:
            continue
        for row, ident, quote in frame[[id_col, col]].itertuples(index=True):
            if isinstance(quote, str) and normalize(quote) not in plan:
                out.append(
                    Problem(
                        f"{table}.csv",
                        row,
                        col,
                        f"{quote!r} is not verbatim in the source article",
                        str(ident),
                    )
                )
    return out


def _key_column(res: dict) -> str | None:
    key = res["schema"].get("primaryKey")
    return key[0] if key else None


def _foreign_values(name: str, res: dict, raw: dict) -> dict[str, dict[str, list]]:
    out: dict[str, dict[str, list]] = {}
    for fk in res["schema"].get("foreignKeys", []):
        target = fk["reference"]["resource"] or name
        other = raw.get(target)
        (column,), (key,) = fk["fields"], fk["reference"]["fields"]
        if other is None or key not in other:
            continue  # that file's own problem is reported already
        out[column] = {f"{target}.csv {key}": other[key].dropna().unique().tolist()}
    return out


def _schema_problems(cases: pd.DataFrame, res: dict, frame: pd.DataFrame) -> list[Problem]:
    file, key_col = res["path"], _key_column(res)
    types = {f["name"]: f["type"] for f in res["schema"]["fields"]}
    uncoercible = set(cases.loc[cases["check"].astype(str).str.startswith("coerce_dtype"), "column"])
    out = []
    for case in cases.itertuples(index=False):
        check, column, value, index = str(case.check), case.column, case.failure_case, case.index
        row = None if index is None or pd.isna(index) else int(index)
        if check.startswith("dtype(") or (column in uncoercible and row is None):
            continue  # echoes of a failed type conversion, already reported per row
        if check == "column_in_dataframe":
            out.append(Problem(file, None, str(value), "required column is missing"))
            continue
        if check == "column_in_schema":
            out.append(Problem(file, None, str(value), "unknown column (not in datapackage.json)"))
            continue
        if check.startswith("coerce_dtype"):
            kind = "a whole number" if types.get(column) == "integer" else "a number"
            message = f"{_show(value)} is not {kind}"
        elif check == "not_nullable":
            message = "is empty, but a value is required"
        elif check == "field_uniqueness":
            message = f"{_show(value)} is duplicated: each value must be unique"
        else:
            message = f"{_show(value)} {check}"
        key = _key_of(frame, key_col, row)
        out.append(Problem(file, row, None if column is None or pd.isna(column) else column, message, key))
    return out


def _show(value) -> str:
    """A cell value as a person reads it: text quoted, numbers plain (-143, not np.float64(-143.0))."""
    if isinstance(value, str):
        return repr(value)
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return repr(value)


def _key_of(frame: pd.DataFrame, key_col: str | None, row: int | None) -> str | None:
    if row is None or key_col is None or key_col not in frame or row not in frame.index:
        return None
    value = frame.at[row, key_col]
    return None if pd.isna(value) else str(value)


def _row_rules(t: dict[str, pd.DataFrame], partial: set[str] = frozenset()) -> list[Problem]:
    """Rules across columns and tables that a column schema cannot state.

    A table in ``partial`` lacks the rows that broke its column rules (reported already): a rule
    that needs a row it lacks, or the whole table, passes over it rather than report it twice.
    """
    out: list[Problem] = []
    if "measures" in t:
        m = t["measures"]
        dup = m.duplicated(["action_id", "order"], keep=False)
        for row in m.index[dup]:
            out.append(
                Problem(
                    "measures.csv",
                    row,
                    "order",
                    f"order {m.at[row, 'order']} is used twice within action {m.at[row, 'action_id']!r}",
                    m.at[row, "measure_id"],
                )
            )
    if {"targets", "measures", "actions", "units"} <= t.keys():
        out += _target_rules(
            t["targets"], t["measures"], t["actions"], t["units"], measures_complete="measures" not in partial
        )
    if {"evidence", "targets", "units"} <= t.keys():
        out += _evidence_rules(t["evidence"], t["targets"], t["units"])
    out += delivery_problems(t, partial)  # the delivery tracker's rules (delivery_rules.py)
    return out


def _unit_problems(v: float, unit: str, kind: str | None, share: bool = True) -> list[str]:
    """What is wrong with figure ``v`` for its unit: a percentage above 100 (when it is a share,
    not a rise), a count that is not a whole number."""
    out = []
    if kind == "percent" and share and v > 100:
        out.append(f"{v:g} is above 100, but unit 'percent' is a share from 0 to 100")
    if kind == "count" and not math.isclose(v, round(v)):
        out.append(f"{v:g} is not a whole number, but unit {unit!r} counts things")
    return out


def _target_rules(
    tg: pd.DataFrame, ms: pd.DataFrame, ac: pd.DataFrame, un: pd.DataFrame, measures_complete: bool = True
) -> list[Problem]:
    out: list[Problem] = []
    measure_action = dict(zip(ms["measure_id"], ms["action_id"], strict=True))
    actions_with_measures = set(ms["action_id"])
    states_measures = dict(zip(ac["action_id"], ac["measures_stated"].notna(), strict=True))
    unit_kind = dict(zip(un["unit"], un["kind"], strict=True))
    unit_words = dict(zip(un["unit"], un["source_words"].notna(), strict=True))
    by_id = tg.set_index("target_id")
    figures = ["value", "value_min", "value_max", "baseline"]

    for row, r in tg.iterrows():

        def bad(column, message, row=row, r=r):
            out.append(Problem("targets.csv", row, column, message, r["target_id"]))

        comp, present = r["comparator"], {c: not pd.isna(r[c]) for c in figures}
        if comp == "range":
            for c in ("value_min", "value_max"):
                if not present[c]:
                    bad(c, "is empty, but a range needs value_min and value_max")
            if present["value"]:
                bad("value", "must be empty for a range (use value_min and value_max)")
            if present["value_min"] and present["value_max"] and r["value_min"] > r["value_max"]:
                bad("value_min", f"value_min {r['value_min']:g} is greater than value_max {r['value_max']:g}")
        else:
            if not present["value"]:
                bad("value", f"is empty, but comparator {comp!r} needs a value")
            for c in ("value_min", "value_max"):
                if present[c]:
                    bad(c, f"must be empty unless comparator is 'range' (it is {comp!r})")
        if comp == "from_to" and not present["baseline"]:
            bad("baseline", "is empty, but a from_to change needs its baseline")
        if comp != "from_to" and present["baseline"]:
            bad("baseline", f"must be empty unless comparator is 'from_to' (it is {comp!r})")

        kind = unit_kind.get(r["unit"])
        if r["unit"] in unit_words and not unit_words[r["unit"]]:
            bad("unit", f"unit {r['unit']!r} has no source_words in units.csv: a target's unit needs them")
        for c in figures:
            if not present[c]:
                continue
            for message in _unit_problems(float(r[c]), r["unit"], kind, share=comp != "increase_by"):
                bad(c, message)

        action, measure = r["action_id"], r["measure_id"]
        if pd.isna(measure):
            if states_measures.get(action):
                bad(
                    "measure_id",
                    f"is empty, but action {action!r} has measures: name the one this target belongs to",
                )
        elif measure in measure_action and measure_action[measure] != action:
            bad(
                "measure_id",
                f"measure {measure!r} belongs to action {measure_action.get(measure)!r}, not {action!r}",
            )
        if states_measures.get(action) and action not in actions_with_measures and measures_complete:
            bad("action_id", f"action {action!r} has no measures in measures.csv")

        for c in ("counterpart_id", "part_of"):
            other = r[c]
            if pd.isna(other) or other not in by_id.index:  # empty, or a row with problems of its own
                continue
            if other == r["target_id"]:
                bad(c, "points to the row itself")
            elif by_id.at[other, "unit"] != r["unit"]:
                bad(c, f"{other!r} is in {by_id.at[other, 'unit']!r}, this row in {r['unit']!r}")
            elif c == "counterpart_id" and by_id.at[other, "source_part"] == r["source_part"]:
                bad(
                    c, f"{other!r} is also from the {r['source_part']}: a counterpart restates the other part"
                )
        other = r.get("ratio_to")
        if not pd.isna(other) and other in by_id.index:
            if other == r["target_id"]:
                bad("ratio_to", "points to the row itself")
            elif "range" in (comp, by_id.at[other, "comparator"]):
                bad("ratio_to", f"a ratio needs one value on both rows, but {other!r} or this row is a range")
    return out


def _evidence_rules(ev: pd.DataFrame, tg: pd.DataFrame, un: pd.DataFrame) -> list[Problem]:
    """Evidence links: a fact names how it bears on its target, and is compared only like with like."""
    out: list[Problem] = []
    target = tg.set_index("target_id")
    fact = ev.set_index("fact_id")
    unit_kind = dict(zip(un["unit"], un["kind"], strict=True))
    same_unit = {"same_figure", "component", "history"}  # relations that compare the two figures

    for row, r in ev.iterrows():

        def bad(column, message, row=row, r=r):
            out.append(Problem("evidence.csv", row, column, message, r["fact_id"]))

        tid, relation = r["target_id"], r["relation"]
        if pd.isna(tid):
            if not pd.isna(relation):
                bad("relation", f"is {relation!r}, but target_id is empty: name the target it bears on")
        elif tid in target.index:  # (else a targets.csv row with problems of its own)
            t = target.loc[tid]
            if pd.isna(relation):
                bad("relation", f"is empty, but target_id is {tid!r}: say how the fact bears on it")
            elif relation in same_unit and t["unit"] != r["unit"]:
                bad(
                    "unit",
                    f"{relation!r} compares with {tid!r}, which is in {t['unit']!r}, not {r['unit']!r}",
                )
            if r["action_id"] != t["action_id"]:
                bad("action_id", f"must be {t['action_id']!r}, the action of target {tid!r}")
        whole = r["part_of"]
        if not pd.isna(whole) and whole in fact.index:
            if whole == r["fact_id"]:
                bad("part_of", "points to the row itself")
            elif fact.at[whole, "unit"] != r["unit"] or fact.at[whole, "period"] != r["period"]:
                bad("part_of", f"{whole!r} is not in the same unit and period as this row")
        if pd.isna(r["value"]):  # allowed for some kinds (delivery_rules.py)
            continue
        for message in _unit_problems(float(r["value"]), r["unit"], unit_kind.get(r["unit"])):
            bad("value", message)
    return out
