"""What a replayed exit would have earned: net_pnl_pct (SPEC §2.1) at the replayed price."""

from __future__ import annotations

import numpy as np


def replayed_net_pnl_pct(entry_price: np.ndarray, quantity: np.ndarray, buy_fees: np.ndarray, sell_fee: np.ndarray,
                         actual_price: np.ndarray, replayed_price: np.ndarray) -> np.ndarray:
    """net_pnl_pct (SPEC §2.1) of each trade had it exited at `replayed_price` (any shape that
    broadcasts with the per-trade arrays, e.g. (variants, trades)): the trade's own quantity, its
    lots' buy fees as they were, its sell fee scaled by replayed / actual price. NaN where the
    replayed price is NaN (censored) or the entry or quantity is not positive."""
    entry = np.asarray(entry_price, dtype=np.float64)
    qty = np.asarray(quantity, dtype=np.float64)
    actual = np.asarray(actual_price, dtype=np.float64)
    replayed = np.asarray(replayed_price, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled_fee = np.where(actual > 0, np.asarray(sell_fee, dtype=np.float64) * replayed / actual, np.nan)
        net = (replayed - entry) * qty - np.asarray(buy_fees, dtype=np.float64) - scaled_fee
        cost = entry * qty
        return np.where(cost > 0, net / cost * 100, np.nan)

