"""Validate the data tables together: numbers, column rules (pandera), and the rules between
columns and tables.

Every problem of every file is collected before raising, so one run shows all that is wrong: a
broken column (missing or unknown) is reported and every rule that does not read it still runs,
in that file and in the others.

Numbers are read here, once, by one grammar (:func:`parse_number`): ASCII digits, an optional
sign and an optional decimal point with digits on both sides, spaces around ignored. Anything
else (``1_43``, full-width ``１４３``, ``1e2``, ``1,430``, ``NaN``, a number too large to hold)
is a problem located by file, row and column, quoting the value as written.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date

import pandas as pd

from .delivery_rules import COMPARING_RELATIONS, delivery_problems
from .errors import DataValidationError, Problem
from .periods import PeriodError, parse_period
from .reading import DTYPES
from .resources import citation, datapackage

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

#: Action ids the report site uses for its own files: an action with one of them would overwrite it.
RESERVED_ACTION_IDS = {"index": "index.html", "overview": "overview.html", "figures": "the figures/ folder"}


def validate(
    raw: dict[str, pd.DataFrame | None],
    problems: list[Problem],
    plan: str | None = None,
    lines: dict[str, list[int] | None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Check raw (all-string) tables; return them typed, or raise with every problem.

    ``plan`` is the article's plan text, whitespace-normalised, where it is available: every
    quote must then be a verbatim part of it. ``lines`` maps a file name to the physical line
    each data row starts on (to locate problems in files with multi-line quoted fields).
    """
    from .schema import table_schema  # pandera is only paid for when data is actually validated

    resources = {r["name"]: r for r in datapackage()["resources"]}
    problems = list(problems)
    typed: dict[str, pd.DataFrame] = {}
    partial: set[str] = set()  # tables typed without the rows that broke their column rules
    broken: dict[str, set[str]] = {}  # columns missing from a table: rules reading them do not run
    reported: set[tuple] = set()  # (file, row, column) of cells whose number could not be read
    for name in TABLES:
        res, frame = resources[name], raw.get(name)
        if frame is None:
            continue
        fields = [f for f in res["schema"]["fields"] if f["name"] in frame]
        found, frame = _column_names(frame, res)
        problems += found
        frame, found, unreadable, blanked = _numbers(frame, res)
        problems += found
        reported |= {(res["path"], row, col) for row, col in blanked}
        present = {**res, "schema": {**res["schema"], "fields": fields}}
        passed, found = _column_rules(
            frame, present, table_schema(present, _foreign_values(name, res, raw)), raw[name]
        )
        # an empty cell where a number could not be read is that problem, not a second one
        problems += [
            p for p in found if not (p.message.startswith("is empty") and (p.row, p.column) in blanked)
        ]
        if passed is None:
            continue
        if unreadable:  # rows whose numbers could not be read are left out of the rules between columns
            passed = passed.drop(index=sorted(unreadable & set(passed.index)))
        missing = [f for f in res["schema"]["fields"] if f["name"] not in passed]
        for f in missing:
            passed[f["name"]] = pd.Series(pd.NA, index=passed.index, dtype=DTYPES[f["type"]])
        typed[name] = passed[[f["name"] for f in res["schema"]["fields"]]]
        broken[name] = {f["name"] for f in missing}
        if len(passed) < len(frame):
            partial.add(name)
    # on every row that passed its column rules; a cell whose number could not be read is that
    # problem only: the rules between columns read it as empty, and say nothing more about it
    problems += [
        p for p in _row_rules(typed, raw, partial, broken) if (p.file, p.row, p.column) not in reported
    ]
    if plan is not None:
        problems += _quote_rules(raw, plan)
    if problems:
        raise DataValidationError(_with_lines(problems, lines or {}))
    return typed


def _column_names(frame: pd.DataFrame, res: dict) -> tuple[list[Problem], pd.DataFrame]:
    """Columns missing or unknown: each a problem; unknown columns are set aside so the rest is checked."""
    file, names = res["path"], [f["name"] for f in res["schema"]["fields"]]
    out = [Problem(file, None, c, "required column is missing") for c in names if c not in frame]
    unknown = [c for c in frame.columns if c not in names]
    out += [Problem(file, None, str(c), "unknown column (not in datapackage.json)") for c in unknown]
    return out, frame.drop(columns=unknown)


_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")
_NON_FINITE = {"nan", "inf", "infinity"}
_INT64_MAX = 2**63 - 1


def parse_number(text: str, integer: bool = False) -> tuple[float | int | None, str | None]:
    """The number a cell holds, or None and what is wrong with it (the grammar in the module doc).

    >>> parse_number(" 143 "), parse_number("-0"), parse_number("2.5")
    ((143.0, None), (0.0, None), (2.5, None))
    >>> parse_number("１４３")[1]
    "'１４３' is not a number (write the digits 0-9: full-width and other scripts' digits are not read)"
    >>> parse_number("6.0", integer=True)[1]
    "'6.0' is not a whole number"
    """
    s = text.strip(" \t")
    if s.lower().lstrip("+-") in _NON_FINITE:
        return None, f"{text!r} is not a number (leave the cell empty for no value)"
    if integer and _INTEGER.fullmatch(s):
        value = int(s)
        if abs(value) > _INT64_MAX:
            return None, f"{text!r} is too large for a whole number (at most {_INT64_MAX})"
        return value, None
    if not integer and _NUMBER.fullmatch(s):
        value = float(s)
        if not math.isfinite(value):
            return None, f"{text!r} is too large to be a number"
        return value + 0.0, None  # -0 is 0 (a sign on nothing would print as "-0")
    return None, f"{text!r} is not {'a whole number' if integer else 'a number'}{_hint(s, integer)}"


def _hint(s: str, integer: bool) -> str:
    if any(c.isdigit() and not c.isascii() for c in s):
        return " (write the digits 0-9: full-width and other scripts' digits are not read)"
    if re.fullmatch(r"[+-]?[0-9]+(?:[_,][0-9]+)+(?:\.[0-9]+)?", s):
        return " (write it without separators, e.g. 1430 for 1,430)"
    if _EXPONENT.fullmatch(s):
        return " (write it out in full, without an exponent)"
    if not integer and re.fullmatch(r"[+-]?(?:[0-9]+\.|\.[0-9]+)", s):
        return " (write a digit on both sides of the decimal point)"
    return ""


def _numbers(frame: pd.DataFrame, res: dict) -> tuple[pd.DataFrame, list[Problem], set[int], set[tuple]]:
    """Read every number column with :func:`parse_number`; a cell that is not a number is a problem.

    Returns the frame with those columns typed (a bad cell left empty), the problems, the rows
    with a value that is not a number, and the (row, column) of every cell left empty for a problem.
    ``NaN``/``inf`` rows stay in the later rules (their cell then reads as empty).
    """
    out, unreadable, blanked, key_col = [], set(), set(), _key_column(res)
    for field in res["schema"]["fields"]:
        col, integer = field["name"], field["type"] == "integer"
        if field["type"] not in ("number", "integer") or col not in frame:
            continue
        values = []
        for row, text in frame[col].items():
            if not isinstance(text, str):
                values.append(None)
                continue
            value, message = parse_number(text, integer)
            values.append(value)
            if message:
                out.append(Problem(res["path"], row, col, message, _key_of(frame, key_col, row)))
                blanked.add((row, col))
                if "leave the cell empty" not in message:
                    unreadable.add(row)
        frame = frame.assign(**{col: pd.array(values, dtype=DTYPES[field["type"]])})
    return frame, out, unreadable, blanked


def _column_rules(
    frame: pd.DataFrame, res: dict, schema, raw: pd.DataFrame
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check a table's column rules; return it typed, without the rows that broke them, and the problems.

    The rows that broke a rule are set aside and the rest checked again, until it passes: the
    rules between columns need rows that passed, so this is how one run lists every problem.
    """
    import pandera.pandas as pa

    problems, rest = [], frame
    while True:
        try:
            return schema.validate(rest, lazy=True), problems
        except pa.errors.SchemaErrors as err:
            problems += _schema_problems(err.failure_cases, res, raw)
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
                message = f"{quote!r} is not verbatim in the source article"
                out.append(Problem(f"{table}.csv", row, col, message, str(ident)))
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


def _schema_problems(cases: pd.DataFrame, res: dict, raw: pd.DataFrame) -> list[Problem]:
    file, key_col = res["path"], _key_column(res)
    numeric = {f["name"] for f in res["schema"]["fields"] if f["type"] in ("number", "integer")}
    out = []
    for case in cases.itertuples(index=False):
        check, column, value, index = str(case.check), case.column, case.failure_case, case.index
        row = None if index is None or pd.isna(index) else int(index)
        column = None if column is None or pd.isna(column) else str(column)
        if check.startswith(("dtype(", "coerce_dtype")) and row is None:
            continue  # echoes of a failed type conversion (none happen: numbers are read before)
        if check == "not_nullable":
            message = "is empty, but a value is required"
        elif check == "field_uniqueness":
            message = f"{_written(raw, row, column, value, column in numeric)} is duplicated: each value must be unique"
        else:
            message = f"{_written(raw, row, column, value, column in numeric)} {check}"
        out.append(Problem(file, row, column, message, _key_of(raw, key_col, row)))
    return out


def _written(raw: pd.DataFrame, row: int | None, column: str | None, value, numeric: bool) -> str:
    """A cell as a person wrote it: text quoted, a number as typed (100.0001, not 100)."""
    text = raw.at[row, column] if row in raw.index and column in raw else None
    if not isinstance(text, str):
        return _show(value)
    return text.strip() if numeric else repr(text)


def _show(value) -> str:
    """A computed value as a person reads it: text quoted, numbers plain (-143, not np.float64(-143.0))."""
    if isinstance(value, str):
        return repr(value)
    try:
        return f"{float(value):.15g}"
    except (TypeError, ValueError):
        return repr(value)


def _key_of(frame: pd.DataFrame, key_col: str | None, row: int | None) -> str | None:
    if row is None or key_col is None or key_col not in frame or row not in frame.index:
        return None
    value = frame.at[row, key_col]
    return None if pd.isna(value) else str(value)


def _with_lines(problems: list[Problem], lines: dict[str, list[int] | None]) -> list[Problem]:
    """Each row's problem with the physical line its row starts on, where the file tells it."""
    out = []
    for p in problems:
        starts = lines.get(p.file)
        if p.row is not None and p.line is None and starts and 1 <= p.row <= len(starts):
            p = replace(p, line=starts[p.row - 1])
        out.append(p)
    return out


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


class _Rules:
    """What the rules between columns and tables may read: the typed rows that passed their
    column rules, the cells as written, and which columns are missing (rules reading one skip)."""

    def __init__(self, typed: dict, raw: dict, partial: set[str], broken: dict[str, set[str]]):
        self.t, self.raw, self.partial, self.broken = typed, raw, partial, broken
        self.out: list[Problem] = []

    def usable(self, table: str, *columns: str) -> bool:
        return table in self.t and not set(columns) & self.broken[table]

    def written(self, table: str, row: int, column: str) -> str:
        """The cell as written (a typed figure is never printed rounded or reformatted)."""
        text = self.raw[table].at[row, column]
        return text.strip() if isinstance(text, str) else str(text)

    def bad(self, table: str, row: int, column: str, message: str, key=None) -> None:
        key = None if key is None or pd.isna(key) else str(key)
        self.out.append(Problem(f"{table}.csv", row, column, message, key))


def _row_rules(
    t: dict[str, pd.DataFrame], raw: dict, partial: set[str] = frozenset(), broken: dict | None = None
) -> list[Problem]:
    """Rules across columns and tables that a column schema cannot state.

    A table in ``partial`` lacks the rows that broke its column rules (reported already): a rule
    that needs a row it lacks, or the whole table, passes over it rather than report it twice.
    A rule that reads a missing column (or a table that could not be read) does not run; the others do.
    """
    rules = _Rules(t, raw, set(partial), {name: set((broken or {}).get(name, ())) for name in t})
    if rules.usable("actions", "action_id"):
        for row, action in t["actions"]["action_id"].items():
            if action in RESERVED_ACTION_IDS:
                message = f"{action!r} is reserved: the report site has {RESERVED_ACTION_IDS[action]}; choose another id"
                rules.bad("actions", row, "action_id", message, action)
    if rules.usable("measures", "action_id", "order", "measure_id"):
        m = t["measures"]
        for row in m.index[m.duplicated(["action_id", "order"], keep=False)]:
            message = f"order {m.at[row, 'order']} is used twice within action {m.at[row, 'action_id']!r}"
            rules.bad("measures", row, "order", message, m.at[row, "measure_id"])
    if "targets" in t:
        _target_rules(rules)
        _composition_rules(rules, "targets", "target_id")
    if "evidence" in t:
        _evidence_rules(rules)
        _composition_rules(rules, "evidence", "fact_id")
    # The delivery tracker's rules (delivery_rules.py) read whole tables: they run when none of
    # the tables they read has a missing column (that problem is reported already).
    if not any(rules.broken.get(n) for n in ("targets", "evidence", "evidence_searches")):
        rules.out += delivery_problems(t, partial, since=date.fromisoformat(citation()["date"]))
    return rules.out


def _unit_problems(v: float, written: str, unit: str, kind: str | None, share: bool = True) -> list[str]:
    """What is wrong with figure ``v`` (``written`` as in the file) for its unit: a percentage
    above 100 (when it is a share, not a rise), a count that is not a whole number."""
    out = []
    if kind == "percent" and share and v > 100:
        out.append(f"{written} is above 100, but unit 'percent' is a share from 0 to 100")
    if kind == "count" and not math.isclose(v, round(v)):
        out.append(f"{written} is not a whole number, but unit {unit!r} counts things")
    return out


def _target_rules(rules: _Rules) -> None:
    t, usable = rules.t, rules.usable
    tg = t["targets"]
    figures = [c for c in ("value", "value_min", "value_max", "baseline") if usable("targets", c)]
    unit_kind = (
        dict(zip(t["units"]["unit"], t["units"]["kind"], strict=True))
        if usable("units", "unit", "kind")
        else {}
    )
    unit_words = (
        dict(zip(t["units"]["unit"], t["units"]["source_words"].notna(), strict=True))
        if usable("units", "unit", "source_words")
        else {}
    )
    check_measures = usable("targets", "action_id", "measure_id")
    measure_action = (
        dict(zip(t["measures"]["measure_id"], t["measures"]["action_id"], strict=True))
        if usable("measures", "measure_id", "action_id")
        else None
    )
    states_measures = (
        dict(zip(t["actions"]["action_id"], t["actions"]["measures_stated"].notna(), strict=True))
        if usable("actions", "action_id", "measures_stated")
        else None
    )
    actions_with_measures = set(measure_action.values()) if measure_action is not None else set()
    links = [
        (c, same)
        for c, same in (
            ("counterpart_id", ("unit", "source_part")),
            ("part_of", ("unit", "per", "period")),
            ("ratio_to", ("comparator", "per", "period")),
        )
        if usable("targets", "target_id", c, *same)
    ]
    by_id = tg.drop_duplicates("target_id").set_index("target_id") if usable("targets", "target_id") else None

    for row, r in zip(tg.index, tg.to_dict("records"), strict=True):

        def bad(column, message, row=row, r=r):
            rules.bad("targets", row, column, message, r["target_id"])

        present = {
            c: c in figures and not pd.isna(r[c]) for c in ("value", "value_min", "value_max", "baseline")
        }
        comp = r["comparator"] if usable("targets", "comparator") else None
        if comp == "range":
            for c in ("value_min", "value_max"):
                if c in figures and not present[c]:
                    bad(c, "is empty, but a range needs value_min and value_max")
            if present["value"]:
                bad("value", "must be empty for a range (use value_min and value_max)")
            if present["value_min"] and present["value_max"] and r["value_min"] > r["value_max"]:
                low, high = (rules.written("targets", row, c) for c in ("value_min", "value_max"))
                bad("value_min", f"value_min {low} is greater than value_max {high}")
        elif comp is not None:
            if "value" in figures and not present["value"]:
                bad("value", f"is empty, but comparator {comp!r} needs a value")
            for c in ("value_min", "value_max"):
                if present[c]:
                    bad(c, f"must be empty unless comparator is 'range' (it is {comp!r})")
        if comp is not None and "baseline" in figures:
            if comp == "from_to" and not present["baseline"]:
                bad("baseline", "is empty, but a from_to change needs its baseline")
            if comp != "from_to" and present["baseline"]:
                bad("baseline", f"must be empty unless comparator is 'from_to' (it is {comp!r})")

        if usable("targets", "period"):
            try:
                parse_period(str(r["period"]))
            except PeriodError as err:
                bad("period", f"{r['period']!r} is not a valid year: {err.reason}")
        if usable("targets", "counted", "unit", "comparator") and r["counted"] == "cumulative":
            if unit_kind.get(r["unit"]) == "percent":
                bad("counted", "is 'cumulative', but a percentage is a level or a share: write 'level'")
            elif comp in ("from_to", "increase_by"):
                bad(
                    "counted",
                    f"is 'cumulative', but a {comp} change moves a level or a standard: write 'level'",
                )
        if usable("targets", "unit"):
            unit = r["unit"]
            if unit in unit_words and not unit_words[unit]:
                bad("unit", f"unit {unit!r} has no source_words in units.csv: a target's unit needs them")
            share = comp is not None and comp != "increase_by"  # a rise in percent may pass 100
            for c in (c for c in figures if present[c]):
                for message in _unit_problems(
                    r[c], rules.written("targets", row, c), unit, unit_kind.get(unit), share
                ):
                    bad(c, message)

        if check_measures:
            action, measure = r["action_id"], r["measure_id"]
            if pd.isna(measure):
                if states_measures is not None and states_measures.get(action):
                    bad(
                        "measure_id",
                        f"is empty, but action {action!r} has measures: name the one this target belongs to",
                    )
            elif (
                measure_action is not None and measure in measure_action and measure_action[measure] != action
            ):
                bad(
                    "measure_id",
                    f"measure {measure!r} belongs to action {measure_action.get(measure)!r}, not {action!r}",
                )
            if (
                states_measures is not None
                and measure_action is not None
                and states_measures.get(action)
                and action not in actions_with_measures
                and "measures" not in rules.partial
            ):
                bad("action_id", f"action {action!r} has no measures in measures.csv")

        for c, _ in links:
            other = r[c]
            if pd.isna(other) or other not in by_id.index:  # empty, or a row with problems of its own
                continue
            if other == r["target_id"]:
                bad(c, "points to the row itself")
                continue
            found = _link_problems(c, other, by_id.loc[other], r)
            if found:
                bad(c, "; ".join(found))  # one cell, one problem saying all that is wrong with it


def _link_problems(link: str, other: str, o, r) -> list[str]:
    """What is wrong between a target ``r`` and the row ``o`` (id ``other``) its column ``link`` names."""
    out = []
    if link != "ratio_to" and not _same(o["unit"], r["unit"]):  # a ratio may divide unlike units
        out.append(f"{other!r} is in {o['unit']!r}, this row in {r['unit']!r}")
    if link == "counterpart_id":
        if o["source_part"] == r["source_part"]:
            out.append(
                f"{other!r} is also from the {r['source_part']}: a counterpart restates the other part"
            )
        return out
    if not _same(o["per"], r["per"]):
        out.append(
            f"{other!r} counts {_per(o['per'])}, this row {_per(r['per'])}: {_LINKED[link]} must count alike"
        )
    if o["period"] != r["period"]:
        out.append(
            f"{other!r} is for {o['period']}, this row for {r['period']}: {_LINKED[link]} must be for one period"
        )
    if link == "ratio_to" and "range" in (r["comparator"], o["comparator"]):
        out.append(f"a ratio needs one value on both rows, but {other!r} or this row is a range")
    return out


_LINKED = {"part_of": "a part and its total", "ratio_to": "the two figures of a ratio"}


def _per(value) -> str:
    return "in total" if pd.isna(value) else f"per {value}"


def _composition_rules(rules: _Rules, table: str, id_col: str) -> None:
    """``part_of`` links form no cycle, and the parts of a total add up to no more than it."""
    if not rules.usable(table, id_col, "part_of"):
        return
    frame = rules.t[table].drop_duplicates(id_col)
    row_of = dict(zip(frame[id_col], frame.index, strict=True))
    whole_of = {
        i: w
        for i, w in zip(frame[id_col], frame["part_of"], strict=True)
        if not pd.isna(w) and w in row_of and w != i
    }
    in_cycle: set[str] = set()
    for start in whole_of:
        path, node = [start], whole_of[start]
        while node in whole_of and node not in path:
            path.append(node)
            node = whole_of[node]
        if node == start:
            in_cycle.add(start)
            cycle = " → ".join([*path, start])
            rules.bad(
                table,
                row_of[start],
                "part_of",
                f"makes a cycle ({cycle}): a total cannot be a part of its own part",
                start,
            )
    if not rules.usable(table, "value", "unit"):
        return
    parts: dict[str, list[str]] = {}
    for part, whole in whole_of.items():
        if part not in in_cycle and whole not in in_cycle:
            parts.setdefault(whole, []).append(part)
    for whole, members in parts.items():
        total, unit = frame.at[row_of[whole], "value"], frame.at[row_of[whole], "unit"]
        figures = [(p, frame.at[row_of[p], "value"]) for p in members if frame.at[row_of[p], "unit"] == unit]
        figures = [(p, v) for p, v in figures if not pd.isna(v)]
        if pd.isna(total) or not figures:
            continue
        summed = math.fsum(float(v) for _, v in figures)
        if summed > float(total) * (1 + 1e-12):
            listed = ", ".join(f"{p} {rules.written(table, row_of[p], 'value')}" for p, _ in figures)
            message = (
                f"is {rules.written(table, row_of[whole], 'value')}, but its parts add up to "
                f"{_show(summed)} ({listed}): parts cannot exceed their total"
            )
            rules.bad(table, row_of[whole], "value", message, whole)


def _evidence_rules(rules: _Rules) -> None:
    """Evidence links: a fact names how it bears on its target, and is compared only like with like."""
    t, usable = rules.t, rules.usable
    ev = t["evidence"]
    target = (
        t["targets"].drop_duplicates("target_id").set_index("target_id")
        if usable("targets", "target_id", "unit", "action_id")
        else None
    )
    fact = ev.drop_duplicates("fact_id").set_index("fact_id") if usable("evidence", "fact_id") else None
    unit_kind = (
        dict(zip(t["units"]["unit"], t["units"]["kind"], strict=True))
        if usable("units", "unit", "kind")
        else {}
    )
    # relations that compare the two figures (an outcome's unit is checked with the outcome's rules)
    same_unit = set(COMPARING_RELATIONS) - {"outcome"}

    for row, r in zip(ev.index, ev.to_dict("records"), strict=True):

        def bad(column, message, row=row, r=r):
            rules.bad("evidence", row, column, message, r["fact_id"])

        if usable("evidence", "target_id", "relation"):
            tid, relation = r["target_id"], r["relation"]
            if pd.isna(tid):
                if not pd.isna(relation):
                    bad("relation", f"is {relation!r}, but target_id is empty: name the target it bears on")
            elif pd.isna(relation):
                bad("relation", f"is empty, but target_id is {tid!r}: say how the fact bears on it")
            elif (
                target is not None
                and tid in target.index
                and usable("evidence", "unit")
                and relation in same_unit
                and target.at[tid, "unit"] != r["unit"]
            ):
                message = f"{relation!r} compares with {tid!r}, which is in {target.at[tid, 'unit']!r}, not {r['unit']!r}"
                bad("unit", message)
        if usable("evidence", "target_id", "action_id") and target is not None:
            tid = r["target_id"]
            if not pd.isna(tid) and tid in target.index and r["action_id"] != target.at[tid, "action_id"]:
                bad("action_id", f"must be {target.at[tid, 'action_id']!r}, the action of target {tid!r}")
        if usable("evidence", "part_of", "unit", "period") and fact is not None:
            whole = r["part_of"]
            if not pd.isna(whole) and whole in fact.index:
                if whole == r["fact_id"]:
                    bad("part_of", "points to the row itself")
                elif fact.at[whole, "unit"] != r["unit"] or fact.at[whole, "period"] != r["period"]:
                    bad("part_of", f"{whole!r} is not in the same unit and period as this row")
        if usable("evidence", "value", "unit") and not pd.isna(r["value"]):
            written = rules.written("evidence", row, "value")
            for message in _unit_problems(r["value"], written, r["unit"], unit_kind.get(r["unit"])):
                bad("value", message)
