"""Ledger figure: exitlens's entry-price engine (`exitlens.core.ledger.entry_ledger`, a compiled FIFO walk)
against a plain Python FIFO loop, the bot's original design, on 1,000,000 orders.

The loop is written to be as fast as plain Python gets (columns read once into lists, one
deque of lots per symbol, no pandas inside the loop), so the ratio is not flattered by a slow
baseline. Both produce the same per-SELL rows (entry price and its source, covered quantity,
hold hours, a note where something is off); the first repetition checks that they agree.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bench.common import Knobs, Row, Samples, say, timed
from exitlens.core.frames import ORDER_COLUMNS

FULL_ORDERS = 1_000_000
SYMBOLS = 20
SEED = 61
_NS_PER_HOUR = 3_600_000_000_000
_TINY = 1e-12


def orders(count: int, seed: int = SEED) -> pd.DataFrame:
    """`count` FILLED orders (half BUYs, half SELLs) over a year on 20 symbols, in the shape
    `exitlens.store.load.load_orders` returns: the dtypes of `frames.ORDER_COLUMNS` (text as
    object, not pandas' default string dtype) and the stored entry price already a column
    (`stored_entry_price`, read in SQL at load time). Positions overlap, so a SELL often consumes
    several lots; 80% of SELLs carry an entry_avg_price, 10% sell half again as much, 10% half as much."""
    rng = np.random.default_rng(seed)
    trips = count // 2
    symbol = rng.integers(0, SYMBOLS, size=trips)
    base_price = np.exp(rng.uniform(np.log(100), np.log(1e8), size=SYMBOLS))
    start = pd.Timestamp("2025-11-23", tz="UTC").value
    year_s = 365 * 86_400
    buy_s = rng.integers(0, year_s - 4 * 86_400, size=trips)
    sell_s = buy_s + rng.integers(60, 3 * 86_400, size=trips)
    buy_price = (base_price[symbol] * rng.uniform(0.7, 1.3, size=trips)).round(2)
    sell_price = (buy_price * rng.uniform(0.95, 1.06, size=trips)).round(2)
    quantity = (1_000_000 / buy_price).round(8)
    sell_quantity = quantity * rng.choice([1.0, 1.5, 0.5], p=[0.8, 0.1, 0.1], size=trips)
    stored = rng.random(trips) < 0.8
    sell_entry = np.where(stored, buy_price, np.nan)
    ids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(2 * trips)]
    names = np.array([f"KRW-C{i:02d}" for i in range(SYMBOLS)], dtype=object)
    frame = pd.DataFrame({
        "id": ids,
        "symbol": np.concatenate([names[symbol], names[symbol]]),
        "side": np.repeat(np.array(["BUY", "SELL"], dtype=object), trips),
        "price": np.concatenate([buy_price, sell_price]),
        "quantity": np.concatenate([quantity, sell_quantity.round(8)]),
        "stored_entry_price": np.concatenate([np.full(trips, np.nan), sell_entry]),
        "stored_entry_text": np.full(2 * trips, None, dtype=object),
        "event_time": pd.to_datetime(start + np.concatenate([buy_s, sell_s]) * 10**9, utc=True),
    })
    frame = frame.sort_values(["event_time", "id"], kind="stable").reset_index(drop=True)
    return frame.astype({name: ORDER_COLUMNS[name] for name in frame.columns})


def _stored_entry(number: float) -> float | None:
    return number if math.isfinite(number) and number > 0 else None


def fifo_loop(orders: pd.DataFrame) -> pd.DataFrame:
    """The bot's way: walk the orders in FIFO order with a queue of lots per symbol."""
    ids = orders["id"].tolist()
    symbols = orders["symbol"].tolist()
    sides = orders["side"].tolist()
    prices = orders["price"].tolist()
    quantities = orders["quantity"].tolist()
    stored_prices = orders["stored_entry_price"].tolist()
    times = pd.DatetimeIndex(orders["event_time"]).as_unit("ns").asi8.tolist()
    sequence = sorted(range(len(ids)), key=lambda i: (symbols[i], times[i], sides[i] == "SELL", ids[i]))

    queues: dict[str, deque] = defaultdict(deque)
    consumed: dict[int, tuple[float, float, float]] = {}
    for i in sequence:
        queue, quantity = queues[symbols[i]], quantities[i]
        if sides[i] == "BUY":
            if quantity > 0 and prices[i] > 0:
                queue.append([quantity, prices[i], times[i]])
            continue
        need, covered, cost, age = max(quantity, 0.0), 0.0, 0.0, 0.0
        while need > _TINY and queue:
            lot = queue[0]
            take = lot[0] if lot[0] < need else need
            covered += take
            cost += take * lot[1]
            age += take * (times[i] - lot[2])
            lot[0] -= take
            need -= take
            if lot[0] <= _TINY:
                queue.popleft()
        consumed[i] = (covered, cost, age)

    rows = []
    for i, side in enumerate(sides):
        if side != "SELL":
            continue
        covered, cost, age = consumed.get(i, (0.0, 0.0, 0.0))
        stored = _stored_entry(stored_prices[i])
        full = covered > 0 and abs(covered - quantities[i]) <= 1e-9 * quantities[i]
        note = None
        if stored is not None:
            entry, source = stored, "stored"
        elif covered > 0:
            entry, source = cost / covered, ("fifo" if full else "fifo_partial")
        else:
            entry, source = math.nan, None
            note = f"sell {ids[i]}: no usable entry_avg_price and no BUY lots left to consume, so it is not evaluable"
        if covered > 0 and not full and stored is None:
            note = (f"sell {ids[i]}: BUY lots cover only {covered:g} of {quantities[i]:g}; "
                    "the entry price is the average cost of the covered part")
        rows.append((i, ids[i], symbols[i], entry, source, covered,
                     age / covered / _NS_PER_HOUR if covered > 0 else math.nan, note))
    frame = pd.DataFrame(rows, columns=["row", "id", "symbol", "entry_price", "entry_source",
                                        "covered_quantity", "hold_hours", "note"])
    return frame.set_index("row").rename_axis(None)


def _agree(loop: pd.DataFrame, engine: pd.DataFrame) -> bool:
    if not loop.index.equals(engine.index) or list(loop["id"]) != list(engine["id"]):
        return False
    def sources(frame: pd.DataFrame) -> list:
        return [None if pd.isna(value) else value for value in frame["entry_source"]]

    if sources(loop) != sources(engine):
        return False
    return all(
        np.allclose(loop[c].to_numpy(float), engine[c].to_numpy(float), rtol=1e-7, atol=1e-6, equal_nan=True)
        for c in ("entry_price", "covered_quantity", "hold_hours")
    )


@dataclass
class LedgerFigures:
    orders: int
    sells: int
    loop: Samples = field(default_factory=Samples)
    engine: Samples = field(default_factory=Samples)
    agree: bool | None = None

    @property
    def speedup(self) -> float:
        return self.loop.median / self.engine.median

    def rows(self) -> list[Row]:
        work = f"{self.orders:,} orders"
        def rate(s: Samples) -> str:
            return f"{self.orders / s.median:,.0f} orders/s"
        return [
            Row("ledger", "plain Python FIFO loop", self.loop, work, rate(self.loop), "deque of lots per symbol"),
            Row("ledger", "exitlens entry_ledger (compiled FIFO walk)", self.engine, work, rate(self.engine),
                f"{self.sells:,} sells; same rows as the loop: "
                + {None: "not checked", True: "yes", False: "NO"}[self.agree]),
        ]


def run(knobs: Knobs) -> LedgerFigures:
    from exitlens.core.ledger import entry_ledger

    count = knobs.scaled(FULL_ORDERS, minimum=100)
    say(f"ledger: generating {count:,} orders")
    frame = orders(count)
    figures = LedgerFigures(len(frame), int((frame["side"] == "SELL").sum()))
    for rep in range(1, knobs.repeat + 1):
        tag = f"ledger [{rep}/{knobs.repeat}]"
        seconds, loop_result = timed(fifo_loop, frame)
        say(f"{tag} plain loop: {figures.loop.add(seconds):.3f} s")
        seconds, engine_result = timed(entry_ledger, frame)
        say(f"{tag} entry_ledger: {figures.engine.add(seconds):.3f} s")
        if rep == 1:
            figures.agree = _agree(loop_result, engine_result)
            say(f"{tag} loop and engine agree: {figures.agree}")
        del loop_result, engine_result
    return figures
