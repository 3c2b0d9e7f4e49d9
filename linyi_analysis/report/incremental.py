"""Incremental report runs: which jobs to reuse from the store, which to execute, and why.

:func:`decide` keys every job (:mod:`.store`) and sorts it: **reuse** (its entry is in the
store and intact) or **execute** (``--force``; an input changed since the previous run; not in
the store; its entry corrupted). Before that it checks whether there is anything to do at all:
if every key equals the previous published run's (from the run history, :mod:`.history`) and
the site's files are the ones that run published (their SHA-256 recorded then), nothing has
changed and the run ends there — before papermill, nbconvert or a kernel is touched.

A job executes into a work directory of the store (:meth:`Decision.workdir`) and is committed
there when it is done (:meth:`Decision.commit`): jobs write only into the store. Publishing then
assembles the site from the store alone (:meth:`Decision.assemble`), whether a job was reused or
just executed, so both give the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from . import history
from .store import Store, changed_inputs, job_inputs, job_key

REUSE, EXECUTE = "reuse", "execute"


@dataclass
class Planned:
    """One job with its inputs, key, what the run does with it (:data:`REUSE` or :data:`EXECUTE`)
    and why."""

    job: object  # execute.Job
    inputs: dict[str, str]
    key: str
    action: str
    why: str


@dataclass
class Decision:
    """What a run does: every job planned, and whether there is nothing to do at all."""

    store: Store
    output: Path
    planned: list[Planned]
    nothing_changed: bool = False
    previous: dict | None = None  # the last published run's record
    force: bool = False  # --force: a job's new execution replaces its entry in the store
    _workdirs: dict[str, Path] = field(default_factory=dict)
    _kept: dict[str, Path] = field(default_factory=dict)  # executed but not committed (see Store.commit)

    @property
    def to_execute(self) -> list[Planned]:
        return [p for p in self.planned if p.action == EXECUTE]

    @property
    def executed(self) -> list[str]:
        return [p.job.name for p in self.planned if p.action == EXECUTE]

    @property
    def reused(self) -> list[str]:
        return [p.job.name for p in self.planned if p.action == REUSE]

    def lines(self) -> list[str]:
        """``overview  execute  data changed``: one line per notebook, for ``--dry-run``."""
        width = max((len(p.job.name) for p in self.planned), default=0)
        return [f"{p.job.name:<{width}}  {p.action:<7}  {p.why}" for p in self.planned]

    def workdir(self, name: str) -> Path:
        """The store's work directory job ``name`` executes into (made on first call)."""
        if name not in self._workdirs:
            planned = self._by_name(name)
            self._workdirs[name] = self.store.workdir(planned.key)
        return self._workdirs[name]

    def commit(self, name: str) -> None:
        """Job ``name`` finished: its work directory becomes its store entry."""
        planned = self._by_name(name)
        work = self._workdirs.pop(name)
        where = self.store.commit(planned.key, work, planned.inputs, name, replace=self.force)
        if where == work:  # the store's entry is not one it may use or replace: publish from here
            self._kept[name] = work

    def discard_workdirs(self) -> None:
        """Remove the work directories of jobs that did not finish."""
        for work in self._workdirs.values():
            self.store.release(work)
        self._workdirs.clear()

    def release_kept(self) -> None:
        """Remove the work directories published from (jobs whose entry could not be committed)."""
        for work in self._kept.values():
            self.store.release(work)
        self._kept.clear()

    def assemble(self, site: Path) -> None:
        """Write every job's files from the store into ``site`` (each checked against its hash as
        read: :class:`.StoreError` if one changed, and nothing is published)."""
        for planned in self.planned:
            kept = self._kept.get(planned.job.name)
            for rel, data in self.store.files(planned.key, kept).items():
                if rel == "manifest.json":
                    continue
                path = site / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    def record(self, **extra) -> dict:
        """The run's record for the history (``extra``: data digest, exit status, …)."""
        return {
            "executed": self.executed,
            "reused": self.reused,
            "jobs": {p.job.name: {"key": p.key, "inputs": p.inputs} for p in self.planned},
            **extra,
        }

    def prune(self) -> None:
        self.store.prune(keep={p.key for p in self.planned})

    def _by_name(self, name: str) -> Planned:
        return next(p for p in self.planned if p.job.name == name)


def site_digest(site: Path) -> str | None:
    """SHA-256 over the relative path and bytes of every file of ``site`` (None if it is not there)."""
    site = Path(site)
    if not site.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        digest.update(path.relative_to(site).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def decide(
    jobs: list,
    data_digests: dict[str, str],
    store: Store,
    output: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
) -> Decision:
    """Plan ``jobs`` (``data_digests``: job name → digest of the data it reads) against the store
    and the previous published run of ``output``. ``dry_run``: change nothing (a corrupted entry
    is reported, not removed)."""
    previous = history.last_published(output)
    before = (previous or {}).get("jobs", {})
    planned = []
    for job in jobs:
        # (the provenance a job records is the digest of the data it reads: the "data" input, so it
        # is not counted again as a parameter, and --dry-run names only the input that changed)
        parameters = {"parameters": job.parameters, "title": job.title}
        inputs = job_inputs(job.notebook, parameters, data_digests[job.name])
        planned.append(Planned(job, inputs, job_key(inputs), EXECUTE, ""))
    decision = Decision(store, Path(output).absolute(), planned, previous=previous, force=force)
    keys = {p.job.name: p.key for p in planned}
    if (
        not force
        and previous is not None
        and {n: j.get("key") for n, j in before.items()} == keys
        and previous.get("site_sha256") == site_digest(decision.output)
    ):
        decision.nothing_changed = True
        for p in planned:
            p.action, p.why = REUSE, "unchanged since the previous run; the site is up to date"
        return decision
    for p in planned:
        changed = changed_inputs(p.inputs, (before.get(p.job.name) or {}).get("inputs"))
        if force:
            p.why = "--force"
            continue
        state = store.verify(p.key, discard=not dry_run)
        if state == "ok":
            p.action = REUSE
            p.why = "in the store" + (
                f" ({', '.join(changed)} changed since the previous run)" if changed else ""
            )
        elif state == "corrupt":
            p.why = "its store entry is corrupted (hash mismatch)"
        elif state == "untrusted":
            p.why = "its store entry is not owned by this user or is writable by others (ignored)"
        elif changed:
            p.why = f"{', '.join(changed)} changed"
        else:
            p.why = "not in the store"
    return decision


def changes_for(output: Path, plan) -> history.Changes:
    """What changed in ``plan`` since the last published run of ``output``."""
    previous = history.last_published(output)
    summary = history.load_summary(output)
    return history.changes(summary, plan, (previous or {}).get("time"))
