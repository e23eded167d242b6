"""The tracker benchmark's data: 1m candles for 10 symbols over 60 days (864,000 rows) and
20,000 round trips (a BUY and a SELL each), generated deterministically with numpy and loaded
with PostgreSQL COPY from in-memory CSV.

Every SELL lies at least 24h + the candle tolerance before `now`, and the candle feed has no
gaps, so at `now` all 4 × 20,000 points are due and every one has a candle: the full run
records 80,000 points. `incremental_since` is the time at which all but the last ~1,000 of
them had become due: a run there followed by a run at `now` leaves ~1,000 newly due points.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import psycopg2

from exitlens.core.settings import Settings

END = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
SYMBOLS = ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE",
           "KRW-ADA", "KRW-AVAX", "KRW-LINK", "KRW-DOT", "KRW-TRX")
START_PRICES = np.array([95e6, 4.8e6, 3200.0, 280_000.0, 550.0, 1300.0, 52_000.0, 33_000.0, 11_000.0, 380.0])
FULL_DAYS = 60
FULL_SELLS = 20_000
INCREMENTAL_POINTS = 1_000
SEED = 2026


@dataclass(frozen=True)
class TrackerData:
    days: int
    sells: int
    candles: int
    now: datetime
    incremental_since: datetime
    incremental_points: int

    @property
    def points(self) -> int:
        return self.sells * len(Settings().horizons)


def _pg_url_to_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return f"host={u.host} port={u.port} dbname={u.database} user={u.username}"


def connect_raw(url: str):
    """A plain psycopg2 connection to the SQLAlchemy-style `url`."""
    return psycopg2.connect(_pg_url_to_dsn(url))


def _copy(cursor, table: str, columns: list[str], frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor.copy_expert(f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer)


def candles(days: int, rng: np.random.Generator) -> tuple[pd.DatetimeIndex, np.ndarray, pd.DataFrame]:
    """(minute times, closes [symbol, minute], the market_data rows)."""
    minutes = days * 1440
    times = pd.date_range(end=pd.Timestamp(END) - pd.Timedelta(minutes=1), periods=minutes, freq="1min")
    steps = rng.normal(0.0, 0.0005, size=(len(SYMBOLS), minutes))
    closes = (START_PRICES[:, None] * np.exp(np.cumsum(steps, axis=1))).round(2)
    opens = np.concatenate([START_PRICES[:, None], closes[:, :-1]], axis=1)
    wiggle = np.abs(rng.normal(0.0, 0.0003, size=closes.shape)) * closes
    stamps = np.tile(times.strftime("%Y-%m-%d %H:%M:%S+00"), len(SYMBOLS))
    frame = pd.DataFrame({
        "symbol": np.repeat(SYMBOLS, minutes),
        "interval": "1m",
        "open_price": opens.ravel(),
        "high_price": (np.maximum(opens, closes) + wiggle).round(2).ravel(),
        "low_price": (np.minimum(opens, closes) - wiggle).round(2).ravel(),
        "close_price": closes.ravel(),
        "volume": np.abs(rng.normal(0, 10, size=closes.size)).round(4),
        "timestamp": stamps,
    })
    return times, closes, frame


def orders(sells: int, times: pd.DatetimeIndex, closes: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """One BUY and one SELL per round trip. SELLs fall at a random second, at least 24h05m
    plus a minute before END; 3% of fills lack executed_at (their event time is created_at)."""
    horizon_room = 24 * 60 + 5 + 1
    sell_minute = np.sort(rng.integers(60 * 6, len(times) - horizon_room, size=sells))
    hold = rng.integers(10, 60 * 6, size=sells)
    symbol = rng.integers(0, len(SYMBOLS), size=sells)
    seconds = rng.integers(0, 60, size=(2, sells))
    start = times[0].value
    minute_ns = 60 * 10**9

    def stamp(minute, second):
        return pd.to_datetime(start + minute * minute_ns + second * 10**9, utc=True)

    sell_at, buy_at = stamp(sell_minute, seconds[0]), stamp(sell_minute - hold, seconds[1])
    sell_price = closes[symbol, sell_minute]
    buy_price = closes[symbol, sell_minute - hold]
    quantity = (1_000_000 / buy_price).round(8)
    reasons = np.array(["TAKE_PROFIT", "STOP_LOSS", "TRAILING_STOP", "TIME_LIMIT", "RSI_OVERBOUGHT"])
    regimes = np.array(["BULL", "SIDEWAYS", "BEAR"])
    ids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(2 * sells)]

    def side(name, at, price, extra):
        executed = pd.Series(at.strftime("%Y-%m-%d %H:%M:%S+00"))
        executed[rng.random(sells) < 0.03] = None
        return pd.DataFrame({
            "symbol": np.array(SYMBOLS)[symbol], "side": name, "order_type": "MARKET",
            "price": price, "quantity": quantity, "fee": (price * quantity * 0.0005).round(8),
            "status": "FILLED", "strategy_name": "mean_reversion_v3",
            "created_at": (at - pd.Timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S+00"),
            "executed_at": executed, **extra,
        })

    buys = side("BUY", buy_at, buy_price, {"signal_info": '{"rsi": 28.5}'})
    sells_frame = side("SELL", sell_at, sell_price, {
        "signal_info": [f'{{"rsi": 64.0, "entry_avg_price": {p!r}}}' for p in buy_price.tolist()],
        "regime": regimes[rng.integers(0, 3, size=sells)],
        "exit_reason": reasons[rng.integers(0, len(reasons), size=sells)],
    })
    frame = pd.concat([buys, sells_frame], ignore_index=True)
    frame.insert(0, "id", ids)
    return frame


def incremental_since(event_times: pd.Series, now: datetime, points: int, settings: Settings) -> tuple[datetime, int]:
    """The latest time at which all but about `points` of the points due at `now` were due,
    and how many become due between it and `now`."""
    due = np.sort(np.concatenate([
        (event_times + h.delta + settings.candle_tolerance).to_numpy(dtype="datetime64[ns]")
        for h in settings.horizons
    ]))
    due = due[due <= np.datetime64(pd.Timestamp(now).tz_convert(None))]
    cut = due[max(0, len(due) - points - 1)]
    since = pd.Timestamp(cut).tz_localize("UTC").to_pydatetime()
    return since, int((due > cut).sum())


def load(url: str, days: int, sells: int, settings: Settings = Settings()) -> TrackerData:
    """Fill the (migrated, empty) database at `url`; return what was written."""
    rng = np.random.default_rng(SEED)
    times, closes, candle_rows = candles(days, rng)
    order_rows = orders(sells, times, closes, rng)
    with connect_raw(url) as conn, conn.cursor() as cur:
        _copy(cur, "market_data", list(candle_rows.columns), candle_rows)
        _copy(cur, "trading_history", list(order_rows.columns), order_rows)
    conn.close()
    sell_rows = order_rows[order_rows["side"] == "SELL"]
    event = pd.to_datetime(sell_rows["executed_at"].fillna(sell_rows["created_at"]), utc=True, format="ISO8601")
    since, newly_due = incremental_since(event.reset_index(drop=True), END, min(INCREMENTAL_POINTS, max(1, sells)), settings)
    return TrackerData(days, sells, len(candle_rows), END, since, newly_due)


def recorded_history(sells: int, rng: np.random.Generator, settings: Settings = Settings()) -> pd.DataFrame:
    """`sells` round trips ending at END over `sells / FULL_SELLS × FULL_DAYS` days (the history
    grows at the full data's rate), every SELL's points already recorded: a routine run at END
    has nothing to do. No candles are needed for that."""
    days = max(2, round(FULL_DAYS * sells / FULL_SELLS))
    minutes = days * 1440
    times = pd.date_range(END - timedelta(minutes=minutes), periods=minutes, freq="min")
    closes = np.broadcast_to(START_PRICES[:, None], (len(SYMBOLS), minutes))
    frame = orders(sells, times, closes, rng)
    recorded = json.dumps({h.key: {"price": 1.0, "change_pct": 0.0, "tracked_at": END.isoformat()}
                           for h in settings.horizons})
    frame["post_exit_prices"] = np.where(frame["side"] == "SELL", recorded, None)
    return frame


def load_recorded(url: str, sells: int) -> int:
    """Replace the orders at `url` with `recorded_history(sells)` and record a tracker run at
    END, so the next run there is a routine one; return the orders written."""
    rows = recorded_history(sells, np.random.default_rng(SEED + sells))
    with connect_raw(url) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE trading_history")
        _copy(cur, "trading_history", list(rows.columns), rows)
        cur.execute("DELETE FROM exitlens_tracker_state")
        cur.execute("INSERT INTO exitlens_tracker_state (tracker, last_now) VALUES ('post_exit', %s)", (END,))
    conn.close()
    return len(rows)
