"""`exitlens sync freqtrade`: a freqtrade bot's filled orders and candles, copied read-only.

freqtrade keeps one row per exchange order in `orders` (`ft_order_side` buy / sell / stoploss,
`average` fill price, `filled` quantity, `order_filled_date`, `ft_order_tag`) and one row per
position in `trades` (`fee_open` / `fee_close` rates, `exit_reason`, `strategy`, `is_short`,
`max_rate`, `leverage`, `funding_fees`); see freqtrade/persistence/trade_model.py. One query
joins them; every filled order becomes one `trading_history` row (SPEC §7), so DCA entries and
partial exits stay separate rows, and the ledger matches them within their trade (SPEC §2.3):

| trading_history | from freqtrade |
|---|---|
| id | uuid5 of the exchange, pair and exchange order id: the same order always gets the same id, wherever the database file lives |
| symbol | `orders.ft_pair` (`BTC/USDT`, futures `BTC/USDT:USDT`) |
| side | `buy` → BUY, `sell` → SELL; `stoploss` → the trade's exit side (SELL, or BUY for a short) |
| order_type | MARKET when the order type names a market order or is a bare stop, else LIMIT |
| price | `average`, else `price` |
| quantity | `filled` (minus `ft_fee_base`, a fee taken in the base currency, on entries: what the bot holds) |
| fee | price × quantity × `fee_open` (entries) or `fee_close` (exits), in the quote currency; the trade's last exit also carries its funding fees (`− funding_fees`: freqtrade counts a positive amount as received) |
| status | FILLED |
| strategy_name | `trades.strategy` |
| signal_info | `{"source": "freqtrade", "trade_id": …, "order_id": …}` (no entry price: FIFO gives it) |
| high_water_mark | `trades.max_rate` on exits |
| exit_reason | exits: `ft_order_tag`, else `trades.exit_reason`, raw and whole (`roi`, `stop_loss`, …: the alias map reads them) |
| position_id | the trade id: lots match within their trade |
| direction | `short` when `is_short`, else `long` |
| leverage | `trades.leverage` (1 when missing) |
| created_at, executed_at | `order_filled_date` (else the last update or order date), freqtrade's naive UTC read as UTC |

Skipped, each kind counted in one note: orders still open on the exchange (a later sync takes
them once closed), orders closed or cancelled with nothing filled, and the rare order without
a fill price or time.

The freqtrade database is opened read-only (SQLite `mode=ro`; PostgreSQL in a READ ONLY
transaction) and never written: freqtrade's own migrations would drop columns it does not know.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from tqdm import tqdm

from exitlens.core.errors import ConfigError, DataError, error_reason
from exitlens.core.timeutil import utc_series
from exitlens.store import db, migrations
from exitlens.store.position_columns import add_position_columns
from exitlens.store.sources import candle_files
from exitlens.store.sources.ingest import insert_new_candles, insert_new_orders

log = logging.getLogger(__name__)

SOURCE = "freqtrade"
ID_NAMESPACE = uuid.UUID("910b5640-dd83-4b79-ba6c-fdebddfb9395")
"""Fixed forever: order ids are uuid5(ID_NAMESPACE, "<exchange>|<pair>|<exchange order id>")."""
CANDLE_LEAD = timedelta(hours=1)
"""Candles are copied from this long before a pair's first order onward: years of backtest
data before the bot traded would only fill the database."""

SYMBOL_LENGTH = 20
"""Width of CoinPilot's trading_history.symbol (SPEC §1); exit_reason and strategy_name are
widened where exitlens owns the database (position_columns.widen_owned_columns), never cut."""

SKIP_OPEN = "open"
SKIP_UNFILLED = "unfilled"
SKIP_NO_FILL = "no_fill_price_or_time"
SKIP_LONG_SYMBOL = "long_symbol"
SKIP_TEXT = {
    SKIP_OPEN: "still open on the exchange (a later sync takes them once closed)",
    SKIP_UNFILLED: "cancelled or closed with nothing filled",
    SKIP_NO_FILL: "filled without a fill price or time",
    SKIP_LONG_SYMBOL: f"whose pair is longer than {SYMBOL_LENGTH} characters (trading_history.symbol)",
}

_REQUIRED = {
    "orders": ("id", "ft_trade_id", "ft_order_side", "ft_pair", "ft_is_open", "order_id", "status",
               "order_type", "price", "average", "filled", "amount", "order_date", "order_filled_date"),
    "trades": ("id", "exchange", "pair", "fee_open", "fee_close", "exit_reason", "strategy", "max_rate"),
}
_OPTIONAL = {
    ("orders", "ft_order_tag"): "NULL",
    ("orders", "ft_fee_base"): "NULL",
    ("orders", "order_update_date"): "NULL",
    ("trades", "is_short"): "0",
    ("trades", "leverage"): "1.0",
    ("trades", "funding_fees"): "0.0",
}
_ENTRY_SIDE, _EXIT_SIDES = "buy", ("sell", "stoploss")


class FreqtradeDatabaseLocked(DataError):
    """The bot holds a write lock on its SQLite file right now: retrying in a moment works."""


class NotAFreqtradeDatabase(ConfigError):
    """--source is not a freqtrade database (no file, not SQLite, no `trades` table)."""


class FreqtradeSchemaTooOld(DataError):
    """A freqtrade database from before orders were stored (no `orders` table or columns)."""


# -- reading freqtrade ---------------------------------------------------------------------


@dataclass(frozen=True)
class FreqtradeOrders:
    """What one read of a freqtrade database gives: `trading_history` rows, the skipped counts
    per kind, and the pairs those rows trade."""

    orders: pd.DataFrame
    skipped: dict[str, int]

    @property
    def pairs(self) -> list[str]:
        return sorted(self.orders["symbol"].unique())

    @property
    def notes(self) -> list[str]:
        """One line per kind of skipped order."""
        notes = []
        for kind, count in self.skipped.items():
            if count:
                notes.append(f"skipped {count} freqtrade order(s) {SKIP_TEXT[kind]}")
        return notes


def open_read_only(source: str) -> tuple[Engine, str]:
    """An engine that can only read the freqtrade database `source` (a path to its SQLite file,
    or a SQLAlchemy URL), and the text that names it in messages."""
    if "://" in source:
        url = db.sync_url(source)
        if url.get_backend_name() != "sqlite":
            return sa.create_engine(url, poolclass=NullPool), db.safe_url(url)
        path = Path(url.database or "")
    else:
        path = Path(source)
    path = path.expanduser()
    if not path.is_file():
        raise NotAFreqtradeDatabase(
            f"no freqtrade database at {path}: pass the bot's tradesv3.sqlite "
            "(user_data/tradesv3.sqlite, or tradesv3.dryrun.sqlite) or its database URL")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
    return engine, str(path)


def read_freqtrade(source: str) -> FreqtradeOrders:
    """Read and map every order of the freqtrade database `source` in one read-only query."""
    engine, name = open_read_only(source)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            query = _orders_query(conn, name)
            raw = pd.read_sql_query(sa.text(query), conn)
            conn.rollback()
    except DBAPIError as exc:
        reason = error_reason(exc)
        if "locked" in reason.lower() or "busy" in reason.lower():
            raise FreqtradeDatabaseLocked(
                f"{name} is locked by the bot (it is writing right now): retry in a moment") from exc
        raise NotAFreqtradeDatabase(f"{name} is not a readable freqtrade database: {reason}") from exc
    finally:
        engine.dispose()
    log.info("read %d freqtrade orders from %s", len(raw), name)
    return map_orders(raw)


def _orders_query(conn: sa.Connection, name: str) -> str:
    """The one query over orders ⋈ trades, with NULL for optional columns this schema lacks."""
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    if "trades" not in tables:
        raise NotAFreqtradeDatabase(
            f"{name} is not a freqtrade database (no trades table): pass the bot's tradesv3.sqlite")
    if "orders" not in tables:
        raise FreqtradeSchemaTooOld(
            f"{name} is a freqtrade database from before orders were stored (no orders table): "
            "start a current freqtrade on it once so it migrates, then sync again")
    present = {table: {c["name"] for c in inspector.get_columns(table)} for table in _REQUIRED}
    missing = [f"{table}.{column}" for table, columns in _REQUIRED.items()
               for column in columns if column not in present[table]]
    if missing:
        raise FreqtradeSchemaTooOld(
            f"{name} lacks {', '.join(missing)}: an older freqtrade schema; start a current "
            "freqtrade on it once so it migrates, then sync again")

    def optional(table: str, column: str) -> str:
        alias = "o" if table == "orders" else "t"
        return f"{alias}.{column}" if column in present[table] else _OPTIONAL[(table, column)]

    return f"""
SELECT o.id AS order_pk, o.ft_trade_id AS trade_id, o.ft_order_side AS order_side,
       o.ft_pair AS pair, o.ft_is_open AS order_is_open, o.order_id, o.status, o.order_type,
       o.price, o.average, o.filled, o.amount, o.order_date, o.order_filled_date,
       {optional("orders", "order_update_date")} AS order_update_date,
       {optional("orders", "ft_order_tag")} AS order_tag,
       {optional("orders", "ft_fee_base")} AS fee_base,
       t.exchange, {optional("trades", "is_short")} AS is_short, t.fee_open, t.fee_close,
       t.exit_reason, t.strategy, t.max_rate, {optional("trades", "leverage")} AS leverage,
       {optional("trades", "funding_fees")} AS funding_fees
FROM orders o JOIN trades t ON t.id = o.ft_trade_id
ORDER BY o.id
"""


def map_orders(raw: pd.DataFrame) -> FreqtradeOrders:
    """freqtrade's orders ⋈ trades rows (the columns `_orders_query` names) as `trading_history`
    rows, with the skipped ones counted by kind."""
    raw = raw.reset_index(drop=True)
    side = raw["order_side"].astype(str).str.lower()
    status = raw["status"].astype(object).where(raw["status"].notna(), "").astype(str).str.lower()
    filled = pd.to_numeric(raw["filled"], errors="coerce")
    # freqtrade's safe_filled: a closed order without `filled` filled its whole amount
    filled = filled.where(filled.notna() | (status != "closed"), pd.to_numeric(raw["amount"], errors="coerce"))
    price = pd.to_numeric(raw["average"], errors="coerce")
    price = price.where(price > 0, pd.to_numeric(raw["price"], errors="coerce"))
    filled_at = utc_series(raw["order_filled_date"])
    for fallback in ("order_update_date", "order_date"):
        filled_at = filled_at.fillna(utc_series(raw[fallback]))

    is_short = raw["is_short"].fillna(False).astype(bool)
    is_open = raw["order_is_open"].fillna(True).astype(bool)
    known_side = side.isin((_ENTRY_SIDE, *_EXIT_SIDES))
    skip = pd.Series(None, index=raw.index, dtype=object)
    skip = skip.mask(skip.isna() & is_open, SKIP_OPEN)
    skip = skip.mask(skip.isna() & ~(filled > 0), SKIP_UNFILLED)
    skip = skip.mask(skip.isna() & (~(price > 0) | filled_at.isna() | ~known_side), SKIP_NO_FILL)
    skip = skip.mask(skip.isna() & (raw["pair"].astype(str).str.len() > SYMBOL_LENGTH), SKIP_LONG_SYMBOL)
    keep = skip.isna()
    skipped = {kind: int((skip == kind).sum()) for kind in SKIP_TEXT}

    kept = raw[keep]
    short = is_short[keep]
    # freqtrade's entry side is "sell" for a short; "stoploss" orders are on the exit side
    is_entry = side[keep] == np.where(short, "sell", _ENTRY_SIDE)
    is_buy = (side[keep] == "buy") | ((side[keep] == "stoploss") & short)
    fee_base = pd.to_numeric(kept["fee_base"], errors="coerce").fillna(0.0).clip(lower=0.0)
    quantity = filled[keep] - fee_base.where(is_entry, 0.0)
    fee_open = pd.to_numeric(kept["fee_open"], errors="coerce")
    fee_close = pd.to_numeric(kept["fee_close"], errors="coerce").fillna(fee_open)
    rate = fee_open.where(is_entry, fee_close).fillna(0.0)
    tag = kept["order_tag"].astype(object).where(kept["order_tag"].notna() & (kept["order_tag"].astype(str) != ""))
    reason = tag.fillna(kept["exit_reason"]).where(~is_entry)
    when = filled_at[keep]
    fee = price[keep] * quantity * rate
    funding = pd.to_numeric(kept["funding_fees"], errors="coerce").fillna(0.0)
    fee = fee - funding.where(_last_exits(kept["trade_id"], when, ~is_entry), 0.0)
    leverage = pd.to_numeric(kept["leverage"], errors="coerce")

    orders = pd.DataFrame({
        "id": [_order_id(e, p, o) for e, p, o in zip(kept["exchange"], kept["pair"], kept["order_id"])],
        "symbol": kept["pair"].astype(str),
        "side": np.where(is_buy, "BUY", "SELL"),
        "order_type": [_order_type(t) for t in kept["order_type"]],
        "price": price[keep].astype(float),
        "quantity": quantity.astype(float),
        "fee": fee.astype(float),
        "status": "FILLED",
        "strategy_name": _text(kept["strategy"]),
        "signal_info": [{"source": SOURCE, "trade_id": int(t), "order_id": str(o)}
                        for t, o in zip(kept["trade_id"], kept["order_id"])],
        "regime": None,
        "high_water_mark": pd.to_numeric(kept["max_rate"], errors="coerce").where(~is_entry),
        "exit_reason": _text(reason),
        "post_exit_prices": None,
        "created_at": when,
        "executed_at": when,
        "position_id": kept["trade_id"].map(lambda t: str(int(t))),
        "direction": np.where(short, "short", "long"),
        "leverage": leverage.where(leverage > 0, 1.0).astype(float),
    })
    return FreqtradeOrders(orders=orders.reset_index(drop=True), skipped=skipped)


def _last_exits(trade_ids: pd.Series, when: pd.Series, is_exit: pd.Series) -> pd.Series:
    """True on each trade's last exit order (by fill time): the one freqtrade's trade closes
    with, which carries the trade's funding fees."""
    exits = pd.DataFrame({"trade": trade_ids, "when": when})[is_exit]
    last = exits.sort_values("when", kind="stable").groupby("trade").tail(1).index
    return pd.Series(trade_ids.index.isin(last), index=trade_ids.index)


def _order_id(exchange, pair, order_id) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{exchange}|{pair}|{order_id}"))


def _order_type(value) -> str:
    text = str(value or "").lower()
    return "LIMIT" if "limit" in text and "market" not in text else "MARKET"


def _text(values: pd.Series) -> pd.Series:
    """Text whole, None for missing or empty."""
    text = values.astype(object).where(values.notna(), None)
    return text.map(lambda v: None if v is None or v == "" else str(v))


# -- the sync -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: orders added and already present, skipped counts, candles per pair."""

    source: str
    orders_read: int
    orders_added: int
    notes: list[str]
    skipped: dict[str, int]
    candles_added: dict[str, int] = field(default_factory=dict)
    pairs_without_candles: list[str] = field(default_factory=list)
    timeframes: dict[str, str] = field(default_factory=dict)
    """Pairs whose candles are not 1m (no 1m file): their timeframe."""

    def download_commands(self) -> list[str]:
        """The freqtrade commands that download the missing 1m candles (spot and futures apart)."""
        spot = [p for p in self.pairs_without_candles if not candle_files.is_futures_pair(p)]
        futures = [p for p in self.pairs_without_candles if candle_files.is_futures_pair(p)]
        base = f"freqtrade download-data --timeframes {candle_files.TIMEFRAME}"
        commands = [f"{base} --pairs {' '.join(spot)}"] if spot else []
        return commands + ([f"{base} --trading-mode futures --pairs {' '.join(futures)}"] if futures else [])

    def summary_line(self) -> str:
        skipped = sum(self.skipped.values())
        parts = [(f"freqtrade sync from {self.source}: {self.orders_added} order(s) added, "
                  f"{self.orders_read - self.orders_added} already there")]
        if skipped:
            kinds = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.skipped.items() if n)
            parts.append(f"{skipped} skipped ({kinds})")
        if self.candles_added:
            parts.append("candles added: " + ", ".join(f"{p} {n}" for p, n in self.candles_added.items()))
        for timeframe in sorted(set(self.timeframes.values()), key=candle_files.timeframe_minutes):
            pairs = ", ".join(p for p, t in self.timeframes.items() if t == timeframe)
            minutes = candle_files.timeframe_minutes(timeframe)
            parts.append(f"{pairs}: {timeframe} candles (no 1m file); track and replay them with "
                         f"EXITLENS_CANDLE_INTERVAL={timeframe} EXITLENS_CANDLE_TOLERANCE_MINUTES={minutes}")
        if self.pairs_without_candles:
            parts.append(f"no candles for {', '.join(self.pairs_without_candles)}: run "
                         + " and ".join(f"`{c}`" for c in self.download_commands()))
        return "; ".join(parts)

    def to_json(self) -> dict:
        return {
            "source": self.source, "orders_read": self.orders_read, "orders_added": self.orders_added,
            "skipped": dict(self.skipped), "candles_added": dict(self.candles_added),
            "pairs_without_candles": list(self.pairs_without_candles), "timeframes": dict(self.timeframes),
            "notes": list(self.notes),
        }


def sync_freqtrade(source: str, candles: Path | str, *, target_url: str, progress: bool | None = None) -> SyncResult:
    """Copy the freqtrade database `source`'s filled orders and the 1m candle files of their
    pairs (data directory `candles`) into the exitlens database at `target_url` (created and
    migrated when needed). Everything is read and checked before anything is written, and
    written in one transaction: bad input raises and leaves the exitlens database unchanged.

    `progress`: a tqdm bar over the candle files on stderr (None: only on a terminal)."""
    read = read_freqtrade(source)
    folder = candle_files.data_directory(candles)
    files = {pair: candle_files.finest_candle_file(folder, pair) for pair in read.pairs}
    first_order = read.orders.groupby("symbol")["executed_at"].min()
    _refuse_same_database(source, target_url)

    engine = db.connect(target_url, create=True)
    try:
        migrations.migrate(engine)
        candles_added: dict[str, int] = {}
        with engine.begin() as conn:
            add_position_columns(conn)
            orders_added = insert_new_orders(conn, read.orders) if len(read.orders) else 0
            present = {pair: found for pair, found in files.items() if found is not None}
            bar = tqdm(present.items(), total=len(present), unit="pair", desc="candles",
                       disable=None if progress is None else not progress, leave=False)
            for pair, (path, timeframe) in bar:
                frame = candle_files.read_candle_file(path, pair, timeframe)
                frame = frame[frame["timestamp"] >= first_order[pair] - CANDLE_LEAD]
                candles_added[pair] = insert_new_candles(conn, frame)
    finally:
        engine.dispose()
    result = SyncResult(
        source=str(source), orders_read=len(read.orders), orders_added=orders_added, notes=read.notes,
        skipped=read.skipped, candles_added=candles_added,
        pairs_without_candles=[pair for pair, found in files.items() if found is None],
        timeframes={pair: found[1] for pair, found in files.items()
                    if found is not None and found[1] != candle_files.TIMEFRAME},
    )
    log.info(result.summary_line())
    return result


def _refuse_same_database(source: str, target_url: str) -> None:
    """exitlens writes to its own database only: never into the freqtrade file."""
    if "://" in source:
        return
    target = db.sync_url(target_url)
    if (target.get_backend_name() == "sqlite" and target.database not in (None, "", ":memory:")
            and Path(target.database).expanduser().resolve() == Path(source).expanduser().resolve()):
        raise ConfigError(f"--db points at the freqtrade database {source}: exitlens writes to its "
                              "own database (default data/exitlens.db), never into freqtrade's")
