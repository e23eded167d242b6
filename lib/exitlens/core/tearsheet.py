"""The tear sheet of a period (SPEC §5): what quantstats, freqtrade and vectorbt show a quant.

Pure functions on the evaluation frame (evaluate.sell_columns), money per quote currency, never
added across currencies:

* `net_curves` — the cumulative net PnL ("equity") and its underwater curve (how far below its
  running peak, the sum starting at 0), per currency, in the event-time order max drawdown uses;
* `trade_stats` — per currency: wins / draws / losses (the evaluation frame's `win`, `draw`,
  `loss`: ε = 1e-9 × notional, SPEC §2.1), profit factor (net won / net lost),
  expectancy (mean net PnL per sell, in money and in %), payoff ratio (mean win / mean loss);
* `best_and_worst` — the sells with the highest and lowest net_pnl_pct.

Ratios over nothing (no loss for a profit factor, no win or no loss for a payoff ratio) are
NaN, never 0 or infinity.
"""

from __future__ import annotations

import pandas as pd

from exitlens.core.markets import UNKNOWN_CURRENCY

STAT_COLUMNS = ("evaluable", "wins", "draws", "losses", "profit_factor", "expectancy", "expectancy_pct",
                "payoff_ratio")
"""The columns of `trade_stats`; `expectancy` is money in the row's currency, the rest counts or
ratios."""
OUTCOMES = ("win", "draw", "loss")


def _ordered(sells: pd.DataFrame) -> pd.DataFrame:
    """The evaluable sells in max drawdown's order (event time, then id), with their currency."""
    usable = sells[sells["evaluable"].astype(bool)]
    frame = pd.DataFrame({
        "event_time": pd.to_datetime(usable["event_time"], utc=True),
        "id": usable["id"].astype(str),
        "currency": usable["currency"].astype(object).fillna(UNKNOWN_CURRENCY),
        "net_pnl": pd.to_numeric(usable["net_pnl"], errors="coerce").fillna(0.0),
    })
    return frame.sort_values(["event_time", "id"], kind="stable").reset_index(drop=True)


def net_curves(sells: pd.DataFrame) -> pd.DataFrame:
    """Per currency and evaluable sell, in event-time order: `equity` (the running sum of
    net_pnl, from 0) and `underwater` (equity − its running peak, the peak at least 0; ≤ 0).
    Columns currency, event_time, net_pnl, equity, underwater."""
    frame = _ordered(sells)
    by_currency = frame.groupby("currency", sort=False)["net_pnl"]
    frame["equity"] = by_currency.cumsum()
    peak = frame["equity"].clip(lower=0.0).groupby(frame["currency"], sort=False).cummax()
    frame["underwater"] = frame["equity"] - peak
    return frame[["currency", "event_time", "net_pnl", "equity", "underwater"]]


def trade_stats(sells: pd.DataFrame) -> pd.DataFrame:
    """One row per currency of the evaluable sells (sorted), STAT_COLUMNS."""
    usable = sells[sells["evaluable"].astype(bool)]
    frame = pd.DataFrame({
        "currency": usable["currency"].astype(object).fillna(UNKNOWN_CURRENCY),
        "net_pnl": pd.to_numeric(usable["net_pnl"], errors="coerce").astype(float),
        "net_pnl_pct": pd.to_numeric(usable["net_pnl_pct"], errors="coerce").astype(float),
        **{outcome: usable[outcome].fillna(False).astype(bool).astype("int64") for outcome in OUTCOMES},
    })
    won = frame["net_pnl"].where(frame["win"] == 1)
    lost = -frame["net_pnl"].where(frame["loss"] == 1)
    grouped = frame.assign(won=won, lost=lost).groupby("currency", sort=True)
    table = pd.DataFrame({
        "evaluable": grouped.size(),
        "wins": grouped["win"].sum(),
        "draws": grouped["draw"].sum(),
        "losses": grouped["loss"].sum(),
        "profit_factor": grouped["won"].sum() / grouped["lost"].sum().where(lambda total: total > 0),
        "expectancy": grouped["net_pnl"].mean(),
        "expectancy_pct": grouped["net_pnl_pct"].mean(),
        "payoff_ratio": grouped["won"].mean() / grouped["lost"].mean().where(lambda mean: mean > 0),
    })
    table = table.reindex(columns=list(STAT_COLUMNS))
    counts = ["evaluable", "wins", "draws", "losses"]
    table[counts] = table[counts].fillna(0).astype("int64")
    table.index.name = None
    return table


def best_and_worst(sells: pd.DataFrame) -> pd.DataFrame:
    """The evaluable sells with the highest and the lowest net_pnl_pct (rows "best" and
    "worst", the columns of `sells`); empty when no sell is evaluable."""
    pct = pd.to_numeric(sells["net_pnl_pct"], errors="coerce").where(sells["evaluable"].astype(bool))
    if pct.notna().sum() == 0:
        return sells.iloc[0:0]
    picked = sells.loc[[pct.idxmax(), pct.idxmin()]]
    return picked.set_axis(["best", "worst"])


def tear_sheet_json(sells: pd.DataFrame) -> dict:
    """The summary object's `tear_sheet`: {currency: trade_stats row}, JSON-safe (None for NaN)."""
    table = trade_stats(sells)
    return {str(currency): {key: (None if pd.isna(value) else (int(value) if key in ("evaluable", "wins", "draws",
                                                                                      "losses") else float(value)))
                            for key, value in row.items()}
            for currency, row in table.iterrows()}
