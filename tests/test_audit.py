"""The dataset checked against the source article (skipped, with the reason, where it is absent)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import PROJECT, read_rows, set_cell, write_rows

import linyi_analysis as la
from linyi_analysis import audit
from linyi_analysis.source import normalize, plan_text


def test_source_is_the_cited_text(source_text):
    digest = hashlib.sha256(source_text.encode("utf-8")).hexdigest()
    assert digest == la.citation()["sha256"]


def test_plan_text_stops_at_end_marker(source_text):
    plan = plan_text(source_text)
    assert "Wu Hui" in plan and "Hunan" not in plan and "- END -" not in plan


def test_every_quote_is_verbatim(source_text):
    quotes = audit.quote_check(la.load_plan(), source_text)
    assert len(quotes) > 100
    assert quotes["found"].all(), quotes[~quotes["found"]]


def test_every_figure_is_written_in_its_quote(source_text):
    figures = audit.figure_check(la.load_plan(), source_text)
    assert len(figures) >= len(la.load_targets())
    assert figures["in_quote"].all(), figures[~figures["in_quote"]]


def test_targets_and_measures_come_from_their_own_section(source_text):
    placed = audit.placement_check(la.load_plan(), source_text)
    assert len(placed) == len(la.load_targets()) + len(la.load_measures())
    assert placed["ok"].all(), placed[~placed["ok"]]


def test_units_are_the_articles_units():
    units = audit.unit_check(la.load_plan())
    assert units["ok"].all(), units[~units["ok"]]


def test_coverage_is_complete(source_text):
    cov = audit.coverage(la.load_plan(), source_text)
    assert len(cov) > 70
    assert (cov["accounted_by"] != "").all(), cov[cov["accounted_by"] == ""]
    assert audit.coverage_percent(la.load_plan(), source_text) == 100.0


def test_lead_paragraph_figures_are_headline_targets(source_text):
    lead = audit.sections(la.load_plan(), source_text).set_index("part").loc["headline"]
    cov = audit.coverage(la.load_plan(), source_text)
    in_lead = cov[(cov["start"] >= lead["start"]) & (cov["end"] <= lead["end"])]
    by_targets = in_lead[in_lead["accounted_by"].str.startswith("targets:")]
    assert by_targets["text"].tolist() == ["8", "2,000", "47,300", "5,000"]
    ids = {label.split(":")[1] for labels in by_targets["accounted_by"] for label in labels.split("; ")}
    assert ids == set(la.load_targets().query("source_part == 'headline'")["target_id"])


def test_stated_measure_counts_match_the_text(source_text):
    plan = normalize(plan_text(source_text))
    words = {"four": 4, "eight": 8}
    counts = la.load_measures().groupby("action_id", observed=True).size()
    for _, action in la.load_actions().dropna(subset=["measures_stated"]).iterrows():
        quote = action["measures_stated_quote"]
        assert quote in plan
        token = re.search(r"\d+|four|eight", quote, re.IGNORECASE)[0].lower()
        stated = int(token) if token.isdigit() else words[token]
        assert stated == action["measures_stated"] == counts[action["action_id"]], action["action_id"]


def test_consistency():
    checks = audit.consistency(la.load_plan())
    assert checks["ok"].all(), checks[~checks["ok"]]
    assert "emp_public_welfare_posts" in set(checks["subject"])
    assert (checks["check"] == "measures listed match the stated count").sum() == 6


def test_discrepancy_nursing_beds():
    d = audit.discrepancies(la.load_plan())
    assert len(d) == 1
    row = d.iloc[0]
    assert (row["headline_value"], row["body_value"]) == (2000, 800)
    assert row["unit"] == "beds" and row["difference"] == 1200


# The audit must be able to fail: each broken copy of the data is caught.


def test_audit_catches_a_wrong_figure(source_text, data_copy):
    # below the true 42,000: parts above their total would be refused by the loader already
    set_cell(data_copy, "targets", "emp_public_welfare_posts_rural", "value", "41900")
    figures = audit.figure_check(la.load_plan(data_copy), source_text)
    assert figures.loc[~figures["in_quote"], "target_id"].tolist() == ["emp_public_welfare_posts_rural"]
    checks = audit.consistency(la.load_plan(data_copy))
    assert checks.loc[~checks["ok"], "subject"].tolist() == ["emp_public_welfare_posts"]


def test_loader_refuses_an_invented_quote(source_text, data_copy):
    row = set_cell(data_copy, "targets", "urb_pocket_parks", "quote", "150 new pocket parks were built")
    with pytest.raises(la.DataValidationError) as info:
        la.load_targets(data_copy)
    (problem,) = info.value.problems
    assert (problem.file, problem.row, problem.column) == ("targets.csv", row, "quote")
    assert problem.message == "'150 new pocket parks were built' is not verbatim in the source article"


def test_audit_catches_a_quote_missing_from_the_text(source_text):
    altered = source_text.replace("143 new street corner parks", "some new street corner parks")
    quotes = audit.quote_check(la.load_plan(), altered)
    assert quotes.loc[~quotes["found"], "id"].tolist() == ["urb_pocket_parks"]


def test_audit_catches_a_target_filed_under_the_wrong_action(source_text, data_copy):
    set_cell(data_copy, "targets", "rur_water_projects", "action_id", "urban")
    set_cell(data_copy, "targets", "rur_water_projects", "measure_id", "urb_housing")
    placed = audit.placement_check(la.load_plan(data_copy), source_text)
    assert placed.loc[~placed["ok"], "id"].tolist() == ["rur_water_projects"]


def test_audit_catches_a_wrong_unit(data_copy):
    set_cell(data_copy, "targets", "rur_roads_new_expanded", "unit", "households")
    units = audit.unit_check(la.load_plan(data_copy))
    assert units.loc[~units["ok"], "target_id"].tolist() == ["rur_roads_new_expanded"]


def test_coverage_falls_when_a_number_is_unaccounted(source_text, data_copy):
    rows = [r for r in read_rows(data_copy / "targets.csv") if r["target_id"] != "rur_dangerous_bridges"]
    write_rows(data_copy / "targets.csv", rows)
    cov = audit.coverage(la.load_plan(data_copy), source_text)
    assert cov.loc[cov["accounted_by"] == "", "text"].tolist() == ["80"]
    assert 90 < audit.coverage_percent(la.load_plan(data_copy), source_text) < 100  # a percent, not 0-1


def test_missing_measure_breaks_the_stated_count(data_copy):
    rows = [r for r in read_rows(data_copy / "measures.csv") if r["measure_id"] != "med_long_term_care"]
    write_rows(data_copy / "measures.csv", rows)
    checks = audit.consistency(la.load_plan(data_copy))
    assert checks.loc[~checks["ok"], "subject"].tolist() == ["medical"]


def _found(package_root, cwd, env_value=None) -> str:
    """What ``find_source()`` answers in a fresh process importing the package from ``package_root``."""
    env = {k: v for k, v in os.environ.items() if k != "LINYI_SOURCE_TEXT"}
    env["PYTHONPATH"] = str(package_root)
    if env_value is not None:
        env["LINYI_SOURCE_TEXT"] = str(env_value)
    code = (
        "import linyi_analysis.source as s\n"
        f"assert s.__file__.startswith({str(package_root)!r}), s.__file__\n"
        "try: print(s.find_source())\n"
        "except s.SourceNotFound as e: print('NOT FOUND', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_article_is_found_where_the_search_says(tmp_path):
    """Review T2: the real search, nothing replaced: $LINYI_SOURCE_TEXT, then shared/source/ beside
    the package's checkout, then beside the working directory; on a fake tree under tmp_path."""
    name = la.citation()["file_name"]
    checkout = tmp_path / "a" / "checkout"
    shutil.copytree(PROJECT / "linyi_analysis", checkout / "linyi_analysis", ignore=_pycache)
    cwd = tmp_path / "b" / "project"
    cwd.mkdir(parents=True)
    beside_package = tmp_path / "a" / "shared" / "source" / name
    beside_cwd = tmp_path / "b" / "shared" / "source" / name
    explicit = tmp_path / "elsewhere.txt"

    missing = _found(checkout, cwd)
    assert missing.startswith("NOT FOUND") and "LINYI_SOURCE_TEXT" in missing
    assert str(beside_package) in missing and str(beside_cwd) in missing

    for path in (beside_cwd, beside_package, explicit):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("fake", encoding="utf-8")
    beside_package.unlink()
    assert _found(checkout, cwd) == str(beside_cwd)
    beside_package.write_text("fake", encoding="utf-8")
    assert _found(checkout, cwd) == str(beside_package)  # the checkout's neighbour comes first
    assert _found(checkout, cwd, explicit) == str(explicit)  # the variable comes before both
    assert _found(checkout, cwd, tmp_path / "nowhere.txt") == str(beside_package)  # names no file


def _pycache(directory, names):
    return [n for n in names if n == "__pycache__"]


def test_wrong_source_text_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "article.txt"
    fake.write_text("not the article\n- END -\n", encoding="utf-8")
    with pytest.raises(la.source.SourceMismatch, match="SHA-256"):
        la.source.read_source(fake)


def test_audit_command_passes(source_text):
    done = subprocess.run([sys.executable, "-m", "linyi_analysis.audit"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "coverage of the plan text's numbers: 100.0%" in done.stdout
