"""Statements written once in SQL that SQLite and PostgreSQL both speak, run on
the driver's own cursor: inside an ORM session's transaction (the hot writes,
``store/hot.py``) or on a :class:`Reader`, a read transaction on a plain DB-API
connection (the lists the CLI and the desk show).

This module imports neither SQLAlchemy nor SQLModel: a read command that only
runs statements from here starts without loading the ORM, which costs more
than everything else such a command does.

Parameters are written ``:name``; a list value is for ``IN (:ids)``: on SQLite
it expands to one parameter per item, on PostgreSQL it is one array
(``= ANY(...)``), so the statement's text does not change with the list's
length. Row locks (``FOR UPDATE``, ``FOR SHARE``...) are kept on PostgreSQL
and dropped on SQLite, where ``BEGIN IMMEDIATE`` already holds
the database for the writer. Datetimes go in and come out as SQLAlchemy's
SQLite dialect stores them, so rows written here and rows written through the
ORM are the same.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

LONG_SESSION = {"sqlite": "julianday(end_utc) - julianday(start_utc) > 1",
                "postgresql": "end_utc - start_utc > interval '1 day'"}
"""An occurrence that lasts more than a day, in each dialect's words: the
predicate of the partial index ``ix_occurrence_long`` (schema 7). A query
names it in the same words, so the planner picks that index."""

_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_IN_LIST = re.compile(r"\bIN \(:(\w+)\)")
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


class Reader:
    """A read transaction on a DB-API connection (sqlite3 or psycopg), from
    :meth:`Store.query <schedtui.store.engine.Store.query>`. Driver errors
    come out as the driver raises them; the services' ``transaction``
    decorator turns them into the desk's errors."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self.connection = connection
        self.dialect = dialect
        """``sqlite`` or ``postgresql``."""


class SQL:
    """One statement. ``times`` names the result columns that hold datetimes.
    It runs on a :class:`Reader` or inside an ORM session's transaction."""

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
                # One array parameter: the same text (prepared once, parsed once by
                # the driver) however many items the list has.
                sql = _IN_LIST.sub(lambda m: f"= ANY(%({m.group(1)})s)"
                                   if m.group(1) in expand else m.group(0), sql)
            self._texts[key] = _PARAM.sub(placeholder, sql)
        return self._texts[key]

    def _params(self, params: dict[str, Any], dialect: str) -> tuple[tuple, dict[str, Any]]:
        lengths = []
        flat: dict[str, Any] = {}
        for name, value in params.items():
            if isinstance(value, list | tuple):
                if dialect == "sqlite":
                    lengths.append((name, len(value)))
                    flat.update((f"{name}_{i}", item) for i, item in enumerate(value))
                else:
                    lengths.append((name, 0))
                    flat[name] = list(value)
            elif isinstance(value, datetime):
                flat[name] = to_db_time(value, dialect)
            elif isinstance(value, date) and dialect == "sqlite":
                flat[name] = value.isoformat()  # as SQLAlchemy's SQLite Date stores it
            else:
                flat[name] = value
        return tuple(lengths), flat

    def rows(self, target: Any, **params: Any) -> list:
        """Run a query on a :class:`Reader` or an ORM session; rows come back as
        named tuples."""
        with _Run(target) as run:
            dialect = run.dialect
            lengths, flat = self._params(params, dialect)
            run.execute(self._text(dialect, lengths), flat)
            raw = run.cursor.fetchall()
            names = tuple(d[0] for d in run.cursor.description)
        shape = self._shapes.get(names)
        if shape is None:
            shape = self._shapes[names] = namedtuple("Row", names)  # noqa: PYI024
        timed = [i for i, n in enumerate(names) if n in self.times]
        if timed and dialect == "sqlite":
            raw = [tuple(from_db_time(v) if i in timed else v for i, v in enumerate(r))
                   for r in raw]
        return [shape._make(r) for r in raw]

    def first(self, target: Any, **params: Any):
        found = self.rows(target, **params)
        return found[0] if found else None

    def run(self, target: Any, **params: Any) -> None:
        """Run a statement that returns nothing."""
        self.run_many(target, [params])

    def run_many(self, target: Any, params: Sequence[dict[str, Any]]) -> None:
        """Run a statement once per parameter set (no list values)."""
        if not params:
            return
        with _Run(target) as run:
            flat = [self._params(p, run.dialect)[1] for p in params]
            run.execute(self._text(run.dialect, ()), flat, many=True)


def transaction_connection(session: Any):
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


class _Run:
    """A driver cursor for one statement: a Reader's, or the connection of an
    ORM session (flushed first: a driver statement cannot see pending changes)."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.connection: Any = None

    def __enter__(self) -> _Run:
        target = self.target
        if isinstance(target, Reader):
            self.dialect = target.dialect
            self.cursor = target.connection.cursor()
            return self
        target.flush()
        self.connection = connection = transaction_connection(target)
        self.dialect = connection.dialect.name
        self.cursor = connection.connection.driver_connection.cursor()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()

    def execute(self, sql: str, params: Any, *, many: bool = False) -> None:
        run = self.cursor.executemany if many else self.cursor.execute
        if self.connection is None:
            run(sql, params)
            return
        errors = self.connection.dialect.loaded_dbapi.Error
        try:
            run(sql, params)
        except errors as exc:
            # raised as SQLAlchemy's inside a session, so retries and messages work unchanged
            from sqlalchemy.exc import DBAPIError

            raise DBAPIError.instance(sql, params[:10] if many else params, exc, errors,
                                      dialect=self.connection.dialect) from exc
