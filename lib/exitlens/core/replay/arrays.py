"""The kernel contract of exit replay (SPEC §6): the flat arrays every exit model's kernel reads
and the `Replayed` exits it returns. This is the one seam between the models
(core/replay/models/) and the statistics (core/replay_stats/), which never see candles.

A kernel is a function `replay(trades, candles, books, *, units_per_minute) -> Replayed`:

- `Candles`: the candles of every symbol concatenated, each symbol's run sorted by time;
- `Trades`: one entry per exit order, with the [start, stop) range of its path in `Candles`
  (`path_bounds`: from the first candle at or after the position's entry to the end of its
  path, min(now, last candle, actual exit + horizon_hours)), its direction (+1 long, −1 short),
  leverage and position code;
- `books`: the rule variants, one row of the result per variant;
- `Replayed`: per variant and trade the exit's candle `time`, `price` and `code`: a modelled
  reason (codes.STOP_LOSS..TIME_LIMIT), ACTUAL (an unmodelled actual exit kept), OPEN_AT_END
  (no exit by the end of the path: exits at the path's last candle and close, and counts in
  every comparison) or NOT_REPLAYABLE (no entry price or an empty path: time 0, price NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from exitlens.core.replay.codes import ACTUAL, MODELLED_REASONS, OPEN_AT_END

PATH_OK, NO_CANDLE_AT_ENTRY, CANDLES_AFTER_EXIT = range(3)
"""What `path_bounds` found for each trade: a path, no candle within the tolerance of the entry,
or candles that begin only after the actual exit (the last two are not replayable, SPEC §6)."""


@dataclass(frozen=True)
class Candles:
    """Candles of every symbol, concatenated; each symbol's run sorted by `time`."""

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray

    def __len__(self) -> int:
        return len(self.time)


@dataclass(frozen=True)
class Trades:
    """The exit orders to replay, one entry per trade. `exit_reason` holds normalised reasons
    (alias-mapped); `start`/`stop` bound each trade's path in `Candles` (see `path_bounds`).
    `quantity`, `buy_fees` (the consumed lots' fees, pro rata) and `sell_fee` (the exit order's
    own fee) are needed for net_pnl_pct (the sweep), not for the replay itself. `direction` is
    +1 (long) or −1 (short), int8; `leverage` a positive number; `position` an int code per
    position (SPEC §2.3: the unit the statistics resample). Absent, they default to long, 1 and
    one position per trade; a single value applies to every trade."""

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
    direction: np.ndarray = None  # type: ignore[assignment]
    leverage: np.ndarray = None  # type: ignore[assignment]
    position: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.entry_price)
        defaults = {"direction": (np.ones(n), np.int8), "leverage": (np.ones(n), np.float64),
                    "position": (np.arange(n), np.int64)}
        for name, (default, dtype) in defaults.items():
            value = getattr(self, name)
            value = np.asarray(default if value is None else value, dtype=dtype)
            object.__setattr__(self, name, np.ascontiguousarray(np.broadcast_to(value, (n,))))

    def __len__(self) -> int:
        return len(self.entry_price)


@dataclass(frozen=True)
class Replayed:
    """The replayed exits, one row per rule variant and one column per trade: candle `time`,
    `price` and `code` (STOP_LOSS..TIME_LIMIT, ACTUAL, OPEN_AT_END or NOT_REPLAYABLE). An open-
    at-end exit has the path's last candle time and close; a not replayable one time 0 and price
    NaN."""

    time: np.ndarray
    price: np.ndarray
    code: np.ndarray

    @property
    def open_at_end(self) -> np.ndarray:
        return self.code == OPEN_AT_END

    def reasons(self, exit_reason: np.ndarray, variant: int = 0) -> np.ndarray:
        """The replayed exit reason of each trade under `variant`: a modelled reason, the actual
        (unmodelled) reason where the actual exit was kept, "OPEN_AT_END" where the variant was
        open at the end of its path, None where not replayable."""
        code = self.code[variant]
        out = np.full(code.shape, None, dtype=object)
        for number, name in enumerate(MODELLED_REASONS):
            out[code == number] = name
        kept = code == ACTUAL
        out[kept] = np.asarray(exit_reason, dtype=object)[kept]
        out[code == OPEN_AT_END] = "OPEN_AT_END"
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
                open_time: np.ndarray, end_time: np.ndarray, exit_time: np.ndarray, *,
                tolerance: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, stop, found) per trade (SPEC §6): its path is its symbol's candles from the first
    at or after `open_time` to the last at or before `end_time` (the caller's min(now, actual
    exit + horizon); the last candle bounds it anyway). `found` is PATH_OK, NO_CANDLE_AT_ENTRY
    (the first candle is more than `tolerance` after the entry, or there is none) or
    CANDLES_AFTER_EXIT (the first candle is after `exit_time`); those paths are empty, so the
    kernels mark them NOT_REPLAYABLE. Times in one unit (the candles')."""
    symbols = np.asarray(symbols, dtype=object)
    open_time = np.asarray(open_time, dtype=np.int64)
    end_time = np.asarray(end_time, dtype=np.int64)
    exit_time = np.asarray(exit_time, dtype=np.int64)
    start = np.zeros(len(symbols), dtype=np.int64)
    stop = np.zeros(len(symbols), dtype=np.int64)
    first = np.full(len(symbols), np.iinfo(np.int64).max)
    for symbol in (np.unique(symbols) if len(symbols) else []):
        rows = symbols == symbol
        lo, hi = ranges.get(symbol, (0, 0))
        times = candle_time[lo:hi]
        at = np.searchsorted(times, open_time[rows], side="left")
        start[rows] = lo + at
        stop[rows] = lo + np.searchsorted(times, end_time[rows], side="right")
        has = at < len(times)
        first[np.flatnonzero(rows)[has]] = times[at[has]]
    found = np.where(first > exit_time, CANDLES_AFTER_EXIT,
                     np.where(first - open_time > tolerance, NO_CANDLE_AT_ENTRY, PATH_OK)).astype(np.int8)
    found[first == np.iinfo(np.int64).max] = NO_CANDLE_AT_ENTRY
    stop = np.where(found == PATH_OK, np.maximum(start, stop), start)
    return start, stop, found
