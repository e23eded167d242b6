"""The freqtrade exit model (SPEC §6, `model = "freqtrade"`): freqtrade's own exit logic as its
backtesting applies it, one candle of the strategy's timeframe at a time.

A rules table of this model holds what a freqtrade strategy or config sets:

    [default]
    timeframe = "5m"
    stoploss = -0.10                        # a ratio, relative to leverage for futures
    trailing_stop = false
    trailing_stop_positive = 0.01           # optional
    trailing_stop_positive_offset = 0.0
    trailing_only_offset_is_reached = false
    [default.minimal_roi]                   # minutes since entry → profit ratio
    "0" = 0.04
    "30" = 0.01

Per candle (open O, high H, low L, close C) with the trade's direction, leverage and fee ratios
(profit ratios are net of both fees and rounded to 8 digits, as freqtrade's `calc_profit_ratio`):

1. the stop: the initial stop is the entry price moved by |stoploss| / leverage against the
   trade. With `trailing_stop`, when the stop lies beyond the candle (below L for a long), and
   unless `trailing_only_offset_is_reached` holds while the profit at H (L for a short) is below
   the offset, the stop moves (only ever towards the price) to H·(1 − v/leverage), where v is
   `trailing_stop_positive` once that profit exceeds the offset, else |stoploss|; a stop that has
   moved is a trailing stop. The stop is hit when L ≤ stop (H ≥ stop for a short).
2. ROI: the table entry with the largest minute ≤ the trade's duration in whole minutes; reached
   when the profit at H (L for a short) exceeds it.
3. the exits are tried in freqtrade's order — stop loss, ROI, trailing stop — and the first that
   has a price wins. A stop exits at the stop, or at O when the candle opened beyond it; a trailing
   stop on the entry candle at freqtrade's worst case. ROI exits at the rate whose profit is the
   ROI (clipped into [L, H]), at O when a new ROI entry starts at this candle's open and O is
   already beyond that rate, at O for an ROI of -1 on a timeframe boundary; on the entry candle
   an ROI exit that freqtrade refuses (a candle moving against a trade entered off its open) is
   skipped.

A variant that has not exited by the end of its path exits there, at the last close (OPEN_AT_END).
A sell whose reason the table does not model (exit signals, custom exits, a stop loss without a
stoploss, ROI without a table, a trailing stop without `trailing_stop`) keeps its actual exit
unless a modelled exit fires on a candle before it. Not modelled at all: custom stoploss,
liquidation, funding fees, exchange price precision. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from exitlens.core.compiled import compiled
from exitlens.core.errors import ConfigError
from exitlens.core.replay.arrays import Candles, Replayed, Trades
from exitlens.core.replay.codes import (
    ACTUAL,
    NOT_REPLAYABLE,
    NS_PER_MINUTE,
    OPEN_AT_END,
    STOP_LOSS,
    TAKE_PROFIT,
    TRAILING_STOP,
    exit_reason_codes,
)

MODEL = "freqtrade"
PARAMETERS = ("roi_scale", "stoploss", "trailing_stop_positive", "trailing_stop_positive_offset")
"""What the sweep varies for this model: the ROI table as a whole (its ratios × `roi_scale`), the
stoploss and the trailing settings."""
KEYS = ("minimal_roi", "stoploss", "trailing_stop", "trailing_stop_positive", "trailing_stop_positive_offset",
        "trailing_only_offset_is_reached", "timeframe")
"""The keys of a freqtrade rules table, named as freqtrade names them."""
FORCE_EXIT_ROI = -1.0
"""An ROI of -1 exits whatever the profit (freqtrade's way of closing a trade after a time)."""
_TIMEFRAME = re.compile(r"^(\d+)([mhdwM])$")
_MINUTES_PER_UNIT = {"m": 1, "h": 60, "d": 1440, "w": 10080, "M": 43200}


@dataclass(frozen=True)
class FreqtradeRules:
    """One freqtrade rules table. `minimal_roi` is ((minute, ratio), …) sorted by minute;
    `stoploss` None turns the fixed stop off; `roi_scale` multiplies every ROI ratio but -1."""

    minimal_roi: tuple[tuple[int, float], ...] = ()
    stoploss: float | None = None
    trailing_stop: bool = False
    trailing_stop_positive: float | None = None
    trailing_stop_positive_offset: float = 0.0
    trailing_only_offset_is_reached: bool = False
    timeframe: str = "5m"
    roi_scale: float = 1.0

    @property
    def fill(self) -> str:
        """Exits rest on the candle's range, as with the simple model's "touch"."""
        return "touch"

    @property
    def timeframe_minutes(self) -> int:
        return timeframe_minutes(self.timeframe)

    def value(self, parameter: str) -> float | None:
        check_parameter(parameter)
        return getattr(self, parameter)

    def with_value(self, parameter: str, value: float | None) -> FreqtradeRules:
        check_parameter(parameter)
        changes: dict[str, Any] = {parameter: value}
        return replace(self, **changes)


def check_parameter(parameter: str) -> None:
    if parameter not in PARAMETERS:
        raise ConfigError(f"unknown exit-rule parameter {parameter!r} for the freqtrade model: "
                          f"choose from {', '.join(PARAMETERS)}")


def timeframe_minutes(timeframe: str) -> int:
    """Minutes of a freqtrade timeframe ("1m", "5m", "1h", "1d", …); ConfigError otherwise."""
    match = _TIMEFRAME.match(str(timeframe).strip())
    if not match or int(match.group(1)) <= 0:
        raise ConfigError(f"timeframe {timeframe!r} is not a freqtrade timeframe: write e.g. \"5m\", \"1h\" or \"1d\"")
    return int(match.group(1)) * _MINUTES_PER_UNIT[match.group(2)]


def parse_table(table: dict[str, Any], base: FreqtradeRules, source: str, where: str) -> FreqtradeRules:
    """`base` with the keys of one rules table applied; ConfigError naming the file and the key."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"exit rules file {source}: unknown key {key!r} in [{where}] of a freqtrade "
                              f"model: use {', '.join(KEYS)}")
        values[key] = _value(key, value, f"exit rules file {source}: [{where}] {key}")
    return replace(base, **values)


def _value(key: str, value: Any, what: str) -> Any:
    if key == "minimal_roi":
        return roi_table(value, what)
    if key in ("trailing_stop", "trailing_only_offset_is_reached"):
        if not isinstance(value, bool):
            raise ConfigError(f"{what} must be true or false, got {value!r}")
        return value
    if key == "timeframe":
        try:
            timeframe_minutes(value)
        except ConfigError as exc:
            raise ConfigError(f"{what}: {exc}") from None
        return str(value).strip()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{what} must be a number, got {value!r}")
    if key == "stoploss" and not -1 <= value < 0:
        raise ConfigError(f"{what} must be a negative ratio above -1 (e.g. -0.10 for 10%), got {value!r}")
    if key != "stoploss" and value < 0:
        raise ConfigError(f"{what} must be a non-negative ratio, got {value!r}")
    return float(value)


def roi_table(value: Any, what: str = "minimal_roi") -> tuple[tuple[int, float], ...]:
    """A `minimal_roi` mapping (minutes, as text or numbers → ratio) as sorted (minute, ratio)
    pairs; ConfigError when a key is not whole minutes or a ratio not a number."""
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{what} must be a table of minutes → profit ratio, e.g. {{\"0\" = 0.04, \"30\" = 0.01}}")
    pairs: dict[int, float] = {}
    for minute, ratio in value.items():
        try:
            number = float(minute)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and number >= 0 and number == int(number)):
            raise ConfigError(f"{what}: key {minute!r} is not a whole number of minutes")
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio) or ratio < -1:
            raise ConfigError(f"{what}: {minute!r} must map to a profit ratio (a number ≥ -1), got {ratio!r}")
        pairs[int(number)] = float(ratio)
    return tuple(sorted(pairs.items()))


_SL, _TRAIL, _TSP, _OFFSET, _ONLY_OFFSET, _TF_MIN, _N_ROI = range(7)
_HEAD = 7
"""Columns of a packed rule row before the ROI table: stoploss ratio (NaN: off), trailing_stop
(0/1), trailing_stop_positive (NaN: unset), offset, trailing_only_offset_is_reached (0/1),
timeframe minutes, number of ROI entries; then (minute, scaled ratio) per ROI entry."""


def rule_table(books: Sequence[Any], regimes: Sequence[object] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(table, regime_index) as the simple model packs them: table[v, r] is rule set r of book v
    (0 the default, then the regimes that have a table in any book), regime_index[i] trade i's
    rule set."""
    names = sorted({name for book in books for name in book.regimes})
    longest = max((len(rules.minimal_roi) for book in books for rules in (book.default, *book.regimes.values())),
                  default=0)
    table = np.full((len(books), 1 + len(names), _HEAD + 2 * longest), np.nan)
    for v, book in enumerate(books):
        table[v, 0] = _row(book.default, longest)
        for r, name in enumerate(names, start=1):
            table[v, r] = _row(book.for_regime(name), longest)
    position = {name: r for r, name in enumerate(names, start=1)}
    index = np.array([position.get(str(regime).upper(), 0) if regime is not None else 0 for regime in regimes],
                     dtype=np.int64)
    return table, index


def _row(rules: FreqtradeRules, longest: int) -> np.ndarray:
    row = np.full(_HEAD + 2 * longest, np.nan)
    row[_SL] = np.nan if rules.stoploss is None else abs(rules.stoploss)
    row[_TRAIL] = float(rules.trailing_stop)
    row[_TSP] = np.nan if rules.trailing_stop_positive is None else rules.trailing_stop_positive
    row[_OFFSET] = rules.trailing_stop_positive_offset
    row[_ONLY_OFFSET] = float(rules.trailing_only_offset_is_reached)
    row[_TF_MIN] = rules.timeframe_minutes
    row[_N_ROI] = len(rules.minimal_roi)
    for j, (minute, ratio) in enumerate(rules.minimal_roi):
        row[_HEAD + 2 * j] = minute
        row[_HEAD + 2 * j + 1] = ratio if ratio == FORCE_EXIT_ROI else ratio * rules.roi_scale
    return row


def models_reason(rules: FreqtradeRules, code: int) -> bool:
    """Whether a freqtrade rules table models an actual exit of reason `code` (SPEC §6): a stop
    loss with a stoploss, ROI (TAKE_PROFIT) with a ROI table, a trailing stop with
    `trailing_stop`; never a time limit or another reason."""
    if code == STOP_LOSS:
        return rules.stoploss is not None
    if code == TAKE_PROFIT:
        return bool(rules.minimal_roi)
    if code == TRAILING_STOP:
        return rules.trailing_stop
    return False


def modelled(book: Any, exit_reason: Sequence[object] | np.ndarray, regimes: Sequence[object] | np.ndarray) -> np.ndarray:
    """Whether `book` models each sell's actual exit reason in the sell's regime table
    (fidelity counts these; the rest keep their actual exit unless a modelled exit comes first)."""
    codes = exit_reason_codes(exit_reason)
    return np.array([models_reason(book.for_regime(regime), int(code)) for code, regime in zip(codes, regimes)],
                    dtype=bool)


def fee_ratios(trades: Trades) -> tuple[np.ndarray, np.ndarray]:
    """Each trade's entry and exit fee as a ratio of its traded value (0 where unknown), the
    `fee_open` / `fee_close` freqtrade's profit ratio is net of."""
    n = len(trades)
    if trades.quantity is None or trades.buy_fees is None or trades.sell_fee is None:
        return np.zeros(n), np.zeros(n)
    quantity = np.asarray(trades.quantity, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        fee_open = np.asarray(trades.buy_fees, dtype=np.float64) / (np.asarray(trades.entry_price) * quantity)
        fee_close = np.asarray(trades.sell_fee, dtype=np.float64) / (np.asarray(trades.exit_price) * quantity)
    clean = [np.where(np.isfinite(f) & (f >= 0), f, 0.0) for f in (fee_open, fee_close)]
    return clean[0], clean[1]


def replay(trades: Trades, candles: Candles, books: Sequence[Any], *,
           units_per_minute: int = NS_PER_MINUTE) -> Replayed:
    """Replay every trade under every book of `books` (freqtrade model; one row per book)."""
    table, regime_index = rule_table(books, trades.regime)
    n = len(trades)
    time = np.zeros((len(books), n), dtype=np.int64)
    price = np.full((len(books), n), np.nan)
    code = np.full((len(books), n), NOT_REPLAYABLE, dtype=np.int8)
    if n:
        leverage = np.asarray(trades.leverage, dtype=np.float64)
        fee_open, fee_close = fee_ratios(trades)
        compiled(_kernel)(table, regime_index,
                          np.ascontiguousarray(trades.entry_price, dtype=np.float64),
                          np.ascontiguousarray(trades.open_time, dtype=np.int64),
                          np.ascontiguousarray(trades.exit_time, dtype=np.int64),
                          np.ascontiguousarray(trades.exit_price, dtype=np.float64),
                          exit_reason_codes(trades.exit_reason),
                          np.ascontiguousarray(trades.direction, dtype=np.int8),
                          np.ascontiguousarray(np.where(leverage > 0, leverage, 1.0), dtype=np.float64),
                          np.ascontiguousarray(fee_open), np.ascontiguousarray(fee_close),
                          np.ascontiguousarray(trades.start, dtype=np.int64),
                          np.ascontiguousarray(trades.stop, dtype=np.int64),
                          np.ascontiguousarray(candles.time, dtype=np.int64),
                          np.ascontiguousarray(candles.open, dtype=np.float64),
                          np.ascontiguousarray(candles.high, dtype=np.float64),
                          np.ascontiguousarray(candles.low, dtype=np.float64),
                          np.ascontiguousarray(candles.close, dtype=np.float64),
                          np.int64(units_per_minute), time, price, code)
    return Replayed(time=time, price=price, code=code)


def _kernel(table, regime_index, entry, open_time, actual_time, actual_price, reason_code, direction, leverage,
            fee_open, fee_close, start, stop, c_time, c_open, c_high, c_low, c_close, upm,
            out_time, out_price, out_code):  # pragma: no cover - compiled
    for i in range(entry.shape[0]):
        e_price = entry[i]
        if not e_price > 0.0 or stop[i] <= start[i]:
            continue  # NOT_REPLAYABLE, as the outputs were filled
        long = direction[i] >= 0
        side = 1.0 if long else -1.0
        lev = leverage[i]
        fo, fc = fee_open[i], fee_close[i]
        open_value = e_price * (1.0 + fo) if long else e_price * (1.0 - fo)
        for v in range(table.shape[0]):
            rules = table[v, regime_index[i]]
            sl = rules[_SL]
            trailing = rules[_TRAIL] == 1.0
            tsp = rules[_TSP]
            has_tsp = not np.isnan(tsp)
            offset = rules[_OFFSET]
            only_offset = rules[_ONLY_OFFSET] == 1.0
            tf_min = np.int64(rules[_TF_MIN])
            n_roi = np.int64(rules[_N_ROI])
            if np.isnan(sl):
                level = -np.inf if long else np.inf
            else:
                level = e_price * (1.0 - side * sl / lev)
            stop_pct = sl
            code = reason_code[i]  # the actual reason: kept unless an exit fires first, when not modelled
            if code == STOP_LOSS:
                unmodelled = np.isnan(sl)
            elif code == TAKE_PROFIT:
                unmodelled = n_roi == 0
            elif code == TRAILING_STOP:
                unmodelled = not trailing
            else:
                unmodelled = True
            moved = False
            done = False
            for k in range(start[i], stop[i]):
                t = c_time[k]
                if unmodelled and t >= actual_time[i]:
                    break
                o, h, lo, c = c_open[k], c_high[k], c_low[k], c_close[k]
                duration = (t - open_time[i]) // upm
                best = h if long else lo
                if long:
                    best_profit = round((best * (1.0 - fc) / open_value - 1.0) * lev, 8)
                else:
                    best_profit = round((1.0 - best * (1.0 + fc) / open_value) * lev, 8)
                beyond = level < lo if long else level > h
                if trailing and beyond and not (only_offset and best_profit < offset):
                    ratio = sl
                    if has_tsp and best_profit > offset:
                        ratio = tsp
                    candidate = best * (1.0 - side * ratio / lev)
                    if (long and candidate > level) or (not long and candidate < level):
                        level = candidate
                        stop_pct = ratio
                        moved = True
                stop_hit = level >= lo if long else level <= h
                roi_minute = np.int64(-1)
                roi = 0.0
                for j in range(n_roi):
                    if rules[_HEAD + 2 * j] <= duration:
                        roi_minute = np.int64(rules[_HEAD + 2 * j])
                        roi = rules[_HEAD + 2 * j + 1]
                roi_hit = roi_minute >= 0 and best_profit > roi
                opened_beyond = level > h if long else level < lo
                stop_px = o if opened_beyond else level
                reason = -1
                px = np.nan
                if stop_hit and not moved:
                    reason, px = STOP_LOSS, stop_px
                if reason < 0 and roi_hit:
                    if roi == FORCE_EXIT_ROI and roi_minute % tf_min == 0:
                        reason, px = TAKE_PROFIT, o
                    else:
                        if long:
                            rate = (1.0 + roi / lev) * open_value / (1.0 - fc)
                        else:
                            rate = (1.0 - roi / lev) * open_value / (1.0 + fc)
                        new_roi = o > rate if long else o < rate
                        refused = duration == 0 and ((long and o > c and e_price < o and rate > c)
                                                     or (not long and o < c and e_price > o and rate < c))
                        if duration > 0 and duration == roi_minute and roi_minute % tf_min == 0 and new_roi:
                            reason, px = TAKE_PROFIT, o
                        elif not refused:
                            reason, px = TAKE_PROFIT, min(max(rate, lo), h)
                if reason < 0 and stop_hit and moved:
                    reason, px = TRAILING_STOP, stop_px
                    if duration == 0 and not opened_beyond:
                        if trailing and only_offset and has_tsp and tsp != 0.0:
                            px = o * (1.0 + side * offset - side * tsp / lev)
                        else:
                            px = o * (1.0 - side * stop_pct / lev)
                        px = max(lo, px) if long else min(h, px)
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

