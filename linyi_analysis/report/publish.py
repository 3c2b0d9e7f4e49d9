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

:func:`copy_files` puts files into a shared directory (``figures/``) one by one, each with an
atomic replace, leaving files it does not write alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import stat
import tempfile
import threading
from pathlib import Path

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


class Busy(RuntimeError):
    """Another run holds the output directory's lock (raised only when not waiting)."""


def _side(output: Path, kind: str) -> str:
    return f".{output.name}.{kind}"


class Staging:
    """The lock on ``output`` and a build directory beside it (a context manager).

    ``wait``: block until another run on the same output has finished (the default) or raise
    :class:`Busy`; ``on_wait`` is called once before blocking (to say so).
    """

    def __init__(self, output: str | os.PathLike, *, wait: bool = True, on_wait=None):
        self.output = Path(output).absolute()
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
            self.build = Path(tempfile.mkdtemp(prefix=_side(out, "build-"), dir=out.parent))
            os.chmod(self.build, 0o777 & ~_umask())
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
        out, new = self.output, self.build
        with _signals_held():
            if not out.exists():
                os.rename(new, out)
                old = None
            elif _exchange(new, out):
                old = new  # the exchange put the old tree there
            else:
                old = Path(tempfile.mkdtemp(prefix=_side(out, "old-"), dir=out.parent))
                os.rename(out, old / "tree")
                os.rename(new, out)
            self.build, self.published = old, True  # __exit__ deletes the old tree if interrupted
        if old is not None:
            shutil.rmtree(old)
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
                return
            lock.close()

    def _release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._lock_path)  # while still holding it: see _acquire
            self._lock.close()
            self._lock = None

    def _recover(self) -> None:
        """Remove what killed runs left; restore ``output`` if a kill fell between two renames."""
        out = self.output
        for old in sorted(out.parent.glob(_side(out, "old-*"))):
            if not out.exists() and (old / "tree").is_dir():
                os.rename(old / "tree", out)
            shutil.rmtree(old, ignore_errors=True)
        for build in out.parent.glob(_side(out, "build-*")):
            shutil.rmtree(build, ignore_errors=True)


@contextlib.contextmanager
def _signals_held():
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


def copy_files(files: list[Path], directory: str | os.PathLike) -> list[Path]:
    """Copy ``files`` into ``directory``, each replaced atomically and only if its bytes changed.

    Returns the paths written. Other files in ``directory`` are left as they are.
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(err.errno, f"cannot write to {directory}: {err.strerror or err}") from None
    written = []
    for src in files:
        dest = directory / src.name
        data = src.read_bytes()
        with contextlib.suppress(OSError):
            if dest.read_bytes() == data:
                continue
        fd, tmp = tempfile.mkstemp(prefix=f".{src.name}.", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, stat.S_IMODE(0o666 & ~_umask()))
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        written.append(dest)
    return written
