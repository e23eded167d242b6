"""The simple exit model (SPEC §6, `model = "simple"`, CoinPilot's rules): where each position
would have closed under given exit rules.

For each replayable exit order (an entry price and a path, arrays.path_bounds) the engine walks
the symbol's candles from the first at or after the position's entry e, in order, and applies
the rules of the sell's regime. For a long position (E the entry, H the high-water mark):

- fill "close": stop loss if close ≤ E·(1 − sl/100); take profit if close ≥ E·(1 + tp/100);
  then H = max(H, close); trailing stop if H ≥ E·(1 + act/100) and close ≤ H·(1 − ts/100).
  The exit price is the close.
- fill "touch": stop loss if low ≤ E·(1 − sl/100) at min(open, level); trailing stop with H as
  of the previous candle, if active, when low ≤ H·(1 − ts/100) at min(open, level); take profit
  if high ≥ E·(1 + tp/100) at max(open, level); then H = max(H, high). A candle touching a stop
  and the take profit is the stop.
- time limit, both fills: the first candle with timestamp ≥ floor_minute(e) + tl hours exits at
  its close, after the other rules of that candle.

A short position (direction −1, SPEC §2.3) is the mirror image: its stop is above the entry
(E·(1 + sl/100)), its take profit below (E·(1 − tp/100)), its trailing stop follows the
low-water mark L (activation when L ≤ E·(1 − act/100), exit when the price rises to
L·(1 + ts/100)); with "touch" the high touches its stops (at max(open, level)) and the low its
take profit (at min(open, level)). The levels are price moves whatever the leverage; leverage
changes only the money (money.py).

- a sell whose actual exit reason the rules do not model (not STOP_LOSS, TAKE_PROFIT,
  TRAILING_STOP or TIME_LIMIT, or one whose rule is off in its table: a TRAILING_STOP sell
  under rules without a trailing stop) keeps its actual exit (time and price) unless a rule
  fires on a candle with timestamp < its actual event time.
- a variant that has not exited by the end of its path (min(now, last candle, actual exit +
  horizon_hours), the caller's bounds) is OPEN_AT_END: it exits at the path's last candle and
  close, marked to market, and counts in every comparison.
- a trade without a positive entry price or with an empty path is NOT_REPLAYABLE.

The work is one numba kernel (loaded on first use, core/compiled.py) over flat arrays (the
contract of arrays.py), so trades on the same symbol share the candles. One call replays every
trade under every rule variant of a sweep. Times are int64 in any unit (nanoseconds by default,
`units_per_minute` says). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from exitlens.core.compiled import compiled
from exitlens.core.replay.arrays import Candles, Replayed, Trades
from exitlens.core.replay.codes import (
    ACTUAL,
    NOT_REPLAYABLE,
    NS_PER_MINUTE,
    OPEN_AT_END,
    STOP_LOSS,
    TAKE_PROFIT,
    TIME_LIMIT,
    TRAILING_STOP,
    exit_reason_codes,
)
from exitlens.core.replay.rules import FILLS, PARAMETERS, ExitRules, RuleBook

_SL, _TP, _TS, _ACT, _TL, _FILL = range(6)
_TABLE_COLUMNS = 6


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


def modelled(book: RuleBook, exit_reason: Sequence[object] | np.ndarray,
             regimes: Sequence[object] | np.ndarray) -> np.ndarray:
    """Whether `book` models each sell's actual exit reason: one of the four modelled reasons
    whose rule is on in the sell's regime table (fidelity counts these; the rest are kept)."""
    codes = exit_reason_codes(exit_reason)
    out = np.zeros(len(codes), dtype=bool)
    for i, (code, regime) in enumerate(zip(codes, regimes)):
        if code < ACTUAL:
            out[i] = book.for_regime(regime).value(PARAMETERS[_TL if code == TIME_LIMIT else code]) is not None
    return out


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
    code = np.full((len(books), n), NOT_REPLAYABLE, dtype=np.int8)
    if n:
        compiled(_kernel)(table, regime_index,
                          np.ascontiguousarray(trades.entry_price, dtype=np.float64),
                          np.ascontiguousarray(trades.open_time, dtype=np.int64),
                          np.ascontiguousarray(trades.exit_time, dtype=np.int64),
                          np.ascontiguousarray(trades.exit_price, dtype=np.float64),
                          exit_reason_codes(trades.exit_reason),
                          np.ascontiguousarray(trades.start, dtype=np.int64),
                          np.ascontiguousarray(trades.stop, dtype=np.int64),
                          np.ascontiguousarray(trades.direction, dtype=np.int8),
                          np.ascontiguousarray(candles.time, dtype=np.int64),
                          np.ascontiguousarray(candles.open, dtype=np.float64),
                          np.ascontiguousarray(candles.high, dtype=np.float64),
                          np.ascontiguousarray(candles.low, dtype=np.float64),
                          np.ascontiguousarray(candles.close, dtype=np.float64),
                          np.int64(units_per_minute), time, price, code)
    return Replayed(time=time, price=price, code=code)


def _kernel(table, regime_index, entry, open_time, actual_time, actual_price, reason_code, start, stop, direction,
            c_time, c_open, c_high, c_low, c_close, upm, out_time, out_price, out_code):  # pragma: no cover - compiled
    inf = np.inf
    for i in range(entry.shape[0]):
        e_price = entry[i]
        if not e_price > 0.0 or stop[i] <= start[i]:
            continue  # NOT_REPLAYABLE, as the outputs were filled
        d = 1.0 if direction[i] >= 0 else -1.0
        opened_minute = (open_time[i] // upm) * upm
        for v in range(table.shape[0]):
            rules = table[v, regime_index[i]]
            sl, tp, ts, act, tl = rules[_SL], rules[_TP], rules[_TS], rules[_ACT], rules[_TL]
            touch = rules[_FILL] == 1.0
            # the levels on the position's side: below the entry for a long's stop, above for a short's
            sl_level = e_price * (1 - d * sl / 100) if not np.isnan(sl) else -d * inf
            tp_level = e_price * (1 + d * tp / 100) if not np.isnan(tp) else d * inf
            has_ts = not np.isnan(ts)
            keep = 1 - d * ts / 100
            act_level = e_price * (1 + d * act / 100) if not np.isnan(act) else -d * inf
            has_tl = not np.isnan(tl)
            limit = opened_minute + np.int64(np.round(tl * 60.0 * upm)) if has_tl else 0
            code = reason_code[i]  # the actual reason: kept unless a rule fires first, when the rules do not model it
            unmodelled = code == ACTUAL or np.isnan(rules[code if code < TIME_LIMIT else _TL])
            water = e_price  # the high-water mark of a long, the low-water mark of a short
            done = False
            for k in range(start[i], stop[i]):
                t = c_time[k]
                if unmodelled and t >= actual_time[i]:
                    break
                reason = -1
                if touch:
                    adverse = c_low[k] if d > 0 else c_high[k]
                    favourable = c_high[k] if d > 0 else c_low[k]
                    if d * (adverse - sl_level) <= 0:
                        reason = STOP_LOSS
                        px = c_open[k] if d * (c_open[k] - sl_level) < 0 else sl_level
                    elif has_ts and d * (water - act_level) >= 0 and d * (adverse - water * keep) <= 0:
                        reason = TRAILING_STOP
                        px = c_open[k] if d * (c_open[k] - water * keep) < 0 else water * keep
                    elif d * (favourable - tp_level) >= 0:
                        reason = TAKE_PROFIT
                        px = c_open[k] if d * (c_open[k] - tp_level) > 0 else tp_level
                    elif d * (favourable - water) > 0:
                        water = favourable
                else:
                    px = c_close[k]
                    if d * (px - sl_level) <= 0:
                        reason = STOP_LOSS
                    elif d * (px - tp_level) >= 0:
                        reason = TAKE_PROFIT
                    else:
                        if d * (px - water) > 0:
                            water = px
                        if has_ts and d * (water - act_level) >= 0 and d * (px - water * keep) <= 0:
                            reason = TRAILING_STOP
                if reason < 0 and has_tl and t >= limit:
                    reason, px = TIME_LIMIT, c_close[k]
                if reason >= 0:
                    out_time[v, i], out_price[v, i], out_code[v, i] = t, px, reason
                    done = True
                    break
            if done:
                continue
            if unmodelled:
                out_time[v, i], out_price[v, i], out_code[v, i] = actual_time[i], actual_price[i], ACTUAL
            else:
                last = stop[i] - 1
                out_time[v, i], out_price[v, i], out_code[v, i] = c_time[last], c_close[last], OPEN_AT_END
    return 0
