"""Exit replay (SPEC §6): where each position would have closed under given exit rules.

For each replayable SELL (an entry price and at least one consumed BUY lot) the engine walks the
symbol's 1m candles with timestamp > e (the event time of the earliest lot consumed), in order,
and applies the rules of the sell's regime:

- fill "close": stop loss if close ≤ E·(1 − sl/100); take profit if close ≥ E·(1 + tp/100);
  then H = max(H, close); trailing stop if H ≥ E·(1 + act/100) and close ≤ H·(1 − ts/100).
  The exit price is the close.
- fill "touch": stop loss if low ≤ E·(1 − sl/100) at min(open, level); trailing stop with H as
  of the previous candle, if active, when low ≤ H·(1 − ts/100) at min(open, level); take profit
  if high ≥ E·(1 + tp/100) at max(open, level); then H = max(H, high). A candle touching a stop
  and the take profit is the stop.
- time limit, both fills: the first candle with timestamp ≥ floor_minute(e) + tl hours exits at
  its close, after the other rules of that candle.
- a sell whose actual exit reason is not modelled (not STOP_LOSS, TAKE_PROFIT, TRAILING_STOP or
  TIME_LIMIT) keeps its actual exit (time and price) unless a rule fires on a candle with
  timestamp < its actual event time.
- when the candles end (the caller bounds them by `now`) before an exit, the replay is censored.

The work is one numba kernel (loaded on first use, core/compiled.py) over flat arrays: the
candles of every symbol concatenated (`Candles`), and per trade the [start, stop) range of its
path in them, so trades on the same symbol share the candles. One call replays every trade
under every rule variant of a sweep. Times are int64 in any unit (nanoseconds by default,
`units_per_minute` says). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from exitlens.core.compiled import compiled
from exitlens.core.exit_rules import FILLS, PARAMETERS, ExitRules, RuleBook

NS_PER_MINUTE = 60_000_000_000
FIDELITY_TOLERANCE_MINUTES = 2
MODELLED_REASONS = ("STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP", "TIME_LIMIT")
"""Exit reasons the rules model, in the order of their codes 0..3."""
STOP_LOSS, TAKE_PROFIT, TRAILING_STOP, TIME_LIMIT = range(4)
ACTUAL = 4
"""Replayed code of a sell with an unmodelled reason that kept its actual exit (and the actual
code of such a sell)."""
CENSORED = -1
NOT_REPLAYABLE = -2
"""Replayed code of a trade without a positive entry price."""

_SL, _TP, _TS, _ACT, _TL, _FILL = range(6)
_TABLE_COLUMNS = 6


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
    net_pnl_pct (the sweep), not for the replay itself."""

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


@dataclass(frozen=True)
class Fidelity:
    """Share of the SELLs with a modelled reason whose replay under the actual rules has the same
    reason and an exit within the tolerance; None when there are no samples."""

    value: float | None
    samples: int


def exit_reason_codes(reasons: Sequence[object] | np.ndarray) -> np.ndarray:
    """Code of each normalised exit reason: 0..3 for the modelled ones, ACTUAL for any other."""
    names = np.asarray([str(r).strip().upper() if r is not None else "" for r in reasons], dtype=object)
    codes = np.full(len(names), ACTUAL, dtype=np.int8)
    for number, name in enumerate(MODELLED_REASONS):
        codes[names == name] = number
    return codes


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


def rule_table(books: Sequence[RuleBook], regimes: Sequence[object] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(table, regime_index): table[v, r] holds the six numbers of rule set r of book v
    (sl, tp, ts, act, tl — NaN when off — and fill 0 close / 1 touch); r = 0 is the default,
    then the regimes that have a table in any book. regime_index[i] is trade i's rule set."""
    names = sorted({name for book in books for name in book.regimes})
    table = np.empty((len(books), 1 + len(names), _TABLE_COLUMNS))
    for v, book in enumerate(books):
        table[v, 0] = _row(book.default)
        for r, name in enumerate(names, start=1):
            table[v, r] = _row(book.for_regime(name))
    position = {name: r for r, name in enumerate(names, start=1)}
    index = np.array([position.get(str(regime).upper(), 0) if regime is not None else 0 for regime in regimes],
                     dtype=np.int64)
    return table, index


def _row(rules: ExitRules) -> list[float]:
    values = [rules.value(name) for name in PARAMETERS]
    return [np.nan if value is None else float(value) for value in values] + [float(FILLS.index(rules.fill))]


def replay(trades: Trades, candles: Candles, books: Sequence[RuleBook], *,
           units_per_minute: int = NS_PER_MINUTE) -> Replayed:
    """Replay every trade under every book of `books` (one row of the result per book)."""
    table, regime_index = rule_table(books, trades.regime)
    n = len(trades)
    time = np.zeros((len(books), n), dtype=np.int64)
    price = np.full((len(books), n), np.nan)
    code = np.full((len(books), n), CENSORED, dtype=np.int8)
    if n:
        compiled(_kernel)(table, regime_index,
                          np.ascontiguousarray(trades.entry_price, dtype=np.float64),
                          np.ascontiguousarray(trades.open_time, dtype=np.int64),
                          np.ascontiguousarray(trades.exit_time, dtype=np.int64),
                          np.ascontiguousarray(trades.exit_price, dtype=np.float64),
                          exit_reason_codes(trades.exit_reason) == ACTUAL,
                          np.ascontiguousarray(trades.start, dtype=np.int64),
                          np.ascontiguousarray(trades.stop, dtype=np.int64),
                          np.ascontiguousarray(candles.time, dtype=np.int64),
                          np.ascontiguousarray(candles.open, dtype=np.float64),
                          np.ascontiguousarray(candles.high, dtype=np.float64),
                          np.ascontiguousarray(candles.low, dtype=np.float64),
                          np.ascontiguousarray(candles.close, dtype=np.float64),
                          np.int64(units_per_minute), time, price, code)
    return Replayed(time=time, price=price, code=code)


def _kernel(table, regime_index, entry, open_time, actual_time, actual_price, unmodelled, start, stop,
            c_time, c_open, c_high, c_low, c_close, upm, out_time, out_price, out_code):  # pragma: no cover - compiled
    inf = np.inf
    for i in range(entry.shape[0]):
        e_price = entry[i]
        if not e_price > 0.0:
            for v in range(table.shape[0]):
                out_code[v, i] = NOT_REPLAYABLE
            continue
        opened_minute = (open_time[i] // upm) * upm
        for v in range(table.shape[0]):
            rules = table[v, regime_index[i]]
            sl, tp, ts, act, tl = rules[_SL], rules[_TP], rules[_TS], rules[_ACT], rules[_TL]
            touch = rules[_FILL] == 1.0
            sl_level = e_price * (1 - sl / 100) if not np.isnan(sl) else -inf
            tp_level = e_price * (1 + tp / 100) if not np.isnan(tp) else inf
            has_ts = not np.isnan(ts)
            keep = 1 - ts / 100
            act_level = e_price * (1 + act / 100) if not np.isnan(act) else -inf
            has_tl = not np.isnan(tl)
            limit = opened_minute + np.int64(np.round(tl * 60.0 * upm)) if has_tl else 0
            high_water = e_price
            done = False
            for k in range(start[i], stop[i]):
                t = c_time[k]
                if unmodelled[i] and t >= actual_time[i]:
                    break
                reason = -1
                if touch:
                    low = c_low[k]
                    if low <= sl_level:
                        reason, px = STOP_LOSS, min(c_open[k], sl_level)
                    elif has_ts and high_water >= act_level and low <= high_water * keep:
                        reason, px = TRAILING_STOP, min(c_open[k], high_water * keep)
                    elif c_high[k] >= tp_level:
                        reason, px = TAKE_PROFIT, max(c_open[k], tp_level)
                    elif c_high[k] > high_water:
                        high_water = c_high[k]
                else:
                    px = c_close[k]
                    if px <= sl_level:
                        reason = STOP_LOSS
                    elif px >= tp_level:
                        reason = TAKE_PROFIT
                    else:
                        high_water = max(high_water, px)
                        if has_ts and high_water >= act_level and px <= high_water * keep:
                            reason = TRAILING_STOP
                if reason < 0 and has_tl and t >= limit:
                    reason, px = TIME_LIMIT, c_close[k]
                if reason >= 0:
                    out_time[v, i], out_price[v, i], out_code[v, i] = t, px, reason
                    done = True
                    break
            if not done and unmodelled[i]:
                out_time[v, i], out_price[v, i], out_code[v, i] = actual_time[i], actual_price[i], ACTUAL
    return 0


def replayed_net_pnl_pct(entry_price: np.ndarray, quantity: np.ndarray, buy_fees: np.ndarray, sell_fee: np.ndarray,
                         actual_price: np.ndarray, replayed_price: np.ndarray) -> np.ndarray:
    """net_pnl_pct (SPEC §2.1) of each trade had it exited at `replayed_price` (any shape that
    broadcasts with the per-trade arrays, e.g. (variants, trades)): the trade's own quantity, its
    lots' buy fees as they were, its sell fee scaled by replayed / actual price. NaN where the
    replayed price is NaN (censored) or the entry or quantity is not positive."""
    entry = np.asarray(entry_price, dtype=np.float64)
    qty = np.asarray(quantity, dtype=np.float64)
    actual = np.asarray(actual_price, dtype=np.float64)
    replayed = np.asarray(replayed_price, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled_fee = np.where(actual > 0, np.asarray(sell_fee, dtype=np.float64) * replayed / actual, np.nan)
        net = (replayed - entry) * qty - np.asarray(buy_fees, dtype=np.float64) - scaled_fee
        cost = entry * qty
        return np.where(cost > 0, net / cost * 100, np.nan)


def fidelity(actual_code: np.ndarray, actual_time: np.ndarray, replayed_code: np.ndarray, replayed_time: np.ndarray,
             *, tolerance: int = FIDELITY_TOLERANCE_MINUTES * NS_PER_MINUTE) -> Fidelity:
    """Fidelity of a replay with the actual rules (SPEC §6): among the SELLs with a modelled
    actual reason and a replay that is not censored (nor not replayable), the share whose
    replayed reason is the actual one and whose replayed exit time is within `tolerance`
    (inclusive, in the times' unit) of the actual event time."""
    actual_code = np.asarray(actual_code)
    replayed_code = np.asarray(replayed_code)
    counted = (actual_code >= 0) & (actual_code < ACTUAL) & (replayed_code >= 0)
    same = counted & (replayed_code == actual_code) & (
        np.abs(np.asarray(replayed_time, dtype=np.int64) - np.asarray(actual_time, dtype=np.int64)) <= tolerance)
    samples = int(counted.sum())
    return Fidelity(value=float(same.sum()) / samples if samples else None, samples=samples)
