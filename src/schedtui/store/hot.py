"""Hot statements: the few the desk runs most (a registration's, a new series',
the audit entry and the notice every change writes; an import runs thousands a
minute), written once in SQL that SQLite and PostgreSQL both speak and run on
the driver's own cursor, inside the session's transaction (the statement class
is :class:`schedtui.store.sql.SQL`, which the read queries use too).

SQLAlchemy's statement machinery costs some 30 µs a statement on these
machines, several times what SQLite takes to run one of them; a registration
makes eight. Everything else that writes goes through SQLAlchemy and its ORM.
Driver errors are raised as SQLAlchemy's, so retries and error messages work
unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from schedtui.store.sql import SQL as HotSQL
from schedtui.store.sql import from_db_time, sqlite_time, to_db_time, transaction_connection

__all__ = ["HotSQL", "RowSavepoint", "from_db_time", "driver_executemany", "sqlite_time",
           "to_db_time", "transaction_connection"]


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


def driver_executemany(session: Session, sql: str, rows: Sequence[tuple]) -> None:
    """Bulk rows already in the driver's form (``?`` parameters; datetimes as
    text on SQLite, as datetimes on PostgreSQL): one executemany on the driver,
    no per-value work at all (psycopg sends them in one pipeline)."""
    session.flush()
    connection = transaction_connection(session)
    if connection.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, rows[:10], exc, connection.dialect.loaded_dbapi.Error,
                                  dialect=connection.dialect) from exc
    finally:
        cursor.close()


def _wrapped(sql: str, params: object, exc: Exception, connection) -> BaseException:
    return DBAPIError.instance(sql, params, exc, connection.dialect.loaded_dbapi.Error,
                               dialect=connection.dialect)
