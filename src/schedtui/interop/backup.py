"""A consistent copy of a live SQLite database, while desks keep working on it.

SQLite's online backup API (``sqlite3.Connection.backup``) copies the database
as one snapshot: committed data only, including what sits in the WAL file and
is not yet checkpointed, and never the half of a transaction another
connection holds open. The copy is written beside the target under a temporary
name, switched to a single self-contained file (journal mode DELETE), checked
(``PRAGMA quick_check`` and the schedtui marker) and only then moved into
place, so a failed backup never leaves a partial file where the backup should
be. A PostgreSQL store is refused with code ``unsupported``: ``pg_dump`` is the
tool for that.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from schedtui.domain.errors import DeskError
from schedtui.store import Store, migrate
from schedtui.store.engine import busy_timeout_ms, check_sqlite_file, resolve_url


@dataclass(frozen=True)
class BackupReport:
    source: str
    target: str
    bytes: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _source_url(store_or_db: Store | str | os.PathLike | None) -> URL:
    if isinstance(store_or_db, Store):
        return store_or_db.engine.url
    return resolve_url(store_or_db)


def backup(store_or_db: Store | str | os.PathLike | None, target: str | os.PathLike, *,
           force: bool = False) -> BackupReport:
    """Copy the database of ``store_or_db`` (an open store, a path or URL; None
    means ``SCHEDTUI_DB`` or the default file) to ``target``. An existing
    target is refused unless ``force``."""
    url = _source_url(store_or_db)
    if url.get_backend_name() != "sqlite":
        raise DeskError("unsupported", "This desk keeps its data on a PostgreSQL server; back "
                        "it up with pg_dump (for example: pg_dump --format=custom --file "
                        "schedtui.dump DBNAME) and restore with pg_restore.")
    if url.database in (None, "", ":memory:"):
        raise DeskError("unsupported", "An in-memory database cannot be backed up.")
    source = Path(url.database).expanduser()
    check_sqlite_file(source)  # refuses a name too long, a folder, another program's file
    if not source.exists():
        raise DeskError("not_found", f"There is no database at {source}.")
    if not str(target).strip():
        raise DeskError("invalid_path", "No file named: give the path of the backup file.")
    dest = Path(target).expanduser()
    try:
        return _backup(source, dest, force=force)
    except OSError as exc:  # the checks themselves: a name too long, a folder not entered
        raise DeskError("backup_failed", f"Cannot write {dest}: {exc.strerror or exc}.") \
            from None


def _backup(source: Path, dest: Path, *, force: bool) -> BackupReport:
    if dest.is_dir():
        raise DeskError("invalid_path", f"{dest} is a folder; name the backup file.")
    if not dest.parent.exists():
        raise DeskError("invalid_path", f"The folder {dest.parent} does not exist.")
    if dest.exists() and dest.resolve() == source.resolve():
        raise DeskError("invalid_path", "The backup cannot overwrite the database itself.")
    real = source.resolve()
    if dest.resolve() in {real.with_name(real.name + s) for s in ("-wal", "-shm", "-journal")}:
        raise DeskError("invalid_path", f"{dest} belongs to the database itself (its "
                        "write-ahead log, shared memory or journal); name another file.")
    if dest.exists() and not force:
        raise DeskError("file_exists", f"{dest} already exists; nothing was written. Choose "
                        "another name, or replace it with --force.")
    began = time.monotonic()
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp",
                                             dir=dest.parent)
    except OSError as exc:
        raise DeskError("backup_failed", f"Cannot write in {dest.parent}: "
                        f"{exc.strerror or exc}; nothing was written.") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        _copy(source, temp)
        os.replace(temp, dest)
    except sqlite3.Error as exc:
        raise DeskError("backup_failed", f"The backup failed ({exc}); nothing was written to "
                        f"{dest}.") from None
    except OSError as exc:
        raise DeskError("backup_failed", f"Cannot write {dest}: {exc.strerror or exc}.") from None
    finally:
        for leftover in (temp, Path(f"{temp}-journal"), Path(f"{temp}-wal"),
                         Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)
    return BackupReport(str(source), str(dest), dest.stat().st_size,
                        round(time.monotonic() - began, 3))


def _copy(source: Path, temp: Path) -> None:
    src = sqlite3.connect(source, timeout=busy_timeout_ms() / 1000)
    try:
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst)  # one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            marker = dst.execute(f"SELECT value FROM {migrate.META_TABLE} WHERE key = 'app'"
                                 ).fetchone()
            if check != "ok" or not marker or marker[0] != migrate.APP_NAME:
                raise sqlite3.DatabaseError(f"the copy did not verify ({check})")
        finally:
            dst.close()
    finally:
        src.close()
