"""The post-exit tracker against SPEC §2, on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from exitlens.core.errors import DataError
from exitlens.core.settings import Settings
from exitlens.ops import metrics
from exitlens.store import tracker as tracking
from exitlens.store import writes as store
from tracking_factories import add_candles, add_sell, real_candles, stored_points, ts

NOW = ts("2026-11-25 00:00")
SELL_AT = "2026-11-23 12:00"


def test_track_when_candle_at_each_horizon_records_price_and_change(engine):
    order = add_sell(engine, at=SELL_AT, price=200.0)
    add_candles(engine, {"2026-11-23 13:00": 201.0, "2026-11-23 16:02": 190.0,
                         "2026-11-24 00:00": 200.5, "2026-11-24 11:56": 250.0})

    result = tracking.track(engine, NOW)

    points = stored_points(engine, order)
    assert points["1h"] == {"price": 201.0, "change_pct": 0.5, "tracked_at": "2026-11-25T00:00:00+00:00"}
    assert points["4h"]["change_pct"] == pytest.approx(-5.0)
    assert points["12h"]["change_pct"] == pytest.approx(0.25)
    assert points["24h"]["price"] == 250.0
    assert result.to_json() == {"orders_scanned": 1, "orders_updated": 1, "points_tracked": 4,
                                "points_missed": 0, "points_expired": 0, "rows_invalid": 0}


def test_track_when_two_candles_equally_near_picks_the_earlier(engine):
    order = add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 12:58": 101.0, "2026-11-23 13:02": 103.0})

    tracking.track(engine, NOW)

    assert stored_points(engine, order)["1h"]["price"] == 101.0


@pytest.mark.parametrize(("candle_at", "recorded"), [
    ("2026-11-23 13:05:00", True),
    ("2026-11-23 12:55:00", True),
    ("2026-11-23 13:05:01", False),
    ("2026-11-23 12:54:59", False),
])
def test_track_when_candle_at_window_edge_includes_exactly_five_minutes(engine, candle_at, recorded):
    order = add_sell(engine, at=SELL_AT)
    add_candles(engine, {candle_at: 110.0})

    tracking.track(engine, ts("2026-11-23 14:00"))

    assert ("1h" in (stored_points(engine, order) or {})) is recorded


def test_track_when_window_not_over_yet_waits(engine):
    order = add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 13:00": 110.0})

    result = tracking.track(engine, ts("2026-11-23 13:04:59"))

    assert stored_points(engine, order) is None
    assert result.orders_scanned == 0
    assert tracking.track(engine, ts("2026-11-23 13:05")).points_tracked == 1


def test_track_when_no_candle_counts_missed_then_expired_and_picks_up_late_candle(engine):
    order = add_sell(engine, at=SELL_AT)

    missed = tracking.track(engine, ts("2026-11-23 14:00"))
    expired = tracking.track(engine, ts("2026-11-25 13:00:01"))
    add_candles(engine, {"2026-11-23 13:01": 120.0})
    late = tracking.track(engine, ts("2026-11-25 13:00:02"))

    assert (missed.points_missed, missed.points_expired) == (1, 0)
    assert (expired.points_missed, expired.points_expired) == (3, 1)
    assert late.points_tracked == 1
    assert stored_points(engine, order)["1h"]["price"] == 120.0


def test_track_when_executed_at_null_measures_from_created_at(engine):
    order = add_sell(engine, at=SELL_AT, executed=False)
    add_candles(engine, {"2026-11-23 13:00": 99.0})

    tracking.track(engine, ts("2026-11-23 14:00"))

    assert stored_points(engine, order)["1h"]["price"] == 99.0


def test_track_when_keys_exist_keeps_them_and_unknown_keys(engine):
    existing = {"1h": {"price": 1.0, "change_pct": -99.0, "tracked_at": "2026-01-01T00:00:00+00:00"},
                "note": {"from": "the bot"}}
    order = add_sell(engine, at=SELL_AT, post_exit_prices=existing)
    add_candles(engine, {"2026-11-23 13:00": 150.0, "2026-11-23 16:00": 160.0})

    result = tracking.track(engine, ts("2026-11-23 17:00"))

    points = stored_points(engine, order)
    assert points["1h"] == existing["1h"]
    assert points["note"] == {"from": "the bot"}
    assert points["4h"]["price"] == 160.0
    assert result.points_tracked == 1


@pytest.mark.parametrize("stored", ['"a string"', "[1, 2]"])
def test_track_when_json_not_an_object_leaves_row_and_warns_with_id(engine, stored, caplog):
    order = add_sell(engine, at=SELL_AT, post_exit_prices=stored)
    add_candles(engine, {"2026-11-23 13:00": 150.0})

    with caplog.at_level(logging.WARNING):
        result = tracking.track(engine, NOW)

    assert result.rows_invalid == 1 and result.points_tracked == 0
    assert order in caplog.text
    raw = stored_points(engine, order)
    assert raw == ("a string" if stored.startswith('"') else [1, 2])


def test_track_when_json_malformed_text_on_sqlite_leaves_it_byte_for_byte(sqlite_url):
    from exitlens.store import db, migrations

    engine = db.connect(sqlite_url, create=True)
    migrations.migrate(engine)
    add_sell(engine, at=SELL_AT, post_exit_prices='{"1h": oops')
    add_candles(engine, {"2026-11-23 13:00": 150.0})

    assert tracking.track(engine, NOW).rows_invalid == 1
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT post_exit_prices FROM trading_history")).scalar_one()
    assert raw == '{"1h": oops'


@pytest.mark.parametrize("price", [0.0, -5.0])
def test_track_when_price_not_positive_skips_the_sell(engine, price):
    order = add_sell(engine, at=SELL_AT, price=price)
    add_candles(engine, {"2026-11-23 13:00": 150.0})

    result = tracking.track(engine, NOW)

    assert stored_points(engine, order) is None
    assert result.orders_scanned == 0


def test_track_when_run_twice_second_run_changes_nothing(engine):
    order = add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 13:00": 150.0})
    tracking.track(engine, NOW)
    before = stored_points(engine, order)

    again = tracking.track(engine, NOW + timedelta(hours=1))

    assert again.points_tracked == 0 and again.orders_updated == 0
    assert stored_points(engine, order) == before


def test_track_when_change_has_many_decimals_rounds_to_six(engine):
    order = add_sell(engine, at=SELL_AT, price=3.0)
    add_candles(engine, {"2026-11-23 13:00": 4.0})

    tracking.track(engine, NOW)

    assert stored_points(engine, order)["1h"]["change_pct"] == 33.333333


def test_track_when_only_other_symbol_has_candles_misses(engine):
    add_sell(engine, at=SELL_AT, symbol="KRW-ETH")
    add_candles(engine, {"2026-11-23 13:00": 150.0}, symbol="KRW-BTC")

    assert tracking.track(engine, ts("2026-11-23 14:00")).points_missed == 1


def test_track_when_now_is_naive_raises_clear_error(engine):
    with pytest.raises(DataError, match="has no timezone"):
        tracking.track(engine, pd.Timestamp("2026-11-25 00:00").to_pydatetime())


def test_count_tracking_increments_the_bots_prometheus_counters(engine):
    add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 13:00": 150.0})
    counters = (metrics.POST_EXIT_TRACKED, metrics.POST_EXIT_MISSED, metrics.POST_EXIT_EXPIRED)
    before = [counter._value.get() for counter in counters]

    metrics.count_tracking(tracking.track(engine, ts("2026-11-25 20:30")))  # 1h tracked; 4h expired; 12h, 24h missed

    assert [counter._value.get() - b for counter, b in zip(counters, before)] == [1, 2, 1]


def reference_points(sells: pd.DataFrame, candles: pd.DataFrame, now: pd.Timestamp, settings: Settings) -> dict:
    """A plain loop over sells and horizons: the definition of SPEC §2, written out."""
    expected = {}
    times = candles["timestamp"]
    for sell in sells.itertuples():
        for horizon in settings.horizons:
            target = sell.at + horizon.delta
            if target + settings.candle_tolerance > now:
                continue
            distance = (times - target).abs()
            near = candles.assign(d=distance)[distance <= settings.candle_tolerance]
            if near.empty:
                continue
            best = near.sort_values(["d", "timestamp"]).iloc[0]
            expected[(sell.id, horizon.key)] = (best.close_price, round((best.close_price - sell.price) / sell.price * 100, 6))
    return expected


@pytest.fixture
def real_feed():
    return real_candles()


def test_track_on_real_feed_with_gaps_matches_the_definition(engine, real_feed, monkeypatch):
    monkeypatch.setattr(tracking, "SELLS_PER_CHUNK", 37)  # several chunks, as on a large backlog
    store.insert_candles(engine, real_feed.assign(symbol="BTC-ETH"))
    rng = np.random.default_rng(3)
    start, end = real_feed["timestamp"].min(), real_feed["timestamp"].max()
    minutes = rng.integers(0, int((end - start).total_seconds() // 60), size=150)
    offsets = pd.to_timedelta(minutes, unit="min") + pd.to_timedelta(rng.integers(0, 60, size=150), unit="s")
    sells = pd.DataFrame({"at": start + offsets, "price": rng.uniform(0.02, 0.06, size=150).round(8)})
    sells["id"] = [add_sell(engine, at=str(t.tz_convert(None)), price=p, symbol="BTC-ETH") for t, p in zip(sells["at"], sells["price"])]
    now = end + timedelta(hours=1)

    result = tracking.track(engine, now)

    expected = reference_points(sells, real_feed, now, Settings())
    recorded = {}
    for order in sells["id"]:
        for key, point in (stored_points(engine, order) or {}).items():
            recorded[(order, key)] = (point["price"], point["change_pct"])
    assert recorded.keys() == expected.keys()
    for key, (price, change) in expected.items():
        assert recorded[key][0] == pytest.approx(price)
        assert recorded[key][1] == pytest.approx(change, abs=2e-6)
    assert result.points_tracked == len(expected)


@pytest.mark.postgres
def test_track_when_two_trackers_run_at_once_records_each_point_once(postgres_url):
    from exitlens.store import db, migrations

    engine = db.connect(postgres_url, create=True)
    migrations.migrate(engine)
    base = ts("2026-11-20 00:00")
    candles = pd.date_range(base, periods=3 * 1440, freq="1min")
    store.insert_candles(engine, pd.DataFrame({"symbol": "KRW-BTC", "timestamp": candles, "close_price": np.linspace(100, 130, len(candles))}))
    for minute in range(0, 1440, 3):
        add_sell(engine, at=str((base + pd.Timedelta(minutes=minute)).tz_convert(None)))
    results = []

    def run():
        results.append(tracking.track(engine, ts("2026-11-23 00:00")))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.points_tracked for r in results) == 480 * 4
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT sum((SELECT count(*) FROM jsonb_object_keys(post_exit_prices))) FROM trading_history")).scalar_one()
    assert keys == 480 * 4


def test_track_on_february_29_records_points(engine):
    order = add_sell(engine, at="2028-02-28 12:00")
    add_candles(engine, {"2028-02-28 13:00": 150.0})

    result = tracking.track(engine, ts("2028-02-29 12:00"))

    assert result.points_tracked == 1
    assert stored_points(engine, order)["1h"]["price"] == 150.0


def test_track_when_json_is_null_treats_it_as_empty(engine):
    order = add_sell(engine, at=SELL_AT, post_exit_prices="null")
    add_candles(engine, {"2026-11-23 13:00": 150.0})

    result = tracking.track(engine, ts("2026-11-23 14:00"))

    assert (result.rows_invalid, result.points_tracked) == (0, 1)
    assert set(stored_points(engine, order)) == {"1h"}


@pytest.mark.parametrize(("price", "close", "expected"), [
    (100.0, 100.0001595, 0.00016),     # exactly half-way in decimal: away from zero
    (100.0, 99.9998405, -0.00016),
    (3.0, 4.0, 33.333333),
])
def test_track_change_pct_is_the_same_on_both_engines(engine, price, close, expected):
    order = add_sell(engine, at=SELL_AT, price=price)
    add_candles(engine, {"2026-11-23 13:00": close})

    tracking.track(engine, ts("2026-11-23 14:00"))

    assert stored_points(engine, order)["1h"]["change_pct"] == expected


def test_track_keeps_non_ascii_unknown_keys_as_text(engine):
    order = add_sell(engine, at=SELL_AT, post_exit_prices={"메모": "손절 후 반등"})
    add_candles(engine, {"2026-11-23 13:00": 150.0})

    tracking.track(engine, ts("2026-11-23 14:00"))

    assert stored_points(engine, order)["메모"] == "손절 후 반등"


def test_track_when_json_has_nan_on_sqlite_counts_it_invalid(sqlite_url):
    from exitlens.store import db, migrations

    engine = db.connect(sqlite_url, create=True)
    migrations.migrate(engine)
    add_sell(engine, at=SELL_AT, post_exit_prices='{"1h": {"price": NaN}}')
    add_candles(engine, {"2026-11-23 16:00": 150.0})

    assert tracking.track(engine, NOW).rows_invalid == 1


@pytest.mark.postgres
def test_track_when_columns_have_no_zone_reads_them_as_utc(postgres_url):
    from exitlens.store import db, migrations

    engine = db.connect(postgres_url, create=True)
    migrations.migrate(engine)
    with engine.begin() as conn:
        # Both in one statement: the event-time index needs both columns of one type.
        conn.exec_driver_sql("ALTER TABLE trading_history "
                             + ", ".join(f"ALTER COLUMN {column} TYPE timestamp USING {column} AT TIME ZONE 'UTC'"
                                         for column in ("created_at", "executed_at")))
        conn.exec_driver_sql("ALTER DATABASE " + engine.url.database + " SET TimeZone = 'Asia/Seoul'")
        conn.exec_driver_sql(
            "INSERT INTO trading_history (symbol, side, price, quantity, status, created_at, executed_at) "
            "VALUES ('KRW-BTC', 'SELL', 100, 1, 'FILLED', '2026-11-23 12:00:00', '2026-11-23 12:00:00')")
    engine.dispose()
    add_candles(engine, {"2026-11-23 13:00": 150.0})

    early = tracking.track(engine, ts("2026-11-23 13:04"))
    due = tracking.track(engine, ts("2026-11-23 13:05"))

    assert (early.points_tracked, due.points_tracked) == (0, 1)


def _move_executed_at(engine, order_id: str, stored: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE trading_history SET executed_at = :at, created_at = :at "
                             "WHERE CAST(id AS VARCHAR(64)) = :id"), {"at": stored, "id": order_id})


def test_track_when_a_sell_time_cannot_be_placed_skips_it_warns_and_tracks_the_rest(engine, caplog):
    far = add_sell(engine, at=SELL_AT)
    _move_executed_at(engine, far, "9999-12-31 00:00:00")
    order = add_sell(engine, at=SELL_AT, price=200.0)
    add_candles(engine, {"2026-11-23 13:00": 201.0})

    with caplog.at_level(logging.WARNING):
        result = tracking.track(engine, NOW)

    assert stored_points(engine, order)["1h"]["price"] == 201.0
    assert stored_points(engine, far) is None
    assert result.points_tracked == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and far in r.getMessage()]
    assert len(warnings) == 1 and "time" in warnings[0]


def test_load_orders_when_a_sell_time_cannot_be_placed_skips_it_with_a_note(engine):
    from exitlens.store.load import load_orders

    far = add_sell(engine, at=SELL_AT)
    _move_executed_at(engine, far, "9999-12-31 00:00:00")
    kept = add_sell(engine, at=SELL_AT)

    loaded = load_orders(engine)

    assert loaded.orders["id"].tolist() == [kept]
    assert [order for order, _ in loaded.notes_by_order] == [far]
    assert "out of range" in loaded.notes[0]


def test_track_when_the_bot_writes_the_same_rows_meanwhile_never_deadlocks(postgres_url, capsys):
    """The bot's multi-row writes lock in primary-key order; so does the tracker. The longest
    wait a bot write saw is printed (it is measured, not asserted: timings vary by machine)."""
    import random
    import time as clock
    import uuid

    from exitlens.store import db, migrations

    engine = db.connect(postgres_url, create=True)
    migrations.migrate(engine)
    base = ts("2026-11-20 00:00")
    candles = pd.date_range(base, periods=3 * 1440, freq="1min")
    store.insert_candles(engine, pd.DataFrame({"symbol": "KRW-BTC", "timestamp": candles,
                                               "close_price": np.linspace(100, 130, len(candles))}))
    numbers = random.Random(3).sample(range(1, 100_000), 1440)  # ids in no relation to time
    store.insert_orders(engine, pd.DataFrame([{
        "id": str(uuid.UUID(int=numbers[minute])), "symbol": "KRW-BTC", "side": "SELL", "order_type": "MARKET", "price": 100.0,
        "quantity": 1.0, "fee": 0.0, "status": "FILLED", "created_at": base + pd.Timedelta(minutes=minute),
        "executed_at": base + pd.Timedelta(minutes=minute), "post_exit_prices": None,
        "exit_reason": "TAKE_PROFIT", "regime": "BULL"} for minute in range(1440)]))
    ids = [str(uuid.UUID(int=number)) for number in numbers]
    done, waits, deadlocks = threading.Event(), [], []

    def bot():
        writer = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1))
        chooser = random.Random(7)
        while not done.is_set():
            chosen = sorted(chooser.sample(ids, 40))
            started = clock.monotonic()
            try:
                with writer.begin() as conn:
                    conn.execute(sa.text("SELECT id FROM trading_history WHERE id = ANY(CAST(:ids AS uuid[])) "
                                         "ORDER BY id FOR UPDATE"),
                                 {"ids": chosen})
                    conn.execute(sa.text("UPDATE trading_history SET regime = regime WHERE id = ANY(CAST(:ids AS uuid[]))"),
                                 {"ids": chosen})
            except sa.exc.OperationalError as exc:
                if "deadlock" not in str(exc):
                    raise
                deadlocks.append(exc)
            waits.append(clock.monotonic() - started)
        writer.dispose()

    writer = threading.Thread(target=bot)
    writer.start()
    try:
        result = tracking.track(engine, ts("2026-11-23 12:00"))
    finally:
        done.set()
        writer.join(30)

    assert deadlocks == [] and len(waits) > 0
    assert result.points_tracked == 1440 * 4
    with capsys.disabled():
        print(f"\nbot writes during the backfill: {len(waits)}, longest {max(waits) * 1000:.0f} ms")


def _set_close(engine, marker: float, literal: str) -> None:
    """Overwrite the close of the candle closing at `marker` with a raw SQL literal (text 'NaN', …),
    as a bot's feed may write it."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE market_data SET close_price = {literal} WHERE close_price = :marker"),
                     {"marker": marker})


@pytest.mark.parametrize("bad_close", ["0", "-5", "'NaN'"])
def test_track_when_nearest_candle_has_a_bad_close_uses_the_next_good_candle(engine, bad_close):
    order = add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 13:00": 1.0, "2026-11-23 13:02": 101.0})
    _set_close(engine, 1.0, bad_close)

    result = tracking.track(engine, ts("2026-11-23 14:00"))

    assert stored_points(engine, order)["1h"]["price"] == 101.0
    assert result.points_tracked == 1


@pytest.mark.parametrize("bad_close", ["0", "-5", "'NaN'"])
def test_track_when_the_only_candle_has_a_bad_close_records_nothing_and_counts_it_missed(engine, bad_close):
    order = add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 13:00": 1.0})
    _set_close(engine, 1.0, bad_close)

    result = tracking.track(engine, ts("2026-11-23 14:00"))

    assert stored_points(engine, order) is None
    assert (result.points_tracked, result.points_missed) == (0, 1)


def test_track_when_a_change_would_be_absurd_skips_that_sell_warns_once_and_tracks_the_rest(engine, caplog):
    absurd = add_sell(engine, at=SELL_AT, price=1e-8, symbol="KRW-XRP")
    fine = add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 13:00": 999_999_999.0}, symbol="KRW-XRP")
    add_candles(engine, {"2026-11-23 13:00": 101.0})

    with caplog.at_level(logging.WARNING, logger="exitlens.store.tracker"):
        result = tracking.track(engine, ts("2026-11-23 14:00"))
        again = tracking.track(engine, ts("2026-11-23 14:00"), full=True)

    assert stored_points(engine, absurd) is None
    assert stored_points(engine, fine)["1h"]["price"] == 101.0
    assert (result.points_tracked, again.points_tracked) == (1, 0)
    warnings = [r.getMessage() for r in caplog.records if "post-exit change" in r.getMessage()]
    assert len(warnings) == 2 and all(absurd in w for w in warnings)


@pytest.mark.parametrize(("price", "close", "warned"), [
    ("100", "1e308", True), ("9e999", "100", True), ("1e-300", "100", True),
    ("100", "9e999", False), ("100", "-9e999", False),  # a non-finite close is a bad tick: no candle there
])
def test_track_on_sqlite_when_a_value_is_extreme_never_fails_and_stores_no_such_point(sqlite_url, price, close, warned,
                                                                                     caplog):
    from exitlens.store import db, migrations

    engine = db.connect(sqlite_url, create=True)
    migrations.migrate(engine)
    hostile = add_sell(engine, at=SELL_AT, symbol="KRW-XRP")
    fine = add_sell(engine, at=SELL_AT)
    add_candles(engine, {"2026-11-23 13:00": 100.0}, symbol="KRW-XRP")
    add_candles(engine, {"2026-11-23 13:00": 101.0})
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE trading_history SET price = {price} WHERE id = :id"), {"id": hostile})
        conn.execute(sa.text(f"UPDATE market_data SET close_price = {close} WHERE symbol = 'KRW-XRP'"))

    with caplog.at_level(logging.WARNING, logger="exitlens.store.tracker"):
        result = tracking.track(engine, ts("2026-11-23 14:00"))
        tracking.track(engine, ts("2026-11-23 14:00"), full=True)

    assert stored_points(engine, hostile) is None
    assert stored_points(engine, fine)["1h"]["price"] == 101.0 and result.points_tracked == 1
    named = [r.getMessage() for r in caplog.records if hostile in r.getMessage()]
    assert bool(named) == warned and all(len(m.splitlines()) == 1 for m in named)
    engine.dispose()


def test_track_when_two_routine_trackers_start_together_counts_an_expired_point_once(engine):
    add_sell(engine, at=SELL_AT)  # no candles: every point expires
    tracking.track(engine, ts("2026-11-23 12:30"))  # a previous run, so the next ones are routine
    later = ts("2026-11-27 00:00")
    results = []

    def run():
        results.append(tracking.track(engine, later))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.points_expired for r in results) == [0, 4]
