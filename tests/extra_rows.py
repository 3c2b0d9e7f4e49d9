"""New rows for a data copy, to show that every summary, ratio and chart follows the data.

The figures are invented for the fixture only (never shipped): a from→to money target, a
component of an existing total, a percentage target with an independent figure, and a new
reported spending share. Quotes are borrowed from existing rows, so the copy still validates
against the article where it is available.
"""

from __future__ import annotations

from pathlib import Path

from conftest import read_rows, write_rows

WAGE = "fx_wage_floor"  # employment, money, from→to
PART = "fx_new_jobs_rural"  # employment, a component of emp_new_jobs
SHARE = "fx_after_school_coverage"  # education, percent, >=
FACT = "fx_after_school_2022"  # evidence: an independent figure for SHARE
REPORTED = "fx_spend_share_2020h1"  # evidence: a reported spending share


def _target(base: dict, **values) -> dict:
    row = dict.fromkeys(base, "")
    row.update(scope="citywide", period="2022", counted="cumulative", source_part="body", quote=base["quote"])
    row.update(values)
    return row


def add_rows(data_dir: Path) -> dict:
    """Append the fixture rows to ``data_dir``'s targets.csv and evidence.csv; return their figures."""
    targets = read_rows(data_dir / "targets.csv")
    by_id = {r["target_id"]: r for r in targets}
    jobs = by_id["emp_new_jobs"]
    figures = {"wage_from": 1000.0, "wage_to": 1200.0, "part": 30000.0, "share": 60.0, "fact": 62.0}
    targets += [
        _target(
            jobs,
            target_id=WAGE,
            action_id="employment",
            measure_id="emp_wage_distribution",
            indicator="Fixture wage floor",
            value="1200",
            baseline="1000",
            comparator="from_to",
            unit="yuan_per_year",
            counted="level",
        ),
        _target(
            jobs,
            target_id=PART,
            action_id="employment",
            measure_id="emp_key_groups",
            indicator="Fixture rural new jobs",
            value="30000",
            comparator="=",
            unit="people",
            part_of="emp_new_jobs",
        ),
        _target(
            by_id["edu_inclusive_kindergarten_coverage"],
            target_id=SHARE,
            action_id="education",
            measure_id="edu_after_school",
            indicator="Fixture after-school coverage",
            value="60",
            comparator=">=",
            unit="percent",
            counted="level",
        ),
    ]
    write_rows(data_dir / "targets.csv", targets)
    evidence = read_rows(data_dir / "evidence.csv")
    common = {
        "quote_zh": "示例",
        "url": "https://example.org/fixture",
        "publisher": "fixture",
        "source_type": "official_document",
        "scope": "citywide",
    }
    evidence += [
        {
            **dict.fromkeys(evidence[0], ""),
            **common,
            "fact_id": FACT,
            "kind": "corroboration",
            "topic": "fixture coverage",
            "period": "2022",
            "value": "62",
            "unit": "percent",
            "target_id": SHARE,
            "relation": "same_figure",
            "action_id": "education",
            "published": "2022-01-01",
        },
        {
            **dict.fromkeys(evidence[0], ""),
            **common,
            "fact_id": REPORTED,
            "kind": "spending_share",
            "topic": "fixture share",
            "period": "2020-H1",
            "value": "81",
            "unit": "percent",
            "target_id": "goals_livelihood_spending_share",
            "relation": "history",
            "action_id": "goals",
            "published": "2020-07-01",
        },
    ]
    write_rows(data_dir / "evidence.csv", evidence)
    figures["jobs"] = float(jobs["value"])
    return figures


def add_evidence(data_dir: Path, **values) -> dict:
    """Append one evidence row (invented for a test, with a placeholder citation); return it."""
    rows = read_rows(data_dir / "evidence.csv")
    row = {
        **dict.fromkeys(rows[0], ""),
        "quote_zh": "示例",
        "url": "https://example.org/fixture",
        "publisher": "fixture",
        "published": "2022-01-01",
        "period": "2022",
        "source_type": "official_document",
        "scope": "citywide",
        **values,
    }
    write_rows(data_dir / "evidence.csv", [*rows, row])
    return row


ZERO = "fx_zero_target"  # a target of 0 (or -0), with an independent figure of 5
ZERO_FACT = "fx_zero_official"


def add_zero_target(data_dir: Path, zero: str = "0") -> tuple[str, str]:
    """A valid target of ``zero`` parks and an official figure of 5 for it; return both ids."""
    targets = read_rows(data_dir / "targets.csv")
    parks = next(r for r in targets if r["target_id"] == "urb_pocket_parks")
    targets.append(
        _target(
            parks,
            target_id=ZERO,
            action_id="urban",
            measure_id=parks["measure_id"],
            indicator="Fixture parks closed",
            value=zero,
            comparator="=",
            unit="parks",
        )
    )
    write_rows(data_dir / "targets.csv", targets)
    add_evidence(
        data_dir,
        fact_id=ZERO_FACT,
        kind="corroboration",
        topic="fixture parks closed",
        value="5",
        unit="parks",
        target_id=ZERO,
        relation="same_figure",
        action_id="urban",
    )
    return ZERO, ZERO_FACT


def add_action(data_dir: Path) -> None:
    """Append an action ``transport`` (no measures, no targets) to a copy's actions.csv."""
    rows = read_rows(data_dir / "actions.csv")
    rows.append(
        {
            **dict.fromkeys(rows[0], ""),
            "action_id": "transport",
            "order": str(len(rows)),
            "name": "Transport",
            "name_source": "bus services",  # verbatim in the article, as the loader requires
        }
    )
    write_rows(data_dir / "actions.csv", rows)
