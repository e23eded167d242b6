"""Engines from URLs, the migrations runner, and the errors a user sees."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from exitlens.core.errors import ConfigError, DatabaseUnreachable, SchemaMissing
from exitlens.store import db, migrations
from tracking_factories import add_sell, stored_points

COINPILOT_BEFORE_EXITLENS = {
    "postgres": """
        CREATE TABLE trading_history (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(), symbol varchar(20) NOT NULL,
            side varchar(10) NOT NULL, order_type varchar(10) NOT NULL, price numeric(20,8) NOT NULL,
            quantity numeric(20,8) NOT NULL, fee numeric(20,8), status varchar(20) NOT NULL,
            strategy_name varchar(50), signal_info jsonb, regime varchar(10),
            created_at timestamptz NOT NULL DEFAULT now(), executed_at timestamptz);
        CREATE TABLE market_data (
            id serial PRIMARY KEY, symbol varchar(20) NOT NULL, interval varchar(10) NOT NULL,
            open_price numeric(20,8), high_price numeric(20,8), low_price numeric(20,8),
            close_price numeric(20,8), volume numeric(20,8), "timestamp" timestamptz NOT NULL,
            UNIQUE (symbol, interval, "timestamp"));
        INSERT INTO trading_history (symbol, side, order_type, price, quantity, status, regime, executed_at)
        VALUES ('KRW-BTC', 'SELL', 'MARKET', 95000000, 0.01, 'FILLED', 'BULL', '2026-11-23 12:00+00');
    """,
    "sqlite": """
        CREATE TABLE trading_history (
            id TEXT PRIMARY KEY, symbol VARCHAR(20) NOT NULL, side VARCHAR(10) NOT NULL,
            order_type VARCHAR(10) NOT NULL, price NUMERIC(20,8) NOT NULL, quantity NUMERIC(20,8) NOT NULL,
            fee NUMERIC(20,8), status VARCHAR(20) NOT NULL, strategy_name VARCHAR(50), signal_info TEXT,
            regime VARCHAR(10), created_at TEXT NOT NULL, executed_at TEXT);
        CREATE TABLE market_data (
            id INTEGER PRIMARY KEY, symbol VARCHAR(20) NOT NULL, interval VARCHAR(10) NOT NULL,
            open_price NUMERIC, high_price NUMERIC, low_price NUMERIC, close_price NUMERIC,
            volume NUMERIC, "timestamp" TEXT NOT NULL, UNIQUE (symbol, interval, "timestamp"));
        INSERT INTO trading_history (id, symbol, side, order_type, price, quantity, status, regime, created_at, executed_at)
        VALUES ('0b6f1f4e-3c1e-4c55-9f55-0d1c2f3a4b5c', 'KRW-BTC', 'SELL', 'MARKET', 95000000, 0.01, 'FILLED', 'BULL',
                '2026-11-23 12:00:00', '2026-11-23 12:00:00');
    """,
}


def _columns(engine, table="trading_history"):
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_migrate_when_run_twice_applies_nothing_the_second_time(engine):
    assert migrations.migrate(engine) == []
    assert "post_exit_prices" in _columns(engine)


def test_migrate_creates_the_partial_sell_index(engine):
    indexes = {i["name"] for i in sa.inspect(engine).get_indexes("trading_history")}
    assert "idx_trading_history_sell_executed_at" in indexes


def test_migration_marked_no_transaction_runs_outside_a_transaction():
    sql = "-- exitlens: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (c);\n"
    assert not migrations.Migration("0004_x", sql).in_transaction
    assert migrations.Migration("0003_x", "ALTER TABLE t ADD COLUMN c INT;").in_transaction


def test_migrations_are_read_from_the_installed_package_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = [m.name for m in migrations.migrations_for("sqlite")]
    assert names[:3] == ["0001_coinpilot_tables", "0002_exit_columns", "0003_post_exit_prices"]


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_migrate_on_live_coinpilot_database_only_adds_what_is_missing(request, dialect):
    url = request.getfixturevalue(f"{dialect}_url")
    engine = db.connect(url, create=True)
    with engine.begin() as conn:
        for statement in filter(str.strip, COINPILOT_BEFORE_EXITLENS[dialect].split(";")):
            conn.exec_driver_sql(statement)

    applied = migrations.migrate(engine)

    assert applied == [m.name for m in migrations.migrations_for(engine.dialect.name)]
    assert applied[:3] == ["0001_coinpilot_tables", "0002_exit_columns", "0003_post_exit_prices"]
    assert {"exit_reason", "high_water_mark", "post_exit_prices", "regime"} <= _columns(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT symbol, regime, CAST(price AS FLOAT) AS price FROM trading_history")).one()
    assert tuple(row) == ("KRW-BTC", "BULL", 95000000.0)
    engine.dispose()


def test_migrate_when_record_table_lost_reapplies_harmlessly(engine):
    order = add_sell(engine, at="2026-11-23 12:00", post_exit_prices={"1h": {"price": 1.0}})
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {migrations.MIGRATIONS_TABLE}")

    assert len(migrations.migrate(engine)) == len(migrations.migrations_for(engine.dialect.name))
    assert stored_points(engine, order) == {"1h": {"price": 1.0}}


def test_connect_when_sqlite_file_absent_says_how_to_create_it(tmp_path):
    with pytest.raises(DatabaseUnreachable, match="run `exitlens demo`"):
        db.connect(f"sqlite:///{tmp_path / 'missing.db'}")
    assert not (tmp_path / "missing.db").exists()


def test_connect_when_server_down_hides_password_in_message():
    with pytest.raises(DatabaseUnreachable) as caught:
        db.connect("postgresql://bot:hunter2@127.0.0.1:1/coinpilot")
    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1:1/coinpilot" in str(caught.value)


@pytest.mark.parametrize(("given", "driver"), [
    ("postgresql+asyncpg://u:p@h/d", "postgresql+psycopg2"),
    ("postgresql://u:p@h/d", "postgresql+psycopg2"),
    ("postgres://u:p@h/d", "postgresql+psycopg2"),
    ("sqlite+aiosqlite:///x.db", "sqlite"),
])
def test_sync_url_when_async_or_bare_driver_uses_the_shipped_sync_driver(given, driver):
    assert db.sync_url(given).drivername == driver


def test_sync_url_when_asyncpg_options_given_speaks_libpq():
    url = db.sync_url("postgresql+asyncpg://u:p@h/d?ssl=require&prepared_statement_cache_size=0")
    assert dict(url.query) == {"sslmode": "require"}


def test_sync_url_when_other_database_raises_config_error():
    with pytest.raises(ConfigError, match="unsupported database 'mysql'"):
        db.sync_url("mysql://u:p@h/d")


def test_require_tables_when_not_migrated_says_to_migrate(sqlite_url):
    engine = db.connect(sqlite_url, create=True)
    with pytest.raises(SchemaMissing, match="run `exitlens migrate`"):
        db.require_tables(engine)


def test_insert_orders_keeps_malformed_json_text_as_given_on_sqlite(sqlite_url):
    engine = db.connect(sqlite_url, create=True)
    migrations.migrate(engine)
    order = add_sell(engine, at="2026-11-23 12:00", post_exit_prices="{oops")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT post_exit_prices FROM trading_history WHERE id = :i"), {"i": order}).scalar_one() == "{oops"
