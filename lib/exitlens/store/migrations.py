"""The migrations runner: plain SQL files per dialect, shipped inside the package.

Each file under `migrations/<dialect>/` (the package `exitlens.migrations`) runs whole, once,
in name order, and is recorded in `exitlens_migrations`. Migrations are idempotent and
additive, so a CoinPilot database that already has the tables only gains what it lacks.

A file whose first line is `-- exitlens: no-transaction` runs outside a transaction, so that a
PostgreSQL index can be built `CONCURRENTLY` on a live bot table without blocking its writes.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from exitlens.core.errors import ConfigError
from exitlens.store.db import dialect_name

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "exitlens_migrations"
NO_TRANSACTION_MARK = "-- exitlens: no-transaction"
_LOCK_KEY = "hashtext('exitlens.migrate')"


@dataclass(frozen=True)
class Migration:
    """One SQL file: its name (the file stem) and its whole text."""

    name: str
    sql: str

    @property
    def in_transaction(self) -> bool:
        return not self.sql.lstrip().startswith(NO_TRANSACTION_MARK)


def migrations_root() -> Traversable:
    """The folder of migrations shipped with the package."""
    return resources.files("exitlens.migrations")


def migrations_for(dialect: str, root: Traversable | None = None) -> list[Migration]:
    """The migrations of `dialect`, in name order."""
    folder = (root or migrations_root()) / dialect
    if not folder.is_dir():
        raise ConfigError(f"no migrations for {dialect} in {folder}: reinstall exitlens (pip install exitlens)")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [Migration(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def applied_migrations(engine: Engine) -> set[str]:
    if MIGRATIONS_TABLE not in sa.inspect(engine).get_table_names():
        return set()
    with engine.connect() as conn:
        return set(conn.execute(sa.text(f"SELECT name FROM {MIGRATIONS_TABLE}")).scalars())


def migrate(engine: Engine, root: Traversable | None = None) -> list[str]:
    """Apply, in order, every migration not yet recorded; return the names applied."""
    dialect = dialect_name(engine)
    applied = []
    for migration in migrations_for(dialect, root):
        if migration.name in applied_migrations(engine):
            continue
        if _apply(engine, dialect, migration):
            log.info("applied migration %s", migration.name)
            applied.append(migration.name)
    return applied


def _apply(engine: Engine, dialect: str, migration: Migration) -> bool:
    """Run one migration and record it; False when another process recorded it first."""
    if migration.in_transaction:
        with engine.begin() as conn:
            return _run_locked(conn, dialect, migration, lock="SELECT pg_advisory_xact_lock")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            return _run_locked(conn, dialect, migration, lock="SELECT pg_advisory_lock")
        finally:
            if dialect == "postgresql":
                conn.execute(sa.text(f"SELECT pg_advisory_unlock({_LOCK_KEY})"))


def _run_locked(conn: sa.Connection, dialect: str, migration: Migration, *, lock: str) -> bool:
    if dialect == "postgresql":
        conn.execute(sa.text(f"{lock}({_LOCK_KEY})"))
    conn.execute(sa.text(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
        "(name VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)"
    ))
    already = conn.execute(
        sa.text(f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE name = :name"), {"name": migration.name}
    ).first()
    if already:
        return False
    if dialect == "sqlite":
        for statement in _sqlite_statements(migration.sql):
            _execute_sqlite_additive(conn, statement)
    else:
        conn.exec_driver_sql(migration.sql)
    conn.execute(
        sa.text(f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (:name, CURRENT_TIMESTAMP)"),
        {"name": migration.name},
    )
    return True


def _sqlite_statements(sql: str) -> list[str]:
    """The file's complete statements, as SQLite's own parser (`sqlite3.complete_statement`)
    delimits them; SQLite runs one statement per call inside a transaction."""
    statements, pending = [], ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return [s for s in statements if s.strip(" ;\n")]


def _execute_sqlite_additive(conn: sa.Connection, statement: str) -> None:
    """SQLite has no ADD COLUMN IF NOT EXISTS: a column that is already there is left as it is."""
    match = re.search(r"ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)", statement, re.IGNORECASE)
    if match:
        table, column = match.groups()
        if column in {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}:
            return
    conn.exec_driver_sql(statement)
