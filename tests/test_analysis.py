"""The analysis: per-action summary, derived ratios, spending ratios and corroboration, all from the data."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from extra_rows import FACT, PART, REPORTED, SHARE, WAGE, add_rows

import linyi_analysis as la
from linyi_analysis import analysis, formatting


def _evaluate(calculation: str) -> float:
    """The value of a recorded calculation such as ``(5,000 − 4,500) / 4,500 × 100 = 11.1``."""
    left = calculation.split(" = ")[0].replace(",", "").replace("×", "*").replace("−", "-")
    assert re.fullmatch(r"[\d.()+\-*/ ]+", left), left
    return eval(left)  # digits and operators only (checked above)


def test_action_targets_are_the_actions_rows():
    targets = la.load_targets()
    for action_id in la.load_actions()["action_id"].astype(str):
        mine = analysis.action_targets(action_id)
        assert sorted(mine["target_id"]) == sorted(
            targets.loc[targets["action_id"] == action_id, "target_id"]
        )
        assert (mine["action_id"] == action_id).all()
        assert mine["label"].str.len().gt(0).all()


def test_unknown_action_lists_the_valid_ids():
    with pytest.raises(ValueError, match="unknown action_id 'transport'") as info:
        analysis.action_targets("transport")
    for action_id in la.load_actions()["action_id"].astype(str):
        assert action_id in str(info.value)


def test_labels_read_as_the_figures_of_the_row():
    t = analysis.all_targets()
    units = la.load_units().set_index("unit")["label"]
    for _, r in t.iterrows():
        unit = units[r["unit"]]
        if r["comparator"] == "range":
            assert r["label"].startswith(formatting.human_number(r["value_min"]))
            assert formatting.human_value(r["value_max"], unit) in r["label"]
        else:
            assert formatting.human_value(r["value"], unit) in r["label"], r["target_id"]
        if r["comparator"] == "from_to":
            assert r["label"].startswith(formatting.human_number(r["baseline"]) + " → ")


def test_summary_by_action_counts_the_data():
    summary = analysis.summary_by_action().set_index("action_id")
    actions, measures, targets = la.load_actions(), la.load_measures(), la.load_targets()
    assert list(summary.index) == list(actions["action_id"].astype(str))
    stated = actions.set_index("action_id")["measures_stated"].dropna()
    for action_id, row in summary.iterrows():
        mine = targets[targets["action_id"] == action_id]
        restating = (mine["source_part"] == "headline") & mine["counterpart_id"].notna()
        assert row["target_rows"] == len(mine)
        assert row["targets"] == len(mine) - restating.sum()
        assert row["measures"] == (measures["action_id"] == action_id).sum()
        if action_id in stated.index:  # the article's own count of its measures
            assert row["measures"] == stated[action_id]
        assert row["quantified_measures"] == mine["measure_id"].dropna().nunique()
        assert sum(row[k] for k in analysis.target_kinds()) == row["targets"]
        if row["measures"]:
            assert row["quantification_rate"] == row["quantified_measures"] / row["measures"]
        else:
            assert pd.isna(row["quantification_rate"])
    assert summary["targets"].sum() > 0 and summary["evidence"].sum() == len(
        la.load_evidence().dropna(subset=["action_id"])
    )


def test_derived_ratios_follow_the_relationships():
    ratios = analysis.derived_ratios().set_index("ratio_id")
    targets = la.load_targets().set_index("target_id")
    assert len(ratios) > 0
    for tid, t in targets.iterrows():
        if not pd.isna(t["part_of"]):
            expected = t["value"] / targets.at[t["part_of"], "value"] * 100
            assert ratios.at[f"{tid}:share", "value"] == pytest.approx(expected)
        if not pd.isna(t["ratio_to"]):
            kind = "ratio" if targets.at[t["ratio_to"], "unit"] == t["unit"] else "per_unit"
            scale = 100 if kind == "ratio" else 1
            assert ratios.at[f"{tid}:{kind}", "value"] == pytest.approx(
                t["value"] / targets.at[t["ratio_to"], "value"] * scale
            )
        if t["comparator"] == "from_to":
            rise = t["value"] - t["baseline"]
            assert ratios.at[f"{tid}:change", "value"] == pytest.approx(rise)
            assert ratios.at[f"{tid}:relative_change", "value"] == pytest.approx(rise / t["baseline"] * 100)
    # components of a total that add up give shares adding up to 100
    shares = ratios[ratios["kind"] == "share"].dropna(subset=["target_id"])
    plan_shares = shares[shares["source"] == "plan"]
    totals = targets.loc[plan_shares.index.str.removesuffix(":share"), "part_of"]
    for total, share_sum in plan_shares["value"].groupby(totals.values).sum().items():
        parts = targets.loc[targets["part_of"] == total, "value"].sum()
        if parts == targets.at[total, "value"]:
            assert share_sum == pytest.approx(100)


def test_every_ratio_records_a_formula_that_gives_its_value():
    ratios = analysis.derived_ratios()
    ids = set(la.load_targets()["target_id"]) | set(la.load_evidence()["fact_id"])
    for _, r in ratios.iterrows():
        assert _evaluate(r["calculation"]) == pytest.approx(float(r["value"]))
        for name in r["inputs"].split(", "):
            assert name.split(".")[0] in ids, name
            assert name in r["formula"]


def test_evidence_shares_follow_part_of():
    ratios = analysis.derived_ratios()
    ev = la.load_evidence().set_index("fact_id")
    components = ev.dropna(subset=["part_of"])
    assert len(components) > 0
    for fid, f in components.iterrows():
        row = ratios[ratios["ratio_id"] == f"{fid}:share"].iloc[0]
        assert row["value"] == pytest.approx(f["value"] / ev.at[f["part_of"], "value"] * 100)
        assert row["period"] == f["period"] and row["source"] == "evidence"


def test_corroboration_matches_the_cited_evidence(evidence_source):
    c = analysis.corroboration()
    source = {r["fact_id"]: r for r in evidence_source}
    targets = la.load_targets().set_index("target_id")
    same = la.load_evidence()
    assert len(c) == (same["relation"] == "same_figure").sum() > 0
    for _, r in c.iterrows():
        cited = source[r["fact_id"]]
        assert r["evidence_value"] == float(cited["value"])
        assert (r["url"], r["publisher"], r["published"], r["quote_zh"]) == (
            cited["url"],
            cited["publisher"],
            cited["published"],
            cited["quote_zh"],
        )
        assert r["plan_value"] == targets.at[r["target_id"], "value"]
        assert r["quote"] == targets.at[r["target_id"], "quote"]
        assert r["difference"] == float(cited["value"]) - targets.at[r["target_id"], "value"]
        assert r["relative_difference"] == pytest.approx(r["difference"] / r["plan_value"])


def test_corroboration_plan_figures_are_in_the_article(source_text):
    from linyi_analysis import audit

    figures = audit.figure_check(source_text).set_index(["target_id", "column"])
    for tid in analysis.corroboration()["target_id"]:
        assert figures.at[(tid, "value"), "in_quote"], tid


def test_spending_ratios_match_the_cited_sources(evidence_source):
    s = analysis.spending_ratios()
    targets = la.load_targets().set_index("target_id")
    reported = s[s["kind"] == "reported"]
    cited = [r for r in evidence_source if r["kind"] == "spending_share"]
    assert len(reported) == len(cited) > 0
    by_fact = reported.set_index("fact_id")
    for r in cited:
        row = by_fact.loc[r["fact_id"]]
        assert (row["period"], row["value"], row["url"], row["quote"]) == (
            r["period"],
            float(r["value"]),
            r["url"],
            r["quote_zh"],
        )
    plan = s[s["kind"] == "target"]
    assert set(plan["target_id"]) == set(reported["target_id"])
    for _, row in plan.iterrows():
        assert row["value"] == targets.at[row["target_id"], "value"]
        assert row["quote"] == targets.at[row["target_id"], "quote"]
        assert row["url"] == la.citation()["url"]


def test_spending_ratios_derive_the_money_ratios_with_their_formula():
    s = analysis.spending_ratios()
    derived = s[s["kind"] == "derived"]
    targets = la.load_targets()
    units = la.load_units().set_index("unit")["kind"]
    money_changes = targets[(targets["comparator"] == "from_to") & (targets["unit"].map(units) == "money")]
    assert len(money_changes) > 0
    for tid in money_changes["target_id"]:
        assert f"{tid}:relative_change" in set(derived["ratio_id"])
    for _, r in derived.iterrows():
        assert _evaluate(r["calculation"]) == pytest.approx(float(r["value"]))
        assert r["formula"] and r["source"].startswith("derived from") and r["url"].startswith("http")


def test_a_new_target_row_changes_every_summary_and_ratio_concerned(data_copy):
    """No code names a target: rows added to the data show up in every result they concern."""
    before = {
        "summary": analysis.summary_by_action(data_copy).set_index("action_id"),
        "ratios": analysis.derived_ratios(data_copy),
        "spending": analysis.spending_ratios(data_copy),
        "corroboration": analysis.corroboration(data_copy),
    }
    fig = add_rows(data_copy)
    summary = analysis.summary_by_action(data_copy).set_index("action_id")
    ratios = analysis.derived_ratios(data_copy).set_index("ratio_id")
    spending = analysis.spending_ratios(data_copy)
    corroboration = analysis.corroboration(data_copy).set_index("fact_id")

    old = before["summary"]
    assert summary.at["employment", "targets"] == old.at["employment", "targets"] + 2
    assert summary.at["employment", "change"] == old.at["employment", "change"] + 1
    assert summary.at["employment", "count"] == old.at["employment", "count"] + 1
    assert summary.at["employment", "quantified_measures"] == old.at["employment", "quantified_measures"] + 1
    assert summary.at["education", "percent"] == old.at["education", "percent"] + 1
    assert summary.at["education", "quantification_rate"] > old.at["education", "quantification_rate"]
    assert summary.at["education", "evidence"] == old.at["education", "evidence"] + 1

    rise = fig["wage_to"] - fig["wage_from"]
    assert ratios.at[f"{WAGE}:change", "value"] == rise
    assert ratios.at[f"{WAGE}:relative_change", "value"] == pytest.approx(rise / fig["wage_from"] * 100)
    assert ratios.at[f"{PART}:share", "value"] == pytest.approx(fig["part"] / fig["jobs"] * 100)
    assert len(ratios) == len(before["ratios"]) + 3

    assert f"{WAGE}:relative_change" in set(spending["ratio_id"])
    assert REPORTED in set(spending["fact_id"])
    assert len(spending) == len(before["spending"]) + 2

    assert corroboration.at[FACT, "target_id"] == SHARE
    assert corroboration.at[FACT, "difference"] == fig["fact"] - fig["share"]
    assert len(corroboration) == len(before["corroboration"]) + 1
