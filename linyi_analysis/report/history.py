"""The run history beside the site, and what changed in the data since the previous run.

For an output directory ``reports/`` two files sit beside it (outside the site, so the atomic
swap of :mod:`.publish` leaves them alone, and the pages stay free of run times):

- ``.reports.history.jsonl`` — one JSON record per run (:func:`append`): its time (UTC), the
  data digest, the notebooks executed and reused, the exit status, whether it published, and
  each job's key and inputs (what ``--dry-run`` compares against);
- ``.reports.data.json`` — a summary of the data of the last *published* run
  (:func:`summarize`: every commitment and evidence fact by id, and delivery statuses where the
  package has a tracker), replaced atomically after each publication.

:func:`changes` compares that summary with the current :class:`~linyi_analysis.Plan`:
commitments added, removed or changed (old → new value), evidence facts added, removed or
changed, delivery statuses that changed. :func:`as_text` gives it for a terminal or a mail
(``linyi-report --changes``), :func:`as_html` for the top of ``index.html``; both say "No change"
when there is none. The heading carries the previous run's date (from its record): so
``index.html``, alone among the site's files, depends on when the previous run was.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..plan import Plan

SUMMARY_VERSION = 1


def history_path(output: Path) -> Path:
    """The run history of the site in ``output``: ``.<name>.history.jsonl`` beside it."""
    output = Path(output).absolute()
    return output.parent / f".{output.name}.history.jsonl"


def summary_path(output: Path) -> Path:
    """The summary of the data of the last published run: ``.<name>.data.json`` beside ``output``."""
    output = Path(output).absolute()
    return output.parent / f".{output.name}.data.json"


def now() -> str:
    """The current time, UTC, to the second, ISO 8601."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- the run history ---------------------------------------------------------------------------


def append(output: Path, record: dict) -> None:
    """Append ``record`` (``time`` added if absent) to the history as one line, in one write."""
    record = {"time": now(), **record}
    line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode()
    fd = os.open(history_path(output), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def records(output: Path) -> list[dict]:
    """Every record of the history, oldest first (a line cut short by a kill is skipped)."""
    try:
        text = history_path(output).read_text(encoding="utf-8")
    except OSError:  # none yet, or its directory cannot be read (the output check says why)
        return []
    out = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                out.append(value)
    return out


def last_published(output: Path) -> dict | None:
    """The record of the last run that published the site, if any."""
    return next((r for r in reversed(records(output)) if r.get("published")), None)


# --- the data summary ------------------------------------------------------------------------


def delivery_statuses(plan: Plan) -> dict[str, str]:
    """The delivery tracker's status of every commitment, by target id (``plan.delivery()``)."""
    d = plan.delivery()
    return dict(zip(d["target_id"].astype(str), d["status"].astype(str), strict=True))


def _text(value) -> str:
    """A cell as text: empty for a missing value, ``2000`` for ``2000.0``."""
    import pandas as pd

    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(frame, key: str) -> dict[str, dict[str, str]]:
    return {
        _text(row[key]): {column: _text(v) for column, v in row.items()} for row in frame.to_dict("records")
    }


def summarize(plan: Plan) -> dict:
    """What :func:`changes` compares: every commitment (targets, with its label) and evidence fact
    by id, as text, and delivery statuses (None without a tracker)."""
    return {
        "version": SUMMARY_VERSION,
        "data_sha256": plan.digest(),
        "targets": _rows(plan.targets, "target_id"),
        "evidence": _rows(plan.evidence, "fact_id"),
        "statuses": delivery_statuses(plan),
    }


def save_summary(output: Path, summary: dict, record: dict) -> None:
    """Replace the summary beside ``output`` atomically, noting the run it belongs to."""
    path = summary_path(output)
    data = json.dumps({**summary, "run": record}, sort_keys=True, ensure_ascii=False, indent=0)
    fd, tmp = tempfile.mkstemp(prefix=f"{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as an ordinary file would be (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_summary(output: Path) -> dict | None:
    """The summary of the last published run's data, or None (none yet, or unreadable)."""
    try:
        value = json.loads(summary_path(output).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("version") == SUMMARY_VERSION else None


# --- changes ----------------------------------------------------------------------------------


@dataclass
class Changes:
    """What changed since the previous published run (``previous`` None: there was none)."""

    previous: str | None  # the previous run's time, ISO 8601 UTC
    added: list[str] = field(default_factory=list)  # commitments, one line each
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    evidence_added: list[str] = field(default_factory=list)
    evidence_removed: list[str] = field(default_factory=list)
    evidence_changed: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[str]]]:
        """Non-empty (heading, lines) pairs, in a fixed order."""
        named = [
            ("Commitments added", self.added),
            ("Commitments removed", self.removed),
            ("Commitments changed", self.changed),
            ("Evidence facts added", self.evidence_added),
            ("Evidence facts removed", self.evidence_removed),
            ("Evidence facts changed", self.evidence_changed),
            ("Delivery statuses changed", self.statuses),
        ]
        return [(h, lines) for h, lines in named if lines]

    @property
    def none(self) -> bool:
        return not self.sections()


def _commitment(target_id: str, row: dict) -> str:
    return f"{row.get('action_id', '')}: {target_id} — {row.get('indicator', '')}: {row.get('label', '')}"


def _fact(fact_id: str, row: dict) -> str:
    value = " ".join(v for v in (row.get("value", ""), row.get("unit", "")) if v)
    return f"{row.get('action_id', '')}: {fact_id} — {row.get('topic', '')} {row.get('period', '')}: {value}"


def _diff_fields(old: dict, new: dict) -> list[str]:
    return [c for c in dict.fromkeys([*old, *new]) if old.get(c, "") != new.get(c, "")]


def changes(previous: dict | None, plan: Plan, previous_time: str | None = None) -> Changes:
    """Compare the summary of the previous run's data (:func:`summarize`) with ``plan``."""
    if previous is None:
        return Changes(previous=None)
    current = summarize(plan)
    out = Changes(previous=previous_time or (previous.get("run") or {}).get("time"))
    old_t, new_t = previous.get("targets", {}), current["targets"]
    out.added = [_commitment(k, new_t[k]) for k in new_t if k not in old_t]
    out.removed = [_commitment(k, old_t[k]) for k in old_t if k not in new_t]
    for k in new_t:
        if k in old_t and old_t[k] != new_t[k]:
            old, new = old_t[k], new_t[k]
            if old.get("label") != new.get("label"):
                what = f"{old.get('label', '')} → {new.get('label', '')}"
            else:
                fields = [f for f in _diff_fields(old, new) if f not in ("label",)]
                what = "; ".join(f"{f}: {old.get(f, '')!r} → {new.get(f, '')!r}" for f in fields)
            out.changed.append(f"{new.get('action_id', '')}: {k} — {new.get('indicator', '')}: {what}")
    old_e, new_e = previous.get("evidence", {}), current["evidence"]
    out.evidence_added = [_fact(k, new_e[k]) for k in new_e if k not in old_e]
    out.evidence_removed = [_fact(k, old_e[k]) for k in old_e if k not in new_e]
    for k in new_e:
        if k in old_e and old_e[k] != new_e[k]:
            fields = _diff_fields(old_e[k], new_e[k])
            what = "; ".join(f"{f}: {old_e[k].get(f, '')!r} → {new_e[k].get(f, '')!r}" for f in fields)
            out.evidence_changed.append(f"{new_e[k].get('action_id', '')}: {k} — {what}")
    old_s, new_s = previous.get("statuses"), current["statuses"]
    if old_s is not None and new_s is not None:
        for k in sorted(set(old_s) | set(new_s)):
            if old_s.get(k) != new_s.get(k):
                out.statuses.append(f"{k}: {old_s.get(k, '(none)')} → {new_s.get(k, '(none)')}")
    return out


def _when(previous: str | None) -> str:
    return (previous or "").replace("T", " ").replace("Z", " UTC")


def as_text(c: Changes) -> str:
    """The changes for a terminal or a mail."""
    if c.previous is None:
        return "Changes since the previous run: none to compare with (no earlier published run).\n"
    if c.none:
        return f"Changes since the previous run ({_when(c.previous)}): No change.\n"
    lines = [f"Changes since the previous run ({_when(c.previous)}):"]
    for heading, items in c.sections():
        lines.append(f"{heading} ({len(items)}):")
        lines += [f"  - {item}" for item in items]
    return "\n".join(lines) + "\n"


def as_html(c: Changes) -> str:
    """The changes as an HTML section for the top of ``index.html`` (every text escaped)."""
    e = html.escape
    if c.previous is None:
        return (
            '<section id="changes"><h2>Changes since the previous run</h2>'
            "<p>No earlier published run to compare with.</p></section>\n"
        )
    head = f'<section id="changes"><h2>Changes since the previous run ({e(_when(c.previous))})</h2>'
    if c.none:
        return head + "<p>No change.</p></section>\n"
    parts = [head]
    for heading, items in c.sections():
        parts.append(f"<h3>{e(heading)} ({len(items)})</h3><ul>")
        parts += [f"<li>{e(item)}</li>" for item in items]
        parts.append("</ul>")
    return "".join(parts) + "</section>\n"
