"""Build pandera schemas from the data package descriptor, so the rules are written once.

The Frictionless descriptor (``data/datapackage.json``) is the single statement of every
table's columns, types and constraints; this module turns it into pandera checks.
"""

from __future__ import annotations

import pandera.pandas as pa

from .reading import DTYPES


def column_schema(field: dict, foreign_values: dict[str, list] | None = None) -> pa.Column:
    """A pandera column for one Table Schema field (type, required, unique, enum, pattern, bounds)."""
    cons = field.get("constraints", {})
    checks = []
    if "enum" in cons:
        allowed = ", ".join(cons["enum"])
        checks.append(pa.Check.isin(cons["enum"], error=f"is not one of the allowed values ({allowed})"))
    if "pattern" in cons:
        checks.append(
            pa.Check.str_matches(cons["pattern"], error=f"does not match the pattern {cons['pattern']}")
        )
    if "minimum" in cons:
        checks.append(pa.Check.ge(cons["minimum"], error=f"must be at least {cons['minimum']}"))
    if "maximum" in cons:
        checks.append(pa.Check.le(cons["maximum"], error=f"must be at most {cons['maximum']}"))
    for source, values in (foreign_values or {}).items():
        checks.append(pa.Check.isin(values, error=f"is not a known value of {source}"))
    return pa.Column(
        DTYPES[field["type"]],
        checks=checks,
        nullable=not cons.get("required", False),
        unique=cons.get("unique", False),
        coerce=True,
        required=True,
    )


def table_schema(resource: dict, foreign_values: dict[str, dict[str, list]]) -> pa.DataFrameSchema:
    """A strict pandera schema for one resource; ``foreign_values`` maps a column to its allowed keys."""
    columns = {
        f["name"]: column_schema(f, foreign_values.get(f["name"])) for f in resource["schema"]["fields"]
    }
    return pa.DataFrameSchema(columns, strict=True, name=resource["path"])
