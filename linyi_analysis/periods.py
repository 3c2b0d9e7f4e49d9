"""The one reading of a period for the whole package: its first and last day, length, order and kind.

Periods are written in ISO forms: a year (``2022``), a half-year (``2019-H1``), a quarter
(``2025-Q1``), a month (``2022-06``), a date (``2022-07-28``: as of that day) and an interval of
two of these (``2022-01/2022-02``: January to February together; ``2021/2022``: the two years).

>>> p = parse_period("2022-01/2022-02")
>>> p.start, p.end, p.days, p.kind
(datetime.date(2022, 1, 1), datetime.date(2022, 2, 28), 59, 'partial year')
>>> sort_periods(["2019-12", "2019-H1", "2019-H2", "2019-Q1"])
['2019-Q1', '2019-H1', '2019-H2', '2019-12']
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from .errors import Error, ParameterError

__all__ = [
    "FORMS",
    "KINDS",
    "Period",
    "PeriodError",
    "as_date",
    "parse_period",
    "period_sort_key",
    "sort_periods",
]

#: The written forms, for messages.
FORMS = (
    "a year (2022), half-year (2022-H1), quarter (2022-Q1), month (2022-06), date (2022-07-28) "
    "or interval of two of these (2022-01/2022-02)"
)
#: The kinds of period, from the shortest reading to the longest.
KINDS = ("as of date", "partial year", "full year", "multi-year")

# ASCII digits only ([0-9], not \d, which also reads full-width and other scripts' digits).
_SINGLE = re.compile(r"([0-9]{4})(?:-(?:H([0-9])|Q([0-9])|([0-9]{2})(?:-([0-9]{2}))?))?")


class PeriodError(Error, ValueError):
    """A period that is not one of the ISO forms, or an interval that ends before it starts.

    ``text`` is the period as written and ``reason`` what is wrong with it, so a caller can
    name the file, row and column it came from.
    """

    def __init__(self, text: str, reason: str):
        self.text, self.reason = text, reason
        super().__init__(f"{text!r} is not a valid period: {reason}")

    def __reduce__(self):  # pickles with both arguments (the default would pass only the message)
        return (type(self), (self.text, self.reason))


@dataclass(frozen=True)
class Period:
    """A period as written, with its first and last day (both included) and its written form."""

    text: str
    start: date
    end: date
    form: str  # year, half, quarter, month, date or interval

    @property
    def days(self) -> int:
        """Length in days, both ends included (2022 → 365; a date → 1)."""
        return (self.end - self.start).days + 1

    @property
    def kind(self) -> str:
        """``as of date`` (one day), ``full year`` (1 January to 31 December of one year),
        ``multi-year`` (across calendar years) or ``partial year`` (any other part of a year)."""
        if self.form == "date":
            return "as of date"
        if self.start.year != self.end.year:
            return "multi-year"
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31):
            return "full year"
        return "partial year"

    @property
    def sort_key(self) -> tuple[date, int]:
        """Chronological order: by first day, then the shorter period first."""
        return (self.start, self.days)

    def within(self, other: Period) -> bool:
        """Whether this period lies wholly inside ``other``.

        >>> parse_period("2022-07-28").within(parse_period("2022")), parse_period("2021/2022").within(parse_period("2022"))
        (True, False)
        """
        return other.start <= self.start and self.end <= other.end


def _single(text: str, whole: str) -> Period:
    m = _SINGLE.fullmatch(text)
    if not m:
        raise PeriodError(whole, f"write {FORMS}")
    year = int(m[1])
    if year < 1:
        raise PeriodError(whole, f"year {m[1]} does not exist (years run from 0001)")
    half, quarter, month, day = m[2], m[3], m[4], m[5]
    if half is not None:
        if half not in "12":
            raise PeriodError(whole, f"half-year H{half} does not exist (H1 or H2)")
        first = 1 + 6 * (int(half) - 1)
        return Period(text, date(year, first, 1), _month_end(year, first + 5), "half")
    if quarter is not None:
        if quarter not in "1234":
            raise PeriodError(whole, f"quarter Q{quarter} does not exist (Q1 to Q4)")
        first = 1 + 3 * (int(quarter) - 1)
        return Period(text, date(year, first, 1), _month_end(year, first + 2), "quarter")
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise PeriodError(whole, f"month {month} does not exist (01 to 12)")
        if day is None:
            return Period(text, date(year, int(month), 1), _month_end(year, int(month)), "month")
        last = calendar.monthrange(year, int(month))[1]
        if not 1 <= int(day) <= last:
            raise PeriodError(whole, f"day {day} does not exist in {year}-{month} (01 to {last:02d})")
        d = date(year, int(month), int(day))
        return Period(text, d, d, "date")
    return Period(text, date(year, 1, 1), date(year, 12, 31), "year")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """Read a period; raise :class:`PeriodError` (saying why) if it is not a valid ISO form.

    >>> parse_period("2019-H2").end
    datetime.date(2019, 12, 31)
    >>> parse_period("2022-13")
    Traceback (most recent call last):
    ...
    linyi_analysis.periods.PeriodError: '2022-13' is not a valid period: month 13 does not exist (01 to 12)
    """
    if not isinstance(text, str):
        raise PeriodError(str(text), f"write {FORMS}")
    parts = text.split("/")
    if len(parts) == 1:
        return _single(text, text)
    if len(parts) != 2:
        raise PeriodError(text, f"an interval has one '/', between its start and its end; write {FORMS}")
    first, last = (_single(p, text) for p in parts)
    if last.end < first.start:
        raise PeriodError(text, f"the interval ends ({parts[1]}) before it starts ({parts[0]})")
    if last.start < first.start or last.end < first.end:
        # e.g. 2022-06/2022-06-15: the end lies inside the start, so the interval would end before its start does
        raise PeriodError(
            text,
            f"its end ({parts[1]}, {last.start} to {last.end}) does not come after its start "
            f"({parts[0]}, {first.start} to {first.end}): an interval's end must end no earlier than its "
            "start ends (2022-06-01/2022-06-15 for the first half of June)",
        )
    return Period(text, first.start, last.end, "interval")


def period_sort_key(text: str) -> tuple[date, int]:
    """Key to sort written periods chronologically (first day, then the shorter first)."""
    return parse_period(text).sort_key


def sort_periods(periods) -> list[str]:
    """The periods in chronological order (see :func:`period_sort_key`)."""
    return sorted(periods, key=period_sort_key)


def as_date(value, what: str = "the date") -> date:
    """The day ``value`` names: a ``datetime.date``, a ``datetime`` or pandas ``Timestamp`` (its
    date), or ISO text (``2022-12-31``, or with a time, ``2022-12-31T08:00``). Anything else
    raises :class:`~linyi_analysis.errors.ParameterError` naming ``what`` it was for.

    >>> import pandas as pd
    >>> as_date(pd.Timestamp("2022-12-31 08:00")), as_date("2022-12-31")
    (datetime.date(2022, 12, 31), datetime.date(2022, 12, 31))
    """
    why = ""
    if isinstance(value, datetime):  # a pandas Timestamp is a datetime too
        if value == value:  # pd.NaT is not equal to itself
            return value.date()
    elif isinstance(value, date):
        return value
    elif isinstance(value, str) and value.isascii():
        try:
            if len(value) > 10 and value[10] in "T ":
                return datetime.fromisoformat(value).date()
            period = parse_period(value)
            if period.form == "date":
                return period.start
        except PeriodError as err:
            why = f": {err.reason}"
        except ValueError as err:
            why = f": {err}"
    raise ParameterError(
        f"{what} must be a date (a datetime.date, a datetime or pandas Timestamp, or ISO text such as "
        f"2022-12-31), not {value!r:.60}{why}"
    )
