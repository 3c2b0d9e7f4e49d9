"""The ``linyi-report`` command (also ``python -m linyi_analysis.report``).

Exit status: 0 built; 1 bad data, a notebook failed, the output cannot be written or a
notebook is missing; 2 bad usage (e.g. an unknown action); 75 another run holds the output
(with ``--no-wait``); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). In every case but 0 the output directory is as it was.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from ..errors import DataValidationError
from .build import BuildFailed, InterruptedAfterPublishing, Options, build
from .execute import default_jobs
from .parameters import ParameterError
from .publish import Busy, OutputError

PROG = "linyi-report"
EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 1, 2, 75


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    p = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Run the overview notebook and one action_report notebook per action through papermill, "
            "and publish executed notebooks, HTML pages (code hidden), charts and an index.html. "
            "The site is built in a temporary directory beside the output and moved into place only "
            "when every notebook has run: a failed or interrupted run leaves the output as it was."
        ),
    )
    p.add_argument(
        "--action",
        action="append",
        metavar="ID",
        help="report on this action only (repeatable; default: every action). The overview is always built.",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="site directory (default: reports)",
    )
    p.add_argument(
        "--figures",
        type=Path,
        metavar="DIR",
        help="also copy the charts (PNG and SVG) into DIR, replacing files of the same name "
        "(they are always in OUTPUT/figures)",
    )
    p.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help=f"notebooks run at a time, one kernel each (default: the number of CPUs, here {default_jobs()})",
    )
    p.add_argument("--no-html", action="store_true", help="write executed notebooks only: no HTML, no index")
    p.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing on success (for cron); on failure, one line per failure on stderr",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="fail a notebook whose cell runs longer than this (default: 600)",
    )
    p.add_argument(
        "--notebooks",
        type=Path,
        metavar="DIR",
        help="run the notebooks in DIR (overview.ipynb, action_report.ipynb) instead of the shipped ones",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="read the tables from DIR (default: $LINYI_DATA_DIR, else the package's data)",
    )
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="if another run is writing the same output, stop (exit 75) instead of waiting for it",
    )
    # --- incremental runs (issue 12) ---
    p.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="the store of executed notebooks, pages and charts, by job key (default: "
        "$LINYI_CACHE_DIR/report-store, else $XDG_CACHE_HOME/linyi_analysis/report-store or ~/.cache/linyi_analysis/report-store)",
    )
    p.add_argument("--force", action="store_true", help="execute every notebook, even those in the store")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="list each notebook with 'reuse' or 'execute' and why; run and write nothing",
    )
    p.add_argument(
        "--changes",
        action="store_true",
        help="print what changed in the data since the last published run of OUTPUT; run nothing",
    )
    # ---
    return p


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


class _Lines:
    """Progress as one line per event (not a terminal)."""

    def __init__(self, stream):
        self.stream = stream

    def __call__(self, event: str, **info) -> None:
        if event == "waiting":
            self._say("waiting for another linyi-report run on the same output to finish")
        elif event == "start":
            self._say(f"running {info['total']} notebooks")
        elif event == "done":
            self._say(f"[{info['finished']}/{info['total']}] {info['name']} ({info['seconds']:.1f} s)")
        elif event == "failed":
            self._say(f"[{info['finished']}/{info['total']}] FAILED {info['error']}")

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class _Live(_Lines):
    """Progress on a terminal: one status line, redrawn every second, finished lines above it."""

    def __init__(self, stream):
        super().__init__(stream)
        self.total = self.finished = 0
        self.failed = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def __call__(self, event: str, **info) -> None:
        with self._lock:
            if event == "start":
                self.total = info["total"]
            elif event in ("done", "failed"):
                self.finished = info["finished"]
                self.failed += event == "failed"
                self._clear()
                super().__call__(event, **info)
            else:
                self._clear()
                super().__call__(event, **info)
            self._draw()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                self._draw()

    def _clear(self) -> None:
        self.stream.write("\r\033[K")

    def _draw(self) -> None:
        if not self.total:
            return
        width = 24
        filled = width * self.finished // self.total
        bar = "#" * filled + "-" * (width - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r\033[K[{bar}] {self.finished}/{self.total} notebooks{failed}  {elapsed:4.0f} s")
        self.stream.flush()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._clear()
            self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the command; return its exit status."""
    args = parser().parse_args(argv)
    options = Options(
        actions=args.action,
        output=args.output,
        figures_copy=args.figures,
        jobs=args.jobs,
        html=not args.no_html,
        timeout=args.timeout,
        notebooks=args.notebooks,
        data_dir=args.data_dir,
        wait=not args.no_wait,
        cache_dir=args.cache_dir,  # issue 12
        force=args.force,
        dry_run=args.dry_run,
    )
    if args.changes:  # issue 12
        return _print_changes(args)
    if args.quiet or args.dry_run:
        progress = None
        # issue 12: papermill's warnings (an unknown parameter, …) are not failures: not under --quiet
        logging.getLogger("papermill").setLevel(logging.ERROR)
    elif sys.stderr.isatty():
        progress = _Live(sys.stderr)
    else:
        progress = _Lines(sys.stderr)
    unchanged = f"{args.output} is unchanged"
    failure: tuple[str, int] | None = None
    failed: list = []  # the notebooks that failed (issue 12: --quiet prints one line each)
    received = [signal.SIGINT]

    def terminate(signum, _frame):  # SIGTERM as Ctrl-C: stop the workers, remove the build
        received[0] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        result = build(options, progress or (lambda event, **info: None))
    except ParameterError as err:
        failure = str(err), EXIT_USAGE
    except DataValidationError as err:
        failure = f"the data is not valid; nothing was run and {unchanged}.\n{err}", EXIT_FAILED
    except BuildFailed as err:
        failure = str(err), EXIT_FAILED
        failed = err.failures
    except Busy as err:
        failure = f"{err}; stopped (--no-wait), {unchanged}", EXIT_BUSY
    except OutputError as err:
        failure = (err.strerror if err.published else f"{err.strerror}; {unchanged}"), EXIT_FAILED
    except OSError as err:  # a notebook or the data not found or not readable
        failure = f"{err}; {unchanged}", EXIT_FAILED
    except InterruptedAfterPublishing:
        copying = f"; the charts may not all be copied to {args.figures}" if args.figures else ""
        failure = (
            f"interrupted once the new reports were in place in {args.output}{copying}",
            128 + received[0],
        )
    except KeyboardInterrupt:
        failure = f"interrupted; {unchanged}", 128 + received[0]
    finally:
        if progress is not None:
            progress.close()
    if failure is not None:
        # --quiet (issue 12): one line per failure (each notebook that failed), nothing else
        lines = _failure_lines(failure[0], failed) if args.quiet else [failure[0]]
        for line in lines:
            print(f"{PROG}: error: {line}", file=sys.stderr, flush=True)
        return failure[1]
    if args.dry_run:  # issue 12
        print("\n".join(result.plan_lines), flush=True)
        return 0
    if result.nothing_changed:  # issue 12
        if not args.quiet:
            print(
                f"nothing changed since the previous run ({result.previous}): "
                f"{result.output} is up to date; no notebook executed",
                flush=True,
            )
        return 0
    if not args.quiet:
        what = "executed notebooks" if args.no_html else "reports"
        print(
            f"wrote {len(result.reports)} {what} to {result.output} in {result.seconds:.1f} s "
            f"({len(result.executed)} executed, {len(result.reused)} reused from the store)",
            flush=True,
        )
        if not args.no_html:
            print(f"open {result.output / 'index.html'}")
        if result.figures:
            print(f"updated {len(result.figures)} chart files in {args.figures}")
    return 0


# --- incremental runs (issue 12) ---------------------------------------------------------------


def _failure_lines(message: str, failed: list) -> list[str]:
    """``--quiet``: one line per failed notebook, else the message on one line."""
    if failed:
        return [str(f).replace("\n", " ") for f in failed]
    return [" ".join(line.strip() for line in message.splitlines() if line.strip())]


def _print_changes(args) -> int:
    """``--changes``: what changed in the data since the last published run of ``--output``."""
    from ..plan import load_plan
    from .history import as_text
    from .incremental import changes_for

    try:
        plan = load_plan(args.data_dir)
    except DataValidationError as err:
        print(f"{PROG}: error: the data is not valid.\n{err}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(as_text(changes_for(args.output, plan)))
    return 0
