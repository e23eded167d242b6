"""Rows a source would add that the database already holds differently: an order id taken by
another order, a candle whose close differs from the stored one.

Insert-or-ignore keeps the stored row, so such a row would be counted as "already there" while
the file says something else. An import looks for them first and refuses the file, naming the
row, so the operator decides which one is right. Set-based: one query per chunk of ids and one
per (symbol, interval) of candles, never one per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exitlens.core.timeutil import sqlite_text, utc_series

IDS_PER_QUERY = 5_000
SAME_NUMBER = 1e-8
"""Numbers closer than this are the same: numeric(20, 8) keeps 8 decimals."""

_STORED_ORDERS = sa.text("""
SELECT CAST(id AS VARCHAR(64)) AS id, symbol, side,
       CAST(price AS DOUBLE PRECISION) AS price, CAST(quantity AS DOUBLE PRECISION) AS quantity
FROM trading_history WHERE id IN :ids
""").bindparams(sa.bindparam("ids", expanding=True))

_STORED_CANDLES = sa.text("""
SELECT "timestamp", CAST(close_price AS DOUBLE PRECISION) AS stored_close
FROM market_data WHERE symbol = :symbol AND interval = :interval AND "timestamp" BETWEEN :lo AND :hi
""")


def _differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    return ~np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-12, atol=SAME_NUMBER)


def order_conflicts(conn: Connection, orders: pd.DataFrame) -> pd.Series:
    """True for each order (id, symbol, side, price, quantity) whose id is stored as an order
    with another symbol, side, price or quantity."""
    ids = orders["id"].astype(str).tolist()
    stored = pd.concat(
        [pd.read_sql_query(_STORED_ORDERS, conn, params={"ids": ids[start:start + IDS_PER_QUERY]})
         for start in range(0, len(ids), IDS_PER_QUERY)] or [pd.DataFrame(columns=["id"])],
        ignore_index=True,
    )
    if stored.empty:
        return pd.Series(False, index=orders.index)
    both = orders[["id", "symbol", "side", "price", "quantity"]].reset_index().merge(
        stored, on="id", suffixes=("", "_stored"))
    different = ((both["symbol"] != both["symbol_stored"])
                 | (both["side"].str.upper() != both["side_stored"].astype(str).str.upper())
                 | _differs(both["price"], both["price_stored"]) | _differs(both["quantity"], both["quantity_stored"]))
    return pd.Series(orders.index.isin(both.loc[different, "index"]), index=orders.index)


def candle_conflicts(conn: Connection, candles: pd.DataFrame) -> pd.Series:
    """True for each candle (symbol, interval, timestamp, close_price) stored with another close."""
    sqlite = conn.dialect.name == "sqlite"
    conflict = pd.Series(False, index=candles.index)
    for (symbol, interval), group in candles.groupby(["symbol", "interval"], sort=False):
        # On SQLite times compare as text: a second of slack on each side, the exact match below.
        lo, hi = group["timestamp"].min() - pd.Timedelta(seconds=1), group["timestamp"].max() + pd.Timedelta(seconds=1)
        bounds = {"lo": sqlite_text(lo), "hi": sqlite_text(hi)} if sqlite else {"lo": lo, "hi": hi}
        stored = pd.read_sql_query(_STORED_CANDLES, conn, params={"symbol": symbol, "interval": interval, **bounds})
        if stored.empty:
            continue
        stored["timestamp"] = utc_series(stored["timestamp"])
        both = group[["timestamp", "close_price"]].reset_index().merge(stored, on="timestamp")
        conflict[both.loc[_differs(both["close_price"], both["stored_close"]), "index"]] = True
    return conflict
