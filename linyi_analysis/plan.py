"""The plan as one object: load it once, pass it around, cut it to one action.

>>> import linyi_analysis as la
>>> plan = la.load_plan()
>>> medical = plan.action("medical")
>>> len(medical.measures), medical.targets["label"].tolist()[:1]
(7, ['20 institutions'])

:func:`load_plan` is the one place (with the report's command line) where a data directory is
resolved; everything below it takes a :class:`Plan`. Every frame a plan hands out is a copy
(pandas' copy-on-write makes that cheap), so an analyst who edits one cannot change a later
result.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from .errors import ParameterError, UnknownAction, UnknownTable
from .formatting import target_label
from .periods import parse_period
from .resources import resource


def target_kinds() -> list[str]:
    """The kinds of target, in a fixed order: the unit kinds of ``units.csv``, then range and change."""
    fields = {f["name"]: f for f in resource("units")["schema"]["fields"]}
    return [*fields["kind"]["constraints"]["enum"], "range", "change"]


def _target_kind(comparator: str, unit_kind: str) -> str:
    if comparator == "range":
        return "range"
    if comparator in ("from_to", "increase_by"):
        return "change"
    return unit_kind


#: The figure of a target: two rows with all of these equal state the same figure.
FIGURE_COLUMNS = ("comparator", "value", "value_min", "value_max", "baseline", "unit", "per")


def restated(targets: pd.DataFrame) -> tuple[dict[str, str], set[str]]:
    """What a commitment is, the one definition: the lead-paragraph rows that restate a body row
    (mapped to it) and the rows of a pair whose two figures differ.

    A lead-paragraph (``headline``) row whose ``counterpart_id`` names a row with the same figure
    (:data:`FIGURE_COLUMNS`) restates it and counts once, as that row. A pair whose figures differ
    (the lead paragraph's 2,000 nursing beds, the body's 800) are two commitments, both marked as
    contradicting: the article contradicts itself, and both figures are followed.
    """
    by_id = targets.set_index("target_id")
    alias, contradicting = {}, set()
    for t in targets.to_dict("records"):
        other = t["counterpart_id"]
        if pd.isna(other) or other not in by_id.index:
            continue
        if any(not _same(t[c], by_id.at[other, c]) for c in FIGURE_COLUMNS):
            contradicting.add(t["target_id"])
        elif t["source_part"] == "headline":
            alias[t["target_id"]] = other
    return alias, contradicting


def _same(a, b) -> bool:
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return str(a) == str(b)


def _enrich(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``targets`` with what tables and charts need beside it (see :attr:`Plan.targets`)."""
    units = tables["units"].set_index("unit")
    measure_names = dict(zip(tables["measures"]["measure_id"], tables["measures"]["name"], strict=True))
    action_names = dict(zip(tables["actions"]["action_id"], tables["actions"]["name"], strict=True))
    t = tables["targets"].copy()
    unit = t["unit"].astype(str)
    t["action_name"] = t["action_id"].astype(object).map(action_names).astype("str")
    t["measure_name"] = t["measure_id"].astype(object).map(measure_names).astype("str")
    t["unit_label"] = unit.map(units["label"]).astype("str")
    t["unit_kind"] = unit.map(units["kind"].astype(str)).astype(units["kind"].dtype)
    kinds = [_target_kind(c, k) for c, k in zip(t["comparator"], t["unit_kind"], strict=True)]
    t["target_kind"] = pd.Categorical(kinds, categories=target_kinds())
    alias, contradicting = restated(t)
    t["restates"] = t["target_id"].isin(alias)
    t["contradicts"] = t["target_id"].isin(contradicting)
    t["label"] = pd.Series([target_label(r) for r in t.to_dict("records")], index=t.index, dtype="str")
    order = t["measure_id"].cat.codes.where(t["measure_id"].notna(), -1)
    # Tables and charts show targets in the order of their measures (goals first), file order within.
    t = t.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")
    return t.reset_index(drop=True)  # head() reads 0, 1, 2…, and t.loc[0] is the first row


def with_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with each period column's first and last day beside it (``period`` →
    ``period_start``, ``period_end``; a missing period → ``NaT``), for a real time axis."""
    out = frame.copy()
    for col in columns:
        parsed = [parse_period(p) if isinstance(p, str) and p else None for p in out[col]]
        at = out.columns.get_loc(col) + 1
        for i, end in enumerate(("start", "end")):
            days = [getattr(p, end) if p else None for p in parsed]
            out.insert(at + i, f"{col}_{end}", pd.to_datetime(pd.Series(days, index=out.index, dtype=object)))
    return out


def typed(frame: pd.DataFrame, plan: Plan, codes: Mapping[str, list | None]) -> pd.DataFrame:
    """A derived frame typed as the tables are: ``action_id`` with the plan's ordered categories,
    each other column of ``codes`` categorical (its given vocabulary, or its values in order of
    appearance; empty text is missing), figures ``Float64`` as built, other text ``str``."""
    out = frame.copy()
    for col, vocabulary in codes.items():
        values = out[col].where(out[col].notna() & (out[col].astype(str) != ""))
        if col == "action_id":
            dtype = plan.whole._tables["actions"]["action_id"].dtype
        else:
            dtype = pd.CategoricalDtype(vocabulary or list(dict.fromkeys(values.dropna().astype(str))))
        out[col] = values.astype(object).astype(dtype)
    return out


def _observed(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals that hold only the frame's values, so seaborn and ``groupby`` draw no empty
    category (the vocabularies: ``plan.units``, ``plan.action_ids``, ``la.describe``)."""
    cats = frame.select_dtypes("category").columns
    return frame.assign(**{c: frame[c].cat.remove_unused_categories() for c in cats})


@dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """The validated tables of the plan, whole or cut to one action (:meth:`action`).

    Attributes (each a fresh copy on every access): ``actions``, ``measures``, ``units``,
    ``targets``, ``evidence``, ``non_targets``, and any other table of the data package by
    :meth:`table`. ``targets`` carries, beside the columns of ``targets.csv`` (see
    ``la.describe("targets")``): action_name, measure_name, unit_label, unit_kind, target_kind
    (one of :func:`target_kinds`), restates (a lead-paragraph row restating a body row with the
    same figure, which counts once: see :func:`restated`), contradicts (a row whose counterpart
    states another figure: its own commitment) and label (the figure as a person reads it, ``≥ 2.2 bn yuan``), in the order
    of the measures.

    Every frame has a clean ``RangeIndex`` and every period its ``period_start`` and ``period_end``
    dates. A frame's categoricals hold only its own values (a cut's: its action's), so seaborn
    and ``groupby`` draw no empty category; the full vocabularies are the tables (``plan.units``,
    ``plan.action_ids``) and the constraints of ``la.describe(name)``.
    """

    _tables: Mapping[str, pd.DataFrame]
    action_id: str | None = None
    #: Results derived from the whole plan, computed once and shared by its cuts.
    _memo: dict = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """One table by name; in a cut plan, only the rows of its action (where it has an action_id).

        An unknown name raises :class:`~linyi_analysis.errors.UnknownTable` (a ``KeyError``) listing the tables.
        """
        if not isinstance(name, str) or name not in self._tables:
            raise UnknownTable(f"no table {name!r} in the plan; tables: {', '.join(self._tables)}")
        return self._cut(self._tables[name])

    def _cut(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.action_id is not None and "action_id" in frame:
            frame = frame[frame["action_id"] == self.action_id].reset_index(drop=True)
        return _observed(frame)

    actions = property(lambda self: self.table("actions"), doc="The goals and the actions (one in a cut).")
    measures = property(lambda self: self.table("measures"), doc="Every measure, in the article's order.")
    units = property(lambda self: self.table("units"), doc="The vocabulary of units.")
    targets = property(lambda self: self.table("targets"), doc="Every commitment, with labels and kinds.")
    evidence = property(lambda self: self.table("evidence"), doc="Cited facts from outside the article.")
    non_targets = property(lambda self: self.table("non_targets"), doc="Numbers that are not targets.")

    @property
    def whole(self) -> Plan:
        """The plan with every action (itself when it is not cut)."""
        return self if self.action_id is None else Plan(self._tables, None, self._memo)

    @property
    def action_ids(self) -> list[str]:
        """Every action id, in the article's order (the goals first)."""
        return [str(a) for a in self._tables["actions"]["action_id"].cat.categories]

    def action(self, action_id: str) -> Plan:
        """The plan cut to one action: the one check of an action id in the package.

        Raises :class:`~linyi_analysis.errors.UnknownAction` (a ``ValueError``) listing the valid ids.

        >>> import linyi_analysis as la
        >>> la.load_plan().action("schools")
        Traceback (most recent call last):
        ...
        linyi_analysis.errors.UnknownAction: unknown action 'schools'; valid ids: goals, key_groups, employment, education, medical, urban, rural
        """
        valid = self.action_ids
        if not isinstance(action_id, str) or action_id not in valid:
            raise UnknownAction(f"unknown action {action_id!r}; valid ids: {', '.join(valid)}")
        return Plan(self._tables, action_id, self._memo)

    def derived(self, name: str, compute: Callable[[Plan], pd.DataFrame]) -> pd.DataFrame:
        """``compute(whole plan)``, worked out once per plan; a cut plan gets its action's rows."""
        if name not in self._memo:
            self._memo[name] = compute(self.whole)
        return self._cut(self._memo[name])

    def delivery(self, as_of=None) -> pd.DataFrame:
        """The delivery tracker: one row per commitment with its evidence status, the rule and
        the facts it rests on, and their sources (:func:`linyi_analysis.delivery.delivery`);
        ``as_of`` (a date, datetime, pandas Timestamp or ISO text) gives it as it stood that day."""
        from .delivery import delivery

        return delivery(self, as_of)

    def digest(self) -> str:
        """SHA-256 of exactly the data this plan shows: every table's rows (a cut plan: its
        action's rows and the tables without an action), in a stable text form."""
        h = hashlib.sha256()
        for name in sorted(self._tables):
            frame = self.table(name)
            h.update(name.encode() + b"\0" + frame.to_csv(index=False, lineterminator="\n").encode() + b"\0")
        return h.hexdigest()

    def __repr__(self) -> str:
        cut = f" cut to {self.action_id!r}" if self.action_id else ""
        t = self._tables
        return (
            f"<Plan{cut}: {len(self.table('targets'))} targets, {len(self.table('measures'))} measures, "
            f"{len(self.table('evidence'))} evidence facts; tables: {', '.join(t)}>"
        )


def require_plan(plan, what: str) -> None:
    """The one check that a public function was given a :class:`Plan`: raise
    :class:`~linyi_analysis.errors.ParameterError` saying so (not an AttributeError deep inside)."""
    if not isinstance(plan, Plan):
        raise ParameterError(
            f"{what} expects a Plan (la.load_plan(), or plan.action(id)), not {type(plan).__name__} {plan!r:.60}"
        )


def require_action(plan: Plan, what: str) -> None:
    """The check that ``plan`` is cut to one action (for views of one action)."""
    require_plan(plan, what)
    if plan.action_id is None:
        raise ParameterError(
            f"{what} needs a plan cut to one action: plan.action(action_id), one of {', '.join(plan.action_ids)}"
        )


def load_plan(data_dir: str | os.PathLike | None = None) -> Plan:
    """The plan, validated: the data in ``data_dir``, else ``$LINYI_DATA_DIR``, else the package's own.

    Raises :class:`~linyi_analysis.DataValidationError` listing every problem of every file.
    """
    from .loaders import validated

    tables = dict(validated(data_dir))  # shared, never changed: a plan hands out copies
    tables["targets"] = _enrich(tables)
    tables = {name: with_dates(t, "period") if "period" in t else t for name, t in tables.items()}
    return Plan(tables)
