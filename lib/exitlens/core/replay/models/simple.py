"""The simple exit model (SPEC §6, `model = "simple"`, CoinPilot's rules): where each position
would have closed under given exit rules.

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

from collections.abc import Sequence

import numpy as np

from exitlens.core.compiled import compiled
from exitlens.core.replay.arrays import Candles, Replayed, Trades
from exitlens.core.replay.codes import (
    ACTUAL,
    CENSORED,
    NOT_REPLAYABLE,
    NS_PER_MINUTE,
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


