"""The incremental tracker (SPEC §4): what a routine run looks at, what --full and a first run
look at, expired points counted once, and the index the routine scan reads through."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from exitlens.core.settings import Settings
from exitlens.store import tracker as tracking
from tracking_factories import add_candles, add_sell, ts

SELL_AT = "2026-11-23 12:00"
EVENT_INDEX = "idx_trading_history_sell_event_time"


def test_track_when_run_again_and_again_counts_an_expired_point_once(engine):
    add_sell(engine, at=SELL_AT)  # no candles at all: every point is missed, then expired

    runs = [tracking.track(engine, ts("2026-11-25 13:00") + timedelta(minutes=10 * i)) for i in range(4)]
    # 1h expires after 13:00 (first run: not yet), 4h after 16:00 (never in these runs)
    assert [r.points_expired for r in runs] == [0, 1, 0, 0]
    assert [r.points_missed for r in runs] == [4, 3, 3, 3]


def test_track_first_run_on_a_database_counts_every_expired_point_once(engine):
    add_sell(engine, at="2026-10-01 12:00")

    first = tracking.track(engine, ts("2026-11-25 00:00"))
    second = tracking.track(engine, ts("2026-11-25 00:10"))
    full = tracking.track(engine, ts("2026-11-25 00:20"), full=True)

    assert (first.points_expired, second.points_expired, full.points_expired) == (4, 0, 0)
    assert (first.orders_scanned, second.orders_scanned, full.orders_scanned) == (1, 0, 1)


def test_track_when_routine_run_leaves_sells_whose_points_cannot_change_full_run_finds_them(engine):
    tracking.track(engine, ts("2026-11-25 00:00"))  # a run is recorded: the next one is routine
    old = "2026-11-01 12:00"  # older than now - 24h - retry window - tolerance
    add_sell(engine, at=old)
    add_candles(engine, {"2026-11-01 13:00": 101.0})

    routine = tracking.track(engine, ts("2026-11-25 00:10"))
    full = tracking.track(engine, ts("2026-11-25 00:20"), full=True)

    assert (routine.orders_scanned, routine.points_tracked) == (0, 0)
    assert (full.orders_scanned, full.points_tracked) == (1, 1)


def test_track_when_routine_run_finds_sells_inside_its_window(engine):
    tracking.track(engine, ts("2026-11-25 00:00"))
    add_sell(engine, at="2026-11-22 01:00")  # inside now - 24h - 48h - 5 min
    add_candles(engine, {"2026-11-22 02:00": 101.0})

    routine = tracking.track(engine, ts("2026-11-25 00:10"))

    assert routine.points_tracked == 1


def test_routine_since_when_last_run_long_ago_starts_from_that_run():
    settings = Settings()
    since = tracking.routine_since(ts("2026-11-01 00:00"), ts("2026-11-25 00:00"), settings)
    assert since == ts("2026-11-01 00:00") - timedelta(hours=24 + 48, minutes=5)


def _plan(engine, statement: str, params: dict) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE trading_history")
            rows = conn.execute(sa.text("EXPLAIN " + statement), params).scalars()
        else:
            rows = (row[-1] for row in conn.execute(sa.text("EXPLAIN QUERY PLAN " + statement), params))
        return "\n".join(rows)


def test_routine_scan_when_explained_reads_sells_through_the_event_time_index(engine):
    dialect = engine.dialect.name
    with engine.begin() as conn:  # a history the planner would not scan whole for a day of it
        if dialect == "postgresql":
            conn.exec_driver_sql("""
                INSERT INTO trading_history (symbol, side, order_type, price, quantity, status, created_at, executed_at)
                SELECT 'KRW-BTC', CASE WHEN mod(i, 2) = 0 THEN 'SELL' ELSE 'BUY' END, 'MARKET', 100, 1, 'FILLED',
                       timestamptz '2024-01-01' + i * interval '10 minutes', timestamptz '2024-01-01' + i * interval '10 minutes'
                FROM generate_series(1, 40000) AS i""")
        else:
            conn.exec_driver_sql("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
                INSERT INTO trading_history (id, symbol, side, order_type, price, quantity, status, created_at, executed_at)
                SELECT 'id-' || i, 'KRW-BTC', CASE WHEN i % 2 = 0 THEN 'SELL' ELSE 'BUY' END, 'MARKET', 100, 1, 'FILLED',
                       datetime('2024-01-01', '+' || (i * 10) || ' minutes'), datetime('2024-01-01', '+' || (i * 10) || ' minutes')
                FROM n""")
    now = ts("2024-09-01 00:00")
    params = {**tracking.pg_params(now, Settings()), "since": now - timedelta(days=3)}
    if dialect == "sqlite":
        params = {"since": "2024-08-29 00:00:00.000000"}

    plan = _plan(engine, tracking.sells_to_visit_sql(dialect, routine=True), params)

    assert EVENT_INDEX in plan
    assert "idx_trading_history_sell_executed_at" not in plan
