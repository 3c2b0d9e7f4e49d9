"""One report run: check everything, run the notebooks in parallel, publish the site at once.

0. Where the run may write is checked first (:func:`.publish.check_destinations`): it replaces
   only a site it published itself, or an empty or missing directory, never one that overlaps
   the data, the notebooks or the current directory.
1. The data (the ``*.csv`` and ``*.json`` files of the data directory) is copied to a private
   snapshot and validated there: every kernel reads that copy, so an edit made during the run
   cannot mix two versions of the data in one site, and bad data stops the run before anything
   is started or written. A file that cannot be copied (a dangling link, a named pipe, an
   unreadable file) is :class:`DataCopyError`, naming the user's file.
2. The actions asked for are checked (an unknown id is refused with the list of valid ones).
3. In a build directory beside the output (see :mod:`.publish`), the overview and one
   ``action_report`` per action run through papermill, ``jobs`` kernels at a time; each gives
   ``<name>.ipynb``, ``<name>.html`` and its charts under ``figures/``.
4. If every notebook ran, ``index.html`` is written and the build directory replaces the output
   directory in one step, together with ``figures_copy`` (if asked: a new directory of charts,
   staged beside it with the old charts kept and the new ones written). If any
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
import errno
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Error, ParameterError
from ..plan import Plan, load_plan
from ..resources import DATA_DIR_ENV, citation
from ..resources import data_dir as resolve_data_dir
from . import history, incremental  # issue 12
from .execute import Done, Job, NotebookFailed, Pool, default_jobs
from .notebooks import ACTION_REPORT, OVERVIEW, notebook_dir, notebook_path
from .parameters import report_actions
from .publish import (
    CHART_SUFFIXES,
    OutputError,
    Staging,
    check_destinations,
    check_writable,
    mark_run_made,
    publish_together,
    run_made,
    stage_charts,
)
from .store import Store, default_store  # issue 12

#: Where each notebook saves its charts, relative to the output directory (the kernels' cwd).
FIGURES = "figures"
SITE_TITLE = "Linyi 2022 livelihood action plan"


@dataclass
class Options:
    """What to build: the ``linyi-report`` options (see ``linyi-report --help``)."""

    actions: list[str] | None = None  # None: every action
    output: Path = Path("reports")
    figures_copy: Path | None = None  # also copy the charts here (``--figures``)
    jobs: int | None = None  # None: one per CPU
    html: bool = True
    timeout: int | None = 600  # whole seconds a cell may run (None: no limit)
    notebooks: Path | None = None  # None: the notebooks shipped with the package
    data_dir: Path | None = None  # None: $LINYI_DATA_DIR or the package data
    wait: bool = True  # wait for another run on the same output (else refuse)
    kernel_memory: int | None = None  # bytes of address space per kernel (None: no limit)
    # --- incremental runs (issue 12; see .incremental) ---
    cache_dir: Path | None = None  # the job store (``--cache-dir``); None: store.default_store()
    force: bool = False  # execute every notebook, even those in the store
    dry_run: bool = False  # only say what would be reused or executed, and why
    quiet: bool = False  # the workers' stderr (papermill's warnings) goes nowhere, as kernels' always does


@dataclass
class Result:
    """A finished run: the output directory, the reports built and how long it took."""

    output: Path
    reports: list[str]
    figures: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    figures_dir: Path | None = None  # where the charts were published (resolved)
    # --- incremental runs (issue 12) ---
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    nothing_changed: bool = False  # nothing executed, nothing published
    plan_lines: list[str] = field(default_factory=list)  # --dry-run: one line per notebook
    previous: str | None = None  # time of the previous published run


class InterruptedAfterPublishing(KeyboardInterrupt):
    """Ctrl-C or SIGTERM came once the new site was in place (the charts may not all be copied)."""


class DataCopyError(Error, OSError):
    """A file of the data directory cannot be copied into the run's snapshot (a dangling or looping
    symbolic link, a named pipe, an unreadable file); the message names the user's file."""

    def __reduce__(self):
        return type(self), (str(self),)


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
    (``total``), ``"retried"`` (``name``: its first kernel died before the first cell, a second
    one ran it), ``"done"`` (``name``, ``seconds``, ``finished``, ``total``) and ``"failed"``
    (``error``, ``finished``, ``total``).

    Raises :class:`.UnsafeOutput` (the output or figures directory may not be written, see
    :func:`.check_destinations`), :class:`DataCopyError` (a data file cannot be copied),
    :class:`~linyi_analysis.DataValidationError` (bad data), :class:`.ParameterError`
    (unknown action), ``FileNotFoundError`` (a notebook is missing), :class:`.OutputError`
    (the output cannot be written) or :class:`BuildFailed`; in every case the output directory
    is left as it was.
    """
    started = time.perf_counter()
    try:
        source = resolve_data_dir(options.data_dir)
    except (RuntimeError, OSError) as err:  # a symbolic link loop
        raise DataCopyError(f"data directory {options.data_dir}: {err}") from None
    if not source.is_dir():
        raise FileNotFoundError(f"data directory not found: {source}")
    output, figures_copy = check_destinations(
        options.output,
        options.figures_copy,
        {"the data directory": source, "the notebooks directory": options.notebooks or notebook_dir()},
    )
    if figures_copy is not None:
        check_writable(figures_copy)
    store = Store(options.cache_dir or default_store())
    overlaps = {
        "the --output directory": output,
        "the data directory": source,
        "the notebooks directory": options.notebooks or notebook_dir(),
    }
    if figures_copy is not None:
        overlaps["the --figures directory"] = figures_copy
    # NotAStore: a directory the store did not make, or one overlapping the others; nothing touched
    store.check(overlaps, "--cache-dir" if options.cache_dir else "the report store")
    overview_nb = notebook_path(OVERVIEW, options.notebooks)
    action_nb = notebook_path(ACTION_REPORT, options.notebooks)
    with _snapshot_dir() as tmp:
        snapshot = tmp / "data"
        _copy_data(source, snapshot)
        try:
            plan = load_plan(snapshot)  # DataValidationError: nothing started, nothing written
        except OSError as err:  # name the user's file, not the snapshot's
            raise type(err)(str(err).replace(str(snapshot), str(source))) from None
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
            store,
            output,
            force=options.force,
            dry_run=options.dry_run,
        )
        early = _early_result(decision, options, output, figures_copy, started, _data_digest(snapshot))
        if early is not None:
            return early
        # ---
        on_wait = _once(lambda: progress("waiting"))
        with contextlib.ExitStack() as stack:
            stage = stack.enter_context(Staging(output, wait=options.wait, on_wait=on_wait))
            scratch = tmp / "tmp"
            scratch.mkdir()
            try:  # issue 12: jobs execute into the store; the site is assembled from it
                _run(
                    decision.to_execute, decision, options, snapshot, scratch, _committing(decision, progress)
                )
            except BuildFailed:
                history.append(
                    output,
                    decision.record(data_sha256=_data_digest(snapshot), exit_status=1, published=False),
                )
                raise
            finally:
                decision.discard_workdirs()
            try:
                decision.assemble(stage.build)
            finally:
                decision.release_kept()
            changes = incremental.changes_for(output, plan)
            if options.html:
                _write_index(jobs, stage.build, actions, plan, snapshot, history.as_html(changes))
            charts = None
            if figures_copy is not None:  # locked and staged only now: a kill leaves it for the least time
                charts = stack.enter_context(Staging(figures_copy, wait=options.wait, on_wait=on_wait))
            copied = _stage_charts(stage.build / FIGURES, figures_copy, charts)
            try:
                # both at once; a Ctrl-C meanwhile takes effect once both are in place
                publish_together([stage] if charts is None else [stage, charts])
                record = decision.record(
                    data_sha256=_data_digest(snapshot),
                    exit_status=0,
                    published=True,
                    site_sha256=incremental.site_digest(stage.output),
                )
                history.append(output, record)
                history.save_summary(output, history.summarize(plan), record)
                decision.prune()
            except KeyboardInterrupt:
                if stage.published:
                    raise InterruptedAfterPublishing from None
                raise
            except OSError as err:
                raise OutputError(err.errno, f"cannot publish in {output}: {err.strerror or err}") from None
    return Result(
        output,
        [j.name for j in jobs],
        copied,
        time.perf_counter() - started,
        figures_copy,
        executed=decision.executed,
        reused=decision.reused,
        previous=changes.previous,
    )


def _once(fn):
    called = []

    def once():
        if not called:
            called.append(True)
            fn()

    return once


def _copy_data(source: Path, snapshot: Path) -> None:
    """Copy the data files of ``source`` (its ``*.csv`` and ``*.json``, the data package; hidden
    files and anything else are not data and not copied) into the new directory ``snapshot``.

    Raises :class:`DataCopyError` naming the user's file and what is wrong with it.
    """
    snapshot.mkdir()
    for path in sorted(source.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in (".csv", ".json"):
            continue
        problem = _not_copyable(path)
        if problem:
            raise DataCopyError(f"data file {path}: {problem}")
        try:
            with open(path, "rb") as src:  # opened before reading: a file swapped for a pipe meanwhile
                if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
                    raise DataCopyError(f"data file {path}: not a regular file")
                (snapshot / path.name).write_bytes(src.read())
        except DataCopyError:
            raise
        except OSError as err:
            raise DataCopyError(f"data file {path}: cannot be read: {err.strerror or err}") from None


def _not_copyable(path: Path) -> str:
    """What keeps ``path`` from being copied as a data file, or "" (checked without opening it:
    opening a named pipe would block)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        if path.is_symlink() and err.errno == errno.ENOENT:
            return f"a symbolic link to {os.readlink(path)}, which does not exist"
        if err.errno == errno.ELOOP:
            return "a symbolic link loop"
        return f"cannot be read: {err.strerror or err}"
    if stat.S_ISDIR(mode):
        return "a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a socket or a device)"
    if not os.access(path, os.R_OK):
        return "cannot be read: permission denied"
    return ""


def _stage_charts(new: Path, figures_copy: Path | None, charts: Staging | None) -> list[Path]:
    """Stage the next ``--figures`` directory (if asked); return the chart files new or changed.

    Raises :class:`.OutputError` (nothing published) if that fails, e.g. on a full disk.
    """
    if figures_copy is None or charts is None:
        return []
    files = sorted(p for p in new.glob("*") if p.suffix.lower() in CHART_SUFFIXES)
    try:
        names = stage_charts(files, figures_copy, charts.build)
    except OSError as err:
        raise OutputError(
            err.errno, f"the charts could not be written to {figures_copy}: {err.strerror or err}"
        ) from None
    return [figures_copy / n for n in names]


# --- incremental runs (issue 12) ---------------------------------------------------------------


def _made(reads: dict[str, str], name: str) -> dict:
    """The provenance a job records: the SHA-256 of the data its notebook reads."""
    return {"data_sha256": reads[name]}


def _early_result(
    decision, options: Options, output: Path, figures_copy: Path | None, started: float, data_sha256: str
) -> Result | None:
    """The result of a run that ends once it has decided: ``--dry-run``, or nothing changed (the
    run is recorded in the history). When ``--figures`` does not hold the site's charts, the run
    goes on (reusing every notebook) so that site and charts are published together."""
    names = [p.job.name for p in decision.planned]
    common = {"executed": [], "reused": decision.reused, "plan_lines": decision.lines()}
    previous = (decision.previous or {}).get("time")
    if options.dry_run:
        return Result(
            output,
            names,
            [],
            time.perf_counter() - started,
            **common,
            previous=previous,
        )
    if not decision.nothing_changed or not _same_charts(output / FIGURES, figures_copy):
        return None
    history.append(
        output,
        decision.record(data_sha256=data_sha256, exit_status=0, published=False),
    )
    return Result(
        output,
        names,
        [],
        time.perf_counter() - started,
        **common,
        nothing_changed=True,
        previous=previous,
    )


def _same_charts(site_charts: Path, figures_copy: Path | None) -> bool:
    """Whether ``figures_copy`` (if asked for) holds exactly the site's charts, byte for byte."""
    if figures_copy is None:
        return True

    def charts(d: Path) -> dict[str, bytes]:
        if not d.is_dir():
            return {}
        return {p.name: p.read_bytes() for p in d.iterdir() if p.suffix.lower() in CHART_SUFFIXES}

    return charts(site_charts) == charts(figures_copy)


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
        # only a directory a run made (it holds the marker), never someone else's of that name
        if pid.isdigit() and not _running(int(pid)) and run_made(old) and _owned(old):
            shutil.rmtree(old, ignore_errors=True)
    # (a kernel stopped as it started may still write its connection file there as it goes)
    with tempfile.TemporaryDirectory(
        prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True
    ) as tmp:
        mark_run_made(Path(tmp))
        yield Path(tmp)


def _owned(path: Path) -> bool:
    try:
        return not hasattr(os, "getuid") or path.lstat().st_uid == os.getuid()
    except OSError:
        return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


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
        chosen = list(dict.fromkeys(requested))
    # (an action id that names a file of the site, index or figures, is refused by the validator)
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
    with _environment(environment), Pool(workers, html=options.html, quiet=options.quiet) as pool:
        for job in jobs:
            pool.submit(
                job,
                decision.workdir(job.name),
                html=options.html,
                timeout=options.timeout,
                memory=options.kernel_memory,
            )
        for finished, outcome in enumerate(pool.results(), start=1):
            if isinstance(outcome, Done):
                if outcome.retried:
                    progress("retried", name=outcome.name)
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


#: Chart names an action report saves, by the action's id (the names the notebook gives
#: :func:`~linyi_analysis.tables.show_figure`); every other chart is the overview's.
ACTION_CHARTS = ("action_{}", "delivery_{}")


def _charts_of(job: Job, figures: Path) -> list[Path]:
    """The PNG charts a report saved: its action's for an action report, the rest for the overview."""
    charts = sorted(figures.glob("*.png"))
    if job.name == "overview":
        return [
            c for c in charts if c.stem in {"action_goals"} or not c.stem.startswith(("action_", "delivery_"))
        ]
    return [c for c in charts if c.stem in {name.format(job.name) for name in ACTION_CHARTS}]


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
            if chart.with_suffix(".csv").is_file():  # the rows the chart drew, beside it
                files.append(("its data (CSV)", f"{FIGURES}/{chart.stem}.csv"))
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
