"""reference_portal.core.db: migrations by user_version, WAL, per-thread connections, BEGIN IMMEDIATE transactions."""

from __future__ import annotations

import sqlite3
import threading
from importlib import resources
from types import SimpleNamespace

import pytest

import reference_portal.core.db as db_module
from reference_portal.core.db import Database


def schema_numbers() -> list[int]:
    folder = resources.files("reference_portal.core").joinpath("schema")
    return sorted(int(entry.name.split("_", 1)[0]) for entry in folder.iterdir() if entry.name.endswith(".sql"))


@pytest.fixture
def database(tmp_path):
    db = Database(str(tmp_path / "plain.sqlite3"))
    yield db
    db.close()


def schema_of(db: Database) -> list[tuple[str, str]]:
    return [(row["name"], row["sql"]) for row in db.query("SELECT name, sql FROM sqlite_master ORDER BY name")]


def test_schema_files_are_numbered_one_by_one():
    numbers = schema_numbers()
    assert numbers == list(range(1, len(numbers) + 1))


def test_migrate_reaches_the_highest_schema_file_number(database: Database):
    assert database.scalar("PRAGMA user_version") == 0
    assert database.migrate() == max(schema_numbers())
    assert database.scalar("PRAGMA user_version") == max(schema_numbers())


def test_migrate_twice_is_a_no_op(database: Database):
    version = database.migrate()
    schema = schema_of(database)
    assert database.migrate() == version
    assert schema_of(database) == schema


@pytest.fixture
def schema_folder(tmp_path, monkeypatch):
    """A stand-in for reference_portal/schema that the test writes files into."""
    folder = tmp_path / "package" / "schema"
    folder.mkdir(parents=True)
    monkeypatch.setattr(db_module, "resources", SimpleNamespace(files=lambda package: folder.parent))
    return folder


def test_migrate_applies_only_the_files_above_the_current_version(database: Database, schema_folder):
    (schema_folder / "0001_first.sql").write_text("CREATE TABLE first (x);\n")
    assert database.migrate() == 1
    (schema_folder / "0002_second.sql").write_text(
        "-- a comment\nCREATE TABLE second (x);\nINSERT INTO first VALUES (2);\n"
    )
    (schema_folder / "README.txt").write_text("not a migration")
    assert database.migrate() == 2  # 0001 would fail if it ran again: its table exists
    assert database.scalar("SELECT x FROM first") == 2
    assert database.scalar("PRAGMA user_version") == 2


def test_migrate_runs_files_in_number_order(database: Database, schema_folder):
    (schema_folder / "0002_uses_first.sql").write_text("INSERT INTO first VALUES ('from 2');")
    (schema_folder / "0001_makes_first.sql").write_text("CREATE TABLE first (x);")
    assert database.migrate() == 2
    assert database.scalar("SELECT x FROM first") == "from 2"


def test_a_failing_migration_leaves_nothing_behind(database: Database, schema_folder):
    (schema_folder / "0001_good.sql").write_text("CREATE TABLE good (x);")
    (schema_folder / "0002_bad.sql").write_text("CREATE TABLE half (x);\nTHIS IS NOT SQL;")
    with pytest.raises(sqlite3.OperationalError):
        database.migrate()
    assert database.scalar("PRAGMA user_version") == 0
    assert database.query("SELECT name FROM sqlite_master") == []
    assert not database.connection().in_transaction


def test_statements_with_semicolons_inside_stay_whole():
    sql = (
        "CREATE TABLE t (x TEXT DEFAULT ';');\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET x = 'a;b';\nEND;\n"
        "-- trailing comment\n"
    )
    assert [statement.strip() for statement in db_module._statements(sql)] == [
        "CREATE TABLE t (x TEXT DEFAULT ';');",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET x = 'a;b';\nEND;",
    ]


def test_connection_settings(database: Database):
    assert database.scalar("PRAGMA journal_mode") == "wal"
    assert database.scalar("PRAGMA foreign_keys") == 1
    assert database.scalar("PRAGMA busy_timeout") == 10_000


def test_one_connection_per_thread(database: Database):
    mine = database.connection()
    assert database.connection() is mine
    theirs: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: theirs.append(database.connection()))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine


def test_close_closes_every_threads_connection(database: Database):
    conn = database.connection()
    database.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    assert database.connection() is not conn  # a new one on demand


def test_transaction_commits(database: Database):
    with database.transaction() as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
    assert database.scalar("SELECT COUNT(*) FROM t") == 1


def test_transaction_rolls_back_on_an_exception(database: Database):
    with database.transaction() as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(RuntimeError), database.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("abort")
    assert database.scalar("SELECT COUNT(*) FROM t") == 0
    assert not database.connection().in_transaction


def test_transaction_takes_the_write_lock_up_front(database: Database):
    database.migrate()
    other = sqlite3.connect(database.path, timeout=0, isolation_level=None)
    try:
        with database.transaction():  # no write yet, but the lock is already held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_helpers_return_rows_one_row_and_one_value(database: Database):
    with database.transaction() as conn:
        conn.execute("CREATE TABLE t (x, y)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
    assert [tuple(row) for row in database.query("SELECT x, y FROM t ORDER BY x")] == [(1, "a"), (2, "b")]
    assert database.one("SELECT y FROM t WHERE x = ?", (2,))["y"] == "b"
    assert database.one("SELECT y FROM t WHERE x = 3") is None
    assert database.scalar("SELECT y FROM t WHERE x = :x", {"x": 1}) == "a"
    assert database.scalar("SELECT y FROM t WHERE x = 3") is None


def test_connections_of_ended_threads_are_closed(database: Database):
    opened: list[sqlite3.Connection] = []
    for _ in range(50):
        thread = threading.Thread(target=lambda: opened.append(database.connection()))
        thread.start()
        thread.join()
    database.connection()
    assert database.open_connections() <= 2  # this thread's, and at most the last ended thread's until the next sweep
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].execute("SELECT 1")


def test_release_closes_only_the_calling_threads_connection(database: Database):
    mine = database.connection()
    released: list[sqlite3.Connection] = []

    def open_and_release() -> None:
        released.append(database.connection())
        database.release()

    thread = threading.Thread(target=open_and_release)
    thread.start()
    thread.join()
    with pytest.raises(sqlite3.ProgrammingError):
        released[0].execute("SELECT 1")
    assert mine.execute("SELECT 1").fetchone()[0] == 1
