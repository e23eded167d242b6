"""Small builders for orders frames in the analytics tests.

`orders_frame(buy(...), sell(...), ...)` gives a frame with exactly frames.ORDER_COLUMNS, as
`load.load_orders` would return it, from a few rows that only say what the test is about.
Times are hours after BASE_TIME (UTC) unless given as a timestamp or ISO text.
"""

from __future__ import annotations

import itertools

import pandas as pd

from exitlens.core.entry_price import STORED_PRICE, STORED_TEXT, stored_entry_columns
from exitlens.core.frames import ORDER_COLUMNS, UNKNOWN, with_declared_types

BASE_TIME = pd.Timestamp("2026-11-23 00:00", tz="UTC")

_ids = itertools.count(1)


def at(when) -> pd.Timestamp:
    """A UTC timestamp: hours after BASE_TIME for numbers, else parsed (naive read as UTC)."""
    if isinstance(when, (int, float)):
        return BASE_TIME + pd.Timedelta(hours=when)
    stamp = pd.Timestamp(when)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def order(side: str, when=0, price: float = 100.0, quantity: float = 1.0, **fields) -> dict:
    """One FILLED order row with defaults for everything the test does not name."""
    row = {
        "id": f"o{next(_ids):04d}",
        "symbol": "KRW-BTC",
        "side": side,
        "order_type": "LIMIT",
        "price": price,
        "quantity": quantity,
        "fee": 0.0,
        "status": "FILLED",
        "strategy_name": None,
        "signal_info": None,
        "regime": UNKNOWN,
        "high_water_mark": None,
        "exit_reason": UNKNOWN,
        "post_exit_prices": None,
        "created_at": at(when),
        "executed_at": at(when),
    }
    row.update(fields)
    row["event_time"] = row["executed_at"] if row["executed_at"] is not None else row["created_at"]
    return row


def buy(when=0, price: float = 100.0, quantity: float = 1.0, **fields) -> dict:
    return order("BUY", when, price, quantity, **fields)


def sell(when=1, price: float = 110.0, quantity: float = 1.0, **fields) -> dict:
    return order("SELL", when, price, quantity, **fields)


def post(**changes) -> dict:
    """post_exit_prices from change_pct per horizon: post(h1=0.5, h24=-3.2) gives
    {"1h": {"price": 1.0, "change_pct": 0.5}, "24h": {...}}."""
    return {f"{key[1:]}h": {"price": 1.0, "change_pct": value} for key, value in changes.items()}


def orders_frame(*rows: dict) -> pd.DataFrame:
    """The orders frame of `rows` with the declared columns and dtypes."""
    frame = pd.DataFrame(list(rows), columns=list(ORDER_COLUMNS))
    frame[[STORED_PRICE, STORED_TEXT]] = stored_entry_columns(frame["signal_info"])
    return with_declared_types(frame, ORDER_COLUMNS)
