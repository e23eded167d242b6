"""Candle paths: the 1m OHLC of given symbols over given time windows, read set-based.

The after-exit path extremes (SPEC §2.2) and the exit replay (SPEC §6) need each sell's price
path. Windows of one symbol are merged into ranges, and each range is read with one query per
chunk of `chunk` days, so the cost grows with the candles needed, never with the number of
sells, and memory stays bounded by what the windows cover, never the whole candle table.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from exitlens.core.frames import UTC_TIME
from exitlens.core.timeutil import sqlite_text, utc_series
from exitlens.store.db import dialect_name

log = logging.getLogger(__name__)

CANDLE_PATH_COLUMNS = ("symbol", "timestamp", "open", "high", "low", "close")
"""The columns of a candle-path frame: sorted by symbol then timestamp, times UTC."""

_SLACK = timedelta(minutes=1)
"""Read this much beyond each range: SQLite compares timestamps as text, whose fractional
seconds are optional, so the exact bounds are applied in pandas after reading."""

_RANGE = sa.text("""
SELECT "timestamp",
       CAST(open_price AS DOUBLE PRECISION) AS open,
       CAST(high_price AS DOUBLE PRECISION) AS high,
       CAST(low_price AS DOUBLE PRECISION) AS low,
       CAST(close_price AS DOUBLE PRECISION) AS close
FROM market_data
WHERE symbol = :symbol AND interval = :interval AND "timestamp" >= :start AND "timestamp" <= :end
ORDER BY "timestamp"
""")


def merged_ranges(windows: pd.DataFrame) -> pd.DataFrame:
    """Per symbol, the union of the windows `[start, end]` as non-overlapping ranges.

    `windows` has columns symbol, start, end (aware times); rows with a missing bound are
    ignored. The result has the same columns, sorted by symbol and start.
    """
    usable = windows.dropna(subset=["symbol", "start", "end"])
    usable = usable[usable["end"] >= usable["start"]].sort_values(["symbol", "start"])
    if usable.empty:
        return pd.DataFrame({"symbol": pd.Series(dtype=object), "start": pd.Series(dtype=UTC_TIME),
                             "end": pd.Series(dtype=UTC_TIME)})
    reach = usable.groupby("symbol")["end"].cummax()
    previous_reach = reach.groupby(usable["symbol"]).shift()
    new_range = previous_reach.isna() | (usable["start"] > previous_reach)
    range_id = new_range.cumsum()
    return (usable.assign(_range=range_id.to_numpy())
            .groupby("_range").agg(symbol=("symbol", "first"), start=("start", "min"), end=("end", "max"))
            .reset_index(drop=True))


def load_candle_paths(engine: Engine, windows: pd.DataFrame, *, interval: str = "1m",
                      chunk: timedelta = timedelta(days=7)) -> pd.DataFrame:
    """The candles of `interval` covering `windows` (columns symbol, start, end; inclusive).

    One query per symbol range and chunk; the result has CANDLE_PATH_COLUMNS, float prices,
    sorted by symbol and timestamp, each candle once.
    """
    sqlite = dialect_name(engine) == "sqlite"
    frames = []
    with engine.connect() as conn:
        for symbol, start, end in merged_ranges(windows).itertuples(index=False):
            for chunk_start in pd.date_range(start, end, freq=pd.Timedelta(chunk)):
                chunk_end = min(end, chunk_start + pd.Timedelta(chunk))
                bounds = (chunk_start - _SLACK, chunk_end + _SLACK)
                params = {"symbol": symbol, "interval": interval,
                          "start": sqlite_text(bounds[0]) if sqlite else bounds[0].to_pydatetime(),
                          "end": sqlite_text(bounds[1]) if sqlite else bounds[1].to_pydatetime()}
                part = pd.DataFrame(conn.execute(_RANGE, params).mappings().all(),
                                    columns=["timestamp", "open", "high", "low", "close"])
                part["timestamp"] = utc_series(part["timestamp"]).to_numpy()
                part = part[(part["timestamp"] >= chunk_start) & (part["timestamp"] <= chunk_end)]
                frames.append(part.assign(symbol=symbol))
    if not frames:
        return _empty()
    paths = pd.concat(frames, ignore_index=True)
    paths = paths.dropna(subset=["timestamp"]).drop_duplicates(["symbol", "timestamp"])
    paths = paths.sort_values(["symbol", "timestamp"], kind="stable").reset_index(drop=True)
    log.info("read %d candles for %d symbol(s)", len(paths), paths["symbol"].nunique())
    return paths[list(CANDLE_PATH_COLUMNS)].astype({c: "float64" for c in ("open", "high", "low", "close")})


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"symbol": pd.Series(dtype=object), "timestamp": pd.Series(dtype=UTC_TIME),
                         **{c: pd.Series(dtype="float64") for c in ("open", "high", "low", "close")}})
