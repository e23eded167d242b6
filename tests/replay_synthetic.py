"""Synthetic trade histories where the truth is known, for the replay's statistics (SPEC §6).

Each position gets its own path of 1-minute closes after its entry (candle times in minutes):
a multiplicative random walk whose steps have mean `drift` (0: a martingale, so no exit rule
can earn anything on average) and spread `noise`. The actual exits are the replay of the
actual rules, so the rules describe the bot exactly; no fees, so an effect is pure price.
"""

from __future__ import annotations

import numpy as np

from exitlens.core.replay import Candles, Trades, replay
from exitlens.core.replay.codes import MODELLED_REASONS
from exitlens.core.replay.rules import ExitRules, RuleBook

MINUTES_PER_DAY = 1440
RULES = RuleBook(default=ExitRules(stop_loss_pct=2.0, take_profit_pct=1.0, time_limit_hours=3.0))
"""A bot with a tight take profit: every swept variant exits within the path (the longest time
limit swept, 6h, is inside the 400-minute path), so nothing is left open."""
PATH_MINUTES = 400


def history(seed: int, *, days: int = 12, per_day: int = 40, drift: float = 0.0,
            noise: float = 0.001) -> tuple[Trades, Candles]:
    """`days` × `per_day` positions, opened at random minutes; candle times in minutes."""
    rng = np.random.default_rng(seed)
    count = days * per_day
    opened = np.sort(rng.integers(0, days * MINUTES_PER_DAY, size=count)).astype(np.int64)
    steps = 1.0 + drift + noise * rng.choice([-1.0, 1.0], size=(count, PATH_MINUTES))
    close = 100.0 * np.cumprod(steps, axis=1)
    times = opened[:, None] + np.arange(1, PATH_MINUTES + 1, dtype=np.int64)[None, :]
    flat = close.ravel()
    candles = Candles(times.ravel(), flat, flat, flat, flat)
    start = np.arange(count, dtype=np.int64) * PATH_MINUTES
    probe = Trades(entry_price=np.full(count, 100.0), open_time=opened, exit_time=opened,
                   exit_price=np.full(count, np.nan), exit_reason=np.full(count, "STOP_LOSS", dtype=object),
                   regime=rng.choice(np.array(["BULL", "BEAR"], dtype=object), size=count),
                   start=start, stop=start + PATH_MINUTES)
    actual = replay(probe, candles, [RULES], units_per_minute=1)
    reasons = np.array(MODELLED_REASONS, dtype=object)[actual.code[0]]
    trades = Trades(entry_price=probe.entry_price, open_time=opened, exit_time=actual.time[0],
                    exit_price=actual.price[0], exit_reason=reasons, regime=probe.regime, start=start,
                    stop=probe.stop, quantity=np.ones(count), buy_fees=np.zeros(count), sell_fee=np.zeros(count))
    return trades, candles
