"""What the interop modules share: the progress callback, writing a file
safely, and a few checks on paths the user names."""

from __future__ import annotations

import os
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
    target = Path(path).expanduser()
    if target.is_dir():
        raise DeskError("invalid_path", f"{target} is a folder; name a file to write.")
    if not target.parent.exists():
        raise DeskError("invalid_path", f"The folder {target.parent} does not exist.")
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise DeskError("write_failed", f"Cannot write {target}: {exc.strerror or exc}.") from None
    return target


def read_input(path: str | os.PathLike, *, limit: int = 200 * 1024 * 1024) -> bytes:
    """The bytes of a file the user names, with a readable error when it cannot be read."""
    source = Path(path).expanduser()
    try:
        if source.is_dir():
            raise DeskError("invalid_path", f"{source} is a folder, not a file.")
        if source.stat().st_size > limit:
            raise DeskError("file_too_large", f"{source} is larger than {limit // 2**20} MB.")
        return source.read_bytes()
    except FileNotFoundError:
        raise DeskError("not_found", f"There is no file {source}.") from None
    except OSError as exc:
        raise DeskError("read_failed", f"Cannot read {source}: {exc.strerror or exc}.") from None
