"""Read FILLED orders into the typed, UTC orders frame of `frames.ORDER_COLUMNS`.

One query for the whole history (entry prices need every earlier BUY); it also reads
`signal_info.entry_avg_price` into its own columns (core/entry_price.py). JSON columns arrive as
dicts on PostgreSQL and as text on SQLite; both become dicts, and a value that is not a JSON
object becomes None plus a note naming the order, never an exception. `exit_reason` stays the
text the bot wrote: its aliases and upper-casing apply in one place, `core.markets`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from exitlens.core.entry_price import FLOAT_LIMIT, NUMBER_PATTERN, STORED_PRICE, STORED_TEXT, stored_entry_columns
from exitlens.core.frames import ORDER_COLUMNS, UNKNOWN, with_declared_types
from exitlens.core.timeutil import utc_series
from exitlens.store.db import dialect_name, require_tables

log = logging.getLogger(__name__)

JSON_COLUMNS = ("signal_info", "post_exit_prices")

_ORDERS = """
SELECT CAST(id AS VARCHAR(64)) AS id, symbol, side, order_type,
       CAST(price AS DOUBLE PRECISION) AS price,
       CAST(quantity AS DOUBLE PRECISION) AS quantity,
       {fee} AS fee,
       status, strategy_name, signal_info, {stored_entry}, regime,
       CAST(high_water_mark AS DOUBLE PRECISION) AS high_water_mark,
       exit_reason, post_exit_prices, created_at, executed_at
FROM {source}
WHERE status = 'FILLED'
"""

_PG_ENTRY = "(signal_info -> 'entry_avg_price')"
_PG_ENTRY_TEXT = f"trim({_PG_ENTRY} #>> '{{}}')"
_PG_ENTRY_NUMBER = f"""CASE WHEN jsonb_typeof({_PG_ENTRY}) IN ('number', 'string') AND {_PG_ENTRY_TEXT} ~ '{NUMBER_PATTERN}'
       THEN CASE WHEN abs(CAST({_PG_ENTRY_TEXT} AS numeric)) BETWEEN {1 / FLOAT_LIMIT!r} AND {FLOAT_LIMIT!r}
                   OR CAST({_PG_ENTRY_TEXT} AS numeric) = 0
                 THEN CAST(CAST({_PG_ENTRY_TEXT} AS numeric) AS DOUBLE PRECISION) END END"""
_PG_STORED_ENTRY = f"""{_PG_ENTRY_NUMBER} AS {STORED_PRICE},
       CASE WHEN coalesce(jsonb_typeof({_PG_ENTRY}), 'null') <> 'null' AND ({_PG_ENTRY_NUMBER}) IS NULL
            THEN CAST({_PG_ENTRY} AS text) END AS {STORED_TEXT}"""
"""PostgreSQL reads the stored entry price itself. Nested CASEs fix the order of evaluation
(AND does not): a value reaches a cast only after the regex guard passed, so junk never raises."""

_SQLITE_SOURCE = """(SELECT *,
        CASE WHEN json_valid(signal_info) THEN json_type(signal_info, '$.entry_avg_price') END AS entry_type,
        CASE WHEN json_valid(signal_info) THEN json_extract(signal_info, '$.entry_avg_price') END AS entry_value
    FROM trading_history)"""
_SQLITE_ENTRY_JSON = """CASE WHEN entry_type IN ('integer', 'real') THEN entry_value
            WHEN entry_type = 'text' THEN CASE WHEN json_valid(trim(entry_value))
                THEN CASE WHEN json_type(trim(entry_value)) IN ('integer', 'real')
                          THEN json_extract(trim(entry_value), '$') END END END"""
_SQLITE_ENTRY_NUMBER = f"""CASE WHEN abs({_SQLITE_ENTRY_JSON}) BETWEEN {1 / FLOAT_LIMIT!r} AND {FLOAT_LIMIT!r}
                OR ({_SQLITE_ENTRY_JSON}) = 0
            THEN CAST({_SQLITE_ENTRY_JSON} AS REAL) END"""
_SQLITE_STORED_ENTRY = f"""{_SQLITE_ENTRY_NUMBER} AS {STORED_PRICE},
       CASE WHEN entry_type IS NOT NULL AND entry_type <> 'null' AND ({_SQLITE_ENTRY_NUMBER}) IS NULL
            THEN CASE entry_type WHEN 'text' THEN json_quote(entry_value)
                                 WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                                 ELSE entry_value END END AS {STORED_TEXT}"""
"""SQLite has no regex: a string is a number when its trimmed text is valid JSON of a number
type (the grammar of NUMBER_PATTERN); json_valid guards every JSON function before it runs."""


def orders_sql(dialect: str) -> str:
    """The FILLED-orders query of `dialect`, the stored entry price read in SQL."""
    if dialect == "postgresql":
        return _ORDERS.format(stored_entry=_PG_STORED_ENTRY, source="trading_history",
                              fee="CAST(fee AS DOUBLE PRECISION)")
    # SQLite reads the fee as stored: its CAST makes text like 'abc' a silent 0 (orders_frame notes it).
    return _ORDERS.format(stored_entry=_SQLITE_STORED_ENTRY, source=_SQLITE_SOURCE, fee="fee")


@dataclass(frozen=True)
class LoadedOrders:
    """The orders frame and, per order id, the notes about values that could not be read."""

    orders: pd.DataFrame
    notes_by_order: list[tuple[str, str]] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return [note for _, note in self.notes_by_order]


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json_object(value) -> tuple[dict | None, bool]:
    """(the value as a dict or None, whether it was malformed). SQL NULL and JSON `null` are
    absent, not malformed; NaN / Infinity, which JSON does not have, are malformed."""
    if value is None or (not isinstance(value, (str, dict, list)) and pd.isna(value)):
        return None, False
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_constant=_reject_constant)
        except ValueError:
            return None, True
    if value is None or isinstance(value, dict):
        return value, False
    return None, True


def _unreadable_fees(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Notes for stored fees that are not numbers (text on SQLite), which are then missing and
    count as 0; `frame["fee"]` is made numeric in place."""
    if "fee" not in frame.columns or frame["fee"].dtype != object:
        return []
    raw = frame["fee"]
    numbers = pd.to_numeric(raw.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce")
    unreadable = raw.notna() & numbers.isna()
    frame["fee"] = numbers.astype(float)
    return [(order_id, f"order {order_id}: fee {value!r} is not a number, so it counts as 0")
            for order_id, value in zip(frame.loc[unreadable, "id"], raw[unreadable])]


def orders_frame(raw: pd.DataFrame) -> LoadedOrders:
    """Raw rows as read from either engine → the typed orders frame, with notes."""
    frame = raw.copy()
    notes = []
    for column in JSON_COLUMNS:
        parsed = frame[column].map(parse_json_object) if len(frame) else pd.Series(dtype=object)
        frame[column] = [value for value, _ in parsed]
        bad = [bool(malformed) for _, malformed in parsed]
        for order_id in frame.loc[bad, "id"]:
            notes.append((order_id, f"order {order_id}: {column} is not a JSON object; ignored"))
    notes += _unreadable_fees(frame)
    if STORED_PRICE not in frame.columns:  # a frame not read by orders_sql: the same rule in Python
        frame[[STORED_PRICE, STORED_TEXT]] = stored_entry_columns(frame["signal_info"])
    executed_stored = frame["executed_at"].notna()
    for column in ("created_at", "executed_at"):
        frame[column] = utc_series(frame[column])
    # The event time is executed_at when one is stored (as the tracker's coalesce reads it): a
    # stored one that cannot be placed (9999-12-31) skips the order rather than falling back.
    frame["event_time"] = frame["executed_at"].where(executed_stored, frame["created_at"])
    no_time = frame["event_time"].isna()
    for order_id in frame.loc[no_time, "id"]:
        notes.append((order_id, f"order {order_id}: executed_at/created_at unreadable or out of range; skipped"))
    frame = frame[~no_time]
    frame["regime"] = frame["regime"].where(frame["regime"].notna(), UNKNOWN).astype(str).str.upper()
    frame["side"] = frame["side"].astype(str).str.upper()
    typed = with_declared_types(frame, ORDER_COLUMNS)
    typed = typed.sort_values(["event_time", "id"], kind="stable").reset_index(drop=True)
    if notes:
        log.warning("%d order value(s) could not be read (first: %s); the reports list them in their notes",
                    len(notes), notes[0][1])
    return LoadedOrders(typed, notes)


def load_orders(engine: Engine) -> LoadedOrders:
    """Every FILLED order of the database, in event-time order."""
    require_tables(engine)
    with engine.connect() as conn:
        raw = pd.read_sql_query(sa.text(orders_sql(dialect_name(engine))), conn, coerce_float=True)
    return orders_frame(raw)
