"""Numbers and labels as a reader wants them: 47.3k, 2.2 bn yuan, ≥ 85%, 4,500 → 5,000 yuan a year.

>>> human_number(47_300), human_value(2.2e9, "yuan"), human_value(85, "%")
('47.3k', '2.2 bn yuan', '85%')
"""

from __future__ import annotations

import math
import textwrap
from decimal import Decimal

import pandas as pd

_SCALES = ((1e9, 1e9, " bn"), (1e6, 1e6, " m"), (1e4, 1e3, "k"))  # from, divisor, suffix
_COMPARATORS = {"=": "", ">=": "≥ ", ">": "> "}


def human_number(x: float, exact: bool = False) -> str:
    """A number in short form: three significant digits and k / m / bn from 10,000 up.

    ``exact=True`` writes every digit the figure has (with thousands separators) instead.

    >>> human_number(2_490_000), human_number(3442), human_number(83.1), human_number(36_261, exact=True)
    ('2.49 m', '3,442', '83.1', '36,261')
    >>> human_number(999_500), human_number(999_400), human_number(2.49, exact=True)
    ('1 m', '999k', '2.49')
    """
    if x is None or pd.isna(x):
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return "n/a"
    sign, x = ("−" if x < 0 else ""), abs(x)
    if exact:
        # The shortest decimal that reads back as the same float: every digit, none invented.
        return sign + format(Decimal(repr(x)).normalize(), ",f").removesuffix(".0")
    for start, divisor, suffix in _SCALES:
        # Round first, then choose the scale: 999,500 is "1 m", not "1e+03k".
        if float(f"{x:.3g}") >= start:
            return f"{sign}{float(f'{x / divisor:.3g}'):g}{suffix}"
    if math.isclose(x, round(x)):
        return f"{sign}{x:,.0f}"
    return f"{sign}{x:,.1f}" if x >= 1 else f"{sign}{x:.3g}"


def human_value(x: float, unit_label: str, exact: bool = False) -> str:
    """A figure with its unit: ``%`` is written on the number, other units after a space.

    >>> human_value(4500, "yuan a year"), human_value(11.1111, "%"), human_value(7, "")
    ('4,500 yuan a year', '11.1%', '7')
    """
    number = human_number(x, exact)
    if not unit_label:
        return number
    return f"{number}%" if unit_label == "%" else f"{number} {unit_label}"


def target_label(row, exact: bool = False) -> str:
    """How a target reads: ``≥ 2.2 bn yuan``, ``10–15 towns a year``, ``4,500 → 5,000 yuan a year``, ``+10%``.

    ``row`` (a mapping or a row of a frame) needs comparator and unit_label, and the figures its
    comparator uses (value; value_min and value_max; baseline); per is optional. ``exact=True``
    writes every digit (``≥ 2,200,000,000 yuan``), for tables.

    >>> target_label({"comparator": "range", "value_min": 1, "value_max": 2, "unit_label": "counties"})
    '1–2 counties'
    """
    unit, comp = row["unit_label"], row["comparator"]

    def num(x):
        return human_number(x, exact)

    def val(x):
        return human_value(x, unit, exact)

    if comp == "range":
        text = f"{num(row['value_min'])}–{val(row['value_max'])}"
    elif comp == "from_to":
        text = f"{num(row['baseline'])} → {val(row['value'])}"
    elif comp == "increase_by":
        text = f"+{val(row['value'])}"
    else:
        text = _COMPARATORS.get(comp, f"{comp} ") + val(row["value"])
    per = row.get("per")
    if per is not None and not pd.isna(per) and per != "":
        text += " a year" if per == "year" else f" per {per}"
    return text


#: Words for the article's structure in the data's names, as a reader says them.
_PLAIN = {"(lead paragraph)": "(the article's opening paragraph)"}


def plain(name) -> str:
    """A name as a reader reads it, without words for the article's structure.

    >>> plain("New beds (lead paragraph)")
    "New beds (the article's opening paragraph)"
    """
    name = str(name)
    for jargon, words in _PLAIN.items():
        name = name.replace(jargon, words)
    return name


def wrap(text: str, width: int = 34) -> str:
    """Wrap a long label onto several lines of at most ``width`` characters.

    >>> wrap("Households in old residential communities under renovation", 30)
    'Households in old residential\\ncommunities under renovation'
    """
    return textwrap.fill(str(text), width=width)  # a word longer than a line is broken


def singular(label: str) -> str:
    """The singular of a unit label, for "households per project".

    >>> singular("projects"), singular("counties"), singular("people")
    ('project', 'county', 'people')
    """
    if label.endswith("ies"):
        return label[:-3] + "y"
    if label.endswith("s") and not label.endswith("ss"):
        return label[:-1]
    return label


def a_kind(word: str) -> str:
    """``word`` with its indefinite article, for messages: ``an outcome``, ``a progress``.

    >>> a_kind("outcome"), a_kind("corroboration")
    ('an outcome', 'a corroboration')
    """
    return f"{'an' if str(word)[:1].lower() in 'aeiou' else 'a'} {word}"
