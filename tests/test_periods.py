"""The one period parser: first and last day, length, kind and order, with hand-worked literals."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from linyi_analysis.errors import Error
from linyi_analysis.periods import PeriodError, parse_period, sort_periods


@pytest.mark.parametrize(
    ("text", "start", "end", "days", "kind"),
    [
        ("2022", date(2022, 1, 1), date(2022, 12, 31), 365, "full year"),
        ("2019-H1", date(2019, 1, 1), date(2019, 6, 30), 181, "partial year"),
        ("2019-H2", date(2019, 7, 1), date(2019, 12, 31), 184, "partial year"),
        ("2025-Q1", date(2025, 1, 1), date(2025, 3, 31), 90, "partial year"),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31), 91, "partial year"),  # leap year
        ("2022-06", date(2022, 6, 1), date(2022, 6, 30), 30, "partial year"),
        ("2022-07-28", date(2022, 7, 28), date(2022, 7, 28), 1, "as of date"),
        ("2022-01/2022-02", date(2022, 1, 1), date(2022, 2, 28), 59, "partial year"),
        ("2021/2022", date(2021, 1, 1), date(2022, 12, 31), 730, "multi-year"),
        ("2012/2016", date(2012, 1, 1), date(2016, 12, 31), 1827, "multi-year"),
        ("2022-01/2022-12", date(2022, 1, 1), date(2022, 12, 31), 365, "full year"),
    ],
)
def test_period_reads_as_worked_by_hand(text, start, end, days, kind):
    p = parse_period(text)
    assert (p.start, p.end, p.days, p.kind) == (start, end, days, kind)


def test_order_is_by_first_day_then_shorter_first():
    # Q1 and H1 both start on 1 January: the quarter (90 days) before the half (181 days), then
    # the year (365); H2 starts 1 July; December starts 1 December.
    assert sort_periods(["2019-12", "2019-H1", "2019-H2", "2019-Q1"]) == [
        "2019-Q1",
        "2019-H1",
        "2019-H2",
        "2019-12",
    ]
    assert sort_periods(["2022", "2021/2022", "2022-07-28", "2022-01/2022-02", "2011"]) == [
        "2011",
        "2021/2022",
        "2022-01/2022-02",
        "2022",
        "2022-07-28",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2022-13", "month 13 does not exist"),
        ("2022-H3", "half-year H3 does not exist"),
        ("2022-Q5", "quarter Q5 does not exist"),
        ("2022-02-30", "day 30 does not exist in 2022-02"),
        ("2022/2021", "the interval ends (2021) before it starts (2022)"),
        ("2022-06/2022-03", "the interval ends (2022-03) before it starts (2022-06)"),
        ("2019 first half", "write a year"),
        ("2021/2022/2023", "one '/'"),
        # years run from 0001 (datetime.date has no year 0: a ValueError, not a PeriodError, on ce03277)
        ("0000", "year 0000 does not exist"),
        ("0000-H1", "year 0000 does not exist"),
        ("2021/0000", "year 0000 does not exist"),
        # ASCII digits only, as for numbers: full-width ２０２２ was read as 2022 on ce03277
        ("２０２２", "write a year"),
        ("2022-０６", "write a year"),
    ],
)
def test_invalid_periods_say_why(text, reason):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert info.value.text == text and reason in info.value.reason
    assert isinstance(info.value, Error) and isinstance(info.value, ValueError)


def test_period_error_survives_pickle():
    err = PeriodError("2022-13", "month 13 does not exist (01 to 12)")
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), back.text, back.reason, str(back)) == (type(err), err.text, err.reason, str(err))


def test_within_the_plan_year():
    year = parse_period("2022")
    inside = ["2022", "2022-H2", "2022-07-28", "2022-01/2022-02", "2022-12"]
    outside = ["2021/2022", "2023", "2021-12", "2022/2023"]
    assert [parse_period(p).within(year) for p in inside] == [True] * 5
    assert [parse_period(p).within(year) for p in outside] == [False] * 4


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # the end (15 June) lies inside the start (June): it does not end before June starts, so
        # "ends before it starts" would be false; the message says what is wrong instead
        (
            "2022-06/2022-06-15",
            "its end (2022-06-15, 2022-06-15 to 2022-06-15) does not come after its start "
            "(2022-06, 2022-06-01 to 2022-06-30)",
        ),
        ("2022/2022-06", "its end (2022-06, 2022-06-01 to 2022-06-30) does not come after its start (2022,"),
    ],
)
def test_an_end_inside_the_start_is_refused_truly(text, reason):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert reason in info.value.reason and "before it starts" not in info.value.reason


def test_mixed_precision_intervals_that_run_forward_are_read():
    p = parse_period("2022-01/2022-02-15")  # January to 15 February: 31 + 15 days
    assert (p.start, p.end, p.days) == (date(2022, 1, 1), date(2022, 2, 15), 46)
    assert parse_period("2022-06-01/2022-06-15").days == 15
