"""Running notebooks: one through papermill (:func:`run_job`), several at once (:class:`Pool`).

A job's kernel reads only its data (``LINYI_DATA_DIR``), starts in the job's directory, and runs
with an empty IPython profile of its own (``IPYTHONDIR``): a user's startup files cannot change
a page. Workers are forked once papermill and nbconvert are imported (paid once), and never write
to the run's standard error: the runner reports each failure in one line.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NotebookFailed
from ..resources import DATA_DIR_ENV

#: Seconds a kernel may take to start and answer (papermill's default is 60).
START_TIMEOUT = 300


@dataclass(frozen=True)
class Job:
    """One notebook to run: output stem ``name``, notebook file, parameters, page title, the
    data directory its kernel reads, and ``provenance`` (kept in the notebook's ``linyi_report``
    metadata: the key of the job, which names its data)."""

    name: str
    notebook: Path
    parameters: dict = field(default_factory=dict)
    title: str = ""
    data: Path | None = None
    provenance: dict = field(default_factory=dict)
    code: bool = False  # its page shows the code cells

    def describe(self) -> str:
        """``action_report.ipynb (action='medical')``: the notebook and its parameters, for messages."""
        shown = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items() if k != "figures_dir")
        return f"{self.notebook.name} ({shown})" if shown else self.notebook.name


def run_job(job: Job, out: Path, *, html: bool = True, timeout: int | None = None) -> float:
    """Execute ``job`` with papermill in ``out`` (its working directory); write ``<name>.ipynb``
    and, with ``html``, ``<name>.html`` there. Return the seconds it took.

    Raises :class:`~linyi_analysis.errors.NotebookFailed` naming the notebook, the cell and the error.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    # (the worker runs one job at a time: its environment is the job's, and its kernel inherits it)
    os.environ.update({DATA_DIR_ENV: str(job.data), "IPYTHONDIR": str(out / ".ipython"), "TMPDIR": str(out)})
    tempfile.tempdir = None  # (forked with the runner's choice cached) kernels' connection files go there too
    try:
        nb = papermill.execute_notebook(
            str(job.notebook),
            None,  # nothing written until the notebook has run through
            parameters=job.parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            start_timeout=START_TIMEOUT,
            cwd=str(out),
            shutdown_kernel="immediate",  # its work is done: no need to wait for a clean exit
            # the kernel's own log off: ipykernel warns about TCP on localhost
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as err:
        first = (err.source or "").strip().splitlines()[:1]
        where = f"cell [{err.exec_count}]" + (f" ({first[0]!r})" if first else "")
        raise NotebookFailed(f"{job.describe()} failed in {where}: {err.ename}: {err.evalue}") from None
    except Exception as err:  # a dead kernel, a timeout, a kernel that never started
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        why = {
            CellTimeoutError: f"a cell ran longer than the timeout ({timeout} s, --timeout); its kernel was stopped",
            DeadKernelError: "the kernel died (it exited, crashed or ran out of memory)",
        }.get(type(err)) or f"{type(err).__name__}: {(str(err).strip().splitlines() or [''])[0]}"
        raise NotebookFailed(f"{job.describe()} failed: {why}") from None
    for cell in nb.cells:  # what papermill makes differ from run to run, apart from its timings
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # (papermill gives it a random id)
    nb.metadata.papermill.update(input_path=job.notebook.name, output_path=f"{job.name}.ipynb")
    nb.metadata["linyi_report"] = dict(job.provenance)
    nbformat.write(nb, out / f"{job.name}.ipynb")
    if html:
        from .html import to_html

        (out / f"{job.name}.html").write_text(to_html(nb, job.title, code=job.code), encoding="utf-8")
    return time.perf_counter() - start


def _worker_init(runner: int) -> None:
    """In a worker: Ctrl-C is the runner's to handle; SIGTERM ends the worker through Python, so
    papermill stops its kernel on the way out; nothing reaches the run's standard error. A worker
    whose runner is gone (killed outright) exits, and its kernel with it (ipykernel exits when
    its parent does), instead of waiting for jobs for ever."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    def watch():
        while os.getppid() == runner:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _call(job: Job, out: Path, html: bool, timeout: int | None):
    try:
        return run_job(job, out, html=html, timeout=timeout)
    except NotebookFailed as err:
        return err
    except SystemExit:  # SIGTERM, the kernel stopped on the way here: end the worker, not only the job
        os._exit(1)


class Pool:
    """``workers`` processes running jobs (a context manager); leaving it by an exception or
    Ctrl-C stops the workers, and their kernels with them, before it returns.

    The workers are started on entry, before the runner takes the output's lock, so that they
    never hold a copy of it.
    """

    def __init__(self, workers: int, html: bool = True):
        self.workers, self.html = max(1, workers), html
        self._futures: dict = {}

    def __enter__(self) -> Pool:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Imported before the fork, once for every worker; without jsonschema's grammar for "iri"
        # formats, which no notebook schema uses (0.7-1.4 s: the full run's goal, 1.3 x its floor).
        if "jsonschema" not in sys.modules:
            sys.modules.setdefault("rfc3987_syntax", None)
        import papermill  # noqa: F401

        if self.html:
            from .html import exporter

            exporter(), exporter(code=True)
        context = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context(context),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        # With fork every worker starts at the first job. A Ctrl-C or SIGTERM handled during a
        # fork runs in an at-fork callback, where Python prints it and goes on: held back meanwhile.
        from .site import signals_held

        try:
            with signals_held():
                self._executor.submit(int).result()
        except BaseException:  # a signal held back meanwhile: no __exit__ will stop the workers
            self.stop()
            raise
        return self

    def submit(self, job: Job, out: Path, timeout: int | None) -> None:
        """Queue ``job`` (jobs start in the order submitted)."""
        self._futures[self._executor.submit(_call, job, out, self.html, timeout)] = job

    def results(self):
        """Yield (job, seconds or :class:`~linyi_analysis.errors.NotebookFailed`) as each finishes."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        for future in as_completed(list(self._futures)):
            job = self._futures.pop(future)
            try:
                yield job, future.result()
            except BrokenProcessPool:
                yield job, NotebookFailed(f"{job.describe()} failed: its worker process died (killed?)")

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None:
            self._executor.shutdown(wait=True)
        else:
            self.stop()

    def stop(self) -> None:
        """Drop the queued jobs; stop the workers, and their kernels, and wait for them."""
        executor = self._executor
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: the worker stops its kernel and exits
        for process in processes:
            process.join(30)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
