"""Opening a store: where it lives, checking it is ours, connection set-up and
transactions.

SQLite: every connection has foreign keys on, WAL, a busy timeout; the pysqlite
driver's own transaction handling is switched off and the desk issues ``BEGIN``
itself (``BEGIN IMMEDIATE`` for writes), the recipe from SQLAlchemy's SQLite
dialect documentation. Without it a read-then-write transaction can interleave
with another process and oversell seats.

PostgreSQL: READ COMMITTED with explicit row locks taken by the services.
"""

from __future__ import annotations

import functools
import getpass
import os
import sqlite3
import sys
import threading
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from schedtui.domain.errors import DeskError
from schedtui.store import migrate
from schedtui.store.sql import Reader

if TYPE_CHECKING:  # SQLAlchemy and SQLModel load when a session is first needed
    from sqlalchemy.engine import URL, Connection, Engine
    from sqlmodel import Session

P = ParamSpec("P")
R = TypeVar("R")
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another writer's lock before ``database_busy``
(``SCHEDTUI_BUSY_TIMEOUT`` in seconds changes it)."""


def busy_timeout_ms() -> int:
    """BUSY_TIMEOUT_MS, or ``SCHEDTUI_BUSY_TIMEOUT`` (seconds, 0.1 to 3600) when set."""
    raw = os.environ.get("SCHEDTUI_BUSY_TIMEOUT", "").strip()
    if not raw:
        return BUSY_TIMEOUT_MS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0.1 <= seconds <= 3600:
        raise DeskError("invalid_value", f'SCHEDTUI_BUSY_TIMEOUT="{raw[:20]}" is not a number '
                        "of seconds from 0.1 to 3600.", field="SCHEDTUI_BUSY_TIMEOUT")
    return int(seconds * 1000)


def default_path() -> Path:
    """The default database file in the user's data folder."""
    from platformdirs import user_data_path

    return user_data_path("schedtui", appauthor=False) / "schedtui.db"


def resolve_url(db: str | os.PathLike | None) -> URL:
    """A SQLAlchemy URL from ``--db`` (a path or URL), ``SCHEDTUI_DB`` or the default."""
    from sqlalchemy.engine import make_url

    raw = _raw(db)
    if "://" not in raw:
        path = _sqlite_target(raw)
        return make_url(f"sqlite:///{path}" if path != ":memory:" else "sqlite://")
    try:
        url = make_url(raw)
    except Exception:
        raise DeskError("invalid_database", f'"{raw[:200]}" is not a database URL.') from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _raw(db: str | os.PathLike | None) -> str:
    """``--db``, ``SCHEDTUI_DB`` or empty (the default file), checked."""
    raw = os.fspath(db) if db is not None else os.environ.get("SCHEDTUI_DB") or ""
    if db is not None and not raw.strip():
        raise DeskError("invalid_database", "--db is empty: name a database file or URL.")
    if "\x00" in raw:
        raise DeskError("invalid_database", "The database path holds a NUL character.")
    return raw


def _sqlite_target(raw: str) -> Path | str | None:
    """The SQLite file a ``--db`` value names (``:memory:`` for a memory store),
    or None for a URL of another database. Reading it needs no SQLAlchemy."""
    if not raw:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
    if "://" in raw:
        scheme, _, rest = raw.partition("://")
        if scheme not in ("sqlite", "sqlite+pysqlite") or "?" in rest:
            return None
        if rest in ("", "/", "/:memory:"):
            return ":memory:"
        return Path(rest[1:]) if rest.startswith("/") else None
    if raw == ":memory:":
        return ":memory:"
    return Path(raw).expanduser()


def check_sqlite_file(path: Path) -> None:
    """Refuse, without touching it, a file that is not a schedtui database."""
    try:
        _check_sqlite_file(path)
    except OSError as exc:  # a name too long, a folder that cannot be entered...
        raise DeskError("invalid_database", f"Cannot use {str(path)[:200]} as a database: "
                        f"{exc.strerror or exc}.") from None


def _check_sqlite_file(path: Path) -> None:
    if not path.exists():
        if not path.parent.exists():
            raise DeskError("invalid_database", f"The folder {path.parent} does not exist.")
        return
    if path.is_dir():
        raise DeskError("invalid_database", f"{path} is a folder, not a database file.")
    if not path.is_file():
        raise DeskError("not_a_database", f"{path} is a device or a pipe, not a database "
                        "file; it was left untouched.")
    if path.stat().st_size == 0:
        raise DeskError("not_a_database", f"{path} is an empty file, not a schedtui database; "
                        "it was left untouched. Choose another path or remove the file.")
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != SQLITE_HEADER:
        raise DeskError("not_a_database", f"{path} is not a schedtui database (not a SQLite "
                        "file); it was left untouched.")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            names = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            app = None
            if migrate.META_TABLE in names:
                row = con.execute(f"SELECT value FROM {migrate.META_TABLE} WHERE key = 'app'"
                                  ).fetchone()
                app = row[0] if row else None
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DeskError("not_a_database", f"{path} cannot be read as a database ({exc}); it "
                        "was left untouched.") from None
    if app != migrate.APP_NAME:
        raise DeskError("not_a_database", f"{path} is a SQLite database of another program, "
                        "not a schedtui database; it was left untouched.")


READ_CACHE_KIB = 512
"""SQLite's page cache of a reading connection: the desk's workers hold several,
and a screen reads a few pages."""
WRITE_CACHE_KIB = 4096
"""The page cache of a writing connection (SQLite lets one write at a time):
bulk work (a batch of series, an import) rewrites the same index pages, and a
small cache makes it spill and read them back."""


def _configure_sqlite(engine: Engine, cache_kib: int, timeout_ms: int) -> None:
    from sqlalchemy import event
    from sqlalchemy.exc import DBAPIError

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        dbapi_connection.isolation_level = None  # the desk issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA cache_size = -{cache_kib}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # Straight to the driver: every transaction starts here, and going
        # through SQLAlchemy's statement machinery costs several times the BEGIN.
        write = connection.get_execution_options().get("schedtui_write", False)
        begin = "BEGIN IMMEDIATE" if write else "BEGIN"
        try:
            connection.connection.driver_connection.execute(begin)
        except sqlite3.Error as exc:  # busy: raised as SQLAlchemy's, so it is retried
            raise DBAPIError.instance(begin, (), exc, sqlite3.Error,
                                      dialect=connection.dialect) from exc


def _database_errors() -> tuple[type[BaseException], ...]:
    """What a database call can raise: the drivers' own errors (the read
    queries run on the driver) and SQLAlchemy's, for the libraries loaded."""
    found: list[type[BaseException]] = [sqlite3.Error]
    for module, name in (("sqlalchemy.exc", "DBAPIError"), ("psycopg", "Error")):
        if module in sys.modules:
            found.append(getattr(sys.modules[module], name))
    return tuple(found)


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own error: SQLAlchemy's wraps it as ``orig``."""
    return getattr(exc, "orig", None) or exc


def _connection_lost(exc: BaseException) -> bool:
    return (type(_driver_error(exc)).__name__ == "OperationalError"
            or getattr(exc, "connection_invalidated", False))


def _is_retryable(exc: BaseException) -> bool:
    """Lock contention that a fresh attempt resolves: SQLite busy, PG deadlock or
    serialization failure."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in ("40001", "40P01"):
        return True
    message = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in message or "database is busy" in message


def _is_damage(exc: BaseException) -> bool:
    """A table or column the schema promises is missing, or the file is corrupt."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in ("42P01", "42703"):  # undefined table / column
        return True
    message = str(getattr(exc, "orig", exc)).lower()
    return any(m in message for m in ("no such table", "no such column", "malformed",
                                      "not a database"))


ATTEMPTS = 8


def transaction(service: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service function (whose first argument is the Store and which
    runs its own transactions): lock contention (SQLite busy, a PostgreSQL
    deadlock or serialization failure) is retried from the start, and a lost
    connection becomes a clear ``database_unavailable`` error. Nothing is shown
    to the user unless every attempt failed, and then nothing was saved."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        # SQLite waits up to the busy timeout inside each attempt: once that much
        # time has passed, another attempt would only make the caller wait longer.
        deadline = _time.monotonic() + busy_timeout_ms() / 1000
        for attempt in range(ATTEMPTS):
            try:
                return service(*args, **kwargs)
            except Exception as exc:
                if not isinstance(exc, _database_errors()):
                    raise
                orig = _driver_error(exc)
                if _is_retryable(exc):
                    if attempt < ATTEMPTS - 1 and _time.monotonic() < deadline:
                        _time.sleep(0.02 * (2 ** attempt))
                        continue
                    raise DeskError("database_busy", "The database stayed busy with another "
                                    "writer (an import, another desk); nothing was saved. "
                                    "Try again.") from None
                if _is_damage(exc):
                    raise DeskError("damaged_database", "The database is damaged or was "
                                    f"changed by another program ({str(orig).strip()[:200]}"
                                    "); nothing was saved.") from None
                if getattr(orig, "sqlstate", None) == "22003":
                    raise DeskError("invalid_value", "A number is beyond what the database "
                                    "can hold; nothing was saved.") from None
                if _connection_lost(exc):
                    raise DeskError("database_unavailable", "The connection to the database "
                                    f"was lost ({str(orig).strip()[:200]}); nothing was "
                                    "saved. It reconnects on the next try.") from None
                raise
        raise AssertionError("unreachable")

    return run


class Store:
    """An open database: sessions for reading and writing, read transactions on
    the driver, the clock and the actor.

    SQLAlchemy's engines are made when first needed: a command that only runs
    the driver-level read queries (``store/sql.py``) on a SQLite file never
    loads SQLAlchemy or SQLModel, and reads through one plain sqlite3
    connection until then."""

    def __init__(self, make_engines: Callable[[], tuple[Engine, Engine | None]], *,
                 dialect: str, label: str, sqlite_file: Path | None = None,
                 timeout_ms: int = BUSY_TIMEOUT_MS,
                 clock: Callable[[], datetime] | None = None, actor: str | None = None) -> None:
        self._make_engines = make_engines
        self._engine: Engine | None = None
        self._writer_engine: Engine | None = None
        self._writer_options: Engine | None = None
        self.dialect = dialect
        """``sqlite`` or ``postgresql``."""
        self.is_sqlite = dialect == "sqlite"
        self._label = label
        self._sqlite_file = sqlite_file
        self._timeout_ms = timeout_ms
        self._plain: sqlite3.Connection | None = None
        self._plain_lock = threading.RLock()
        self._clock = clock
        self.actor = actor or os.environ.get("SCHEDTUI_ORGANIZER") or _os_user()
        self._shared: Connection | None = None
        """The connection of :meth:`one_transaction` while it runs."""

    @property
    def engine(self) -> Engine:
        """Reads (and writes too on a memory or PostgreSQL store)."""
        if self._engine is None:
            with self._plain_lock:
                if self._engine is None:
                    engine, writer = self._make_engines()
                    self._writer_engine = writer
                    self._writer_options = (writer or engine).execution_options(
                        schedtui_write=True)
                    self._engine = engine
                    self._close_plain()
        return self._engine

    @property
    def _writer(self) -> Engine:
        if self._writer_options is None:
            self.engine  # noqa: B018 - makes the engines
        assert self._writer_options is not None
        return self._writer_options

    # -- time ---------------------------------------------------------------
    def now(self) -> datetime:
        """The current time, aware UTC. ``SCHEDTUI_NOW`` fixes it (for tests and demos)."""
        if self._clock is not None:
            return self._clock()
        fixed = os.environ.get("SCHEDTUI_NOW")
        if fixed:
            return fixed_now(fixed)
        return datetime.now(UTC)

    def set_clock(self, clock: Callable[[], datetime] | None) -> None:
        self._clock = clock

    # -- transactions -------------------------------------------------------
    @contextmanager
    def query(self) -> Iterator[Reader]:
        """A read transaction on the driver, with one consistent snapshot, for
        the statements of ``store/sql.py``: a connection of the engine's pool
        once there is an engine, before that a plain sqlite3 connection. Inside
        :meth:`one_transaction`, the shared transaction's own connection, so a
        read sees what the block has written so far."""
        if self._shared is not None:
            yield Reader(self._shared.connection.driver_connection, self.dialect)
            return
        if self._engine is None and self._sqlite_file is not None:
            with self._plain_lock:
                if self._engine is None:
                    connection = self._plain_connection()
                    nested = connection.in_transaction
                    if not nested:
                        connection.execute("BEGIN")
                    try:
                        yield Reader(connection, "sqlite")
                    finally:
                        if not nested and connection.in_transaction:
                            connection.execute("ROLLBACK")
                    return
        raw = self.engine.raw_connection()
        connection = raw.driver_connection
        try:
            if self.is_sqlite:
                connection.execute("BEGIN")
            yield Reader(connection, self.dialect)
        except BaseException:
            if getattr(connection, "broken", False):  # PostgreSQL: the connection was lost
                raw.invalidate()
            raise
        finally:
            try:
                if not self.is_sqlite:
                    connection.rollback()
                elif connection.in_transaction:
                    connection.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - a lost connection: the pool drops it
                raw.invalidate()
            raw.close()

    def _plain_connection(self) -> sqlite3.Connection:
        if self._plain is None:
            connection = sqlite3.connect(self._sqlite_file, timeout=self._timeout_ms / 1000,
                                         isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {self._timeout_ms}")
            connection.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
            self._plain = connection
        return self._plain

    def _close_plain(self) -> None:
        if self._plain is not None:
            self._plain.close()
            self._plain = None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only ORM transaction with one consistent snapshot."""
        from sqlmodel import Session

        if self._shared is not None:
            with self._joined() as session:
                yield session
            return
        with Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite): committed when the
        block ends, rolled back if it raises."""
        from sqlmodel import Session

        if self._shared is not None:
            with self._joined() as session:
                yield session
            return
        with Session(self._writer, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def renew_readers(self) -> None:
        """Close the reading connections (after the schema was created or
        migrated, so none answers from what it cached of the old one); never
        the one connection of a memory store."""
        with self._plain_lock:
            self._close_plain()
        if self._writer_engine is not None and self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def _joined(self) -> Iterator[Session]:
        """Inside :meth:`one_transaction`: a savepoint of the shared transaction,
        released when the block ends, rolled back alone if it raises."""
        from sqlmodel import Session

        with Session(bind=self._shared, expire_on_commit=False,
                     join_transaction_mode="create_savepoint") as session:
            with session.begin():
                yield session

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """Run every read and write of the block in one write transaction,
        committed when the block ends and rolled back whole if it raises: each
        service call inside is a savepoint of it (an error of one call undoes
        only that call; the caller decides whether the whole goes on). Not
        nestable; for one thread."""
        if self._shared is not None:
            raise RuntimeError("one_transaction() does not nest")
        with self._writer.connect() as connection:
            outer = connection.begin()  # BEGIN IMMEDIATE on SQLite: the writer from here on
            self._shared = connection
            try:
                yield
            except BaseException:
                outer.rollback()
                raise
            else:
                outer.commit()
            finally:
                self._shared = None

    def dispose(self) -> None:
        with self._plain_lock:
            self._close_plain()
        if self._engine is not None:
            self._engine.dispose()
        if self._writer_engine is not None:
            self._writer_engine.dispose()

    @property
    def label(self) -> str:
        return self._label


@functools.lru_cache(maxsize=8)
def fixed_now(value: str) -> datetime:
    """``SCHEDTUI_NOW`` as an aware UTC moment, or a refusal naming it (read once
    per value: a bulk import asks for the time thousands of times)."""
    from schedtui.domain.parse import FIRST_DAY, LAST_DAY

    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise DeskError("invalid_value", f'SCHEDTUI_NOW="{value[:40]}" is not a date and time '
                        f"from {FIRST_DAY.year} to {LAST_DAY.year} (like "
                        "2025-01-06T09:00:00+00:00); unset it to use the clock.",
                        field="SCHEDTUI_NOW")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in a bare container
        return "organizer"


def open_store(db: str | os.PathLike | Store | None = None, *, create: bool = True,
               clock: Callable[[], datetime] | None = None, lazy: bool = False) -> Store:
    """Open (and create or migrate) the store named by ``db``, ``SCHEDTUI_DB`` or
    the default. ``lazy``: a SQLite file's SQLAlchemy engines are made only when
    a session is first needed (a one-shot command that may only read). A store
    given is returned as it is (a batch runs its commands on one store)."""
    if isinstance(db, Store):
        return db
    if clock is None and os.environ.get("SCHEDTUI_NOW"):
        fixed_now(os.environ["SCHEDTUI_NOW"])  # refused here, before anything is opened
    raw = _raw(db)
    target = _sqlite_target(raw)
    plain = target is not None  # a file sqlite3 can read as it is named
    if target is None and resolve_url(db).get_backend_name() == "sqlite":
        target = resolve_url(db).database or ":memory:"
    if target is not None:
        memory = target == ":memory:"
        if not memory:
            check_sqlite_file(Path(target))
        timeout_ms = busy_timeout_ms()

        def sqlite_engines() -> tuple[Engine, Engine | None]:
            from sqlalchemy.pool import StaticPool
            from sqlmodel import create_engine

            url = resolve_url(db)
            kwargs: dict[str, Any] = {"connect_args": {"timeout": timeout_ms / 1000,
                                                       "check_same_thread": False}}
            if memory:
                kwargs["poolclass"] = StaticPool
            engine = create_engine(url, **kwargs)
            _configure_sqlite(engine, READ_CACHE_KIB if not memory else WRITE_CACHE_KIB,
                              timeout_ms)
            writer = None
            if not memory:  # writing connections of their own, with a larger page cache
                writer = create_engine(url, **kwargs)
                _configure_sqlite(writer, WRITE_CACHE_KIB, timeout_ms)
            return engine, writer

        store = Store(sqlite_engines, dialect="sqlite",
                      label="sqlite://" if memory else f"sqlite:///{target}",
                      sqlite_file=Path(target) if plain and not memory else None,
                      timeout_ms=timeout_ms,
                      clock=clock)
        if memory or not lazy:
            store.engine  # noqa: B018 - made now
    else:
        url = resolve_url(db)
        backend = url.get_backend_name()
        if backend != "postgresql":
            raise DeskError("invalid_database", f"Unsupported database: {backend}. "
                            "Use a SQLite file or a postgresql+psycopg:// URL.")

        def pg_engines() -> tuple[Engine, Engine | None]:
            from sqlmodel import create_engine

            return create_engine(url, pool_pre_ping=True,
                                 isolation_level="READ COMMITTED"), None

        store = Store(pg_engines, dialect="postgresql",
                      label=url.render_as_string(hide_password=True), clock=clock)
        store.engine  # noqa: B018 - made now
    try:
        migrate.prepare(store, create=create)
    except DeskError:
        store.dispose()
        raise
    except Exception as exc:
        store.dispose()
        if not isinstance(exc, _database_errors()) or not _connection_lost(exc):
            raise
        orig = _driver_error(exc)
        if _is_retryable(exc):
            raise DeskError("database_busy", f"The database {store.label} is busy: another "
                            "program holds its write lock (an import, a migration); nothing "
                            "was changed. Try again.") from None
        if _is_damage(exc):
            raise DeskError("damaged_database", f"The database {store.label} is damaged "
                            f"({orig}); it was left untouched.") from None
        raise DeskError("database_unavailable",
                        f"Cannot open the database {store.label}: {orig}") from None
    return store
