"""Exit replay written the obvious way: SPEC §6 read line by line, one trade and one candle at a
time, in plain Python. It is the specification `exitlens.core.replay` is tested against.
Slow on purpose; not part of the library."""

from __future__ import annotations

import math

MODELLED = ("STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP", "TIME_LIMIT")


def reference_path(candles, *, opened, actual_time, end, tolerance):
    """The trade's path (SPEC §6): the candles from the first at or after `opened` to the last
    at or before `end` (min(now, actual exit + horizon)); None when not replayable: no candle
    within `tolerance` of the entry, or the first one after the actual exit."""
    later = [candle for candle in candles if candle[0] >= opened]
    if not later or later[0][0] > actual_time or later[0][0] - opened > tolerance:
        return None
    return [candle for candle in later if candle[0] <= end]


def reference_exit(*, entry, opened, actual_time, actual_price, actual_reason, rules, candles, units_per_minute,
                   direction=1, end=None, tolerance=None):
    """(time, price, reason) of one trade's replayed exit, or None when not replayable.

    `rules` is an ExitRules; `candles` the symbol's candles, (time, open, high, low, close)
    tuples in time order; `direction` +1 long, −1 short; `end` the path's last time (None: no
    bound), `tolerance` how far after the entry the first candle may be (None: any). A kept
    actual exit returns the reason "ACTUAL"; a variant still open at the path's end returns its
    last candle's time and close with the reason "OPEN_AT_END"."""
    if not entry > 0:
        return None
    path = reference_path(candles, opened=opened, actual_time=actual_time,
                          end=math.inf if end is None else end, tolerance=math.inf if tolerance is None else tolerance)
    if not path:
        return None
    sl, tp, ts = rules.stop_loss_pct, rules.take_profit_pct, rules.trailing_stop_pct
    act, tl = rules.trailing_activation_pct, rules.time_limit_hours
    rule_of = {"STOP_LOSS": sl, "TAKE_PROFIT": tp, "TRAILING_STOP": ts, "TIME_LIMIT": tl}
    modelled = actual_reason in MODELLED and rule_of[actual_reason] is not None  # its rule is on
    limit = None
    if tl is not None:
        limit = (opened // units_per_minute) * units_per_minute + round(tl * 60 * units_per_minute)
    long = direction >= 0
    # the levels on the position's side
    stop_level = None if sl is None else (entry * (1 - sl / 100) if long else entry * (1 + sl / 100))
    profit_level = None if tp is None else (entry * (1 + tp / 100) if long else entry * (1 - tp / 100))
    trail = None if ts is None else ((1 - ts / 100) if long else (1 + ts / 100))

    def beyond(price, level):  # the price is at or past `level` on the losing side
        return price <= level if long else price >= level

    def reached(price, level):  # the price is at or past `level` on the winning side
        return price >= level if long else price <= level

    def activated(water):
        return act is None or reached(water, entry * (1 + act / 100) if long else entry * (1 - act / 100))

    water = entry  # high-water mark of a long, low-water mark of a short
    for time, open_, high, low, close in path:
        if not modelled and time >= actual_time:
            return actual_time, actual_price, "ACTUAL"
        fired = None
        if rules.fill == "close":
            if stop_level is not None and beyond(close, stop_level):
                fired = ("STOP_LOSS", close)
            elif profit_level is not None and reached(close, profit_level):
                fired = ("TAKE_PROFIT", close)
            else:
                water = max(water, close) if long else min(water, close)
                if trail is not None and activated(water) and beyond(close, water * trail):
                    fired = ("TRAILING_STOP", close)
        else:
            adverse, favourable = (low, high) if long else (high, low)
            worse = min if long else max
            better = max if long else min
            if stop_level is not None and beyond(adverse, stop_level):
                fired = ("STOP_LOSS", worse(open_, stop_level))
            elif trail is not None and activated(water) and beyond(adverse, water * trail):  # the previous mark
                fired = ("TRAILING_STOP", worse(open_, water * trail))
            elif profit_level is not None and reached(favourable, profit_level):
                fired = ("TAKE_PROFIT", better(open_, profit_level))
            water = max(water, high) if long else min(water, low)
        if fired is None and limit is not None and time >= limit:
            fired = ("TIME_LIMIT", close)
        if fired is not None:
            return time, fired[1], fired[0]
    if not modelled:
        return actual_time, actual_price, "ACTUAL"
    return path[-1][0], path[-1][4], "OPEN_AT_END"


def is_number(value) -> bool:
    return isinstance(value, float) and math.isfinite(value)
