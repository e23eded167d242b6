"""The freqtrade exit model written the obvious way: freqtrade's backtesting step for one trade
and one candle at a time, in plain Python, in the shape of its own code (a trade whose stop
moves; `should_exit` listing stop loss, ROI, trailing stop; a close rate per exit type). It is
the specification `exitlens.core.replay.models.freqtrade` is tested against. Slow on purpose;
not part of the library."""

from __future__ import annotations

from dataclasses import dataclass

STOP_LOSS, ROI, TRAILING = "STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP"


@dataclass
class Trade:
    """What freqtrade's LocalTrade keeps that the exit rules read."""

    open_rate: float
    is_short: bool
    leverage: float
    fee_open: float
    fee_close: float
    stop_loss: float | None = None
    stop_loss_pct: float | None = None
    initial_set: bool = False
    is_stop_loss_trailing: bool = False

    def open_value(self) -> float:
        return self.open_rate * (1 - self.fee_open) if self.is_short else self.open_rate * (1 + self.fee_open)

    def profit_ratio(self, rate: float) -> float:
        if self.is_short:
            ratio = (1 - rate * (1 + self.fee_close) / self.open_value()) * self.leverage
        else:
            ratio = (rate * (1 - self.fee_close) / self.open_value() - 1) * self.leverage
        return round(ratio, 8)

    def adjust_stop_loss(self, price: float, stoploss: float | None, initial: bool = False) -> None:
        if stoploss is None or (initial and self.initial_set):
            return
        if self.is_short:
            new = price * (1 + abs(stoploss / self.leverage))
        else:
            new = price * (1 - abs(stoploss / self.leverage))
        if not self.initial_set:
            self.stop_loss, self.stop_loss_pct, self.initial_set = new, -abs(stoploss), True
        elif (new > self.stop_loss and not self.is_short) or (new < self.stop_loss and self.is_short):
            self.stop_loss, self.stop_loss_pct, self.is_stop_loss_trailing = new, -abs(stoploss), True

    def close_rate_for_roi(self, roi: float) -> float:
        side = -1.0 if self.is_short else 1.0
        per_unit_close = (1 + self.fee_close) if self.is_short else (1 - self.fee_close)
        return (1 + roi / self.leverage / side) * self.open_value() / per_unit_close


def reference_exit(*, entry, opened, actual_time, actual_price, actual_reason, rules, candles, units_per_minute,
                   direction=1, leverage=1.0, fee_open=0.0, fee_close=0.0):
    """(time, price, reason) of one trade's replayed exit under FreqtradeRules `rules`: the last
    candle's time and close with reason OPEN_AT_END when no rule fires, None without a candle.
    `candles` is the trade's path: (time, open, high, low, close) from
    the first candle at or after `opened`. A kept actual exit returns the actual reason."""
    trade = Trade(open_rate=entry, is_short=direction < 0, leverage=leverage, fee_open=fee_open, fee_close=fee_close)
    roi_table = {minute: (ratio if ratio == -1 else ratio * rules.roi_scale) for minute, ratio in rules.minimal_roi}
    stoploss = rules.stoploss
    trade.adjust_stop_loss(entry, stoploss, initial=True)
    if trade.stop_loss is None:  # stoploss off: a stop that is never hit until a trailing stop sets one
        trade.stop_loss = float("inf") if trade.is_short else float("-inf")
    modelled = ((actual_reason == STOP_LOSS and rules.stoploss is not None)
                or (actual_reason == ROI and bool(rules.minimal_roi))
                or (actual_reason == TRAILING and rules.trailing_stop))
    timeframe = rules.timeframe_minutes
    for time, open_, high, low, close in candles:
        if not modelled and time >= actual_time:
            return actual_time, actual_price, actual_reason
        duration = (time - opened) // units_per_minute
        for exit_type in _should_exit(trade, rules, roi_table, duration, high, low):
            rate = _close_rate(trade, rules, roi_table, exit_type, duration, timeframe, open_, high, low, close)
            if rate is not None:
                return time, rate, exit_type
    if not modelled:
        return actual_time, actual_price, actual_reason
    if not candles:
        return None
    time, _, _, _, close = candles[-1]
    return time, close, "OPEN_AT_END"


def _roi_entry(roi_table, duration):
    keys = [minute for minute in roi_table if minute <= duration]
    return (max(keys), roi_table[max(keys)]) if keys else (None, None)


def _should_exit(trade, rules, roi_table, duration, high, low):
    bound = low if trade.is_short else high
    bound_profit = trade.profit_ratio(bound)
    # ft_stoploss_adjust: trailing only while the stop is on the right side of the candle
    dir_correct = trade.stop_loss > high if trade.is_short else trade.stop_loss < low
    if rules.trailing_stop and dir_correct:
        offset = rules.trailing_stop_positive_offset
        if not (rules.trailing_only_offset_is_reached and bound_profit < offset):
            value = rules.stoploss
            if rules.trailing_stop_positive is not None and bound_profit > offset:
                value = rules.trailing_stop_positive
            trade.adjust_stop_loss(bound, value)
    # ft_stoploss_reached
    hit = trade.stop_loss <= high if trade.is_short else trade.stop_loss >= low
    stop_type = (TRAILING if trade.is_stop_loss_trailing else STOP_LOSS) if hit else None
    # min_roi_reached
    _, roi = _roi_entry(roi_table, duration)
    roi_reached = roi is not None and bound_profit > roi
    exits = []
    if stop_type == STOP_LOSS:
        exits.append(STOP_LOSS)
    if roi_reached:
        exits.append(ROI)
    if stop_type == TRAILING:
        exits.append(TRAILING)
    return exits


def _close_rate(trade, rules, roi_table, exit_type, duration, timeframe, open_, high, low, close):
    """backtesting's `_get_close_rate_for_stoploss` / `_get_close_rate_for_roi`; None where
    freqtrade raises ValueError (the exit is not taken on this candle)."""
    side = -1 if trade.is_short else 1
    if exit_type in (STOP_LOSS, TRAILING):
        stop = trade.stop_loss
        if (trade.is_short and stop < low) or (not trade.is_short and stop > high):
            return open_
        if exit_type == TRAILING and duration == 0:
            if (rules.trailing_stop and rules.trailing_only_offset_is_reached
                    and rules.trailing_stop_positive_offset is not None and rules.trailing_stop_positive):
                rate = open_ * (1 + side * abs(rules.trailing_stop_positive_offset)
                                - side * abs(rules.trailing_stop_positive / trade.leverage))
            else:
                rate = open_ * (1 - side * abs((trade.stop_loss_pct or 0.0) / trade.leverage))
            return min(high, rate) if trade.is_short else max(low, rate)
        return stop
    roi_entry, roi = _roi_entry(roi_table, duration)
    if roi == -1 and roi_entry % timeframe == 0:
        return open_
    rate = trade.close_rate_for_roi(roi)
    is_new_roi = open_ < rate if trade.is_short else open_ > rate
    if duration > 0 and duration == roi_entry and roi_entry % timeframe == 0 and is_new_roi:
        return open_
    if duration == 0 and ((trade.is_short and open_ < close and trade.open_rate > open_ and rate < close)
                          or (not trade.is_short and open_ > close and trade.open_rate < open_ and rate > close)):
        return None
    return min(max(rate, low), high)
