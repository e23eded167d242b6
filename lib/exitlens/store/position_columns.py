"""The position columns of `trading_history` (SPEC §1, §2.3): `position_id`, `direction` and
`leverage`, which exitlens adds only where it owns the database.

A bot's own schema (CoinPilot's) has none of them and `exitlens migrate` never adds them: there
they read as null (each sell's position is then a run of its symbol's FIFO ledger, long, leverage
1). The databases exitlens fills itself — the demo, and the targets of `sync` and `import` —
get them before their first write, so a source that knows its positions (freqtrade's trade ids,
shorts, futures leverage) keeps them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

POSITION_COLUMNS: dict[str, str] = {
    "position_id": "VARCHAR(64)",
    "direction": "VARCHAR(5)",
    "leverage": "NUMERIC(10, 4)",
}
"""Each position column and its SQL type (the same on PostgreSQL and SQLite)."""
POSITION_ID_LENGTH = 64
DIRECTIONS = ("long", "short")


def present_position_columns(bind: Engine | Connection) -> tuple[str, ...]:
    """The position columns `trading_history` has, in declaration order."""
    names = {column["name"] for column in sa.inspect(bind).get_columns("trading_history")}
    return tuple(name for name in POSITION_COLUMNS if name in names)


def add_position_columns(conn: Connection) -> None:
    """Add the position columns `trading_history` lacks (nullable; existing rows read null),
    and widen the columns that would cut a source's values (`widen_owned_columns`).
    For databases exitlens fills itself: never called on a bot's own schema."""
    present = present_position_columns(conn)
    for name, sql_type in POSITION_COLUMNS.items():
        if name not in present:
            conn.exec_driver_sql(f"ALTER TABLE trading_history ADD COLUMN {name} {sql_type}")
    widen_owned_columns(conn)


WIDENED_COLUMNS: dict[str, str] = {
    "exit_reason": "TEXT",
    "strategy_name": "TEXT",
    "price": "NUMERIC",
    "quantity": "NUMERIC",
    "fee": "NUMERIC",
}
"""On PostgreSQL, the `trading_history` columns widened where exitlens owns the database:
CoinPilot's varchar(30) would cut a freqtrade custom exit tag (and two long tags would merge
into one reason), and numeric(20,8) stores a PEPE/BTC price of 3e-10 as 0.00000000. SQLite
enforces neither width, so there nothing changes."""


def widen_owned_columns(conn: Connection) -> None:
    """Widen WIDENED_COLUMNS on PostgreSQL, each only once (relaxing a length or a numeric
    precision rewrites no row). For databases exitlens fills itself only."""
    if conn.dialect.name != "postgresql":
        return
    narrow = conn.execute(sa.text("""
        SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'trading_history'
          AND column_name = ANY(:names)
          AND (character_maximum_length IS NOT NULL OR (data_type = 'numeric' AND numeric_precision IS NOT NULL))"""),
        {"names": list(WIDENED_COLUMNS)}).scalars().all()
    for name in narrow:
        conn.exec_driver_sql(f"ALTER TABLE trading_history ALTER COLUMN {name} TYPE {WIDENED_COLUMNS[name]}")
