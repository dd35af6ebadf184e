"""What the interop modules share: the progress callback, writing a file
safely, and a few checks on paths the user names."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from schedtui.domain.errors import DeskError

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as work advances, so a worker can drive a bar."""


def tick(progress: Progress | None, done: int, total: int, *, every: int = 1) -> None:
    """Report progress every ``every`` items and at the end."""
    if progress is not None and (done == total or done % every == 0):
        progress(done, total)


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder,
    so a reader never sees half a file and a failure leaves no debris."""
    if not str(path).strip():
        raise DeskError("invalid_path", "No file named: give the path of the file to write.")
    target = Path(path).expanduser()
    try:
        return _write_atomically(target, data)
    except OSError as exc:  # the checks themselves: a name too long, a folder not entered
        raise DeskError("write_failed", f"Cannot write {target}: {exc.strerror or exc}.") from None


SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def _is_database(path: Path) -> bool:
    """A SQLite database file, or the write-ahead log, shared memory or journal
    beside one: an export must never land on the data itself."""
    for suffix in SQLITE_SIDECARS:
        if path.name.endswith(suffix) and path.name != suffix:
            return _is_database(path.with_name(path.name[: -len(suffix)]))
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _write_atomically(target: Path, data: bytes) -> Path:
    if target.is_dir():
        raise DeskError("invalid_path", f"{target} is a folder; name a file to write.")
    if _is_database(target):
        raise DeskError("invalid_path", f"{target} is a database file (or one of its "
                        "companion files); it was left untouched. Name another file.")
    if not target.parent.exists():
        raise DeskError("invalid_path", f"The folder {target.parent} does not exist.")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise DeskError("write_failed", f"Cannot write in {target.parent}: "
                        f"{exc.strerror or exc}.") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise DeskError("write_failed", f"Cannot write {target}: {exc.strerror or exc}.") from None
    return target


def read_input(path: str | os.PathLike, *, limit: int = 200 * 1024 * 1024) -> bytes:
    """The bytes of a file the user names, with a readable error when it cannot be
    read. Only a regular file is read (a device such as /dev/zero never ends, a
    pipe may never open), and never more than ``limit`` bytes, even from a file
    that grows while it is read."""
    source = Path(path).expanduser()
    if not str(path).strip():
        raise DeskError("invalid_path", "No file named: give the path of the file to read.")
    try:
        info = source.stat()
        if stat.S_ISDIR(info.st_mode):
            raise DeskError("invalid_path", f"{source} is a folder, not a file.")
        if not stat.S_ISREG(info.st_mode):
            raise DeskError("invalid_path", f"{source} is not a regular file (a device, pipe "
                            "or socket); save the data to a file and import that.")
        if info.st_size > limit:
            raise DeskError("file_too_large", f"{source} is larger than {limit // 2**20} MB.")
        with source.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise DeskError("not_found", f"There is no file {source}.") from None
    except OSError as exc:
        raise DeskError("read_failed", f"Cannot read {source}: {exc.strerror or exc}.") from None
    if len(data) > limit:
        raise DeskError("file_too_large", f"{source} is larger than {limit // 2**20} MB.")
    return data
