"""Hot statements: the few the desk runs most (a registration's, a new series',
the audit entry and the notice every change writes; an import runs thousands a
minute), written once in SQL that SQLite and PostgreSQL both speak and run on
the driver's own cursor, inside the session's transaction.

SQLAlchemy's statement machinery costs some 30 µs a statement on these
machines, several times what SQLite takes to run one of them; a registration
makes eight. Everything else goes through SQLAlchemy and its ORM.

Parameters are written ``:name``; a list value expands to one parameter per
item (for ``IN (:ids)``). Row locks (``FOR UPDATE``, ``FOR SHARE``...) are kept
on PostgreSQL and dropped on SQLite, where ``BEGIN IMMEDIATE`` already holds
the database for the writer.
Datetimes go in and come out as SQLAlchemy's SQLite dialect stores them, so
rows written here and rows written through the ORM are the same. Driver errors
are raised as SQLAlchemy's, so retries and error messages work unchanged.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_ROW_LOCK = re.compile(r" FOR (?:UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)\b")


def sqlite_time(value: datetime) -> str:
    """A naive datetime as the text SQLAlchemy's SQLite dialect stores
    (``%Y-%m-%d %H:%M:%S.%f``; isoformat writes the same, faster)."""
    return value.isoformat(" ", "microseconds")


def to_db_time(value: datetime, dialect: str) -> datetime | str:
    """A naive UTC datetime as the dialect's column takes it from the driver."""
    return sqlite_time(value) if dialect == "sqlite" else value


def from_db_time(value: datetime | str | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class HotSQL:
    """One statement. ``times`` names the result columns that hold datetimes."""

    def __init__(self, sql: str, *, times: Iterable[str] = ()) -> None:
        self.sql = " ".join(sql.split())
        self.times = frozenset(times)
        self._texts: dict[tuple, str] = {}
        self._shapes: dict[tuple, type] = {}

    def _text(self, dialect: str, lengths: tuple) -> str:
        key = (dialect, lengths)
        if key not in self._texts:
            sql = self.sql if dialect != "sqlite" else _ROW_LOCK.sub("", self.sql)
            expand = dict(lengths)

            def placeholder(match: re.Match) -> str:
                name = match.group(1)
                names = ([f"{name}_{i}" for i in range(expand[name])] if name in expand
                         else [name])
                if dialect == "sqlite":
                    return ", ".join(f":{n}" for n in names)
                return ", ".join(f"%({n})s" for n in names)

            if dialect != "sqlite":
                sql = sql.replace("%", "%%")
            self._texts[key] = _PARAM.sub(placeholder, sql)
        return self._texts[key]

    def _params(self, params: dict[str, Any], dialect: str) -> tuple[tuple, dict[str, Any]]:
        lengths = []
        flat: dict[str, Any] = {}
        for name, value in params.items():
            if isinstance(value, list | tuple):
                lengths.append((name, len(value)))
                flat.update((f"{name}_{i}", item) for i, item in enumerate(value))
            elif isinstance(value, datetime):
                flat[name] = to_db_time(value, dialect)
            elif isinstance(value, date) and dialect == "sqlite":
                flat[name] = value.isoformat()  # as SQLAlchemy's SQLite Date stores it
            else:
                flat[name] = value
        return tuple(lengths), flat

    def _cursor(self, session: Session):
        session.flush()  # pending ORM changes first: a driver statement cannot see them
        connection = transaction_connection(session)
        return connection, connection.connection.driver_connection.cursor()

    def rows(self, session: Session, **params: Any) -> list:
        """Run a query; rows come back as named tuples."""
        connection, cursor = self._cursor(session)
        dialect = connection.dialect.name
        lengths, flat = self._params(params, dialect)
        sql = self._text(dialect, lengths)
        try:
            cursor.execute(sql, flat)
            raw = cursor.fetchall()
            names = tuple(d[0] for d in cursor.description)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(sql, flat, exc, connection) from exc
        finally:
            cursor.close()
        shape = self._shapes.get(names)
        if shape is None:
            shape = self._shapes[names] = namedtuple("Row", names)  # noqa: PYI024
        timed = [i for i, n in enumerate(names) if n in self.times]
        if timed and dialect == "sqlite":
            raw = [tuple(from_db_time(v) if i in timed else v for i, v in enumerate(r))
                   for r in raw]
        return [shape._make(r) for r in raw]

    def first(self, session: Session, **params: Any):
        found = self.rows(session, **params)
        return found[0] if found else None

    def run(self, session: Session, **params: Any) -> None:
        """Run a statement that returns nothing."""
        self.run_many(session, [params])

    def run_many(self, session: Session, params: Sequence[dict[str, Any]]) -> None:
        """Run a statement once per parameter set (no list values)."""
        if not params:
            return
        connection, cursor = self._cursor(session)
        dialect = connection.dialect.name
        flat = [self._params(p, dialect)[1] for p in params]
        sql = self._text(dialect, ())
        try:
            cursor.executemany(sql, flat)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(sql, flat, exc, connection) from exc
        finally:
            cursor.close()


def transaction_connection(session: Session):
    """The session's connection, looked up once per transaction (the session's
    own lookup costs more than a statement on SQLite; an import makes tens of
    thousands)."""
    root = session.get_transaction()
    known = session.info.get("hot_connection")
    if known is not None and known[0] is root:
        return known[1]
    connection = session.connection()
    session.info["hot_connection"] = (session.get_transaction(), connection)
    return connection


class RowSavepoint:
    """A savepoint taken on the driver, for work made of hot statements only (a
    row of an import): the same SQL SQLAlchemy's ``begin_nested`` sends, at a
    tenth of its cost. The caller drops whatever it remembers of the
    transaction when it rolls one back (no ORM state is involved)."""

    NAME = "hot_row"

    def __init__(self, session: Session) -> None:
        session.flush()
        self._connection = transaction_connection(session)
        self._run(f"SAVEPOINT {self.NAME}")

    def _run(self, sql: str) -> None:
        cursor = self._connection.connection.driver_connection.cursor()
        try:
            cursor.execute(sql)
        except self._connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(sql, (), exc, self._connection) from exc
        finally:
            cursor.close()

    def release(self) -> None:
        self._run(f"RELEASE SAVEPOINT {self.NAME}")

    def rollback(self) -> None:
        self._run(f"ROLLBACK TO SAVEPOINT {self.NAME}")
        self._run(f"RELEASE SAVEPOINT {self.NAME}")


def sqlite_executemany(session: Session, sql: str, rows: Sequence[tuple]) -> None:
    """Bulk rows already in SQLite's driver form (``?`` parameters, text
    datetimes): one executemany, no per-value work at all."""
    session.flush()
    connection = session.connection()
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(sql, rows[:10], exc, connection) from exc
    finally:
        cursor.close()


def _wrapped(sql: str, params: Any, exc: Exception, connection) -> BaseException:
    return DBAPIError.instance(sql, params, exc, connection.dialect.loaded_dbapi.Error,
                               dialect=connection.dialect)
