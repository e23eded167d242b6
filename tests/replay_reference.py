"""Exit replay written the obvious way: SPEC §6 read line by line, one trade and one candle at a
time, in plain Python. It is the specification `exitlens.core.replay` is tested against.
Slow on purpose; not part of the library."""

from __future__ import annotations

import math

MODELLED = ("STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP", "TIME_LIMIT")


def reference_exit(*, entry, opened, actual_time, actual_price, actual_reason, rules, candles, units_per_minute):
    """(time, price, reason) of one trade's replayed exit, or None when censored.

    `rules` is an ExitRules; `candles` the trade's path, (time, open, high, low, close) tuples
    with time > opened, in order. A kept actual exit returns the actual reason."""
    sl, tp, ts = rules.stop_loss_pct, rules.take_profit_pct, rules.trailing_stop_pct
    act, tl = rules.trailing_activation_pct, rules.time_limit_hours
    modelled = actual_reason in MODELLED
    limit = None
    if tl is not None:
        limit = (opened // units_per_minute) * units_per_minute + round(tl * 60 * units_per_minute)
    high_water = entry
    for time, open_, high, low, close in candles:
        if not modelled and time >= actual_time:
            return actual_time, actual_price, actual_reason
        fired = None
        if rules.fill == "close":
            if sl is not None and close <= entry * (1 - sl / 100):
                fired = ("STOP_LOSS", close)
            elif tp is not None and close >= entry * (1 + tp / 100):
                fired = ("TAKE_PROFIT", close)
            else:
                high_water = max(high_water, close)
                active = act is None or high_water >= entry * (1 + act / 100)
                if ts is not None and active and close <= high_water * (1 - ts / 100):
                    fired = ("TRAILING_STOP", close)
        else:
            active = act is None or high_water >= entry * (1 + act / 100)  # H of the previous candle
            if sl is not None and low <= entry * (1 - sl / 100):
                fired = ("STOP_LOSS", min(open_, entry * (1 - sl / 100)))
            elif ts is not None and active and low <= high_water * (1 - ts / 100):
                fired = ("TRAILING_STOP", min(open_, high_water * (1 - ts / 100)))
            elif tp is not None and high >= entry * (1 + tp / 100):
                fired = ("TAKE_PROFIT", max(open_, entry * (1 + tp / 100)))
            high_water = max(high_water, high)
        if fired is None and limit is not None and time >= limit:
            fired = ("TIME_LIMIT", close)
        if fired is not None:
            return time, fired[1], fired[0]
    if not modelled:
        return actual_time, actual_price, actual_reason
    return None


def is_number(value) -> bool:
    return isinstance(value, float) and math.isfinite(value)
