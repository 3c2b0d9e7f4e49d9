"""What reader review 2 (2026-12-04) found in the charts, read back from each Figure and the CSV
written beside it. Expected values are literals from the data files or worked by hand."""

from __future__ import annotations

import csv
import re

import pytest

import linyi_analysis as la
from linyi_analysis import plots


@pytest.fixture(scope="module")
def plan():
    return la.load_plan()


@pytest.fixture(scope="module")
def written(plan, tmp_path_factory):
    """Every chart's CSV as written, by name: rows of strings."""
    out = tmp_path_factory.mktemp("figures")
    for name, fig in plots.figures(plan).items():
        fig.data.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    return {p.stem: list(csv.DictReader(p.open(encoding="utf-8"))) for p in out.glob("*.csv")}


def test_csv_derived_values_are_rounded_to_one_decimal(written):
    # review 2, item 18: 44.44444444444444, 118.88111888111888, 0.7250000000000001
    overview = {r["action"]: r["quantified_percent"] for r in written["overview"]}
    assert overview["Protection of key groups"] == "44.4"  # 4 of 9
    assert overview["Medical services for the public"] == "28.6"  # 2 of 7
    parks = next(r for r in written["delivery_urban"] if r["figure"] == "170 parks")
    assert parks["percent_of_commitment"] == "118.9"  # 170 / 143
    households = next(r for r in written["corroboration"] if r["official_value"] == "36261")
    assert households["relative_difference_percent"] == "0.7"  # 261 / 36,000
    veterans = next(r for r in written["changes"] if r["indicator"].startswith("Subsidy standard"))
    assert veterans["rise"] == "11.1"  # 500 / 4,500


def test_csv_has_no_float_noise_and_whole_numbers_without_point_zero(written):
    for name, rows in written.items():
        for row in rows:
            for column, cell in row.items():
                assert not re.fullmatch(r"-?\d+\.\d{2,}", cell or ""), (name, column, cell)
    rural = {r["indicator"]: r["value"] for r in written["action_rural"]}
    assert rural["Households converted to clean heating"] == "159000"


def test_csv_ids_only_after_the_names(written):
    for name, rows in written.items():
        columns = list(rows[0])
        ids = [c for c in columns if c.endswith("_id")]
        if ids:
            assert columns.index(ids[0]) > columns.index("indicator"), name


def test_spending_floor_marks_sit_at_the_end_of_their_period(plan):
    # review 2, item 17: the △ at mid-period (2014.5, 2022.5) read as measured points
    fig = plots.plot_spending_share(plan)
    (ax,) = fig.axes
    tips = sorted(
        (round(float(x), 3), float(y))
        for line in ax.get_lines()
        if line.get_marker() == "^"
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
    )
    # the earlier goal is 2012–2016 at >= 60%, the plan floor 2022 at >= 80% (data/evidence.csv, the article)
    assert tips == [(2017.0, 60.0), (2023.0, 80.0)]  # the end of each period


def _bars(ax) -> list[float]:
    return [p.get_width() for c in ax.containers for p in c]


def _listed(fig) -> list[str]:
    return [" ".join(t.get_text().split()) for ax in fig.axes if ax.get_gid() == "listed" for t in ax.texts]


def test_single_figures_are_listed_not_drawn_as_bars_on_their_own_scales(plan):
    # review 2, item 9: 80 bridges, 159,000 households and 101 projects as near-identical bars
    rural = plots.plot_action_targets(plan.action("rural"))
    drawn = [ax for ax in rural.axes if ax.get_gid() != "listed"]
    assert [ax.get_xlabel() for ax in drawn] == ["km"]
    assert sorted(_bars(drawn[0])) == [700, 1000, 2000]  # the three road figures (the article)
    listed = _listed(rural)
    for figure in ["80 bridges", "159,000 households", "101 projects", "2,490,000 people"]:
        assert figure in listed
    # two "20" panels, identical: 20 institutions and 20 specialties are two units
    medical = plots.plot_action_targets(plan.action("medical"))
    assert [ax.get_xlabel() for ax in medical.axes if ax.get_gid() != "listed"] == ["percent (%)"]
    assert {"20 institutions", "20 specialties"} <= set(_listed(medical))
    shown = {r["indicator"]: r["shown_as"] for r in medical.data.to_dict("records")}
    assert shown["Clinical specialties bidding for national or provincial key status"] == "listed"
    assert shown["Bills settled at the bedside at tier-3 public general hospitals"] == "bar"


def _lightness(colour) -> float:
    """CIE L* of an sRGB colour (what a greyscale print keeps)."""
    from matplotlib.colors import to_rgb

    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour))
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def test_met_and_exceeded_differ_in_greyscale(plan):
    # review 2, item 19: the two greens differ mainly in hue; print in grey loses it
    fig = plots.plot_scorecard(plan.action("urban"))
    faces = {}
    for ax in fig.axes[:1]:
        for container in ax.containers:
            faces[container.get_label()] = container[0].get_facecolor()
    assert abs(_lightness(faces["met"]) - _lightness(faces["exceeded"])) >= 30  # CIE L*, a clear step
    assert len({tuple(f) for f in faces.values()}) == len(faces)  # one colour per status


def test_a_one_status_delivery_chart_says_so_in_its_caption(plan):
    # review 2, item 9: delivery_education is one grey bar of 7; the caption says it in words
    # (targets.csv: education has 7 commitments; evidence.csv: none of them has evidence)
    caption = " ".join(plots.plot_scorecard(plan.action("education")).get_supxlabel().split())
    assert caption.startswith("All 7 of its commitments: no public evidence; no outcome is decided.")
    urban = " ".join(plots.plot_scorecard(plan.action("urban")).get_supxlabel().split())
    assert "All " not in urban  # four statuses and decided outcomes: the chart shows them


def test_the_two_beds_figures_are_not_called_a_conflict(plan):
    # review 2, items 4 and 6: 2,000 new beds (opening paragraph) and 800 renovated or built (body)
    # may describe different things; the chart says what the tables say, no "conflict"
    fig = plots.plot_action_targets(plan.action("key_groups"))
    shown = " ".join(" ".join(t.get_text().split()) for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "conflict" not in shown.lower()
    assert "New nursing-care beds for the elderly, 2,000 beds" in shown
    assert "Nursing-care beds for the elderly renovated and built, 800 beds" in shown
    assert "whether they describe the same thing is for the reader" in shown
