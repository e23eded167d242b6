"""In-trade excursions (SPEC §5): how far each position went for and against it between its
entry and its exit, and how much of the best price the exit kept.

From the 1m candles of the sell's symbol with timestamp in (open_time, event_time] (the
position's open, as exit replay reads it, to the exit):

* `mfe_pct` — maximum favourable excursion: (highest high − entry) / entry × 100;
* `mae_pct` — maximum adverse excursion: (lowest low − entry) / entry × 100 (≤ 0 once the
  price dipped below the entry);
* `capture_ratio` — the realised move over the MFE: pnl_pct / mfe_pct, for a positive MFE
  (1 = sold at the best price, 0 = at the entry, below 0 = gave it all back and more).

Missing (NaN) for a sell without an entry price, an open time, or a candle in its window.
One `searchsorted` per symbol and one `reduceat` per extreme, as the after-exit paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from exitlens.core.after_exit import range_reduce

EXCURSION_COLUMNS = ("mfe_pct", "mae_pct", "capture_ratio")


def excursions(sells: pd.DataFrame, candles: pd.DataFrame | None) -> pd.DataFrame:
    """EXCURSION_COLUMNS per sell, indexed like `sells` (store.candles.CANDLE_PATH_COLUMNS
    candles, sorted by symbol then timestamp; None: every value missing)."""
    out = pd.DataFrame(np.nan, index=sells.index, columns=list(EXCURSION_COLUMNS))
    if sells.empty or candles is None or candles.empty:
        return out
    entry = pd.to_numeric(sells["entry_price"], errors="coerce").to_numpy(dtype=float)
    opened = pd.to_datetime(sells["open_time"], utc=True)
    known = opened.notna().to_numpy() & np.isfinite(entry) & (entry > 0)
    open_ns = np.where(known, opened.to_numpy(dtype="datetime64[ns]").astype(np.int64), 0)
    exit_ns = pd.to_datetime(sells["event_time"], utc=True).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    highest = np.full(len(sells), np.nan)
    lowest = np.full(len(sells), np.nan)
    for symbol, path in candles.groupby("symbol", sort=False):
        rows = np.flatnonzero((sells["symbol"] == symbol).to_numpy() & known)
        if rows.size == 0:
            continue
        stamps = path["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        first = np.searchsorted(stamps, open_ns[rows], side="right")
        last = np.searchsorted(stamps, exit_ns[rows], side="right")
        some = last > first
        highest[rows] = range_reduce(np.maximum, path["high"].to_numpy(dtype=float), first, last, some)
        lowest[rows] = range_reduce(np.minimum, path["low"].to_numpy(dtype=float), first, last, some)
    with np.errstate(invalid="ignore", divide="ignore"):
        mfe = (highest - entry) / entry * 100
        mae = (lowest - entry) / entry * 100
        pnl = pd.to_numeric(sells["pnl_pct"], errors="coerce").to_numpy(dtype=float)
        capture = np.where(mfe > 0, pnl / mfe, np.nan)
    out["mfe_pct"], out["mae_pct"], out["capture_ratio"] = mfe, mae, capture
    return out


def excursion_buckets(sells: pd.DataFrame) -> pd.DataFrame:
    """Per exit reason (sorted): `samples` (sells with an MFE), `avg_mfe_pct`, `avg_mae_pct`,
    `avg_pnl_pct` (the realised move of the same sells, gross), `avg_capture_ratio` (over the
    sells that have one) and `capture_samples`."""
    reason = sells["exit_reason"].astype(object).fillna("UNKNOWN")
    frame = sells.reindex(columns=[*EXCURSION_COLUMNS, "pnl_pct"]).astype(float)
    frame["pnl_pct"] = frame["pnl_pct"].where(frame["mfe_pct"].notna())
    grouped = frame.groupby(reason, sort=True)
    table = pd.DataFrame({
        "samples": grouped["mfe_pct"].count(),
        "avg_mfe_pct": grouped["mfe_pct"].mean(),
        "avg_mae_pct": grouped["mae_pct"].mean(),
        "avg_pnl_pct": grouped["pnl_pct"].mean(),
        "avg_capture_ratio": grouped["capture_ratio"].mean(),
        "capture_samples": grouped["capture_ratio"].count(),
    })
    table.index.name = None
    return table


def excursions_json(sells: pd.DataFrame) -> dict:
    """The summary object's `excursions`: {reason: excursion_buckets row}, None for NaN."""
    table = excursion_buckets(sells)
    counts = ("samples", "capture_samples")
    return {str(reason): {key: (int(value) if key in counts else (None if pd.isna(value) else float(value)))
                          for key, value in row.items()}
            for reason, row in table.iterrows()}
