"""Schema parity with CoinPilot (SPEC §1), on the suite's real PostgreSQL: what exitlens creates
takes the bot's collector and executor statements unchanged; a database CoinPilot created, or
one an older exitlens created, gains only what it lacks; `market_data` may be partitioned."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from exitlens.core.settings import Settings
from exitlens.reports.analysis import analyse_from_database
from exitlens.store import db, demo, migrations
from exitlens.store import tracker as tracking

# --- CoinPilot's own SQL, copied as test input ------------------------------------------------

# deploy/db/init.sql without the extensions the suite's server lacks (TimescaleDB, pgvector,
# uuid-ossp): the hypertable is a plain table, uuid_generate_v4() is gen_random_uuid().
COINPILOT_INIT = """
CREATE TABLE IF NOT EXISTS market_data (
    id BIGSERIAL,
    symbol VARCHAR(20) NOT NULL,
    interval VARCHAR(10) NOT NULL,
    open_price NUMERIC(20, 8) NOT NULL,
    high_price NUMERIC(20, 8) NOT NULL,
    low_price NUMERIC(20, 8) NOT NULL,
    close_price NUMERIC(20, 8) NOT NULL,
    volume NUMERIC(20, 8) NOT NULL,
    timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (timestamp, id)
){partition};
CREATE INDEX IF NOT EXISTS idx_market_data_symbol_interval_time ON market_data (symbol, interval, timestamp DESC);
ALTER TABLE market_data ADD CONSTRAINT uq_market_data_symbol_interval_ts UNIQUE (symbol, interval, timestamp);
CREATE TABLE IF NOT EXISTS trading_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    symbol VARCHAR(20) NOT NULL,
    side VARCHAR(10) NOT NULL,
    order_type VARCHAR(10) NOT NULL,
    price NUMERIC(20, 8) NOT NULL,
    quantity NUMERIC(20, 8) NOT NULL,
    fee NUMERIC(20, 8) DEFAULT 0,
    status VARCHAR(20) NOT NULL,
    strategy_name VARCHAR(50),
    signal_info JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    executed_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX IF NOT EXISTS idx_trading_history_strategy ON trading_history (strategy_name);
CREATE INDEX IF NOT EXISTS idx_trading_history_symbol_created ON trading_history (symbol, created_at DESC);
-- migrations/v3_0_regime_trading.sql (the trading_history part)
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS regime VARCHAR(10);
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS high_water_mark DECIMAL(20, 8);
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS exit_reason VARCHAR(30);
-- migrations/v3_2_2_post_exit_tracking.sql
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS post_exit_prices JSONB;
CREATE INDEX IF NOT EXISTS idx_trading_history_sell_executed_at ON trading_history (executed_at DESC)
WHERE side = 'SELL' AND status = 'FILLED' AND executed_at IS NOT NULL;
"""

# src/collector/main.py: insert(MarketData).values(rows)
#     .on_conflict_do_nothing(constraint="uq_market_data_symbol_interval_ts").returning(MarketData.timestamp)
COLLECTOR_INSERT = """
INSERT INTO market_data (symbol, interval, open_price, high_price, low_price, close_price, volume, timestamp)
VALUES (:symbol, :interval, :open_price, :high_price, :low_price, :close_price, :volume, :timestamp)
ON CONFLICT ON CONSTRAINT uq_market_data_symbol_interval_ts DO NOTHING
RETURNING market_data.timestamp
"""

# src/engine/executor.py: session.add(TradingHistory(...)) as the ORM flushes it; a row whose
# fee and created_at are left NULL is the case that NOT NULL columns refused.
EXECUTOR_INSERT = """
INSERT INTO trading_history (id, symbol, side, order_type, price, quantity, fee, status, strategy_name,
                             signal_info, regime, high_water_mark, exit_reason, post_exit_prices, created_at, executed_at)
VALUES (:id, :symbol, :side, :order_type, :price, :quantity, :fee, :status, :strategy_name,
        CAST(:signal_info AS jsonb), :regime, :high_water_mark, :exit_reason, NULL, :created_at, :executed_at)
"""

# The shape exitlens's first migration created before it mirrored CoinPilot's DDL.
OLD_EXITLENS_TABLES = """
CREATE TABLE trading_history (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), symbol varchar(20) NOT NULL, side varchar(10) NOT NULL,
    order_type varchar(10) NOT NULL DEFAULT 'MARKET', price numeric(20, 8) NOT NULL,
    quantity numeric(20, 8) NOT NULL, fee numeric(20, 8) NOT NULL DEFAULT 0, status varchar(20) NOT NULL,
    strategy_name varchar(50), signal_info jsonb, created_at timestamptz NOT NULL DEFAULT now(),
    executed_at timestamptz);
CREATE TABLE market_data (
    id bigserial PRIMARY KEY, symbol varchar(20) NOT NULL, interval varchar(10) NOT NULL,
    open_price numeric(20, 8) NOT NULL, high_price numeric(20, 8) NOT NULL, low_price numeric(20, 8) NOT NULL,
    close_price numeric(20, 8) NOT NULL, volume numeric(20, 8) NOT NULL DEFAULT 0, "timestamp" timestamptz NOT NULL,
    CONSTRAINT market_data_symbol_interval_timestamp_key UNIQUE (symbol, interval, "timestamp"));
"""

CANDLE = {"symbol": "KRW-BTC", "interval": "1m", "open_price": 100, "high_price": 101, "low_price": 99,
          "close_price": 100.5, "volume": 3, "timestamp": "2026-11-23 13:00:00+00"}


def _bot_writes(engine) -> tuple[int, int, int]:
    """Run the collector insert twice (the second conflicts) and the executor insert once;
    return (rows the first insert returned, rows the second returned, orders written)."""
    with engine.begin() as conn:
        first = len(conn.execute(sa.text(COLLECTOR_INSERT), CANDLE).all())
        second = len(conn.execute(sa.text(COLLECTOR_INSERT), CANDLE).all())
        conn.execute(sa.text(EXECUTOR_INSERT), {
            "id": str(uuid.uuid4()), "symbol": "KRW-BTC", "side": "SELL", "order_type": "MARKET", "price": 100,
            "quantity": 1, "fee": None, "status": "FILLED", "strategy_name": "MeanReversion",
            "signal_info": '{"entry_avg_price": 95}', "regime": "BULL", "high_water_mark": None,
            "exit_reason": "TAKE_PROFIT", "created_at": None, "executed_at": "2026-11-23 12:00:00+00",
        })
        orders = conn.execute(sa.text("SELECT count(*) FROM trading_history")).scalar_one()
    return first, second, orders


def _run(engine, script: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(script)


def _market_data_keys(engine) -> tuple[str, set[str]]:
    with engine.connect() as conn:
        pk = conn.execute(sa.text("""
            SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = 'market_data'::regclass AND c.contype = 'p'""")).scalar_one()
        names = set(conn.execute(sa.text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'market_data'::regclass")).scalars())
    return pk, names


def test_migrate_on_empty_database_creates_coinpilots_shape_and_takes_its_writes(postgres_url):
    engine = db.connect(postgres_url, create=True)
    migrations.migrate(engine)

    assert _bot_writes(engine) == (1, 0, 1)
    pk, names = _market_data_keys(engine)
    assert pk == "timestamp,id"
    assert "uq_market_data_symbol_interval_ts" in names


def test_migrate_on_coinpilots_database_adds_only_what_is_missing_and_takes_its_writes(postgres_url):
    engine = db.connect(postgres_url, create=True)
    _run(engine, COINPILOT_INIT.format(partition=""))
    with engine.connect() as conn:
        before = set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('trading_history', 'market_data')")).scalars())

    applied = migrations.migrate(engine)
    again = migrations.migrate(engine)

    with engine.connect() as conn:
        after = set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('trading_history', 'market_data')")).scalars())
    assert after - before == {"idx_trading_history_sell_event_time"}
    assert applied and again == []
    assert _bot_writes(engine) == (1, 0, 1)


def test_migrate_on_an_older_exitlens_database_renames_the_constraint_and_keeps_every_row(postgres_url):
    engine = db.connect(postgres_url, create=True)
    _run(engine, OLD_EXITLENS_TABLES)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO market_data (symbol, interval, open_price, high_price, low_price, close_price, \"timestamp\") "
            "VALUES ('KRW-ETH', '1m', 1, 1, 1, 1, '2026-11-23 12:00+00')"))

    migrations.migrate(engine)

    assert _bot_writes(engine) == (1, 0, 1)
    pk, names = _market_data_keys(engine)
    assert "uq_market_data_symbol_interval_ts" in names
    assert "market_data_symbol_interval_timestamp_key" not in names
    assert pk == "id"  # left as it is: see migrations/postgresql/0005
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM market_data")).scalar_one() == 2


MONTHS = ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"]


def _partitions() -> str:
    bounds = zip(MONTHS, MONTHS[1:])
    return "\n".join(
        f"CREATE TABLE market_data_{lo.replace('-', '_')} PARTITION OF market_data "
        f"FOR VALUES FROM ('{lo}-01') TO ('{hi}-01');" for lo, hi in bounds)


def test_tracker_and_summary_on_a_partitioned_market_data_prune_partitions(postgres_url):
    engine = db.connect(postgres_url, create=True)
    _run(engine, COINPILOT_INIT.format(partition=' PARTITION BY RANGE ("timestamp")') + _partitions())
    migrations.migrate(engine)
    demo.fill_database(engine, days=3)  # sells and candles in November 2026 only
    now = demo.DEFAULT_END + timedelta(days=2)
    settings = Settings()

    with engine.connect() as conn:  # the tracker's own statement, explained as it runs, then undone
        trans = conn.begin()
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(conn.execute(
            sa.text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + tracking.PG_TRACK_CHUNK),
            {**tracking.pg_params(now, settings), "lo": demo.DEFAULT_END - timedelta(days=30),
             "hi": tracking.END_OF_TIME, "previous": None},
        ).scalars())
        trans.rollback()
    result = tracking.track(engine, now, settings)
    weekly = analyse_from_database(engine, "weekly", settings, end=demo.DEFAULT_END, days=3)

    scans = {name: line for line in plan.splitlines()
             for name in re.findall(r" on (market_data_\d{4}_\d{2})", line)}
    assert set(scans) >= {"market_data_2026_11", "market_data_2026_10"}
    assert "(never executed)" not in scans["market_data_2026_11"]
    assert all("(never executed)" in line for name, line in scans.items() if name != "market_data_2026_11")
    assert result.points_tracked > 0
    assert weekly.to_json()["overall"]["post_24h_samples"] > 0


def test_migrate_on_empty_sqlite_mirrors_nullable_fee_and_the_named_unique_index(sqlite_url):
    engine = db.connect(sqlite_url, create=True)
    migrations.migrate(engine)

    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO trading_history (id, symbol, side, order_type, price, quantity, fee, status, created_at) "
            "VALUES ('a', 'KRW-BTC', 'SELL', 'MARKET', 100, 1, NULL, 'FILLED', NULL)"))
        inserted = [conn.execute(sa.text(
            "INSERT INTO market_data (symbol, interval, open_price, high_price, low_price, close_price, volume, \"timestamp\") "
            "VALUES ('KRW-BTC', '1m', 1, 1, 1, 1, 1, '2026-11-23 13:00:00.000000') "
            "ON CONFLICT (symbol, interval, \"timestamp\") DO NOTHING")).rowcount for _ in range(2)]
        indexes = set(conn.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'market_data'")).scalars())

    assert inserted == [1, 0]
    assert "uq_market_data_symbol_interval_ts" in indexes
