"""Candle paths: the 1m OHLC of given symbols over given time windows, read set-based.

The after-exit path extremes (SPEC §2.2) and the exit replay (SPEC §6) need each sell's price
path. Windows of one symbol are merged into ranges, and each range is read with one query per
chunk of `chunk` days, so the cost grows with the candles needed, never with the number of
sells, and memory stays bounded by what the windows cover, never the whole candle table.
A `CandleReader` shared by both reads each candle once: the replay's windows overlap the
after-exit windows of the same sells, and only the part not read yet is queried.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exitlens.core.frames import UTC_TIME
from exitlens.core.timeutil import sqlite_text, utc_series
from exitlens.store.db import dialect_name

log = logging.getLogger(__name__)

CANDLE_PATH_COLUMNS = ("symbol", "timestamp", "open", "high", "low", "close")
"""The columns of a candle-path frame: sorted by symbol then timestamp, times UTC."""
_PRICES = ("open", "high", "low", "close")

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
        return _empty_ranges()
    reach = usable.groupby("symbol")["end"].cummax()
    previous_reach = reach.groupby(usable["symbol"]).shift()
    new_range = previous_reach.isna() | (usable["start"] > previous_reach)
    range_id = new_range.cumsum()
    return (usable.assign(_range=range_id.to_numpy())
            .groupby("_range").agg(symbol=("symbol", "first"), start=("start", "min"), end=("end", "max"))
            .reset_index(drop=True))


def uncovered_ranges(wanted: pd.DataFrame, covered: pd.DataFrame) -> pd.DataFrame:
    """The parts of the ranges `wanted` that the ranges `covered` leave out (both as
    `merged_ranges` returns them), as closed ranges: a piece may share its end points with a
    covered range, so reading it reads those instants twice, never misses one."""
    pieces = []
    by_symbol = {symbol: list(zip(group["start"], group["end"])) for symbol, group in covered.groupby("symbol")}
    for symbol, start, end in wanted.itertuples(index=False):
        cursor, reached = start, False
        for done_start, done_end in by_symbol.get(symbol, []):
            if done_end < cursor or done_start > end:
                continue
            if done_start > cursor:
                pieces.append((symbol, cursor, done_start))
            cursor, reached = max(cursor, done_end), True
        if cursor < end or not reached:
            pieces.append((symbol, cursor, end))
    if not pieces:
        return _empty_ranges()
    return pd.DataFrame(pieces, columns=["symbol", "start", "end"])


class CandleReader:
    """The candle paths of one database and interval, each candle read once: `paths(windows)`
    queries only the part of the windows' ranges not read by an earlier call and returns
    exactly what a new reader would for those windows."""

    def __init__(self, engine: Engine, *, interval: str = "1m", chunk: timedelta = timedelta(days=7)):
        self.engine = engine
        self.interval = interval
        self.chunk = pd.Timedelta(chunk)
        self._covered = _empty_ranges()
        self._read = _empty()

    def paths(self, windows: pd.DataFrame) -> pd.DataFrame:
        """The candles covering `windows` (columns symbol, start, end; inclusive): one query
        per symbol range not read yet and chunk; CANDLE_PATH_COLUMNS, float prices, sorted by
        symbol and timestamp, each candle once."""
        wanted = merged_ranges(windows)
        missing = uncovered_ranges(wanted, self._covered)
        if not missing.empty:
            with self.engine.connect() as conn:
                pieces = [self._read_chunk(conn, symbol, low, high)
                          for symbol, start, end in missing.itertuples(index=False)
                          for low, high in _chunk_bounds(start, end, self.chunk)]
            fresh = _candle_frame(pieces)
            read = pd.concat([self._read, fresh], ignore_index=True) if len(self._read) else fresh
            read = read.drop_duplicates(["symbol", "timestamp"])
            self._read = read.sort_values(["symbol", "timestamp"], kind="stable").reset_index(drop=True)
            self._covered = merged_ranges(pd.concat([self._covered, missing], ignore_index=True))
            log.info("read %d candles for %d symbol(s)", len(fresh), missing["symbol"].nunique())
        return _within(self._read, wanted)

    def _read_chunk(self, conn: Connection, symbol: str, start: pd.Timestamp, end: pd.Timestamp) -> _Piece:
        """The candles of `symbol` in `[start, end]`, from one query whose rows become arrays
        at once: a frame per query costs more than the query for the short ranges of a report."""
        low, high = start - _SLACK, end + _SLACK
        sqlite = dialect_name(self.engine) == "sqlite"
        params = {"symbol": symbol, "interval": self.interval,
                  "start": sqlite_text(low) if sqlite else low.to_pydatetime(),
                  "end": sqlite_text(high) if sqlite else high.to_pydatetime()}
        # Rows as columns, not as mappings: building 100,000 row mappings costs more than the query.
        stamps, *prices = list(zip(*conn.execute(_RANGE, params).all())) or [()] * 5
        times = utc_series(stamps).to_numpy(dtype="datetime64[ns]")
        inside = (times >= _naive_utc(start)) & (times <= _naive_utc(end))
        columns = np.column_stack([np.asarray(values, dtype="float64") for values in prices])
        return _Piece(symbol, times[inside], columns[inside])


class _Piece(NamedTuple):
    """The candles of one query: UTC times (naive datetime64) and the prices (one row per
    candle, columns in _PRICES order)."""

    symbol: str
    times: np.ndarray
    prices: np.ndarray


def _chunk_bounds(start: pd.Timestamp, end: pd.Timestamp, chunk: pd.Timedelta) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """`[start, end]` cut into consecutive closed pieces of at most `chunk`, the bounds shared."""
    return [(low, min(end, low + chunk)) for low in pd.date_range(start, end, freq=chunk)]


def _candle_frame(pieces: list[_Piece]) -> pd.DataFrame:
    """The pieces read as one frame of CANDLE_PATH_COLUMNS, in their order."""
    prices = np.concatenate([piece.prices for piece in pieces])
    # A numpy text array, not an object one: pandas gives it the same string dtype as a
    # symbol column built any other way, even when no candle was read.
    symbols = np.repeat(np.array([piece.symbol for piece in pieces]), [len(piece.times) for piece in pieces])
    return pd.DataFrame({
        "symbol": symbols,
        "timestamp": pd.DatetimeIndex(np.concatenate([piece.times for piece in pieces])).tz_localize("UTC"),
        **{name: prices[:, i] for i, name in enumerate(_PRICES)},
    })


def _naive_utc(moment: pd.Timestamp) -> np.datetime64:
    """An aware time as the naive UTC datetime64 the read arrays hold."""
    return moment.tz_convert("UTC").tz_localize(None).to_datetime64()


def _within(paths: pd.DataFrame, ranges: pd.DataFrame) -> pd.DataFrame:
    """The rows of `paths` (sorted by symbol and timestamp) inside any of `ranges`."""
    keep = np.zeros(len(paths), dtype=bool)
    symbols = paths["symbol"].to_numpy(dtype=object)
    stamps = pd.DatetimeIndex(paths["timestamp"]).as_unit("ns").asi8
    for symbol, start, end in ranges.itertuples(index=False):
        rows = np.flatnonzero(symbols == symbol)
        times = stamps[rows]
        lo = np.searchsorted(times, pd.Timestamp(start).as_unit("ns").value, side="left")
        hi = np.searchsorted(times, pd.Timestamp(end).as_unit("ns").value, side="right")
        keep[rows[lo:hi]] = True
    return paths[keep].reset_index(drop=True)


def _empty_ranges() -> pd.DataFrame:
    return pd.DataFrame({"symbol": pd.Series(dtype=object), "start": pd.Series(dtype=UTC_TIME),
                         "end": pd.Series(dtype=UTC_TIME)})


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"symbol": pd.Series(dtype=object), "timestamp": pd.Series(dtype=UTC_TIME),
                         **{c: pd.Series(dtype="float64") for c in _PRICES}})
