"""A deterministic simulated CoinPilot bot: candles with regime changes, and the orders its exit
rules produce. Same seed and end → the same rows, so the demo reports are reproducible.

The exit rules are the bot's: take profit 5%, stop loss 3%, trailing stop 3% once up 1%,
time limit 72h, RSI overbought. Most sells store `signal_info.entry_avg_price`, some do not
(their entry comes from FIFO); some entries and exits fill in two parts; a few candles are
missing, as on a real feed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from exitlens.core.errors import ConfigError
from exitlens.core.timeutil import require_aware
from exitlens.store import writes as store
from exitlens.store.position_columns import add_position_columns

log = logging.getLogger(__name__)

DEFAULT_END = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
"""Midnight of 2026-11-24 in Korea: the demo's last full day is 2026-11-23 (Asia/Seoul)."""
DEFAULT_DAYS = 60
DEFAULT_SEED = 25

SYMBOLS = {  # symbol: (start price in KRW, volatility per minute)
    "KRW-BTC": (95_000_000.0, 0.00040),
    "KRW-ETH": (4_800_000.0, 0.00050),
    "KRW-XRP": (3_200.0, 0.00065),
    "KRW-SOL": (280_000.0, 0.00060),
    "KRW-DOGE": (550.0, 0.00075),
}
REGIME_DRIFT = {"BULL": 0.000025, "SIDEWAYS": 0.0, "BEAR": -0.00002}  # log drift per minute
REGIME_VOL = {"BULL": 1.0, "SIDEWAYS": 0.8, "BEAR": 1.25}


@dataclass(frozen=True)
class ExitRules:
    take_profit_pct: float = 5.0
    stop_loss_pct: float = 3.0
    trailing_stop_pct: float = 3.0
    trailing_activation_pct: float = 1.0
    time_limit_hours: float = 72.0
    rsi_overbought: float = 60.0
    rsi_minutes: int = 14 * 15
    entry_chance_per_hour: float = 0.4
    budget_krw: float = 1_000_000.0
    fee_rate: float = 0.0005


def regime_path(minutes: int, rng: np.random.Generator) -> np.ndarray:
    """A market regime per minute, in blocks of one to five days."""
    names = np.array(list(REGIME_DRIFT))
    out = np.empty(minutes, dtype=object)
    start = 0
    while start < minutes:
        length = int(rng.integers(1, 6)) * 1440
        out[start:start + length] = names[rng.integers(0, len(names))]
        start += length
    return out


def simulate_candles(times: pd.DatetimeIndex, regimes: np.ndarray, price: float, vol: float, rng: np.random.Generator) -> pd.DataFrame:
    """1m OHLC candles following the regime's drift and volatility."""
    drift = np.vectorize(REGIME_DRIFT.get)(regimes).astype(float)
    scale = np.vectorize(REGIME_VOL.get)(regimes).astype(float) * vol
    log_returns = drift + scale * rng.standard_normal(len(times))
    close = price * np.exp(np.cumsum(log_returns))
    open_ = np.concatenate([[price], close[:-1]])
    wiggle = np.abs(rng.standard_normal(len(times))) * scale * close
    decimals = 0 if price > 1000 else 2
    return pd.DataFrame({
        "timestamp": times,
        "open_price": open_.round(decimals),
        "high_price": (np.maximum(open_, close) + wiggle).round(decimals),
        "low_price": (np.minimum(open_, close) - wiggle).round(decimals),
        "close_price": close.round(decimals),
        "volume": np.abs(rng.standard_normal(len(times))) * 10,
    })


def rsi(close: np.ndarray, period: int) -> np.ndarray:
    """Wilder's relative strength index."""
    delta = np.diff(close, prepend=close[0])
    gains = pd.Series(np.clip(delta, 0, None)).ewm(alpha=1 / period, adjust=False).mean()
    losses = pd.Series(np.clip(-delta, 0, None)).ewm(alpha=1 / period, adjust=False).mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = gains / losses
    return (100 - 100 / (1 + strength)).fillna(50).to_numpy()


def _order_id(rng: np.random.Generator) -> str:
    return str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | int(rng.integers(0, 2**63)), version=4))


def simulate_orders(symbol: str, candles: pd.DataFrame, regimes: np.ndarray, rules: ExitRules, rng: np.random.Generator) -> list[dict]:
    """The bot's orders on one symbol: entries at random, exits by the first rule that fires."""
    close = candles["close_price"].to_numpy()
    times = candles["timestamp"]
    strength = rsi(close, rules.rsi_minutes)
    enter = rng.random(len(close)) < rules.entry_chance_per_hour / 60
    orders: list[dict] = []
    position = None
    for i, price in enumerate(close):
        if position is None:
            if enter[i] and i < len(close) - 60:
                fills = _fills(symbol, "BUY", price, rules.budget_krw / price, times[i], regimes[i], rules, rng,
                               signal_info={"rsi": round(float(strength[i]), 2)})
                position = {"entry": price, "high": price, "opened": i, "quantity": sum(f["quantity"] for f in fills)}
                orders += fills
            continue
        position["high"] = max(position["high"], price)
        reason = _exit_reason(price, position, i, strength[i], rules)
        if reason:
            signal = {"rsi": round(float(strength[i]), 2)}
            if rng.random() < 0.8:
                signal["entry_avg_price"] = float(position["entry"])
            orders += _fills(symbol, "SELL", price, position["quantity"], times[i], regimes[i], rules, rng,
                             exit_reason=reason, signal_info=signal, high_water_mark=float(position["high"]))
            position = None
    return orders


def _exit_reason(price: float, position: dict, i: int, strength: float, rules: ExitRules) -> str | None:
    change = (price - position["entry"]) / position["entry"] * 100
    if change <= -rules.stop_loss_pct:
        return "STOP_LOSS"
    if change >= rules.take_profit_pct:
        return "TAKE_PROFIT"
    peak = (position["high"] - position["entry"]) / position["entry"] * 100
    if peak >= rules.trailing_activation_pct and price <= position["high"] * (1 - rules.trailing_stop_pct / 100):
        return "TRAILING_STOP"
    if strength >= rules.rsi_overbought and change > 1.0:
        return "RSI_OVERBOUGHT"
    if i - position["opened"] >= rules.time_limit_hours * 60:
        return "TIME_LIMIT"
    return None


def _fills(symbol, side, price, quantity, when, regime, rules, rng, *, signal_info, exit_reason=None, high_water_mark=None) -> list[dict]:
    """One order, or two partial fills a few seconds apart."""
    parts = [quantity] if rng.random() < 0.8 else [quantity * 0.6, quantity * 0.4]
    fills = []
    for n, part in enumerate(parts):
        executed = when + pd.Timedelta(seconds=int(rng.integers(1, 40)) + 45 * n)
        part = round(part, 8)
        fills.append({
            "id": _order_id(rng), "symbol": symbol, "side": side, "order_type": "MARKET",
            "price": float(price), "quantity": part, "fee": round(price * part * rules.fee_rate, 8),
            "status": "FILLED", "strategy_name": "mean_reversion_v3", "regime": regime,
            "created_at": executed - pd.Timedelta(seconds=2),
            # Some old fills predate the executed_at column: their event time is created_at.
            "executed_at": None if rng.random() < 0.03 else executed,
            "signal_info": signal_info, "exit_reason": exit_reason, "high_water_mark": high_water_mark,
        })
    return fills


def build_history(*, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED, end: datetime = DEFAULT_END,
                  rules: ExitRules = ExitRules()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(orders, candles) of a simulated bot over `days` days up to `end`."""
    if days < 1:
        raise ConfigError(f"--days must be at least 1, got {days}")
    end = require_aware(end, "end")
    rng = np.random.default_rng(seed)
    minutes = days * 1440
    times = pd.date_range(end=pd.Timestamp(end).floor("min") - pd.Timedelta(minutes=1), periods=minutes, freq="1min")
    regimes = regime_path(minutes, rng)
    all_orders, all_candles = [], []
    for symbol, (price, vol) in SYMBOLS.items():
        candles = simulate_candles(times, regimes, price, vol, rng)
        all_orders += simulate_orders(symbol, candles, regimes, rules, rng)
        keep = _feed_with_gaps(len(candles), rng)
        all_candles.append(candles[keep].assign(symbol=symbol))
    orders = pd.DataFrame(all_orders)
    cancelled = orders.sample(n=max(1, len(orders) // 100), random_state=seed).assign(status="CANCELLED", id=lambda f: [_order_id(rng) for _ in range(len(f))])
    return pd.concat([orders, cancelled], ignore_index=True), pd.concat(all_candles, ignore_index=True)


def _feed_with_gaps(length: int, rng: np.random.Generator) -> np.ndarray:
    """Which candles a real feed would have delivered: a few lone minutes and a few outages missing."""
    keep = rng.random(length) > 0.002
    for start in rng.integers(0, length, size=6):
        keep[start:start + int(rng.integers(15, 90))] = False
    return keep


def fill_database(engine: Engine, *, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED, end: datetime = DEFAULT_END) -> tuple[int, int]:
    """Write a simulated history into an empty database, in one transaction; return (orders,
    candles) written. A database that already holds orders or candles is refused: the demo
    never mixes with real data."""
    orders, candles = build_history(days=days, seed=seed, end=end)
    with engine.begin() as conn:
        for table in ("trading_history", "market_data"):
            existing = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            if existing:
                raise ConfigError(
                    f"the database already holds {existing} rows in {table}: the demo only fills an "
                    "empty database (remove data/exitlens.db to rebuild the embedded one)"
                )
        add_position_columns(conn)
        log.info("writing %d orders and %d candles", len(orders), len(candles))
        return store.insert_orders(conn, orders), store.insert_candles(conn, candles)
