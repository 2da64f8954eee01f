"""Open only regular files: a FIFO, device or socket in an import folder must never hang s2ide.

`open()` on a FIFO blocks until a writer appears (forever, in an import), and reading a device
such as /dev/zero never ends. Every reader of untrusted files goes through `open_regular`:
stat first (following links, as the import would), then open non-blocking and check the
opened descriptor again, so swapping the file for a FIFO between the two cannot hang us either.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class NotRegularFileError(OSError):
    """The path is a FIFO, device, socket or folder: never opened for reading."""


def kind_of(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO (named pipe)", ...); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _refuse(path: Path, kind: str) -> NotRegularFileError:
    return NotRegularFileError(errno.EINVAL, f"{kind}, not a regular file", str(path))


def regular_file_problem(path: Path) -> str | None:
    """One line naming `path` and why it is not read (FIFO, device, socket, broken link), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"{path}: no such file (a broken link?)"
    except OSError as exc:
        return f"{path}: cannot read it ({exc.strerror or exc})"
    kind = kind_of(mode)
    return None if kind is None else f"{path}: {kind}, not a regular file"


def open_regular(path: Path) -> BinaryIO:
    """Open for reading in binary mode, or raise NotRegularFileError (an OSError) without blocking."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    kind = kind_of(mode)
    if kind is not None:
        raise _refuse(path, kind)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise _refuse(path, kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path) -> bytes:
    """All bytes of a regular file (see `open_regular`)."""
    with open_regular(path) as handle:
        return handle.read()
