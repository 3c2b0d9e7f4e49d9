"""Facts from official Linyi sources outside the article (``data/evidence.csv``), each cited.

The facts are copied from the project's shared file of external evidence
(``../shared/source/external-evidence.csv``) with their citations (url, publisher, published,
quote_zh), and linked to the plan: ``target_id`` (the target a fact corroborates or informs),
``relation`` (how), ``action_id`` and ``part_of`` (a fact that is a component of another).
:func:`source_differences` checks the copy against that file.

>>> import linyi_analysis as la
>>> ev = la.load_evidence().set_index("fact_id")
>>> ev.loc["old_households_2022", ["target_id", "relation"]].tolist()
['urb_old_community_households', 'same_figure']
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .loaders import load_tables

SOURCE_ENV = "LINYI_EVIDENCE_SOURCE"
SOURCE_NAME = "external-evidence.csv"
#: The shared file of delivery facts, beside SOURCE_NAME (issue 11); its ``note`` is our ``notes``.
DELIVERY_SOURCE_NAME = "delivery-evidence.csv"
#: Columns copied from the shared file as they are (``unit`` is copied with spaces as underscores).
COPIED = ("kind", "topic", "period", "value", "unit", "quote_zh", "url", "publisher", "published")
#: Further columns copied from the delivery file (our name: its name).
DELIVERY_COPIED = {"scope": "scope", "target_id": "target_id", "source_type": "source_type", "notes": "note"}


def load_evidence(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every external fact, validated with the other tables, in base units (yuan, percent 0–100, …).

    Columns: fact_id, kind, topic, period, value, unit, scope, target_id, relation, action_id,
    part_of, quote_zh, url, publisher, published, source_type, notes (see the README's data dictionary).

    >>> import linyi_analysis as la
    >>> ev = la.load_evidence()
    >>> ev.loc[ev["kind"] == "spending_share", ["period", "value"]].values.tolist()
    [['2014-H1', 69.0], ['2019-H1', 82.0], ['2025-Q1', 83.1], ['2022-01/2022-02', 80.8], ['2011', 60.4]]
    """
    return load_tables(data_dir)["evidence"].copy()


class EvidenceSourceNotFound(FileNotFoundError):
    """The shared evidence file is not on this machine (tests that need it skip with this message)."""


def find_evidence_source() -> Path:
    """``$LINYI_EVIDENCE_SOURCE``, or ``shared/source/external-evidence.csv`` beside the project."""
    paths = [Path(os.environ[SOURCE_ENV])] if os.environ.get(SOURCE_ENV) else []
    for base in (Path(__file__).resolve().parents[1], Path.cwd()):
        paths.append(base.parent / "shared" / "source" / SOURCE_NAME)
    for path in paths:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in paths)
    raise EvidenceSourceNotFound(f"{SOURCE_NAME} not found; set {SOURCE_ENV} or place it at one of: {looked}")


def source_differences(source: str | os.PathLike | None = None, data_dir=None) -> pd.DataFrame:
    """Where ``evidence.csv`` differs from the shared evidence files: one row per fact and column.

    ``source`` is the shared external-evidence file; the delivery file beside it
    (``delivery-evidence.csv``), where present, is compared too, with its scope, target_id,
    source_type and note.

    Columns: fact_id, column, in_data, in_source. A fact missing on one side shows as a row with
    column ``fact_id``. Empty when the copy is faithful.
    """
    path = Path(source) if source else find_evidence_source()
    frames = [pd.read_csv(path, dtype=str, keep_default_na=False)]
    delivery_path = path.parent / DELIVERY_SOURCE_NAME
    if delivery_path.is_file():  # the delivery facts (issue 11) are copied from the file beside it
        delivery = pd.read_csv(delivery_path, dtype=str, keep_default_na=False)
        frames.append(delivery.rename(columns={"note": "notes"}))
    src = pd.concat(frames, ignore_index=True).fillna("").set_index("fact_id")
    data = load_evidence(data_dir).set_index("fact_id")
    rows = []
    for fact in sorted(set(src.index) ^ set(data.index)):
        rows.append(
            {
                "fact_id": fact,
                "column": "fact_id",
                "in_data": fact if fact in data.index else None,
                "in_source": fact if fact in src.index else None,
            }
        )
    for fact in (f for f in data.index if f in src.index):
        delivery_fact = "source_type" in src and src.at[fact, "source_type"] != ""
        for col in COPIED + (tuple(DELIVERY_COPIED) if delivery_fact else ()):
            ours, theirs = data.at[fact, col], src.at[fact, col]
            if col == "value":
                same = float(ours) == float(theirs)
            elif col == "unit":
                same = str(ours) == theirs.replace(" ", "_")
            else:
                same = ("" if pd.isna(ours) else str(ours)) == theirs
            if not same:
                rows.append({"fact_id": fact, "column": col, "in_data": ours, "in_source": theirs})
    return pd.DataFrame(rows, columns=["fact_id", "column", "in_data", "in_source"])
