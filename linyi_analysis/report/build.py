"""One report run: check everything, run the notebooks in parallel, publish the site at once.

1. The data is copied to a private snapshot and validated there: every kernel reads that copy,
   so an edit made during the run cannot mix two versions of the data in one site, and bad
   data stops the run before anything is started or written.
2. The actions asked for are checked (an unknown id is refused with the list of valid ones).
3. In a build directory beside the output (see :mod:`.publish`), the overview and one
   ``action_report`` per action run through papermill, ``jobs`` kernels at a time; each gives
   ``<name>.ipynb``, ``<name>.html`` and its charts under ``figures/``.
4. If every notebook ran, ``index.html`` is written and the build directory replaces the output
   directory in one step; the charts are then copied to ``figures_copy`` if asked. If any
   failed, :class:`BuildFailed` lists each one (notebook, parameters, cell, error) and the
   output directory is left exactly as it was.

Every executed notebook and page records the SHA-256 of the data its notebook reads
(``linyi_report.data_sha256`` in the notebook, ``<meta name="linyi-data-sha256">`` in HTML:
:meth:`~linyi_analysis.Plan.digest` of the whole plan for the overview, of the action's cut for
an action report), and the index that of the data snapshot's files: which data each report was
made from can be checked.

Issue 12 (incremental runs, :mod:`.incremental`): between steps 2 and 3 every job is keyed and
either reused from the store or executed; jobs execute into the store, and the build directory
is assembled from the store; with nothing changed the run ends before step 3. Each run is
recorded beside the output (:mod:`.history`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError
from ..plan import Plan, load_plan
from ..resources import DATA_DIR_ENV, citation
from ..resources import data_dir as resolve_data_dir
from . import history, incremental  # issue 12
from .execute import Done, Job, NotebookFailed, Pool, default_jobs
from .notebooks import ACTION_REPORT, OVERVIEW, notebook_path
from .parameters import report_actions
from .publish import OutputError, Staging, check_writable, copy_files
from .store import Store, default_store  # issue 12

#: Where each notebook saves its charts, relative to the output directory (the kernels' cwd).
FIGURES = "figures"
SITE_TITLE = "Linyi 2022 livelihood action plan"
#: File stems a report may not take (they are other files of the site).
RESERVED = {"index", FIGURES}


@dataclass
class Options:
    """What to build: the ``linyi-report`` options (see ``linyi-report --help``)."""

    actions: list[str] | None = None  # None: every action
    output: Path = Path("reports")
    figures_copy: Path | None = None  # also copy the charts here (``--figures``)
    jobs: int | None = None  # None: one per CPU
    html: bool = True
    timeout: float | None = 600.0  # seconds a cell may run
    notebooks: Path | None = None  # None: the notebooks shipped with the package
    data_dir: Path | None = None  # None: $LINYI_DATA_DIR or the package data
    wait: bool = True  # wait for another run on the same output (else refuse)
    # --- incremental runs (issue 12; see .incremental) ---
    cache_dir: Path | None = None  # the job store (``--cache-dir``); None: store.default_store()
    force: bool = False  # execute every notebook, even those in the store
    dry_run: bool = False  # only say what would be reused or executed, and why


@dataclass
class Result:
    """A finished run: the output directory, the reports built and how long it took."""

    output: Path
    reports: list[str]
    figures: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    # --- incremental runs (issue 12) ---
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    nothing_changed: bool = False  # nothing executed, nothing published
    plan_lines: list[str] = field(default_factory=list)  # --dry-run: one line per notebook
    previous: str | None = None  # time of the previous published run


class InterruptedAfterPublishing(KeyboardInterrupt):
    """Ctrl-C or SIGTERM came once the new site was in place (the charts may not all be copied)."""


class BuildFailed(RuntimeError):
    """One or more notebooks failed; nothing was published."""

    def __init__(self, failures: list[NotebookFailed], output: Path):
        self.failures = failures
        lines = "\n".join(f"  - {f}" for f in failures)
        n = len(failures)
        super().__init__(f"{n} notebook{'s' if n != 1 else ''} failed; {output} was left as it was:\n{lines}")


Progress = Callable[..., None]


def _silent(event: str, **info) -> None:
    pass


def build(options: Options, progress: Progress = _silent) -> Result:
    """Run the reports described by ``options``; return what was built.

    ``progress(event, **info)`` is told ``"waiting"`` (for another run's lock), ``"start"``
    (``total``), ``"done"`` (``name``, ``seconds``, ``finished``, ``total``) and ``"failed"``
    (``error``, ``finished``, ``total``).

    Raises :class:`~linyi_analysis.DataValidationError` (bad data), :class:`.ParameterError`
    (unknown action), ``FileNotFoundError`` (a notebook is missing), :class:`.OutputError`
    (the output cannot be written) or :class:`BuildFailed`; in every case the output directory
    is left as it was.
    """
    started = time.perf_counter()
    source = resolve_data_dir(options.data_dir)
    if not source.is_dir():
        raise FileNotFoundError(f"data directory not found: {source}")
    if options.figures_copy is not None:
        check_writable(options.figures_copy)
    overview_nb = notebook_path(OVERVIEW, options.notebooks)
    action_nb = notebook_path(ACTION_REPORT, options.notebooks)
    with _snapshot_dir() as tmp:
        snapshot = tmp / "data"
        shutil.copytree(source, snapshot, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        plan = load_plan(snapshot)  # DataValidationError: nothing started, nothing written
        actions = _chosen_actions(options.actions, plan)
        names = dict(zip(plan.actions["action_id"].astype(str), plan.actions["name"], strict=True))
        # Each page names the digest of exactly the data its notebook reads (issue 12: a page
        # another action's edit does not touch keeps its bytes).
        reads = {"overview": plan.digest(), **{a: plan.action(a).digest() for a in actions}}
        jobs = [
            Job(
                "overview",
                overview_nb,
                {"figures_dir": FIGURES},
                f"{SITE_TITLE}: overview",
                _made(reads, "overview"),
            )
        ]
        jobs += [
            Job(
                a,
                action_nb,
                {"action": a, "figures_dir": FIGURES},
                f"{SITE_TITLE}: {names[a]}",
                _made(reads, a),
            )
            for a in actions
        ]
        # --- incremental runs (issue 12): decided before papermill or a kernel is touched ---
        decision = incremental.decide(
            jobs,
            reads,
            Store(options.cache_dir or default_store()),
            options.output,
            force=options.force,
            dry_run=options.dry_run,
        )
        early = _early_result(decision, options, started, _data_digest(snapshot))
        if early is not None:
            return early
        # ---
        with Staging(options.output, wait=options.wait, on_wait=lambda: progress("waiting")) as stage:
            scratch = tmp / "tmp"
            scratch.mkdir()
            try:  # issue 12: jobs execute into the store; the site is assembled from it
                _run(
                    decision.to_execute, decision, options, snapshot, scratch, _committing(decision, progress)
                )
            except BuildFailed:
                history.append(
                    options.output,
                    decision.record(data_sha256=_data_digest(snapshot), exit_status=1, published=False),
                )
                raise
            finally:
                decision.discard_workdirs()
            decision.assemble(stage.build)
            changes = incremental.changes_for(options.output, plan)
            if options.html:
                _write_index(jobs, stage.build, actions, plan, snapshot, history.as_html(changes))
            try:
                stage.publish()  # a Ctrl-C meanwhile takes effect once the new site is in place
                record = decision.record(
                    data_sha256=_data_digest(snapshot),
                    exit_status=0,
                    published=True,
                    site_sha256=incremental.site_digest(stage.output),
                )
                history.append(options.output, record)
                history.save_summary(options.output, history.summarize(plan), record)
                decision.prune()
                copied = _copy_charts(stage.output, options.figures_copy)
            except KeyboardInterrupt:
                if stage.published:
                    raise InterruptedAfterPublishing from None
                raise
    return Result(
        stage.output,
        [j.name for j in jobs],
        copied,
        time.perf_counter() - started,
        executed=decision.executed,
        reused=decision.reused,
        previous=changes.previous,
    )


# --- incremental runs (issue 12) ---------------------------------------------------------------


def _made(reads: dict[str, str], name: str) -> dict:
    """The provenance a job records: the SHA-256 of the data its notebook reads."""
    return {"data_sha256": reads[name]}


def _early_result(decision, options: Options, started: float, data_sha256: str) -> Result | None:
    """The result of a run that ends once it has decided: ``--dry-run``, or nothing changed (the
    run is recorded in the history; the charts are copied to ``--figures`` if they differ)."""
    names = [p.job.name for p in decision.planned]
    common = {"executed": [], "reused": decision.reused, "plan_lines": decision.lines()}
    previous = (decision.previous or {}).get("time")
    if options.dry_run:
        return Result(
            Path(options.output).absolute(),
            names,
            [],
            time.perf_counter() - started,
            **common,
            previous=previous,
        )
    if not decision.nothing_changed:
        return None
    output = Path(options.output).absolute()
    history.append(
        output,
        decision.record(data_sha256=data_sha256, exit_status=0, published=False),
    )
    copied = _copy_charts(output, options.figures_copy)
    return Result(
        output,
        names,
        copied,
        time.perf_counter() - started,
        **common,
        nothing_changed=True,
        previous=previous,
    )


def _committing(decision, progress: Progress) -> Progress:
    """``progress``, committing each job to the store as it is done."""

    def on_event(event: str, **info) -> None:
        if event == "done":
            decision.commit(info["name"])
        progress(event, **info)

    return on_event


# ---


#: Start of the name of a run's temporary directory (the data snapshot, the kernels' temporary
#: files), before its process id.
SNAPSHOT_PREFIX = "linyi-data-"


@contextlib.contextmanager
def _snapshot_dir():
    """A temporary directory for the data snapshot, named after this process; first, those of
    runs that were killed (no process of that id any more) are removed, as no one else will."""
    for old in Path(tempfile.gettempdir()).glob(f"{SNAPSHOT_PREFIX}*-*"):
        pid = old.name.removeprefix(SNAPSHOT_PREFIX).split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    # (a kernel stopped as it started may still write its connection file there as it goes)
    with tempfile.TemporaryDirectory(
        prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True
    ) as tmp:
        yield Path(tmp)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _copy_charts(site: Path, figures_copy: Path | None) -> list[Path]:
    """Copy the published site's charts into ``figures_copy`` (if given); return the files written.

    Raises :class:`.OutputError` (``published`` True: the site is in place) if that fails.
    """
    if figures_copy is None:
        return []
    try:
        return copy_files(sorted((site / FIGURES).glob("*")), figures_copy)
    except OSError as err:
        failed = OutputError(
            err.errno,
            f"the reports are in {site}, but the charts could not be copied to "
            f"{figures_copy}: {err.strerror or err}",
        )
        failed.published = True
        raise failed from None


def _chosen_actions(requested: list[str] | None, plan: Plan) -> list[str]:
    valid = report_actions(plan)
    if not requested:
        chosen = valid
    else:
        unknown = [a for a in dict.fromkeys(requested) if a not in valid]
        if unknown:
            listed = ", ".join(repr(a) for a in unknown)
            raise ParameterError(
                f"unknown action{'s' if len(unknown) > 1 else ''} {listed}; valid ids: {', '.join(valid)}"
            )
        chosen = [plan.action(a).action_id for a in dict.fromkeys(requested)]
    clash = sorted(set(chosen) & (RESERVED | {"overview"}))
    if clash:
        raise ParameterError(f"action id {clash[0]!r} is also the name of a file of the report site")
    return chosen


def _run(jobs: list, decision, options: Options, data_dir: Path, scratch: Path, progress: Progress) -> None:
    jobs = [p.job for p in jobs]  # issue 12: the planned jobs to execute, each into its store work dir
    if not jobs:
        return
    workers = min(options.jobs or default_jobs(), len(jobs))
    failures: list[NotebookFailed] = []
    progress("start", total=len(jobs))
    # The workers and their kernels inherit these: every kernel reads the snapshot, and every
    # temporary file of the run (kernels' connection files) is in the run's own directory, which
    # goes with it even when a stopped kernel start leaves one behind.
    environment = {DATA_DIR_ENV: str(data_dir), "TMPDIR": str(scratch)}
    with _environment(environment), Pool(workers, html=options.html) as pool:
        for job in jobs:
            pool.submit(job, decision.workdir(job.name), html=options.html, timeout=options.timeout)
        for finished, outcome in enumerate(pool.results(), start=1):
            if isinstance(outcome, Done):
                progress(
                    "done", name=outcome.name, seconds=outcome.seconds, finished=finished, total=len(jobs)
                )
            else:
                failures.append(outcome)
                progress("failed", error=outcome, finished=finished, total=len(jobs))
    if failures:
        raise BuildFailed(failures, options.output)


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """Set environment variables for the block; restore them after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _data_digest(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(data_dir.glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _charts_of(job: Job, figures: Path) -> list[Path]:
    """The PNG charts a report saved: ``action_<id>`` for an action, every other one for the overview
    (the names the notebooks give :func:`~linyi_analysis.display.show_figure`)."""
    charts = sorted(figures.glob("*.png"))
    if job.name == "overview":
        return [c for c in charts if not c.stem.startswith("action_") or c.stem == "action_goals"]
    return [c for c in charts if c.stem == f"action_{job.name}"]


def _write_index(
    jobs: list[Job], site: Path, actions: list[str], plan: Plan, data_dir: Path, changes: str = ""
) -> None:
    from .index import Entry, headlines, render

    numbers = headlines(plan, actions)
    entries = []
    for job in jobs:
        files = [("report", f"{job.name}.html"), ("notebook", f"{job.name}.ipynb")]
        for chart in _charts_of(job, site / FIGURES):
            files.append((f"chart: {chart.stem.replace('_', ' ')} (PNG)", f"{FIGURES}/{chart.name}"))
        title = job.title.removeprefix(f"{SITE_TITLE}: ")
        entries.append(Entry(job.name, title[:1].upper() + title[1:], numbers.get(job.name, []), files))
    cite = citation()
    source = (
        f"Source: {cite['title']} {cite.get('outlet', '')}, {cite.get('date', '')}. {cite.get('url', '')}"
    )
    footer = (
        f"Built by linyi-report from the data with SHA-256 {_data_digest(data_dir)[:16]}; "
        "each report is a notebook executed with papermill."
    )
    (site / "index.html").write_text(
        render(
            entries,
            title=SITE_TITLE,
            source=source,
            footer=footer,
            data_sha256=_data_digest(data_dir),
            preface=changes,
        ),
        encoding="utf-8",
    )
