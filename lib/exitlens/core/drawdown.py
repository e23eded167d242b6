"""Maximum drawdown of a period's net P&L, per quote currency (SPEC §2.1).

The running sum of net_pnl over the period's sells in event-time order (ties by id), starting
at 0, and its running peak (at least 0, the starting sum): the drawdown after a sell is peak −
sum, and `max_drawdown` is the largest one, ≥ 0. Sells without a net_pnl (not evaluable) do
not move the sum. Each currency has its own sum: amounts in different currencies are never
added. Vectorised with grouped cumulative sums and maxima.
"""

from __future__ import annotations

import pandas as pd

from exitlens.core.markets import UNKNOWN_CURRENCY


def max_drawdown(sells: pd.DataFrame) -> dict[str, float]:
    """{currency: max drawdown} over the evaluation frame `sells` (evaluate.sell_columns), one
    entry per currency that has a sell, in currency order; {} when there is no sell."""
    if sells.empty:
        return {}
    frame = pd.DataFrame({
        "time": pd.to_datetime(sells["event_time"], utc=True),
        "id": sells["id"].astype(str),
        "currency": sells["currency"].astype(object).fillna(UNKNOWN_CURRENCY),
        "net_pnl": pd.to_numeric(sells["net_pnl"], errors="coerce").fillna(0.0),
    }).sort_values(["time", "id"], kind="stable")
    running = frame.groupby("currency", sort=False)["net_pnl"].cumsum()
    peak = running.clip(lower=0.0).groupby(frame["currency"], sort=False).cummax()
    falls = (peak - running).groupby(frame["currency"]).max()
    return {str(currency): float(fall) for currency, fall in falls.sort_index().items()}
