"""Periods in time order (placeholder: replaced by the delivery branch's module at merge)."""

from __future__ import annotations

import re


def sort_key(period: str) -> tuple:
    m = re.fullmatch(r"(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?", str(period))
    if not m:
        return (9999, 0, str(period))
    year, part = int(m[1]), m[2]
    if part is None:
        return (year, 0, 12)
    if part[0] == "H":
        return (year, (int(part[1]) - 1) * 6, 6)
    if part[0] == "Q":
        return (year, (int(part[1]) - 1) * 3, 3)
    return (year, int(part) - 1, 1)
