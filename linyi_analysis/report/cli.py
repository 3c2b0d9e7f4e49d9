"""The ``linyi-report`` command (also ``python -m linyi_analysis.report``).

Exit status: 0 built; 1 bad data, a data file that cannot be copied, a notebook failed, the
output cannot be written or a notebook is missing; 2 bad usage (e.g. an unknown action, a bad
option value, an output the run may not replace); 75 another run holds the output
(with ``--no-wait``); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). In every case but 0 the output directory is as it was.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
from pathlib import Path

from ..errors import DataValidationError
from .build import BuildFailed, DataCopyError, InterruptedAfterPublishing, Options, build
from .execute import default_jobs, default_kernel_memory
from .parameters import ParameterError
from .publish import Busy, OutputError, UnsafeOutput
from .store import NotAStore

PROG = "linyi-report"
EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 1, 2, 75
#: Environment variable giving the default of ``--kernel-memory``.
KERNEL_MEMORY_ENV = "LINYI_KERNEL_MEMORY"


class _Parser(argparse.ArgumentParser):
    """argparse, but under ``--quiet`` a usage error is one line (no usage block): cron mails it."""

    quiet = False

    def error(self, message: str):
        if self.quiet:
            self.exit(EXIT_USAGE, f"{PROG}: error: {' '.join(message.split())}\n")
        super().error(message)


def parser(quiet: bool = False) -> argparse.ArgumentParser:
    """The command's arguments (``quiet``: usage errors in one line, see :class:`_Parser`)."""
    p = _Parser(
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
        help="site directory (default: reports). It is replaced only if it is missing, empty or a "
        "site linyi-report published; a symbolic link is followed. A directory that holds other "
        "files, or equals, contains or lies inside the data, the notebooks, --figures or the "
        "current directory, is refused (exit 2)",
    )
    p.add_argument(
        "--figures",
        type=Path,
        metavar="DIR",
        help="also put the charts (PNG and SVG) into DIR, replacing files of the same name, "
        "together with the site (they are always in OUTPUT/figures); DIR may hold only charts",
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
        type=_timeout,
        default=600,
        metavar="SECONDS",
        help="fail a notebook whose cell runs longer than this many seconds, a whole number of at "
        "least 1 (default: 600)",
    )
    p.add_argument(
        "--kernel-memory",
        type=_size,
        metavar="SIZE",
        help="address space each notebook's kernel may use, e.g. 4G or 1.5G (at least 1G), or 0 for no limit; a "
        "notebook that needs more fails (default: $LINYI_KERNEL_MEMORY, else three quarters of the "
        "machine's memory shared between the --jobs kernels, at least 4G)",
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
    p.quiet = quiet
    return p


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _timeout(text: str) -> int:
    """A whole number of seconds, at least 1 (nbclient takes whole seconds; 0 or less would mean
    no limit, which is not what a user asking for a timeout means)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 second: {text!r}")
    return value


_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
#: The least ``--kernel-memory``: a kernel that has imported the package, pandas and matplotlib
#: takes about 0.95 GB of address space (measured, RLIMIT_AS counts reserved space, not RAM);
#: below this every kernel fails at its imports instead of running a notebook.
MIN_KERNEL_MEMORY = 2**30


def _size(text: str) -> int:
    """A size in bytes from ``4G``, ``512M``, ``1.5g``, ``1000000``; 0 (or ``none``) is no limit."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text.lower())
    if text.strip().lower() == "none":
        return 0
    if not match:
        raise argparse.ArgumentTypeError(f"not a size such as 4G or 512M: {text!r}")
    value = int(float(match[1]) * _UNITS[match[2]])
    if 0 < value < MIN_KERNEL_MEMORY:
        raise argparse.ArgumentTypeError(
            f"too small for a kernel (at least 1G: a kernel takes about 0.95 GB of address space "
            f"once its imports are done): {text!r}"
        )
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
        elif event == "retried":
            self._say(f"{info['name']}: the kernel died before its first cell; started it again (once)")
        elif event == "done":
            self._say(f"[{info['finished']}/{info['total']}] {info['name']} ({info['seconds']:.1f} s)")
        elif event == "failed":
            self._say(f"[{info['finished']}/{info['total']}] FAILED {info['error']}")

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class _Bar(_Lines):
    """Progress on a terminal: a tqdm bar, with the finished lines above it."""

    def __init__(self, stream):
        super().__init__(stream)
        self.bar = None

    def __call__(self, event: str, **info) -> None:
        super().__call__(event, **info)
        if event == "start":
            from tqdm import tqdm

            self.bar = tqdm(total=info["total"], unit="notebook", file=self.stream, dynamic_ncols=True)
        elif event in ("done", "failed") and self.bar is not None:
            self.bar.update(1)

    def _say(self, text: str) -> None:
        if self.bar is None:
            super()._say(text)
        else:
            self.bar.write(text, file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def main(argv: list[str] | None = None) -> int:
    """Run the command; return its exit status."""
    given = sys.argv[1:] if argv is None else argv
    cli = parser(quiet="--quiet" in given)
    args = cli.parse_args(argv)
    memory = args.kernel_memory
    if memory is None and os.environ.get(KERNEL_MEMORY_ENV):
        try:
            memory = _size(os.environ[KERNEL_MEMORY_ENV])
        except argparse.ArgumentTypeError as err:
            cli.error(f"${KERNEL_MEMORY_ENV}: {err}")
    if memory is None:
        memory = default_kernel_memory(args.jobs or default_jobs())
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
        kernel_memory=memory or None,
        cache_dir=args.cache_dir,  # issue 12
        quiet=args.quiet,
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
        progress = _Bar(sys.stderr)
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
    except (ParameterError, UnsafeOutput, NotAStore) as err:
        refused = isinstance(err, (UnsafeOutput, NotAStore))
        failure = f"{err}; nothing was run" if refused else str(err), EXIT_USAGE
    except DataCopyError as err:
        failure = f"{err}; nothing was run and {unchanged}", EXIT_FAILED
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
        copying = f" and the charts in {args.figures}" if args.figures else ""
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
            print(f"updated {len(result.figures)} chart files in {result.figures_dir}")
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
