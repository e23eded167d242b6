"""Exit replay's statistics on synthetic data where the truth is known (SPEC §6, §2.3): a
driftless random walk, where no exit rule can earn more than another, and a history whose
sells are split into partial exits of one position, which is no new evidence."""

from __future__ import annotations

import numpy as np
import pytest

from exitlens.core.replay import Candles, Trades, replay
from exitlens.core.replay.rules import ExitRules, RuleBook
from exitlens.core.replay_stats import bootstrap_means, sweep

MINUTE = 60
RULES = RuleBook(default=ExitRules(stop_loss_pct=2.0, take_profit_pct=2.0))


def random_walk_history(seed: int, trades: int = 120, length: int = 600) -> tuple[Trades, Candles]:
    """`trades` positions, each on its own driftless arithmetic random walk from 100 (a
    martingale: any stopping rule bounded by the path's end has the same expected exit price),
    whose actual exits are what RULES make of it; the path ends at the horizon."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 0.1, size=(trades, length)), axis=1)
    times = np.tile(np.arange(1, length + 1), trades).astype(np.int64) * MINUTE
    flat = close.ravel()
    candles = Candles(times, flat, flat, flat, flat)
    start = np.arange(trades) * length
    probe = Trades(entry_price=np.full(trades, 100.0), open_time=np.zeros(trades, np.int64),
                   exit_time=np.zeros(trades, np.int64), exit_price=np.full(trades, np.nan),
                   exit_reason=np.full(trades, "STOP_LOSS", dtype=object), regime=np.full(trades, None, dtype=object),
                   start=start, stop=start + length)
    actual = replay(probe, candles, [RULES], units_per_minute=MINUTE)
    reasons = np.array(["STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP", "TIME_LIMIT"], dtype=object)
    return Trades(entry_price=np.full(trades, 100.0), open_time=np.zeros(trades, np.int64),
                  exit_time=actual.time[0], exit_price=actual.price[0],
                  exit_reason=np.where(actual.code[0] >= 0, reasons[np.clip(actual.code[0], 0, 3)], "SIGNAL"),
                  regime=np.full(trades, None, dtype=object), start=start, stop=start + length,
                  quantity=np.ones(trades), buy_fees=np.zeros(trades), sell_fee=np.zeros(trades)), candles


def test_take_profit_sweep_on_a_driftless_walk_does_not_favour_any_value():
    """With no drift every take-profit value's effect is 0 in truth: each value's interval
    contains 0 in at least 18 of 20 seeds. Dropping the variants still open at the horizon
    (the old censoring) fails this for the wider values, which then look better."""
    covered: dict[float, int] = {}
    for seed in range(20):
        trades, candles = random_walk_history(seed)
        table = sweep(trades, candles, RULES, values={"take_profit_pct": [1.0, 1.5, 2.5, 3.0, 4.0]},
                      resamples=1000, units_per_minute=MINUTE)
        for row in table.itertuples():
            covered[row.value] = covered.get(row.value, 0) + int(row.low <= 0 <= row.high)
    assert all(count >= 18 for count in covered.values()), covered


def split_in_halves(trades: Trades) -> Trades:
    """Every sell as two sells of half its quantity, fees halved, of the same position."""
    def twice(values):
        return np.repeat(np.asarray(values), 2)
    return Trades(entry_price=twice(trades.entry_price), open_time=twice(trades.open_time),
                  exit_time=twice(trades.exit_time), exit_price=twice(trades.exit_price),
                  exit_reason=twice(trades.exit_reason), regime=twice(trades.regime), start=twice(trades.start),
                  stop=twice(trades.stop), quantity=twice(trades.quantity) / 2,
                  buy_fees=twice(trades.buy_fees) / 2, sell_fee=twice(trades.sell_fee) / 2,
                  position=twice(trades.position))


def test_splitting_every_sell_into_two_halves_of_its_position_keeps_every_interval():
    """SPEC §2.3: partial exits of one position are one unit. Resampling sells instead would
    shrink every width by about √2 (the check below on `units=None` shows it)."""
    trades, candles = random_walk_history(3, trades=80)
    whole = sweep(trades, candles, RULES, units_per_minute=MINUTE)
    halves = sweep(split_in_halves(trades), candles, RULES, units_per_minute=MINUTE)
    width, split_width = whole.high - whole.low, halves.high - halves.low
    assert (width > 0).all()
    assert ((split_width - width).abs() <= 0.1 * width).all()
    assert (halves.n == whole.n).all() and np.allclose(halves["mean"], whole["mean"])
    effects = np.repeat(np.random.default_rng(1).normal(0, 1, size=80), 2)[None, :]
    by_sell = bootstrap_means(effects)[0]
    by_position = bootstrap_means(effects, units=np.repeat(np.arange(80), 2))[0]
    assert (by_sell.high - by_sell.low) == pytest.approx((by_position.high - by_position.low) / np.sqrt(2), rel=0.15)


def reference_bootstrap(values, units, *, resamples, seed, confidence=0.95):
    """The position bootstrap the plain way: draw the units of each resample (the same draws as
    the library's generator gives for a small sample, one block of resamples × units), then per
    resample add the finite values of the sells of every unit drawn and divide by their count."""
    names = sorted(set(units))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(resamples, len(names)))
    means = []
    for row in draws:
        total = count = 0.0
        for k in row:
            for value, unit in zip(values, units):
                if unit == names[k] and np.isfinite(value):
                    total += value
                    count += 1
        means.append(total / count if count else np.nan)
    tail = (1 - confidence) / 2 * 100
    low, high = np.nanpercentile(means, [tail, 100 - tail])
    finite = [v for v in values if np.isfinite(v)]
    return len({u for v, u in zip(values, units) if np.isfinite(v)}), sum(finite) / len(finite), low, high


def test_position_bootstrap_matches_the_plain_loop():
    rng = np.random.default_rng(9)
    values = rng.normal(0.2, 1.0, size=40)
    values[[3, 17]] = np.nan  # left out of this row
    units = rng.integers(0, 15, size=40)
    got = bootstrap_means(values[None, :], units=units, resamples=300, seed=5)[0]
    n, mean, low, high = reference_bootstrap(values.tolist(), units.tolist(), resamples=300, seed=5)
    assert (got.n, got.mean, got.low, got.high) == (n, pytest.approx(mean), pytest.approx(low), pytest.approx(high))
