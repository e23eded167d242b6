"""Small builders for tracker tests: sells and candles in either database."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd

from exitlens.store import writes as store

# A slice of the real 1-minute feed, vendored with its gaps (tests/data/README.md says which).
REAL_CANDLES = Path(__file__).resolve().parent / "data" / "real_candles_1m.json"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def add_sell(engine, *, at, price=100.0, symbol="KRW-BTC", executed=True, post_exit_prices=None, order_id=None) -> str:
    order_id = order_id or str(uuid.uuid4())
    store.insert_orders(engine, pd.DataFrame([{
        "id": order_id, "symbol": symbol, "side": "SELL", "order_type": "MARKET", "price": price,
        "quantity": 1.0, "fee": 0.0, "status": "FILLED", "created_at": ts(at),
        "executed_at": ts(at) if executed else None, "post_exit_prices": post_exit_prices,
        "exit_reason": "TAKE_PROFIT", "regime": "BULL",
    }]))
    return order_id


def add_candles(engine, closes: dict[str, float], symbol="KRW-BTC") -> None:
    store.insert_candles(engine, pd.DataFrame({
        "symbol": symbol, "timestamp": [ts(t) for t in closes], "close_price": list(closes.values()),
    }))


def stored_points(engine, order_id: str):
    """The post_exit_prices of an order, parsed."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT post_exit_prices FROM trading_history WHERE CAST(id AS VARCHAR(64)) = :id"),
            {"id": order_id},
        ).scalar_one()
    return json.loads(value) if engine.dialect.name == "sqlite" and value is not None else value


def real_candles() -> pd.DataFrame:
    """The vendored real 1-minute candles, with the feed's own gaps."""
    rows = json.loads(REAL_CANDLES.read_text())
    frame = pd.DataFrame(rows, columns=["ms", "open", "high", "low", "close", "volume"])
    return pd.DataFrame({
        "timestamp": pd.to_datetime(frame["ms"], unit="ms", utc=True),
        "open_price": frame["open"], "high_price": frame["high"], "low_price": frame["low"],
        "close_price": frame["close"], "volume": frame["volume"],
    })
