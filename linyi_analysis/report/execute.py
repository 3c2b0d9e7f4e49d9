"""Running notebooks: one through papermill (:func:`run_job`), many at once (:class:`Pool`).

A :class:`Job` is one notebook with its parameters and the name of its output files. A job
runs in a worker process: papermill executes the notebook in a fresh kernel, the executed
notebook is written as ``<name>.ipynb`` and (unless told not to) converted to ``<name>.html``
with the process's one HTML exporter. Workers are forked from the runner after it has imported
papermill and nbconvert, so that import is paid once, and each runs its kernels one after
another; ``jobs`` workers run that many kernels at a time.

A notebook that fails raises :class:`NotebookFailed`, which names the notebook, its
parameters, the cell (as numbered in the notebook file, and its first line) and the error.

A kernel that dies before its first cell (seen once in about 95 runs: "Kernel died before
replying to kernel_info") is started again, once; :class:`Done` says so. Each kernel may use at
most ``memory`` bytes of address space (``RLIMIT_AS``, set in the kernel as it starts): one
notebook cannot take the machine down, and one that needs more fails with "ran out of memory".
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

#: Id given to the cell papermill injects (papermill gives it a random one), so that two runs
#: give the same executed notebook and the same HTML.
INJECTED_CELL_ID = "injected-parameters"


@dataclass(frozen=True)
class Job:
    """One notebook to run: output stem ``name``, notebook file, parameters, page title, and
    ``provenance`` recorded in the executed notebook's metadata as ``linyi_report`` (the report
    run gives the SHA-256 of the data: every page says which data it was made from)."""

    name: str
    notebook: Path
    parameters: dict = field(default_factory=dict)
    title: str = ""
    provenance: dict = field(default_factory=dict)

    def describe(self) -> str:
        """``action_report.ipynb (action='medical')``: the notebook and its parameters, for messages."""
        shown = {k: v for k, v in self.parameters.items() if k != "figures_dir"}
        args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return f"{self.notebook.name} ({args})" if args else self.notebook.name


@dataclass(frozen=True)
class Done:
    """A job that finished: its name and how long it took, in seconds."""

    name: str
    seconds: float
    retried: bool = False  # its first kernel died before the first cell; a second one ran it


class NotebookFailed(Exception):
    """A notebook raised an error, its kernel died, or a cell ran past the timeout."""

    def __init__(self, job: str, where: str, error: str):
        self.job, self.where, self.error = job, where, error
        super().__init__(f"{job} failed{' in ' + where if where else ''}: {error}")

    def __reduce__(self):  # keep the three fields across processes
        return type(self), (self.job, self.where, self.error)


def run_job(
    job: Job, out_dir: Path, *, html: bool = True, timeout: int | None = None, memory: int | None = None
) -> Done:
    """Execute ``job`` with papermill into ``out_dir``; write ``<name>.ipynb`` and ``<name>.html``.

    ``timeout``: whole seconds a cell may run (None: no limit); ``memory``: bytes of address
    space the kernel may use (None: no limit). A kernel that dies before its first cell is
    started again once. Raises :class:`NotebookFailed` naming the notebook, the cell and the error.
    """
    start = time.perf_counter()
    retried = False
    while True:
        try:
            nb = _execute(job, out_dir, timeout, memory)
            break
        except _DiedAtStart as died:
            if retried:
                raise NotebookFailed(
                    job.describe(), "", f"the kernel died before its first cell, twice ({died})"
                ) from None
            retried = True
    _make_reproducible(nb, job)
    if job.provenance:
        nb.metadata["linyi_report"] = dict(job.provenance)
    import nbformat

    nbformat.write(nb, out_dir / f"{job.name}.ipynb")
    if html:
        from .html import to_html

        (out_dir / f"{job.name}.html").write_text(to_html(nb, job.title), encoding="utf-8")
    return Done(job.name, time.perf_counter() - start, retried)


class _DiedAtStart(Exception):
    """The kernel died before it ran a cell (it may be started again)."""


def _execute(job: Job, out_dir: Path, timeout: int | None, memory: int | None):
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    # the kernel's own log off: ipykernel 7 warns about TCP on localhost, and logs the
    # interrupt jupyter_client sends before shutting a kernel down; errors reach the notebook
    kernel_args = ["--IPKernelApp.log_level=CRITICAL"]
    # A kernel stopped while another notebook failed can have its heartbeat thread fail as its
    # sockets close; that traceback (on the stderr the kernel shares with the run) says nothing
    # the run does not report in one line, so the kernel drops it, and only it.
    startup = [
        "'import threading as _t'",
        "'_t.excepthook = (lambda a, _h=_t.excepthook: None if a.thread is not None "
        'and a.thread.name == "Heartbeat" else _h(a))\'',
        "'del _t'",
    ]
    if memory:
        # set by the kernel itself as it starts, before any cell: it bounds that process (and
        # what it starts), not the worker; the hard limit too, so a cell cannot raise it again
        startup += [
            "'import resource as _r'",
            f"'_r.setrlimit(_r.RLIMIT_AS, ({memory}, {memory}))'",
            "'del _r'",
        ]
    kernel_args.append(f"--IPKernelApp.exec_lines=[{', '.join(startup)}]")
    try:
        return papermill.execute_notebook(
            str(job.notebook),
            None,  # nothing written until the notebook has run through
            parameters=job.parameters,
            engine_name=_cell_tracking_engine(),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            cwd=str(out_dir),
            extra_arguments=kernel_args,
            shutdown_kernel="immediate",  # its work is done: no need to wait for a clean exit
        )
    except PapermillExecutionError as err:
        source = nbformat.read(job.notebook, as_version=4)
        number, first = _source_cell_from_error(err, source)
        where = f"cell {number} ({first!r})" if first else f"cell {number}"
        if err.ename.endswith("MemoryError") and memory:  # also numpy's _ArrayMemoryError
            error = f"ran out of memory (limit {_gigabytes(memory)}, --kernel-memory)"
        else:
            error = f"{err.ename}: {err.evalue}"
        raise NotebookFailed(job.describe(), where, error) from None
    except Exception as err:  # a kernel that died, a cell past the timeout, a kernel that never started
        if _died_at_start(err):
            raise _DiedAtStart(str(err).strip().splitlines()[0]) from None
        raise NotebookFailed(job.describe(), _where_stopped(err, job), _why_stopped(err, timeout)) from None


def _died_at_start(err: Exception) -> bool:
    """The kernel died before any cell started (jupyter_client's "Kernel died before replying to
    kernel_info", or nbclient's dead kernel with no cell started)."""
    from nbclient.exceptions import DeadKernelError

    if getattr(err, "cell_index", None) is not None:
        return False
    return isinstance(err, DeadKernelError) or "Kernel died before replying to kernel_info" in str(err)


def _gigabytes(size: int) -> str:
    return f"{size / 2**30:.3g} GB"


#: Name under which :func:`_cell_tracking_engine` registers its papermill engine.
ENGINE = "linyi-cell-tracking"


@cache
def _cell_tracking_engine() -> str:
    """Register (once per process) papermill's nbclient engine, noting which cell was running when
    execution stopped: nbclient's errors for a dead kernel or a timeout do not say."""
    from papermill.engines import NBClientEngine, papermill_engines

    class CellTrackingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except Exception as err:
                started = [i for i, c in enumerate(nb_man.nb.cells) if c.metadata.papermill.get("start_time")]
                err.cell_index = started[-1] if started else None  # the last cell started
                raise

    papermill_engines.register(ENGINE, CellTrackingEngine)
    return ENGINE


def _where_stopped(err: Exception, job: Job) -> str:
    """``cell 5 ('import os')``: the cell running when ``err`` stopped the notebook, if known."""
    if getattr(err, "cell_index", None) is None:
        return ""
    import nbformat

    number, first = _source_cell_from_error(err, nbformat.read(job.notebook, as_version=4))
    return f"cell {number} ({first!r})" if first else f"cell {number}"


def _why_stopped(err: Exception, timeout: int | None) -> str:
    """What stopped a notebook, other than an error raised in a cell, in one line."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(err, CellTimeoutError):
        return f"the cell ran longer than the timeout ({timeout:g} s, --timeout); its kernel was stopped"
    if isinstance(err, DeadKernelError):
        return "the kernel died (it exited, crashed or ran out of memory)"
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__


def _source_cell_from_error(err, source_nb) -> tuple[int, str]:
    """Map papermill's ``cell_index`` (in the parameterised notebook) to the notebook file's cell."""
    index = err.cell_index
    params = next(
        (i for i, c in enumerate(source_nb.cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    # papermill puts its injected cell right after the parameters cell (or first, without one).
    injected = 0 if params is None else params + 1
    file_index = index if index < injected else index - 1
    cells = source_nb.cells
    lines = cells[file_index].source.strip().splitlines() if 0 <= file_index < len(cells) else []
    return file_index + 1, (lines[0] if lines else "")


def _make_reproducible(nb, job: Job) -> None:
    """Replace what papermill makes differ from run to run, apart from its timings."""
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = INJECTED_CELL_ID
    meta = nb.metadata.get("papermill", {})
    meta["input_path"] = job.notebook.name
    meta["output_path"] = f"{job.name}.ipynb"


# --- the pool ---------------------------------------------------------------------------


def import_papermill():
    """Import papermill, skipping the 0.7 s jsonschema spends building its IRI parser.

    papermill imports nbformat, which imports jsonschema, whose format checker imports
    ``rfc3987_syntax`` if it is installed and builds a grammar for the ``iri`` formats. No
    notebook schema uses those formats; marking the module as absent (before jsonschema is first
    imported, in this process only) leaves jsonschema without that one checker.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)
    import papermill

    return papermill


def _worker_init(runner: int, quiet: bool = False) -> None:
    """In a worker: Ctrl-C is the runner's to handle; SIGTERM ends the worker through Python, so
    papermill shuts its kernel down on the way out; the worker ends when the runner does.

    Kernels never write to the run's standard error: the worker's file descriptor 2, which every
    kernel it starts inherits, goes to the null device, so a kernel's own log lines and tracebacks
    (one that cannot start, one stopped beside a failed notebook, one whose own machinery runs out
    of memory after a cell did) never reach the terminal or cron's mail; the runner reports each
    failure in one line. The worker's own messages (papermill's warnings, through ``sys.stderr``)
    still reach the run's standard error, except under ``quiet``."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    if not quiet:
        stream = sys.stderr
        sys.stderr = open(os.dup(2), "w", buffering=1, encoding=stream.encoding, errors=stream.errors)  # noqa: SIM115
    os.dup2(devnull, 2)
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    tempfile.tempdir = None  # forked with the runner's choice cached: look at $TMPDIR again
    logging.getLogger("papermill").addFilter(_not_reported_by_the_runner)
    _end_with_runner(runner)


def _not_reported_by_the_runner(record: logging.LogRecord) -> bool:
    # nbclient logs a dead kernel or a timeout before raising it; the runner reports it, with the cell.
    # (and a kernel that died at start, which is started again, and said so)
    return not str(record.msg).startswith(
        (
            "Kernel died while waiting",
            "Timeout waiting for execute reply",
            "Error occurred while starting new kernel client",
        )
    )


_PR_SET_PDEATHSIG = 1


def _end_with_runner(runner: int) -> None:
    """Linux: have the system send this worker SIGTERM when the runner dies, even by SIGKILL.

    An orphaned worker would run on and hold the output's lock (its file is inherited across
    fork), so the next run would wait for it for ever. On SIGTERM the worker's kernel is stopped
    (by nbclient's own handler while a notebook runs, else on the way out) and the worker exits.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != runner:  # the runner died before prctl took effect
        os._exit(1)


def _stop_worker(*_) -> None:
    # nbclient's polling tasks, cut short, would log their tracebacks on the way out: the run
    # was stopped on purpose, and the runner says so.
    logging.getLogger("asyncio").disabled = True
    sys.exit(1)


def _call(job: Job, out_dir: Path, html: bool, timeout: int | None, memory: int | None):
    try:
        return run_job(job, out_dir, html=html, timeout=timeout, memory=memory)
    except NotebookFailed as err:
        return err
    except SystemExit:
        # SIGTERM (_stop_worker), the kernel already stopped on the way here: end the process, not
        # only the job, or the executor would wait for the next job (for ever if the runner is gone).
        os._exit(1)


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


class Pool:
    """``workers`` processes running jobs; results come back through :meth:`results` as they finish.

    ``html``: the jobs write HTML, so the exporter is made before the workers are forked.
    ``quiet``: the workers' standard error goes nowhere, as their kernels' always does (see
    :func:`_worker_init`).

    Use as a context manager: leaving it (also by an exception or Ctrl-C) stops the workers,
    and their kernels with them, before it returns. A worker that dies (killed, out of memory)
    fails its job with a message instead of leaving the run waiting for it.
    """

    def __init__(self, workers: int, *, html: bool = True, quiet: bool = False):
        self.workers = max(1, workers)
        self.html = html
        self.quiet = quiet
        self._executor = None
        self._futures: dict = {}

    def __enter__(self) -> Pool:
        from concurrent.futures import ProcessPoolExecutor

        # Imported here, before the fork: every worker shares this one import (and exporter).
        import_papermill()
        if self.html:
            from .html import exporter

            exporter()
        self._executor = ProcessPoolExecutor(
            self.workers, mp_context=_context(), initializer=_worker_init, initargs=(os.getpid(), self.quiet)
        )
        return self

    def submit(
        self,
        job: Job,
        out_dir: Path,
        *,
        html: bool = True,
        timeout: int | None = None,
        memory: int | None = None,
    ) -> None:
        """Queue ``job``; jobs start in the order submitted."""
        from .publish import signals_held

        # The first submit forks the workers. A Ctrl-C or SIGTERM handled while os.fork() runs
        # Python's at-fork callbacks (logging's lock) raises KeyboardInterrupt inside one, where
        # Python prints it as "Exception ignored" and goes on: the run would publish anyway. Held
        # back during the fork, it is delivered here once the workers are started.
        with signals_held():
            future = self._executor.submit(_call, job, out_dir, html, timeout, memory)
        self._futures[future] = job

    def results(self):
        """Yield :class:`Done` or :class:`NotebookFailed` for each job, as each finishes."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        for future in as_completed(list(self._futures)):
            job = self._futures.pop(future)
            try:
                yield future.result()
            except BrokenProcessPool:
                yield NotebookFailed(
                    job.describe(), "", "stopped: a worker process died (killed, or out of memory?)"
                )

    def __exit__(self, exc_type, exc, tb) -> None:
        executor = self._executor
        if exc_type is None:
            executor.shutdown(wait=True)
            return
        # Stopped early (Ctrl-C, SIGTERM, an error here): drop the queued jobs; SIGTERM the
        # workers, each of which shuts its kernel down on the way out; wait for them.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(30)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_kernel_memory(jobs: int) -> int | None:
    """Address space each of ``jobs`` kernels may use by default: three quarters of the machine's
    memory shared between them, but never below 4 GiB (a kernel reserves address space it never
    touches); None where the memory size is not known."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    return max(total * 3 // 4 // max(1, jobs), 4 * 2**30)
