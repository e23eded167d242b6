"""Insert-or-ignore bulk writes for sources: rows already present are left exactly as they are.

A source (freqtrade, CSV) may be synced again and again. Each order carries a stable id and each
candle is unique by (symbol, interval, timestamp), so `INSERT … ON CONFLICT DO NOTHING` (SQLite
and PostgreSQL alike, whatever unique constraint the table carries: CoinPilot's partitioned or
TimescaleDB `market_data` included) adds only what is new and never touches an existing row,
its `post_exit_prices` above all.

Rows are converted column by column (a year of 1m candles is half a million rows) and written
in chunks: SQLite through the driver's executemany, whose row count is the number of rows
really added; PostgreSQL as multi-row inserts (SQLAlchemy's insertmanyvalues) with `RETURNING`,
which returns only the rows added. Never one query per row.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from exitlens.core.timeutil import SQLITE_TIME_FORMAT
from exitlens.store.writes import BATCH_ROWS, CANDLE_FIELDS, order_fields

ORDER_JSON_FIELDS = ("signal_info", "post_exit_prices")
TIME_FIELDS = ("created_at", "executed_at", "timestamp")

PG_PAGE_ROWS = 5_000
"""Rows per multi-row INSERT on PostgreSQL: 8 parameters a row stays far below its 65,535."""



def _table(name: str, fields: tuple[str, ...], dialect: str) -> sa.TableClause:
    """A lightweight table; on PostgreSQL the JSON columns are typed jsonb (bound from dicts)."""
    json_type = postgresql.JSONB if dialect == "postgresql" else None
    return sa.table(name, *(
        sa.column(f, json_type) if f in ORDER_JSON_FIELDS and json_type else sa.column(f) for f in fields
    ))


def insert_new_orders(conn: Connection, orders: pd.DataFrame) -> int:
    """Insert the orders (ORDER_FIELDS columns and any position columns, `id` set) whose id is
    not stored yet; return how many were added. JSON columns take dicts, times aware UTC
    timestamps."""
    if orders["id"].isna().any():
        raise ValueError("insert_new_orders needs an id on every order")
    return _insert_ignore(conn, "trading_history", order_fields(orders), orders, key="id")


def insert_new_candles(conn: Connection, candles: pd.DataFrame) -> int:
    """Insert the candles (CANDLE_FIELDS columns) not stored yet; return how many were added."""
    return _insert_ignore(conn, "market_data", CANDLE_FIELDS, candles, key="symbol")


def storage_rows(frame: pd.DataFrame, fields: tuple[str, ...], dialect: str) -> list[dict]:
    """`frame` as parameter dicts in the dialect's storage form: times as SQLite text or aware
    datetimes, JSON columns as text on SQLite and as dicts for jsonb, missing values as None."""
    frame = frame.reindex(columns=list(fields))
    columns = {}
    for name in fields:
        values = frame[name]
        if name in TIME_FIELDS:
            times = pd.to_datetime(values, utc=True)
            text = times.dt.strftime(SQLITE_TIME_FORMAT) if dialect == "sqlite" else pd.Series(
                times.dt.to_pydatetime(), index=times.index, dtype=object)
            columns[name] = text.astype(object).where(times.notna(), None).tolist()
        elif name in ORDER_JSON_FIELDS:
            columns[name] = [None if v is None or (isinstance(v, float) and np.isnan(v))
                             else (json.dumps(v) if dialect == "sqlite" and not isinstance(v, str) else v)
                             for v in values.tolist()]
        else:
            columns[name] = values.astype(object).where(values.notna(), None).tolist()
    return [dict(zip(fields, row)) for row in zip(*(columns[f] for f in fields))]


def _insert_ignore(conn: Connection, name: str, fields: tuple[str, ...], frame: pd.DataFrame, *, key: str) -> int:
    dialect = conn.dialect.name
    table = _table(name, fields, dialect)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement: sa.Executable = insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        statement = insert(table).on_conflict_do_nothing().returning(table.c[key])
        conn = conn.execution_options(insertmanyvalues_page_size=PG_PAGE_ROWS)
    rows = storage_rows(frame, fields, dialect)
    added = 0
    for start in range(0, len(rows), BATCH_ROWS):
        result = conn.execute(statement, rows[start:start + BATCH_ROWS])
        added += result.rowcount if dialect == "sqlite" else len(result.all())
    return added
