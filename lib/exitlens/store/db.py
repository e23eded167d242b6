"""Database access at the edge: engines from URLs, dialect differences, required tables.

Production is the bot's PostgreSQL; the embedded default is a SQLite file. Everything else in
exitlens talks to an `Engine` made here and never needs to know which URL it came from.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from exitlens.core.errors import ConfigError, DatabaseUnreachable, SchemaMissing, error_reason
from exitlens.core.secret_urls import redact_url

log = logging.getLogger(__name__)

REQUIRED_TABLES = ("trading_history", "market_data")
SUPPORTED_DIALECTS = ("postgresql", "sqlite")

_SYNC_DRIVERS = {
    "postgresql": "postgresql+psycopg2",
    "postgres": "postgresql+psycopg2",
    "postgresql+asyncpg": "postgresql+psycopg2",
    "postgresql+psycopg_async": "postgresql+psycopg2",
    "sqlite+aiosqlite": "sqlite",
}


def sync_url(url: str) -> sa.URL:
    """`url` parsed, with the driver exitlens ships (psycopg2) for PostgreSQL, also in place of
    an async driver such as asyncpg, and the standard sqlite3 in place of aiosqlite."""
    try:
        parsed = make_url(url)
        _ = parsed.port  # a port that is not a number (`[::1:5432`) fails here, not mid-connect
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            f"cannot parse database URL {redact_url(url)!r}: use postgresql://user:pass@host:5432/db "
            "or sqlite:///path/to/file.db"
        ) from exc
    replacement = _SYNC_DRIVERS.get(parsed.drivername)
    if parsed.drivername == "postgresql+asyncpg":
        parsed = _libpq_query(parsed)
    if replacement:
        parsed = parsed.set(drivername=replacement)
    if parsed.get_backend_name() not in SUPPORTED_DIALECTS:
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r}: exitlens reads PostgreSQL or SQLite"
        )
    return parsed


_ASYNCPG_ONLY_OPTIONS = ("prepared_statement_cache_size", "statement_cache_size", "command_timeout")


def _libpq_query(url: sa.URL) -> sa.URL:
    """An asyncpg URL's query in libpq's words: `ssl=` becomes `sslmode=`, and options only
    asyncpg knows are dropped (psycopg2 would refuse the connection)."""
    query = {k: v for k, v in url.query.items() if k not in _ASYNCPG_ONLY_OPTIONS}
    if "ssl" in query:
        query.setdefault("sslmode", query.pop("ssl"))
    return url.set(query=query)


def safe_url(url: sa.URL | str) -> str:
    """The URL as text with its password hidden, for messages and logs."""
    parsed = url if isinstance(url, sa.URL) else sync_url(url)
    return parsed.render_as_string(hide_password=True)


def connect(url: str, *, create: bool = False) -> Engine:
    """An engine for `url`, checked by one round trip.

    A SQLite file is created (with its folder) only when `create` is true, so that a typo in a
    path gives an error instead of an empty database.
    """
    parsed = sync_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.exists():
            if not create:
                raise DatabaseUnreachable(
                    f"no database at {path}: run `exitlens demo` (or `make demo`) to build the "
                    "embedded one, or pass --db / set EXITLENS_DATABASE_URL"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise ConfigError(f"no driver for {safe_url(parsed)}: {exc}") from exc
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnreachable(
            f"could not connect to {safe_url(parsed)}: {error_reason(exc)} — is the server up and the URL right?"
        ) from exc
    return engine


def dialect_name(engine: Engine) -> str:
    return engine.dialect.name


def require_tables(engine: Engine, tables: tuple[str, ...] = REQUIRED_TABLES) -> None:
    """Raise SchemaMissing naming every absent table, with the command that creates it."""
    present = set(sa.inspect(engine).get_table_names())
    missing = [t for t in tables if t not in present]
    if missing:
        raise SchemaMissing(
            f"table {', '.join(missing)} missing in {safe_url(engine.url)}: run `exitlens migrate`"
        )
    columns = {c["name"] for c in sa.inspect(engine).get_columns("trading_history")}
    if "post_exit_prices" not in columns:
        raise SchemaMissing(
            f"column trading_history.post_exit_prices missing in {safe_url(engine.url)}: "
            "run `exitlens migrate`"
        )

