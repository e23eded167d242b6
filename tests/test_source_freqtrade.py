"""`exitlens sync freqtrade` on a database with freqtrade's real schema and its candle files."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from contextlib import closing

import pandas as pd
import pytest
import sqlalchemy as sa

from exitlens.core.environment import Environment
from exitlens.store import db
from exitlens.store.sources import candle_files
from exitlens.store.sources.candle_files import read_candle_file
from exitlens.store.sources.freqtrade import (
    FreqtradeSchemaTooOld,
    NotAFreqtradeDatabase,
    open_read_only,
    read_freqtrade,
    sync_freqtrade,
)
from freqtrade_factories import Fill, FreqtradeBot, minute_candles, write_feather, write_json
from test_freqtrade_profit import freqtrade_profit

CANDLES_FROM = "2024-02-29 20:00"
MINUTES = 3 * 24 * 60
NOW = "2024-03-04T00:00:00+00:00"


def _closes(base: float) -> list[float]:
    return [round(base * (1 + 0.0001 * ((i % 120) - 60)), 6) for i in range(MINUTES)]


@pytest.fixture
def bot(tmp_path):
    """A freqtrade bot: BTC trades with DCA entries and a partial exit (feather candles), an ETH
    trade closed by an exchange stop-loss after a cancelled exit (json candles), a short SOL
    trade, and an open XRP trade whose pair has no 1m data."""
    ft = FreqtradeBot(tmp_path / "tradesv3.sqlite")
    ft.dca = ft.add_trade("BTC/USDT", [
        Fill("buy", 60000.0, 0.01, "2024-03-01 00:10"),
        Fill("buy", 58000.0, 0.01, "2024-03-01 01:00"),
        Fill("sell", 61000.0, 0.02, "2024-03-01 03:00", tag="roi"),
    ], exit_reason="roi", max_rate=61500.0)
    ft.partial = ft.add_trade("BTC/USDT", [
        Fill("buy", 61500.0, 0.02, "2024-03-01 05:00"),
        Fill("sell", 62000.0, 0.01, "2024-03-01 06:00", tag="take_half"),
        Fill("sell", 60500.0, 0.01, "2024-03-01 08:00", tag="trailing_stop_loss"),
    ], exit_reason="trailing_stop_loss")
    ft.stop = ft.add_trade("ETH/USDT", [
        Fill("buy", 3000.0, 1.0, "2024-03-01 02:00"),
        Fill("sell", 3100.0, 1.0, "2024-03-01 02:30", status="canceled"),
        Fill("stoploss", 2950.0, 1.0, "2024-03-01 02:31", status="canceled", order_type="stop_loss_limit"),
        Fill("stoploss", 2900.0, 1.0, "2024-03-01 04:00", order_type="stop_loss_limit"),
    ], exit_reason="stoploss_on_exchange")
    ft.short = ft.add_trade("SOL/USDT", [
        Fill("sell", 100.0, 10.0, "2024-03-01 01:00"),
        Fill("buy", 95.0, 10.0, "2024-03-01 02:00"),
    ], exit_reason="roi", is_short=True)
    ft.open = ft.add_trade("XRP/USDT", [
        Fill("buy", 0.5, 100.0, "2024-03-01 05:00"),
        Fill("sell", 0.6, 100.0, "2024-03-01 06:00", status="open", is_open=True),
    ])
    data = tmp_path / "user_data" / "data" / "binance"
    ft.btc_candles = minute_candles(CANDLES_FROM, _closes(60000.0))
    ft.eth_candles = minute_candles(CANDLES_FROM, _closes(3000.0))
    write_feather(data, "BTC_USDT-1m.feather", ft.btc_candles)
    write_json(data, "ETH_USDT-1m.json", ft.eth_candles)
    write_feather(data, "BTC_USDT-5m.feather", ft.btc_candles)  # another timeframe: ignored
    ft.data = data
    return ft


def _rows(url: str, table: str, order: str) -> list[dict]:
    engine = db.connect(url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY {order}"))]
    engine.dispose()
    return rows


def _orders(url: str) -> pd.DataFrame:
    frame = pd.DataFrame(_rows(url, "trading_history", "executed_at, side"))
    frame["signal_info"] = frame["signal_info"].map(lambda v: json.loads(v) if isinstance(v, str) else v)
    return frame


def test_sync_when_bot_has_dca_partial_exit_and_stoploss_writes_one_row_per_filled_long_order(bot, sqlite_url):
    sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)
    orders = _orders(sqlite_url)
    orders = orders[orders["direction"] == "long"].reset_index(drop=True)

    assert list(zip(orders["symbol"], orders["side"], orders["price"].astype(float), orders["quantity"].astype(float))) == [
        ("BTC/USDT", "BUY", 60000.0, 0.01), ("BTC/USDT", "BUY", 58000.0, 0.01), ("ETH/USDT", "BUY", 3000.0, 1.0),
        ("BTC/USDT", "SELL", 61000.0, 0.02), ("ETH/USDT", "SELL", 2900.0, 1.0), ("BTC/USDT", "BUY", 61500.0, 0.02),
        ("XRP/USDT", "BUY", 0.5, 100.0), ("BTC/USDT", "SELL", 62000.0, 0.01), ("BTC/USDT", "SELL", 60500.0, 0.01),
    ]
    sells = orders[orders["side"] == "SELL"]
    assert list(sells["exit_reason"]) == ["roi", "stoploss_on_exchange", "take_half", "trailing_stop_loss"]
    assert orders[orders["side"] == "BUY"]["exit_reason"].isna().all()
    assert set(orders["status"]) == {"FILLED"} and set(orders["strategy_name"]) == {"SampleStrategy"}
    assert orders["regime"].isna().all()
    assert list(orders["order_type"]) == ["LIMIT", "LIMIT", "LIMIT", "LIMIT", "LIMIT", "LIMIT", "LIMIT", "LIMIT", "LIMIT"]
    assert orders["fee"].astype(float).tolist() == pytest.approx(
        [p * q * 0.001 for p, q in zip(orders["price"].astype(float), orders["quantity"].astype(float))])
    assert float(sells["high_water_mark"].iloc[0]) == 61500.0
    assert orders["high_water_mark"][orders["side"] == "BUY"].isna().all()
    assert orders["executed_at"].iloc[0] == "2024-03-01 00:10:00.000000" == orders["created_at"].iloc[0]
    info = orders["signal_info"].iloc[3]
    assert info["source"] == "freqtrade" and info["trade_id"] == bot.dca and "entry_avg_price" not in info


def test_sync_when_run_on_two_copies_of_the_database_gives_the_same_ids(bot, tmp_path):
    copy = tmp_path / "elsewhere" / "tradesv3.sqlite"
    copy.parent.mkdir()
    copy.write_bytes(bot.path.read_bytes())

    assert list(read_freqtrade(str(bot.path)).orders["id"]) == list(read_freqtrade(str(copy)).orders["id"])
    ids = read_freqtrade(str(bot.path)).orders["id"]
    assert ids.is_unique and all(len(i) == 36 for i in ids)


def test_sync_when_open_and_cancelled_orders_skips_them_with_one_note_per_kind(bot, sqlite_url):
    result = sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)

    assert result.skipped["open"] == 1 and result.skipped["unfilled"] == 2 and "short" not in result.skipped
    assert len(result.notes) == 2


def test_sync_keeps_a_short_trade_as_a_short_position_whose_covering_buy_is_its_exit(bot, sqlite_url):
    sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)
    orders = _orders(sqlite_url)
    short = orders[orders["symbol"] == "SOL/USDT"]
    assert list(zip(short["side"], short["direction"], short["position_id"])) == [
        ("SELL", "short", str(bot.short)), ("BUY", "short", str(bot.short))]
    assert short["exit_reason"].isna().tolist() == [True, False] and short["exit_reason"].iloc[1] == "roi"
    assert set(orders["position_id"]) == {str(t) for t in (bot.dca, bot.partial, bot.stop, bot.short, bot.open)}


def test_synced_short_and_3x_futures_trades_show_freqtrades_profit_ratio(tmp_path, sqlite_url):
    from exitlens.core.evaluate import evaluate_sells
    from exitlens.core.settings import Settings
    from exitlens.store.load import load_orders

    ft = FreqtradeBot(tmp_path / "tradesv3.sqlite")
    write_feather(tmp_path / "futures", "ETH_USDT_USDT-1m-futures.feather", minute_candles("2024-03-01 00:00", [2000.0] * 60))
    futures = ft.add_trade("ETH/USDT:USDT", [Fill("buy", 2000.0, 1.5, "2024-03-01 00:10"),
                                             Fill("sell", 2010.0, 1.5, "2024-03-01 03:00")],
                           exit_reason="roi", trading_mode="FUTURES", leverage=3.0, funding_fees=-0.42)
    short = ft.add_trade("SOL/USDT:USDT", [Fill("sell", 100.0, 10.0, "2024-03-01 01:00"),
                                           Fill("buy", 95.0, 10.0, "2024-03-01 02:00")],
                         exit_reason="exit_signal", is_short=True, trading_mode="FUTURES", leverage=3.0,
                         funding_fees=-0.05)
    sync_freqtrade(str(ft.path), tmp_path, target_url=sqlite_url, progress=False)
    engine = db.connect(sqlite_url)
    sells = evaluate_sells(load_orders(engine).orders, Settings()).sells.set_index("symbol")
    engine.dispose()

    for pair, trade_id, (rate_in, rate_out, amount, is_short, funding) in (
            ("ETH/USDT:USDT", futures, (2000.0, 2010.0, 1.5, False, -0.42)),
            ("SOL/USDT:USDT", short, (100.0, 95.0, 10.0, True, -0.05))):
        profit, ratio = freqtrade_profit(open_rate=rate_in, close_rate=rate_out, amount=amount, fee_open=0.001,
                                         fee_close=0.001, is_short=is_short, leverage=3.0, funding_fees=funding)
        row = sells.loc[pair]
        assert row["position"] == str(trade_id) and row["leverage"] == 3.0
        assert row["net_pnl"] == pytest.approx(profit, rel=1e-9)
        assert row["net_pnl_pct"] / 100 == pytest.approx(ratio, abs=1e-9)


def test_sync_when_the_bot_holds_a_write_lock_says_locked_by_the_bot_retry(bot, sqlite_url):
    from exitlens.store.sources.freqtrade import FreqtradeDatabaseLocked

    holder = sqlite3.connect(bot.path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(FreqtradeDatabaseLocked, match="locked by the bot.*retry"):
            sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)
    finally:
        holder.rollback()
        holder.close()


def test_sync_when_pair_has_no_1m_file_names_the_freqtrade_download_command(bot, sqlite_url):
    result = sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)
    line = result.summary_line()

    assert result.pairs_without_candles == ["SOL/USDT", "XRP/USDT"]
    assert "`freqtrade download-data --timeframes 1m --pairs SOL/USDT XRP/USDT`" in line
    assert "11 order(s) added" in line and "3 skipped" in line
    assert "\n" not in line


def test_sync_reads_feather_and_json_candles_from_the_pairs_first_order_on(bot, sqlite_url):
    result = sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)
    candles = pd.DataFrame(_rows(sqlite_url, "market_data", "symbol, timestamp"))

    first = {"BTC/USDT": "2024-03-01 00:10", "ETH/USDT": "2024-03-01 02:00"}
    for pair, source in (("BTC/USDT", bot.btc_candles), ("ETH/USDT", bot.eth_candles)):
        expected = source[source["date"] >= pd.Timestamp(first[pair], tz="UTC") - pd.Timedelta(hours=1)]
        stored = candles[candles["symbol"] == pair]
        assert result.candles_added[pair] == len(expected) == len(stored)
        assert stored["timestamp"].iloc[0] == expected["date"].iloc[0].strftime("%Y-%m-%d %H:%M:%S.%f")
        assert stored["close_price"].astype(float).tolist() == pytest.approx(expected["close"].tolist())
        assert stored["high_price"].astype(float).tolist() == pytest.approx(expected["high"].tolist())
    assert set(candles["interval"]) == {"1m"}


def test_sync_leaves_the_freqtrade_file_byte_identical(bot, sqlite_url):
    before = hashlib.sha256(bot.path.read_bytes()).hexdigest()
    files_before = sorted(p.name for p in bot.path.parent.glob("tradesv3*"))

    sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)
    sync_freqtrade(f"sqlite:///{bot.path}", bot.data, target_url=sqlite_url, progress=False)

    assert hashlib.sha256(bot.path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in bot.path.parent.glob("tradesv3*")) == files_before  # no journal, no -wal


def test_open_read_only_when_asked_to_write_refuses(bot):
    engine, _ = open_read_only(str(bot.path))
    with pytest.raises(sa.exc.OperationalError, match="readonly"), engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM orders")
    engine.dispose()


def test_sync_twice_adds_nothing_and_keeps_post_exit_prices(bot, database_url):
    sync_freqtrade(str(bot.path), bot.data, target_url=database_url, progress=False)
    engine = db.connect(database_url)
    points = '{"1h": {"price": 1.0, "change_pct": 0.5, "tracked_at": "2024-03-01T04:05:00+00:00"}}'
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE trading_history SET post_exit_prices = "
                             + ("CAST(:p AS jsonb)" if engine.dialect.name == "postgresql" else ":p")
                             + " WHERE side = 'SELL'"), {"p": points})
    before = _rows(database_url, "trading_history", "id")

    again = sync_freqtrade(str(bot.path), bot.data, target_url=database_url, progress=False)

    assert again.orders_added == 0 and set(again.candles_added.values()) == {0}
    assert _rows(database_url, "trading_history", "id") == before
    engine.dispose()


def test_sync_when_the_bot_fills_new_orders_adds_only_those(bot, sqlite_url):
    sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)
    bot.add_trade("ETH/USDT", [Fill("buy", 3050.0, 1.0, "2024-03-02 00:00"),
                               Fill("sell", 3100.0, 1.0, "2024-03-02 01:00", tag="exit_signal")], exit_reason="exit_signal")

    result = sync_freqtrade(str(bot.path), bot.data, target_url=sqlite_url, progress=False)

    assert result.orders_added == 2 and result.orders_read == 13
    assert len(_orders(sqlite_url)) == 13


def test_sync_when_pair_is_a_futures_pair_reads_the_futures_folder(tmp_path, sqlite_url):
    ft = FreqtradeBot(tmp_path / "tradesv3.sqlite")
    ft.add_trade("BTC/USDT:USDT", [Fill("buy", 60000.0, 0.01, "2024-03-01 00:10"),
                                   Fill("sell", 61000.0, 0.01, "2024-03-01 01:00", tag="roi")],
                 exit_reason="roi", trading_mode="FUTURES")
    data = tmp_path / "data"
    write_feather(data / "futures", "BTC_USDT_USDT-1m-futures.feather", minute_candles("2024-03-01 00:00", [60000.0] * 120))

    result = sync_freqtrade(str(ft.path), data, target_url=sqlite_url, progress=False)

    assert result.candles_added == {"BTC/USDT:USDT": 120} and result.orders_added == 2


def test_data_directory_when_given_user_data_data_finds_the_exchange_folder(bot):
    assert candle_files.data_directory(bot.data.parent) == bot.data


# -- bad input: one clear error, nothing written --------------------------------------------


def _not_sqlite(tmp_path, bot):
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database\n" * 100)
    return str(path), bot.data


def _no_trades_table(tmp_path, bot):
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE pets (id INTEGER)")
    return str(path), bot.data


def _schema_without_orders(tmp_path, bot):
    path = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE trades (id INTEGER PRIMARY KEY, exchange VARCHAR, pair VARCHAR, open_rate FLOAT, "
                      "close_rate FLOAT, amount FLOAT, open_date DATETIME, close_date DATETIME, open_order_id VARCHAR)")
    return str(path), bot.data


def _missing_file(tmp_path, bot):
    return str(tmp_path / "nowhere.sqlite"), bot.data


def _no_candle_files(tmp_path, bot):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "BTC_USDT-trades.feather").write_bytes(b"not candles")
    return str(bot.path), empty


def _corrupt_feather(tmp_path, bot):
    (bot.data / "BTC_USDT-1m.feather").write_bytes(b"ARROW1\x00\x00garbage" * 10)
    return str(bot.path), bot.data


def _json_not_rows(tmp_path, bot):
    (bot.data / "ETH_USDT-1m.json").write_text(json.dumps([[1709251200000, 1, 2, 3, 4, 5], [1709251260000, "x", 2, 3, 4, 5]]))
    return str(bot.path), bot.data


def _json_not_a_list(tmp_path, bot):
    (bot.data / "ETH_USDT-1m.json").write_text(json.dumps({"date": [1], "close": [2]}))
    return str(bot.path), bot.data


@pytest.mark.parametrize(("make", "error", "message"), [
    (_not_sqlite, NotAFreqtradeDatabase, "is not a readable freqtrade database"),
    (_no_trades_table, NotAFreqtradeDatabase, r"not a freqtrade database \(no trades table\)"),
    (_schema_without_orders, FreqtradeSchemaTooOld, "before orders were stored"),
    (_missing_file, NotAFreqtradeDatabase, "no freqtrade database at"),
    (_no_candle_files, candle_files.ConfigError, "no candle files"),
    (_corrupt_feather, candle_files.DataError, "BTC_USDT-1m.feather cannot be read"),
    (_json_not_rows, candle_files.DataError, r"row 2 is \[1709251260000, \"x\""),
    (_json_not_a_list, candle_files.DataError, "is not a list of"),
])
def test_sync_when_input_bad_raises_one_line_and_writes_nothing(tmp_path, bot, sqlite_url, make, error, message):
    source, data = make(tmp_path, bot)

    with pytest.raises(error, match=message) as raised:
        sync_freqtrade(source, data, target_url=sqlite_url, progress=False)

    assert "\n" not in str(raised.value)
    path = tmp_path / "exitlens.db"
    if path.exists():
        with closing(sqlite3.connect(path)) as conn, conn:
            assert conn.execute("SELECT count(*) FROM trading_history").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM market_data").fetchone() == (0,)


def test_read_candle_file_when_json_has_nan_free_rows_keeps_open_time_as_timestamp(tmp_path):
    path = write_json(tmp_path, "BTC_USDT-1m.json", minute_candles("2024-03-01 00:00", [1.0, 2.0]))

    frame = read_candle_file(path, "BTC/USDT")

    assert list(frame["timestamp"]) == [pd.Timestamp("2024-03-01 00:00", tz="UTC"), pd.Timestamp("2024-03-01 00:01", tz="UTC")]
    assert list(frame["close_price"]) == [1.0, 2.0]


# -- the command line and the whole pipeline ------------------------------------------------


def exitlens(*args: str, cwd) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DATABASE_URL", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "exitlens.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_sync_when_input_bad_prints_one_line_and_fails(tmp_path):
    done = exitlens("sync", "freqtrade", "--source", str(tmp_path / "nope.sqlite"), "--candles", str(tmp_path), cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"exitlens: error: no freqtrade database at {tmp_path / 'nope.sqlite'}: pass the bot's tradesv3.sqlite "
        "(user_data/tradesv3.sqlite, or tradesv3.dryrun.sqlite) or its database URL"]
    assert not (tmp_path / "data").exists()


def _bucket(buckets: dict, *names: str) -> dict:
    found = [buckets[n] for n in names if n in buckets]
    assert len(found) == 1, (names, sorted(buckets))
    return found[0]


def test_sync_then_track_then_summary_gives_freqtrades_own_pnl(bot, tmp_path):
    """From a freqtrade database to exitlens's numbers: gross pnl_pct = close_rate / open_rate − 1,
    net PnL = freqtrade's close_profit_abs, post-exit points = the candle files' closes."""
    synced = exitlens("sync", "freqtrade", "--source", str(bot.path), "--candles", str(bot.data), cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.count("\n") == 1 and "11 order(s) added" in synced.stdout
    assert len(synced.stderr.strip().splitlines()) == 2  # one note per kind of skipped order

    tracked = exitlens("track", "--now", NOW, "--json", cwd=tmp_path)
    assert tracked.returncode == 0, tracked.stderr
    assert json.loads(tracked.stdout)["points_tracked"] == 16

    done = exitlens("summary", "weekly", "--end", "2024-03-04T00:00:00+00:00", "--days", "7", "--now", NOW,
                    "--tz", "UTC", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    by_reason = summary["by_exit_reason"]
    roi = _bucket(by_reason, "TAKE_PROFIT", "ROI")
    stop = _bucket(by_reason, "STOP_LOSS", "STOPLOSS_ON_EXCHANGE")
    trailing = _bucket(by_reason, "TRAILING_STOP", "TRAILING_STOP_LOSS")
    half = _bucket(by_reason, "TAKE_HALF")
    # DCA: open_rate 59000; and the SOL short, entered at 100 and covered at 95 (+5%)
    assert roi["avg_pnl_pct"] == pytest.approx(((61000 / 59000 - 1) * 100 + 5.0) / 2)
    assert stop["avg_pnl_pct"] == pytest.approx((2900 / 3000 - 1) * 100)
    assert half["avg_pnl_pct"] == pytest.approx((62000 / 61500 - 1) * 100)     # partial exit
    assert trailing["avg_pnl_pct"] == pytest.approx((60500 / 61500 - 1) * 100)
    assert summary["overall"]["count"] == 5

    btc = bot.btc_candles.set_index("date")["close"]
    post_1h = (btc[pd.Timestamp("2024-03-01 04:00", tz="UTC")] - 61000) / 61000 * 100
    assert roi["avg_post_1h_pct"] == pytest.approx(post_1h, abs=1e-6)

    assert summary["overall"]["currency"] == "USDT" and set(summary["max_drawdown"]) == {"USDT"}
    assert sorted(by_reason) == ["STOP_LOSS", "TAKE_HALF", "TAKE_PROFIT", "TRAILING_STOP"]  # aliases
    short_profit, _ = freqtrade_profit(open_rate=100.0, close_rate=95.0, amount=10.0, fee_open=0.001,
                                       fee_close=0.001, is_short=True, leverage=1.0)
    assert _money(roi["net_pnl"]) == pytest.approx(bot.trade_profits[bot.dca] + short_profit, abs=1e-6)
    assert _money(stop["net_pnl"]) == pytest.approx(bot.trade_profits[bot.stop], abs=1e-6)
    assert _money(half["net_pnl"]) + _money(trailing["net_pnl"]) == pytest.approx(bot.trade_profits[bot.partial], abs=1e-6)
    in_period = sum(bot.trade_profits[trade] for trade in (bot.dca, bot.stop, bot.partial)) + short_profit
    assert _money(summary["overall"]["net_pnl"]) == pytest.approx(in_period, abs=1e-6)


def _money(value) -> float:
    """A money figure, plain or per quote currency ({"USDT": …})."""
    return float(value["USDT"]) if isinstance(value, dict) else float(value)


def test_scheduled_track_job_with_freqtrade_sync_copies_new_orders_before_tracking(bot, tmp_path):
    from exitlens.core.settings import Settings
    from exitlens.ops.schedule import default_track_job, sync_from_environment
    from exitlens.store import migrations

    url = f"sqlite:///{tmp_path / 'exitlens.db'}"
    engine = db.connect(url, create=True)
    migrations.migrate(engine)
    env = {"EXITLENS_SYNC": "freqtrade", "EXITLENS_FREQTRADE_SOURCE": str(bot.path),
           "EXITLENS_FREQTRADE_CANDLES": str(bot.data)}

    result = default_track_job(engine, Settings(), sync=sync_from_environment(Environment.from_mapping(env), url))(pd.Timestamp(NOW).to_pydatetime())

    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM trading_history")).scalar_one() > 0
    assert result.points_tracked > 0
    engine.dispose()


@pytest.mark.parametrize(("env", "message"), [
    ({"EXITLENS_SYNC": "hummingbot"}, "not a known source"),
    ({"EXITLENS_SYNC": "freqtrade"}, "needs EXITLENS_FREQTRADE_SOURCE"),
])
def test_sync_from_env_when_misconfigured_says_what_to_set(env, message):
    from exitlens.core.errors import ConfigError
    from exitlens.ops.schedule import sync_from_environment

    with pytest.raises(ConfigError, match=message):
        sync_from_environment(Environment.from_mapping(env), "sqlite:///x.db")


def test_sync_from_env_when_unset_runs_no_sync():
    from exitlens.ops.schedule import sync_from_environment

    assert sync_from_environment(Environment(), "sqlite:///x.db") is None


def test_sync_when_a_pair_has_only_5m_candles_stores_them_as_5m_and_tracking_reads_them(tmp_path, sqlite_url):
    from datetime import timedelta

    from exitlens.core.settings import Settings
    from exitlens.store import tracker

    ft = FreqtradeBot(tmp_path / "tradesv3.sqlite")
    ft.add_trade("BTC/USDT", [Fill("buy", 60000.0, 0.01, "2024-03-01 00:10"),
                              Fill("sell", 61000.0, 0.01, "2024-03-01 01:00", tag="roi")], exit_reason="roi")
    five = minute_candles("2024-03-01 00:00", [60000.0 + i for i in range(600)])
    five = five[five["date"].dt.minute % 5 == 0].reset_index(drop=True)
    write_feather(tmp_path / "data", "BTC_USDT-5m.feather", five)

    result = sync_freqtrade(str(ft.path), tmp_path / "data", target_url=sqlite_url, progress=False)

    assert result.timeframes == {"BTC/USDT": "5m"} and result.pairs_without_candles == []
    assert "EXITLENS_CANDLE_INTERVAL=5m EXITLENS_CANDLE_TOLERANCE_MINUTES=5" in result.summary_line()
    assert {row["interval"] for row in _rows(sqlite_url, "market_data", "timestamp")} == {"5m"}
    engine = db.connect(sqlite_url)
    settings = Settings(candle_interval="5m", candle_tolerance=timedelta(minutes=5))
    tracked = tracker.track(engine, pd.Timestamp("2024-03-02", tz="UTC").to_pydatetime(), settings)
    engine.dispose()
    assert tracked.points_tracked >= 1
