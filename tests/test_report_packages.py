"""Each action report reads a reduced data package (linyi_analysis.report.data): the proof, in process,
that its key (the package's bytes) covers everything its page shows.

- On the shipped data, every view and chart of every action is the same on its package as on the
  whole data.
- Under random single-cell edits of every table (one after another, only edits the loader
  accepts): an action whose package did not change shows exactly what it showed before, on the
  whole data; one whose package changed shows on it what the whole data shows.
- The attack report's edits (a re-dated whole-plan search, a covers=targets search, the goals
  total other actions' shares divide by, a cross-action ratio_to) change the packages named here
  by hand from the data, and no other.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

import linyi_analysis as la
from linyi_analysis import tables
from linyi_analysis.report.data import packages, read_data, write_data
from linyi_analysis.resources import data_dir

ACTIONS = ["key_groups", "employment", "education", "medical", "urban", "rural"]
VIEWS = ("summary", "measures", "targets", "ratios", "evidence", "corroboration", "delivery")
#: Columns checked against the article (an edit there is refused wherever the article is found).
QUOTES = {"quote", "quote_zh", "measures_stated_quote", "name_source"}


def page(plan: la.Plan, action: str) -> dict:
    """What an action's page shows: every view its notebook displays, and what its charts draw."""
    cut = plan.action(action)
    shown = {view: getattr(tables, view)(cut) for view in VIEWS}
    shown["heading"] = repr(tables.heading(cut))
    shown["chart: targets"] = cut.targets  # plot_action_targets draws these rows
    ratios = la.derived_ratios(cut)  # plot_scorecard: the tracker and the delivered shares
    shown["chart: scorecard"] = cut.delivery()
    shown["chart: delivered"] = ratios[ratios["kind"] == "delivered"].reset_index(drop=True)
    # (as values: a package's categoricals know fewer ids, which nothing on the page shows)
    return {
        k: v.astype({c: "str" for c in v.select_dtypes("category")}) if isinstance(v, pd.DataFrame) else v
        for k, v in shown.items()
    }


def same(a: dict, b: dict) -> list[str]:
    """The names of what differs between two pages."""

    def equal(x, y) -> bool:
        return x.shape == y.shape and x.equals(y) if isinstance(x, pd.DataFrame) else x == y

    return [name for name in a if not equal(a[name], b[name])]


def normalised(directory: Path) -> dict[str, bytes]:
    """The data files of ``directory``, every CSV written as :func:`write_table` writes it (so an
    edit changes only the bytes of its own row)."""
    files = read_data(directory)
    for name in [n for n in files if n.endswith(".csv")]:
        header, rows = _parse(files[name])
        files[name] = write_table(header, rows)
    return files


def _parse(data: bytes) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return list(reader.fieldnames), list(reader)


def write_table(header: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def edited(files: dict[str, bytes], table: str, key: str, column: str, value: str) -> dict[str, bytes]:
    header, rows = _parse(files[f"{table}.csv"])
    next(r for r in rows if r[header[0]] == key)[column] = value
    return {**files, f"{table}.csv": write_table(header, rows)}


def load(files: dict[str, bytes], where: Path) -> la.Plan | None:
    """The plan of ``files`` (None if the loader refuses them)."""
    shutil.rmtree(where, ignore_errors=True)
    try:
        return la.load_plan(write_data(files, where))
    except la.DataValidationError:
        return None


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    files = normalised(data_dir())
    root = tmp_path_factory.mktemp("packages")
    return files, load(files, root / "whole"), root


def test_every_page_is_the_same_on_its_package_as_on_the_whole_data(shipped):
    files, whole, root = shipped
    for action, package in packages(files, ACTIONS).items():
        reduced = load(package, root / action)
        assert reduced is not None, f"the package of {action} is not valid data"
        assert same(page(reduced, action), page(whole, action)) == [], action


@pytest.mark.parametrize("action", ["education", "urban"])
def test_the_charts_are_the_same_bytes_on_the_package(shipped, action):
    from linyi_analysis.plots import plot_action_targets, plot_scorecard
    from linyi_analysis.plots.output import render

    files, whole, root = shipped
    reduced = load(packages(files, [action])[action], root / f"charts-{action}")
    for plot in (plot_action_targets, plot_scorecard):
        pngs = []
        for plan in (reduced, whole):
            buf = io.BytesIO()
            render(plot(plan.action(action)), buf)
            pngs.append(buf.getvalue())
        assert pngs[0] == pngs[1], f"{plot.__name__} of {action}"


#: (table, row, column, new value) → the actions whose package changes, worked out by hand from
#: data/*.csv: which rows each action's page shows or refers to.
CASES = [
    # a search of the whole plan: every commitment's freshness
    (("evidence_searches", "search_whole_plan", "searched_on", "2026-12-01"), set(ACTIONS)),
    # a covers=targets search of three urban targets (no action_id)
    (("evidence_searches", "search_parks", "searched_on", "2026-12-01"), {"urban"}),
    # the goals total that the education, medical and rural spending shares divide by
    (("evidence", "spend_amount_2014h1", "value", "15160000001"), {"education", "medical", "rural"}),
    # a fact of another action (medical): no other page refers to it
    (("evidence", "spend_health_2014h1", "value", "3240000001"), {"medical"}),
    # the unit of the parks targets and facts
    (("units", "parks", "label", "park(s)"), {"urban"}),
    # a measure of medical, an action's name, a number that is not a target
    (("measures", "med_payment_reform", "name", "Payment reform (edited)"), {"medical"}),
    (("actions", "rural", "name", "Rural revitalisation (edited)"), {"rural"}),
    (("non_targets", "Ten", "reason", "Edited."), set()),
    # a cross-action ratio_to: urban's pocket parks divided by medical's key specialties …
    (("targets", "urb_pocket_parks", "ratio_to", "med_key_specialties"), {"urban"}),
    # … then an edit of medical's target changes urban's page too
    (("targets", "med_key_specialties", "value", "61"), {"medical", "urban"}),
    # a cross-action part_of: an urban percentage made a part of an education one (education's page
    # shows what its total holds beyond its parts) …
    (
        ("targets", "urb_smart_security_coverage", "part_of", "edu_inclusive_kindergarten_coverage"),
        {"urban", "education"},
    ),
    # … then an edit of the part changes education's page too
    (("targets", "urb_smart_security_coverage", "value", "81"), {"urban", "education"}),
    # a fact a search of the whole plan names is in every page's package (the search is on every
    # page, and a package holds what its rows name): an edit of it re-runs every action
    (("evidence", "assistance_rise_2021", "notes", "Edited."), set(ACTIONS)),
]


def test_the_attack_edits_change_exactly_the_packages_that_show_them(shipped):
    files, _, root = shipped
    before = packages(files, ACTIONS)
    for edit, expected in CASES:
        files = edited(files, *edit)
        assert load(files, root / "attack") is not None, f"{edit} is not valid data"
        after = packages(files, ACTIONS)
        assert {a for a in ACTIONS if after[a] != before[a]} == expected, edit
        before = after


def _new_value(rng: random.Random, files, table: str, column: str, value: str) -> str:
    """A plausible new value: another id of the same kind, a nearby number or date, more text."""
    ids = {
        "action_id": ("actions", "action_id"),
        "measure_id": ("measures", "measure_id"),
        "unit": ("units", "unit"),
        "target_id": ("targets", "target_id"),
        "counterpart_id": ("targets", "target_id"),
        "part_of": (
            "targets" if table == "targets" else "evidence",
            "target_id" if table == "targets" else "fact_id",
        ),
        "ratio_to": ("targets", "target_id"),
        "target_ids": ("targets", "target_id"),
        "fact_ids": ("evidence", "fact_id"),
    }
    if column in ids:
        other, key = ids[column]
        choices = [r[key] for r in _parse(files[f"{other}.csv"])[1]]
        return rng.choice(["", *choices]) if column not in ("target_ids", "fact_ids") else rng.choice(choices)
    if value.replace(".", "", 1).isdigit():
        return str(max(0, round(float(value) + rng.choice([-1, 1, 10]))))
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[:8]}{rng.randint(10, 28)}"
    return f"{value} (edited {rng.randint(0, 99)})"


def test_random_edits_a_page_whose_package_is_unchanged_shows_what_it_showed(shipped):
    """Several accepted single-cell edits of every table, one after another (seeded: the failing
    edit is in the message)."""
    files, whole, root = shipped
    rng = random.Random(16)
    names = sorted(n.removesuffix(".csv") for n in files if n.endswith(".csv"))
    before = packages(files, ACTIONS)
    shown = {a: page(whole, a) for a in ACTIONS}
    done: dict[str, int] = {}
    for attempt in range(400):
        table = names[attempt % len(names)]
        if done.get(table, 0) >= 3:
            if all(done.get(n, 0) >= 3 for n in names):
                break
            continue
        header, rows = _parse(files[f"{table}.csv"])
        row = rng.choice(rows)
        column = rng.choice([c for c in header[1:] if c not in QUOTES] or header)
        edit = (table, row[header[0]], column, _new_value(rng, files, table, column, row[column]))
        if edit[3] == row[column]:
            edit = (table, row[header[0]], column, f"{row[column]} (edited)")
        candidate = edited(files, *edit)
        plan = load(candidate, root / "random")
        if plan is None:
            continue  # refused by the loader: not an edit a run would get this far with
        files, done[table] = candidate, done.get(table, 0) + 1
        after = packages(files, ACTIONS)
        for action in ACTIONS:
            now = page(plan, action)
            if after[action] == before[action]:
                assert same(now, shown[action]) == [], f"{action} unchanged package, changed page: {edit}"
            else:
                reduced = load(after[action], root / f"random-{action}")
                assert reduced is not None, f"{action}'s package is not valid after {edit}"
                assert same(page(reduced, action), now) == [], f"{action} on its package after {edit}"
            shown[action] = now
        before = after
    assert all(done.get(n, 0) >= 3 for n in names), f"too few accepted edits per table: {done}"
