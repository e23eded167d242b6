"""Bulk writes of CoinPilot rows (orders and candles) in each dialect's storage form.

Used by the demo and by tests; exitlens itself only ever writes `post_exit_prices`.
"""

from __future__ import annotations

import json
import uuid
from contextlib import nullcontext

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exitlens.core.timeutil import sqlite_text
from exitlens.store.position_columns import POSITION_COLUMNS

ORDER_FIELDS = (
    "id", "symbol", "side", "order_type", "price", "quantity", "fee", "status", "strategy_name",
    "signal_info", "regime", "high_water_mark", "exit_reason", "post_exit_prices",
    "created_at", "executed_at",
)
CANDLE_FIELDS = (
    "symbol", "interval", "open_price", "high_price", "low_price", "close_price", "volume", "timestamp",
)
BATCH_ROWS = 50_000


def order_fields(orders: pd.DataFrame) -> tuple[str, ...]:
    """The columns an insert of `orders` writes: ORDER_FIELDS, and the position columns
    (store/position_columns.py) the frame carries, which the target table must have."""
    return ORDER_FIELDS + tuple(name for name in POSITION_COLUMNS if name in orders.columns)


def _storage_value(value, json_column: bool, dialect: str):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return sqlite_text(value) if dialect == "sqlite" else value.to_pydatetime()
    if json_column and not isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _rows(frame: pd.DataFrame, fields: tuple[str, ...], json_fields: set[str], dialect: str) -> list[dict]:
    data = frame.reindex(columns=list(fields)).astype(object)
    return [
        {f: _storage_value(v, f in json_fields, dialect) for f, v in zip(fields, values)}
        for values in data.itertuples(index=False, name=None)
    ]


def insert_orders(bind: Engine | Connection, orders: pd.DataFrame) -> int:
    """Insert orders given with ORDER_FIELDS columns, and any position columns (ids generated
    where missing).

    JSON columns take dicts (or ready JSON text, written as is, so tests can store malformed
    values); times take aware timestamps.
    """
    dialect = bind.dialect.name
    orders = orders.copy()
    if "id" not in orders:
        orders["id"] = None
    orders["id"] = [i if isinstance(i, str) else str(uuid.uuid4()) for i in orders["id"]]
    fields = order_fields(orders)
    json_cast = "CAST(:{0} AS jsonb)" if dialect == "postgresql" else ":{0}"
    values = ", ".join(json_cast.format(f) if f in ("signal_info", "post_exit_prices") else f":{f}" for f in fields)
    statement = sa.text(f"INSERT INTO trading_history ({', '.join(fields)}) VALUES ({values})")
    rows = _rows(orders, fields, {"signal_info", "post_exit_prices"}, dialect)
    _insert(bind, statement, rows)
    return len(rows)


def insert_candles(bind: Engine | Connection, candles: pd.DataFrame) -> int:
    """Insert candles given with CANDLE_FIELDS columns; `interval` defaults to 1m."""
    dialect = bind.dialect.name
    candles = candles.copy()
    if "interval" not in candles:
        candles["interval"] = "1m"
    for column in ("open_price", "high_price", "low_price"):
        if column not in candles:
            candles[column] = candles["close_price"]
    if "volume" not in candles:
        candles["volume"] = 0.0
    columns = ", ".join(f'"{f}"' if f == "timestamp" else f for f in CANDLE_FIELDS)
    statement = sa.text(f"INSERT INTO market_data ({columns}) VALUES ({', '.join(':' + f for f in CANDLE_FIELDS)})")
    rows = _rows(candles, CANDLE_FIELDS, set(), dialect)
    _insert(bind, statement, rows)
    return len(rows)


def _insert(bind: Engine | Connection, statement: sa.TextClause, rows: list[dict]) -> None:
    """Insert in batches, in the caller's transaction when given a connection."""
    with bind.begin() if isinstance(bind, Engine) else nullcontext(bind) as conn:
        for start in range(0, len(rows), BATCH_ROWS):
            conn.execute(statement, rows[start:start + BATCH_ROWS])
