"""The flat arrays the replay kernels read: candles of every symbol concatenated, the trades
with the [start, stop) range of each one's path in them, and the replayed exits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from exitlens.core.replay.codes import ACTUAL, CENSORED, MODELLED_REASONS


@dataclass(frozen=True)
class Candles:
    """1m candles of every symbol, concatenated; each symbol's run sorted by `time`."""

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray

    def __len__(self) -> int:
        return len(self.time)


@dataclass(frozen=True)
class Trades:
    """The replayable SELLs, one entry per trade. `exit_reason` holds normalised reasons
    (alias-mapped); `start`/`stop` bound each trade's path in `Candles` (see `path_bounds`).
    `quantity`, `buy_fees` (the consumed lots' fees, pro rata) and `sell_fee` are needed for
    net_pnl_pct (the sweep), not for the replay itself; the freqtrade model also reads them as
    the fee ratios its profit is net of. `direction` (+1 long, -1 short) and `leverage` default
    to long and 1 where absent."""

    entry_price: np.ndarray
    open_time: np.ndarray
    exit_time: np.ndarray
    exit_price: np.ndarray
    exit_reason: np.ndarray
    regime: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    quantity: np.ndarray | None = None
    buy_fees: np.ndarray | None = None
    sell_fee: np.ndarray | None = None
    direction: np.ndarray | None = None
    leverage: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.entry_price)


@dataclass(frozen=True)
class Replayed:
    """The replayed exits, one row per rule variant and one column per trade: candle `time`,
    `price` and `code` (STOP_LOSS..TIME_LIMIT, ACTUAL, CENSORED or NOT_REPLAYABLE). A censored
    exit has time 0 and price NaN."""

    time: np.ndarray
    price: np.ndarray
    code: np.ndarray

    @property
    def censored(self) -> np.ndarray:
        return self.code == CENSORED

    def reasons(self, exit_reason: np.ndarray, variant: int = 0) -> np.ndarray:
        """The replayed exit reason of each trade under `variant`: a modelled reason, the actual
        (unmodelled) reason where the actual exit was kept, None where censored."""
        code = self.code[variant]
        out = np.full(code.shape, None, dtype=object)
        for number, name in enumerate(MODELLED_REASONS):
            out[code == number] = name
        kept = code == ACTUAL
        out[kept] = np.asarray(exit_reason, dtype=object)[kept]
        return out



def concat_candles(per_symbol: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[Candles, dict[str, tuple[int, int]]]:
    """One `Candles` from per-symbol arrays (keys time, open, high, low, close, sorted by time)
    and each symbol's [lo, hi) range in it."""
    ranges: dict[str, tuple[int, int]] = {}
    parts: dict[str, list[np.ndarray]] = {key: [] for key in ("time", "open", "high", "low", "close")}
    at = 0
    for symbol, arrays in per_symbol.items():
        size = len(arrays["time"])
        ranges[symbol] = (at, at + size)
        at += size
        for key, chunks in parts.items():
            chunks.append(np.asarray(arrays[key], dtype=np.int64 if key == "time" else np.float64))
    joined = {key: np.concatenate(chunks) if chunks else np.empty(0, np.int64 if key == "time" else np.float64)
              for key, chunks in parts.items()}
    return Candles(**joined), ranges


def path_bounds(candle_time: np.ndarray, ranges: Mapping[str, tuple[int, int]], symbols: Sequence[str] | np.ndarray,
                open_time: np.ndarray, *, now: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per trade, the [start, stop) range of its path: its symbol's candles with
    open_time < timestamp (≤ now when given). A symbol without candles gives an empty path."""
    symbols = np.asarray(symbols, dtype=object)
    open_time = np.asarray(open_time, dtype=np.int64)
    start = np.zeros(len(symbols), dtype=np.int64)
    stop = np.zeros(len(symbols), dtype=np.int64)
    for symbol in np.unique(symbols):
        rows = symbols == symbol
        lo, hi = ranges.get(symbol, (0, 0))
        times = candle_time[lo:hi]
        start[rows] = lo + np.searchsorted(times, open_time[rows], side="right")
        stop[rows] = hi if now is None else lo + np.searchsorted(times, now, side="right")
    return start, np.maximum(start, stop)

