"""SQLite storage: one connection per live thread, WAL, ordered schema versions, short write transactions.

A thread's connection is closed once the thread has ended (swept whenever another thread opens one), so a
server that starts threads freely still holds at most one connection per thread that is alive."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from importlib import resources
from typing import Any, Iterator

BUSY_TIMEOUT_MS = 10_000


class Database:
    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self._close_for_ended_threads()
            # Autocommit mode: every write goes through transaction(), which says BEGIN IMMEDIATE itself.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections[threading.current_thread()] = conn
        return conn

    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def release(self) -> None:
        """Close the calling thread's connection, if it has one (for threads that end on purpose)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._lock:
                self._connections.pop(threading.current_thread(), None)
            conn.close()

    def _close_for_ended_threads(self) -> None:
        with self._lock:
            ended = [thread for thread in self._connections if not thread.is_alive()]
            closing = [self._connections.pop(thread) for thread in ended]
        for conn in closing:
            conn.close()

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self.connection().execute(sql, params).fetchone()

    def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the write lock up front, so read-modify-write cannot interleave."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def migrate(self) -> int:
        """Apply schema/NNNN_*.sql files above PRAGMA user_version, in order; returns the version reached."""
        conn = self.connection()
        scripts = sorted(
            (entry.name, entry.read_text(encoding="utf-8"))
            for entry in resources.files(__package__).joinpath("schema").iterdir()
            if entry.name.endswith(".sql")
        )
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for name, sql in scripts:
                number = int(name.split("_", 1)[0])
                if number <= version:
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                version = number
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return version

    def close(self) -> None:
        with self._lock:
            for conn in self._connections.values():
                conn.close()
            self._connections.clear()
        self._local = threading.local()


def _statements(sql: str) -> Iterator[str]:
    """Split a schema script into statements (executescript would commit our transaction)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        yield buffer
