"""A freqtrade database and data directory, built with freqtrade's real schema.

The tables are those freqtrade's SQLAlchemy models (freqtrade/persistence/trade_model.py) create
on SQLite: same table names, column names and types, dates as naive UTC text in SQLAlchemy's
form. `FreqtradeBot` adds trades and orders as freqtrade would record them and computes each
closed trade's `close_profit_abs` the way freqtrade does (exit value after fees − entry value
with fees), so tests can compare exitlens's numbers with freqtrade's own.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

TRADES_DDL = """
CREATE TABLE trades (
    id INTEGER NOT NULL, exchange VARCHAR(25) NOT NULL, pair VARCHAR(25) NOT NULL,
    base_currency VARCHAR(25), stake_currency VARCHAR(25), is_open BOOLEAN NOT NULL,
    fee_open FLOAT NOT NULL, fee_open_cost FLOAT, fee_open_currency VARCHAR(25),
    fee_close FLOAT, fee_close_cost FLOAT, fee_close_currency VARCHAR(25),
    open_rate FLOAT NOT NULL, open_rate_requested FLOAT, open_trade_value FLOAT,
    close_rate FLOAT, close_rate_requested FLOAT, realized_profit FLOAT, close_profit FLOAT,
    close_profit_abs FLOAT, stake_amount FLOAT NOT NULL, max_stake_amount FLOAT, amount FLOAT NOT NULL,
    amount_requested FLOAT, open_date DATETIME NOT NULL, close_date DATETIME,
    stop_loss FLOAT, stop_loss_pct FLOAT, initial_stop_loss FLOAT, initial_stop_loss_pct FLOAT,
    is_stop_loss_trailing BOOLEAN NOT NULL, max_rate FLOAT, min_rate FLOAT,
    exit_reason VARCHAR(255), exit_order_status VARCHAR(100), strategy VARCHAR(100),
    enter_tag VARCHAR(255), timeframe INTEGER, trading_mode VARCHAR(7),
    amount_precision FLOAT, price_precision FLOAT, precision_mode INTEGER,
    precision_mode_price INTEGER, contract_size FLOAT, leverage FLOAT, is_short BOOLEAN NOT NULL,
    liquidation_price FLOAT, interest_rate FLOAT NOT NULL, funding_fees FLOAT,
    funding_fee_running FLOAT, record_version INTEGER NOT NULL,
    PRIMARY KEY (id)
)"""

ORDERS_DDL = """
CREATE TABLE orders (
    id INTEGER NOT NULL, ft_trade_id INTEGER NOT NULL, ft_order_side VARCHAR(25) NOT NULL,
    ft_pair VARCHAR(25) NOT NULL, ft_is_open BOOLEAN NOT NULL, ft_amount FLOAT NOT NULL,
    ft_price FLOAT NOT NULL, ft_cancel_reason VARCHAR(255), order_id VARCHAR(255) NOT NULL,
    status VARCHAR(255), symbol VARCHAR(25), order_type VARCHAR(50), side VARCHAR(25),
    price FLOAT, average FLOAT, amount FLOAT, filled FLOAT, remaining FLOAT, cost FLOAT,
    stop_price FLOAT, order_date DATETIME, order_filled_date DATETIME, order_update_date DATETIME,
    funding_fee FLOAT, ft_fee_base FLOAT, ft_order_tag VARCHAR(255),
    PRIMARY KEY (id),
    CONSTRAINT _order_pair_order_id UNIQUE (ft_pair, order_id),
    FOREIGN KEY(ft_trade_id) REFERENCES trades (id)
)"""

INDEXES = (
    "CREATE INDEX ix_trades_pair ON trades (pair)",
    "CREATE INDEX ix_trades_is_open ON trades (is_open)",
    "CREATE INDEX ix_orders_ft_trade_id ON orders (ft_trade_id)",
    "CREATE INDEX ix_orders_ft_is_open ON orders (ft_is_open)",
    "CREATE INDEX ix_orders_order_id ON orders (order_id)",
)

FEE = 0.001


def sa_time(text: str | pd.Timestamp | None) -> str | None:
    """freqtrade's storage form of a time: naive UTC, `YYYY-MM-DD HH:MM:SS.ffffff`."""
    if text is None:
        return None
    return pd.Timestamp(text).tz_localize(None).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Fill:
    side: str          # freqtrade's ft_order_side: buy, sell or stoploss
    price: float
    amount: float
    at: str
    filled: float | None = None       # default: the whole amount
    status: str = "closed"
    is_open: bool = False
    order_type: str = "limit"
    tag: str | None = None


@dataclass
class FreqtradeBot:
    """A freqtrade database file under construction."""

    path: Path
    exchange: str = "binance"
    strategy: str = "SampleStrategy"
    trade_profits: dict[int, float] = field(default_factory=dict)
    _order_seq: int = 0

    def __post_init__(self) -> None:
        with closing(sqlite3.connect(self.path)) as conn, conn:
            for ddl in (TRADES_DDL, ORDERS_DDL, *INDEXES):
                conn.execute(ddl)

    def add_trade(self, pair: str, fills: list[Fill], *, exit_reason: str | None = None, is_short: bool = False,
                  fee: float = FEE, max_rate: float | None = None, trading_mode: str = "SPOT",
                  leverage: float = 1.0, funding_fees: float | None = None) -> int:
        """One trade and its orders; returns the trade id. Closed when no entry/exit is left
        open and the exits sold what the entries bought."""
        entry_side = "sell" if is_short else "buy"
        done = [f for f in fills if not f.is_open and f.status == "closed"]
        entries = [f for f in done if f.side == entry_side]
        exits = [f for f in done if f.side != entry_side]
        bought = sum(self._filled(f) for f in entries)
        sold = sum(self._filled(f) for f in exits)
        open_rate = sum(f.price * self._filled(f) for f in entries) / bought if bought else fills[0].price
        is_open = not exits or abs(bought - sold) > 1e-12
        close_rate = exits[-1].price if exits and not is_open else None
        profit = None
        if not is_open:
            profit = (sum(f.price * self._filled(f) * (1 - fee) for f in exits)
                      - sum(f.price * self._filled(f) * (1 + fee) for f in entries))
        with closing(sqlite3.connect(self.path)) as conn, conn:
            cursor = conn.execute(
                """INSERT INTO trades (exchange, pair, base_currency, stake_currency, is_open, fee_open,
                   fee_close, open_rate, open_trade_value, close_rate, close_profit, close_profit_abs,
                   stake_amount, amount, open_date, close_date, is_stop_loss_trailing, max_rate, min_rate,
                   exit_reason, strategy, trading_mode, leverage, is_short, interest_rate, record_version,
                   funding_fees)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, 0.0, 2, ?)""",
                (self.exchange, pair, pair.split("/")[0], pair.split("/")[1].split(":")[0], is_open, fee, fee,
                 open_rate, open_rate * bought * (1 + fee), close_rate,
                 None if profit is None else profit / (open_rate * bought), profit,
                 open_rate * bought, bought, sa_time(fills[0].at), None if is_open else sa_time(fills[-1].at),
                 max_rate if max_rate is not None else max(f.price for f in fills), min(f.price for f in fills),
                 exit_reason if not is_open else None, self.strategy, trading_mode, leverage, is_short,
                 funding_fees),
            )
            trade_id = cursor.lastrowid
            for fill in fills:
                self._order_seq += 1
                filled = self._filled(fill)
                conn.execute(
                    """INSERT INTO orders (ft_trade_id, ft_order_side, ft_pair, ft_is_open, ft_amount, ft_price,
                       order_id, status, symbol, order_type, side, price, average, amount, filled, remaining,
                       cost, order_date, order_filled_date, order_update_date, ft_order_tag)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (trade_id, fill.side, pair, fill.is_open, fill.amount, fill.price,
                     f"{self.exchange}-{self._order_seq}", fill.status, pair, fill.order_type,
                     "sell" if fill.side == "stoploss" else fill.side, fill.price,
                     fill.price if filled else None, fill.amount, filled, fill.amount - filled,
                     fill.price * filled, sa_time(fill.at), sa_time(fill.at) if filled and not fill.is_open else None,
                     sa_time(fill.at), fill.tag),
                )
        if profit is not None:
            self.trade_profits[trade_id] = profit
        return trade_id

    @staticmethod
    def _filled(fill: Fill) -> float:
        if fill.filled is not None:
            return fill.filled
        return 0.0 if fill.is_open or fill.status != "closed" else fill.amount


def minute_candles(start: str, closes: list[float]) -> pd.DataFrame:
    """freqtrade's in-memory candles: `date` (candle open, UTC) and OHLCV, one per minute."""
    dates = pd.date_range(pd.Timestamp(start, tz="UTC"), periods=len(closes), freq="1min")
    return pd.DataFrame({
        "date": dates, "open": closes, "high": [c * 1.001 for c in closes],
        "low": [c * 0.999 for c in closes], "close": closes, "volume": [10.0] * len(closes),
    })


def write_feather(folder: Path, filename: str, candles: pd.DataFrame) -> Path:
    """A candle file as freqtrade's feather data handler writes it."""
    path = folder / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    candles.reset_index(drop=True).to_feather(path)
    return path


def write_json(folder: Path, filename: str, candles: pd.DataFrame) -> Path:
    """A candle file as freqtrade's json data handler writes it: [[ms, o, h, l, c, v], …]."""
    path = folder / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    ms = (candles["date"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    rows = [[int(t), o, h, lo, c, v] for t, o, h, lo, c, v in zip(
        ms, candles["open"], candles["high"], candles["low"], candles["close"], candles["volume"])]
    path.write_text(json.dumps(rows))
    return path
