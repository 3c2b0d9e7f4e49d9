"""Build somewhere else, then put the result in place at once: a failed run loses nothing.

For an output directory ``reports/``:

- ``.reports.lock`` (beside it) is held for the whole run, so two runs on the same directory
  take turns instead of mixing their files;
- the run builds into ``.reports.build-XXXX/`` beside it (same file system, so a rename can
  publish it);
- :meth:`Staging.publish` swaps the new directory with the old one in one step (Linux
  ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, with the old tree kept as
  ``.reports.old-XXXX`` until the new one is in place), then deletes the old tree; Ctrl-C and
  SIGTERM wait until the swap is done, so ``reports/`` is always the old site or the new one;
- a run that fails or is interrupted removes its build directory; one killed outright leaves
  it, and the next run, holding the lock, removes it (and restores ``reports/`` from a
  ``.reports.old-XXXX`` if a kill fell between the two renames).

Each build and old directory holds :data:`RUN_MARKER` (written first, removed from a build
directory just before it is published), and the lock file holds :data:`LOCK_TEXT`: recovery and
clean-up remove only directories so marked (or a leftover that is wholly a site or a directory of
charts this command wrote), and the lock file only if it holds that text. A user's own
``.reports.old-backup`` is never touched.

An output given through a symbolic link is published into the directory the link points to:
the lock, the build directory and the swap are all on the resolved path.

:func:`check_destinations` says where a run may publish, before anything runs (the rule is in its
docstring): it replaces only a site it published itself, or an empty or missing directory, and
never one that overlaps the data or the notebooks. :func:`stage_charts` builds the new
``--figures`` directory (the old charts kept, the new ones written) in a :class:`Staging` of its
own, and :func:`publish_together` swaps the site and the charts in together: a run that cannot
write every chart changes neither.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from pathlib import Path

from .. import chart_signature
from ..errors import Error

try:
    import fcntl
except ImportError:  # Windows: runs are not serialised
    fcntl = None


class OutputError(OSError):
    """The output directory cannot be created or written; the message names it and why.

    ``published`` is True when the site was already in place (only copying the charts failed).
    """

    published = False


def check_writable(directory: str | os.PathLike) -> None:
    """Raise :class:`OutputError` unless ``directory`` exists as a writable directory or could
    be created (its nearest existing ancestor is a writable directory). Creates nothing."""
    path = Path(directory).absolute()
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(errno.ENOTDIR, f"cannot write to {path}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(errno.EACCES, f"cannot write to {path}: {probe} is not writable")


class UnsafeOutput(Error):
    """``--output`` or ``--figures`` names a directory the run may not replace or write into (it
    holds other files, or overlaps the data or the notebooks); the message says which and why.
    Raised before anything is run or written."""


#: What a site's ``figures/`` and a ``--figures`` directory may hold: the charts the notebooks save,
#: recognised by the signature they carry (:mod:`linyi_analysis.chart_signature`), not their suffix.
CHART_SUFFIXES = chart_signature.CHART_SUFFIXES
#: Every page of a site carries this meta (the SHA-256 of the data it was made from).
_PAGE_STAMP = re.compile(rb"<meta\b[^>]*\bname=[\"']?linyi-data-sha256\b")


def check_destinations(
    output: str | os.PathLike,
    figures: str | os.PathLike | None,
    inputs: dict[str, str | os.PathLike],
) -> tuple[Path, Path | None]:
    """Where a run may write; return ``output`` and ``figures`` resolved (symbolic links followed).

    The rule (anything else is :class:`UnsafeOutput`, before a kernel starts, nothing touched):

    - ``output`` and ``figures`` may not equal, contain or lie inside one another, any of the
      ``inputs`` (``{"the data directory": path, …}``), or the current directory (``--output ''``
      and ``--output .`` are the current directory); nor be the root of the file system;
    - an existing ``output`` directory is replaced only if it is empty or a site this command
      published: every entry is a page carrying the ``linyi-data-sha256`` meta, an executed
      notebook carrying ``linyi_report`` metadata, or ``figures/`` holding only charts, and there
      is at least one page or notebook (sites built by earlier versions since that stamp qualify);
    - an existing ``figures`` directory may hold only chart files (``.png``, ``.svg``).
    """
    out = _resolved(output, "--output")
    fig = _resolved(figures, "--figures") if figures is not None else None
    cwd = Path.cwd().resolve()
    named = {"--output": (output, out)}
    if fig is not None:
        named["--figures"] = (figures, fig)
    for option, (given, path) in named.items():
        shown = f"{option} {str(given)!r}" + (f" ({path})" if str(path) != str(given) else "")
        if path == Path(path.anchor):
            raise UnsafeOutput(f"{shown} is the root of the file system")
        if cwd == path or cwd.is_relative_to(path):
            where = "is" if cwd == path else "contains"
            raise UnsafeOutput(f"{shown} {where} the current directory ({cwd}): it would be replaced")
        others = dict(inputs)
        if option == "--figures":
            others["the --output directory"] = out
        for what, other in others.items():
            relation = _overlap(path, Path(other).resolve())
            if relation:
                raise UnsafeOutput(f"{shown} {relation} {what} ({Path(other).resolve()})")
    if out.is_dir():
        strangers = _not_site_entries(out)
        if strangers:
            raise UnsafeOutput(
                f"--output {str(output)!r}: {out} holds files linyi-report did not write "
                f"({_listed(strangers)}); it replaces only a site it published itself, or an empty "
                "directory: choose another directory, or empty this one first"
            )
    if fig is not None and fig.is_dir():
        strangers = [p.name for p in sorted(fig.iterdir()) if not _is_chart(p)]
        if strangers:
            raise UnsafeOutput(
                f"--figures {str(figures)!r}: {fig} holds files other than charts linyi-report wrote "
                f"({_listed(strangers)}); the charts go only into a directory of its charts, or an empty one"
            )
    return out, fig


def _resolved(path: str | os.PathLike, option: str) -> Path:
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError) as err:  # a symbolic link loop
        raise UnsafeOutput(f"{option} {str(path)!r} cannot be resolved: {err}") from None


def _overlap(path: Path, other: Path) -> str:
    if path == other:
        return "is"
    if other.is_relative_to(path):
        return "contains"
    if path.is_relative_to(other):
        return "lies inside"
    return ""


def _listed(names: list[str], most: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _is_chart(path: Path) -> bool:
    """A chart file this package wrote (its signature inside): any other file is the user's."""
    return chart_signature.is_package_chart(path)


def _not_site_entries(directory: Path) -> list[str]:
    """The entries of ``directory`` that are not part of a site this command published (all of
    them if none is a page or notebook of one); empty for an empty directory."""
    entries = sorted(directory.iterdir())
    strangers, pages = [], 0
    for entry in entries:
        if entry.is_symlink():
            strangers.append(entry.name)
        elif entry.name == "figures" and entry.is_dir():
            strangers += [f"figures/{p.name}" for p in sorted(entry.iterdir()) if not _is_chart(p)]
        elif _is_stamped(entry):
            pages += 1
        else:
            strangers.append(entry.name)
    if entries and not pages and not strangers:
        strangers = [p.name for p in entries]
    return strangers


def _is_stamped(path: Path) -> bool:
    """A page (``.html``) or executed notebook (``.ipynb``) this command wrote: it names its data."""
    if not path.is_file() or path.suffix not in (".html", ".ipynb"):
        return False
    try:
        data = path.read_bytes()
        if path.suffix == ".html":
            return _PAGE_STAMP.search(data) is not None
        import json

        return bool(json.loads(data)["metadata"]["linyi_report"]["data_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


class Busy(RuntimeError):
    """Another run holds the output directory's lock (raised only when not waiting)."""


def _side(output: Path, kind: str) -> str:
    return f".{output.name}.{kind}"


#: Written first into every build and old directory a run makes beside its output.
RUN_MARKER = ".linyi-report-run"
_RUN_MARKER_TEXT = "made by linyi-report; removed when its run ends\n"
#: What a lock file made by linyi-report holds.
LOCK_TEXT = "linyi-report lock\n"


def mark_run_made(directory: Path) -> None:
    """Write :data:`RUN_MARKER` into ``directory``, which this run has just made."""
    (directory / RUN_MARKER).write_text(_RUN_MARKER_TEXT, encoding="utf-8")


def _mkdtemp_marked(prefix: str, directory: Path) -> Path:
    """A new directory holding :data:`RUN_MARKER` (so a later run knows it may remove it)."""
    made = Path(tempfile.mkdtemp(prefix=prefix, dir=directory))
    mark_run_made(made)
    return made


def run_made(directory: Path) -> bool:
    """Whether ``directory`` holds :data:`RUN_MARKER` (a directory a run of this tool made)."""
    try:
        return (
            not directory.is_symlink()
            and (directory / RUN_MARKER).read_text(encoding="utf-8") == _RUN_MARKER_TEXT
        )
    except (OSError, UnicodeDecodeError):
        return False


def _published_leftover(directory: Path) -> bool:
    """A directory wholly a site this command published, or wholly charts it wrote (an old tree a
    kill left after the swap, when the marker was already removed)."""
    try:
        if directory.is_symlink() or not directory.is_dir():
            return False
        entries = list(directory.iterdir())
        if not entries:
            return False  # an empty directory of that name may be a user's: left alone
        if all(_is_chart(p) for p in entries):
            return True
        return not _not_site_entries(directory)
    except OSError:
        return False


class Staging:
    """The lock on ``output`` and a build directory beside it (a context manager).

    ``wait``: block until another run on the same output has finished (the default) or raise
    :class:`Busy`; ``on_wait`` is called once before blocking (to say so).
    """

    def __init__(self, output: str | os.PathLike, *, wait: bool = True, on_wait=None):
        self.output = Path(output).resolve()  # a symbolic link: its target is locked and replaced
        self.wait, self.on_wait = wait, on_wait
        self.build: Path | None = None
        self.published = False  # the build directory is in place of output
        self._lock = None
        self._lock_path: Path | None = None

    def __enter__(self) -> Staging:
        out = self.output
        if out.exists() and not out.is_dir():
            raise OutputError(errno.ENOTDIR, f"output {out} exists and is not a directory")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self._acquire()
        except OSError as err:
            raise OutputError(err.errno, f"cannot write to {out.parent}: {err.strerror or err}") from None
        try:
            self._recover()
            self.build = _mkdtemp_marked(_side(out, "build-"), out.parent)
            mode = stat.S_IMODE(out.stat().st_mode) if out.is_dir() else 0o777 & ~_umask()
            os.chmod(self.build, mode)
        except OSError as err:
            self._release()
            raise OutputError(err.errno, f"cannot write to {out.parent}: {err.strerror or err}") from None
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.build is not None and self.build.exists():
                shutil.rmtree(self.build, ignore_errors=True)
        finally:
            self._release()

    def publish(self) -> None:
        """Put the build directory in place of ``output`` (the old tree is deleted).

        SIGINT and SIGTERM arriving meanwhile take effect once the new tree is in place (and
        ``published`` is True): an interruption never leaves the output missing or half-swapped.
        """
        publish_together([self])

    def _swap(self):
        """Put the build directory in place of ``output``; return a function that undoes it
        (the build directory back where it was, ``output`` as before)."""
        out, new = self.output, self.build
        with contextlib.suppress(FileNotFoundError):
            (new / RUN_MARKER).unlink()  # the site (or the charts) must not carry it
        if not out.exists():
            os.rename(new, out)
            self.build, self.published = None, True

            def undo():
                os.rename(out, new)

        elif _exchange(new, out):
            self.build, self.published = new, True  # the exchange put the old tree there

            def undo():
                _exchange(new, out)

        else:
            old = _mkdtemp_marked(_side(out, "old-"), out.parent)
            os.rename(out, old / "tree")
            try:
                os.rename(new, out)
            except OSError:
                os.rename(old / "tree", out)
                shutil.rmtree(old)
                raise
            self.build, self.published = old, True  # __exit__ deletes the old tree if interrupted

            def undo():
                os.rename(out, new)
                os.rename(old / "tree", out)
                shutil.rmtree(old)

        def undone():
            undo()
            self.build, self.published = new, False
            with contextlib.suppress(OSError):
                (new / RUN_MARKER).write_text(_RUN_MARKER_TEXT, encoding="utf-8")

        return undone

    def _discard_old(self) -> None:
        if self.build is not None:
            shutil.rmtree(self.build)
        self.build = None

    def _acquire(self) -> None:
        """Hold ``.<output>.lock``: wait for (or refuse, see ``wait``) a run that holds it.

        The file is deleted when the run ends, so nothing is left behind; a run that got the lock
        on a file another run has just deleted sees that the path no longer names its file, and
        tries again.
        """
        path = self.output.parent / _side(self.output, "lock")
        while True:
            lock = open(path, "a")  # noqa: SIM115 (held for the whole run)
            if fcntl is None:
                self._lock = lock
                return
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not self.wait:
                    lock.close()
                    raise Busy(f"another run is writing {self.output}") from None
                if self.on_wait:
                    self.on_wait()
                    self.on_wait = None
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                same = os.stat(path).st_ino == os.fstat(lock.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._lock, self._lock_path = lock, path
                if os.fstat(lock.fileno()).st_size == 0:
                    lock.write(LOCK_TEXT)  # ours: removed when the run ends
                    lock.flush()
                return
            lock.close()

    def _release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                if self._lock_path.read_text(encoding="utf-8") == LOCK_TEXT:  # never a user's file
                    os.unlink(self._lock_path)  # while still holding it: see _acquire
            self._lock.close()
            self._lock = None

    def _recover(self) -> None:
        """Remove what killed runs of this tool left (only directories it marked, or wholly its
        own site or charts); restore ``output`` if a kill fell between two renames."""
        out = self.output
        for old in sorted(out.parent.glob(_side(out, "old-*"))):
            if not run_made(old):
                continue  # not ours (e.g. a user's .reports.old-backup)
            if not out.exists() and (old / "tree").is_dir():
                os.rename(old / "tree", out)
            shutil.rmtree(old, ignore_errors=True)
        for build in out.parent.glob(_side(out, "build-*")):
            if build.is_symlink():  # left by an earlier version that swapped a symlinked output
                build.unlink()  # the link only: its target is not touched
            elif run_made(build) or _published_leftover(build):
                shutil.rmtree(build, ignore_errors=True)


def publish_together(stages: list[Staging]) -> None:
    """Swap each stage's build directory into place, all or none.

    If one swap fails (e.g. the directory is a mount point), those already done are undone and
    the error raised: every output is as it was. SIGINT and SIGTERM wait until all are swapped.
    Then the old trees are deleted.
    """
    undo = []
    with signals_held():
        try:
            for stage in stages:
                undo.append(stage._swap())
        except OSError:
            for step in reversed(undo):
                step()
            raise
    for stage in stages:
        stage._discard_old()


@contextlib.contextmanager
def signals_held():
    """Hold SIGINT and SIGTERM back for the block, then deliver the first that came (main thread only:
    Python runs signal handlers there, whichever thread the system gave the signal to)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    saved = {s: signal.signal(s, lambda signum, _frame: received.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        if received:
            signal.raise_signal(received[0])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not available."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False  # the file system cannot exchange: the caller falls back to two renames
    raise OSError(err, f"cannot move {a} to {b}: {os.strerror(err)}")


def stage_charts(charts: list[Path], current: Path, build: Path) -> list[str]:
    """Fill ``build``, the next ``--figures`` directory: the charts of ``current`` kept, ``charts``
    written over those of the same name; return the names of the files new or changed.

    A chart whose bytes did not change is a hard link to the old file (no space used, its
    modification time kept). Nothing in ``current`` is touched: a full disk fails here, before
    anything is published.
    """
    new = {c.name: c for c in charts}
    old = {p.name: p for p in current.iterdir()} if current.is_dir() else {}
    written = []
    for name in sorted(set(old) | set(new)):
        dest = build / name
        if name in new:
            data = new[name].read_bytes()
            if name not in old or old[name].read_bytes() != data:
                dest.write_bytes(data)
                written.append(name)
                continue
        try:
            os.link(old[name], dest)
        except OSError:  # a file system without hard links
            shutil.copy2(old[name], dest)
    return written
