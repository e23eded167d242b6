"""What a replayed exit would have earned: net_pnl_pct (SPEC §2.1) at the replayed price."""

from __future__ import annotations

import numpy as np


def replayed_net_pnl_pct(entry_price: np.ndarray, quantity: np.ndarray, buy_fees: np.ndarray, sell_fee: np.ndarray,
                         actual_price: np.ndarray, replayed_price: np.ndarray, *,
                         direction: np.ndarray | None = None, leverage: np.ndarray | None = None) -> np.ndarray:
    """net_pnl_pct (SPEC §2.1, §2.3) of each trade had it exited at `replayed_price` (any shape
    that broadcasts with the per-trade arrays, e.g. (variants, trades)): the trade's own
    quantity, its entry lots' fees as they were, its exit fee scaled by replayed / actual price.
    pnl = direction × (exit − entry) × quantity − fees, on the stake (entry × quantity + the
    entry fees, − them for a short) / leverage; `direction` +1 long / −1 short (default long),
    `leverage` default 1. With zero fees and leverage 1 the stake is entry × quantity. NaN where
    the replayed price is NaN (not replayable) or the stake is not positive."""
    entry = np.asarray(entry_price, dtype=np.float64)
    qty = np.asarray(quantity, dtype=np.float64)
    actual = np.asarray(actual_price, dtype=np.float64)
    replayed = np.asarray(replayed_price, dtype=np.float64)
    entry_fees = np.asarray(buy_fees, dtype=np.float64)
    side = np.ones(entry.shape) if direction is None else np.asarray(direction, dtype=np.float64)
    lever = np.ones(entry.shape) if leverage is None else np.asarray(leverage, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled_fee = np.where(actual > 0, np.asarray(sell_fee, dtype=np.float64) * replayed / actual, np.nan)
        net = side * (replayed - entry) * qty - entry_fees - scaled_fee
        stake = (entry * qty + side * entry_fees) / lever
        return np.where((stake > 0) & (entry > 0), net / stake * 100, np.nan)
