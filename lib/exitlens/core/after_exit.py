"""After the exit (SPEC §2.2): how far the price went up and down, noise stops, verdicts.

Path extremes are computed when a period is analysed, from the 1m candles after each sell
(never stored): `max_after_<h>_pct` from the highest high and `min_after_<h>_pct` from the
lowest low over the candles with timestamp in (t, t + h]. A horizon counts once its window has
passed (t + h ≤ now, judged at the moment the caller gives: core has no clock); before that,
and when the window holds no candle, both are missing. A sell time may carry seconds, so the
window's last candle can be t + h floored to the minute. One `searchsorted` per horizon and one
`reduceat` per extreme: no loop over sells.

Shorts (SPEC §2.3): a short's exit is its covering BUY, and a fall of the price after it is
what a rise is after a long's exit. So for a sell with `direction` "short" the extremes swap
high and low and their sign — `max_after` is how far the price fell below the exit (what a
later cover would have gained), `min_after` how far it rose — and the noise stop and verdicts
read the price change with its sign reversed. The stored `change_pct` stays the raw change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from exitlens.core.settings import Settings

STOP_LOSS = "STOP_LOSS"
VERDICT_NOISE_STOP = "noise stop"
VERDICT_EARLY = "early"
VERDICT_SAVED = "saved"
VERDICT_FINE = "fine"
VERDICT_PENDING = "pending"
VERDICTS = (VERDICT_NOISE_STOP, VERDICT_EARLY, VERDICT_SAVED, VERDICT_FINE, VERDICT_PENDING)


def max_after_column(horizon_key: str) -> str:
    return f"max_after_{horizon_key}_pct"


def min_after_column(horizon_key: str) -> str:
    return f"min_after_{horizon_key}_pct"


def after_exit_columns(settings: Settings) -> dict[str, str]:
    """The columns `path_extremes` and `verdicts` add to the evaluation frame, with dtypes."""
    columns = {}
    for key in settings.horizon_keys:
        columns[max_after_column(key)] = "float64"
        columns[min_after_column(key)] = "float64"
    columns.update({"noise_stop": "boolean", "verdict": "object", "verdict_provisional": "bool"})
    return columns


def path_extremes(sells: pd.DataFrame, candles: pd.DataFrame | None, settings: Settings,
                  now: pd.Timestamp) -> pd.DataFrame:
    """Per sell (indexed like `sells`), `max_after_<h>_pct` and `min_after_<h>_pct` per horizon,
    for the windows that have passed at `now` (aware).

    `sells` needs symbol, event_time and price; `candles` symbol, timestamp, high, low
    (store.candles.CANDLE_PATH_COLUMNS), sorted by symbol then timestamp; None when the
    analysis has no candles (every extreme missing).
    """
    out = pd.DataFrame(index=sells.index)
    for key in settings.horizon_keys:
        out[max_after_column(key)] = np.nan
        out[min_after_column(key)] = np.nan
    if sells.empty or candles is None or candles.empty:
        return out
    price = pd.to_numeric(sells["price"], errors="coerce").to_numpy(dtype=float)
    times = sells["event_time"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    shorts = direction_signs(sells) < 0
    now_ns = pd.Timestamp(now).tz_convert("UTC").value
    for symbol, path in candles.groupby("symbol", sort=False):
        rows = np.flatnonzero((sells["symbol"] == symbol).to_numpy())
        if rows.size == 0:
            continue
        stamps = path["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        high = path["high"].to_numpy(dtype=float)
        low = path["low"].to_numpy(dtype=float)
        first = np.searchsorted(stamps, times[rows], side="right")
        for horizon in settings.horizons:
            until = times[rows] + horizon.delta // pd.Timedelta(1, "ns")
            last = np.searchsorted(stamps, until, side="right")
            complete = (until <= now_ns) & (last > first)
            highest = range_reduce(np.maximum, high, first, last, complete)
            lowest = range_reduce(np.minimum, low, first, last, complete)
            p = price[rows]
            usable = complete & np.isfinite(p) & (p > 0)
            short = shorts[rows]
            with np.errstate(invalid="ignore", divide="ignore"):
                out.iloc[rows, out.columns.get_loc(max_after_column(horizon.key))] = np.where(
                    usable, np.where(short, (p - lowest), (highest - p)) / p * 100, np.nan)
                out.iloc[rows, out.columns.get_loc(min_after_column(horizon.key))] = np.where(
                    usable, np.where(short, (p - highest), (lowest - p)) / p * 100, np.nan)
    return out


def range_reduce(ufunc: np.ufunc, values: np.ndarray, first: np.ndarray, last: np.ndarray,
                  usable: np.ndarray) -> np.ndarray:
    """`ufunc.reduce(values[first[i]:last[i]])` for every i where `usable`, else NaN."""
    result = np.full(first.shape, np.nan)
    if not usable.any():
        return result
    starts, stops = first[usable], last[usable]
    bounds = np.empty(2 * starts.size, dtype=np.intp)
    bounds[0::2], bounds[1::2] = starts, stops
    padded = np.append(values, np.nan)  # reduceat needs indices < len; the pad is never reduced
    result[usable] = ufunc.reduceat(padded, bounds)[0::2]
    return result


def direction_signs(sells: pd.DataFrame) -> np.ndarray:
    """+1 per long sell, −1 per short one (`direction` "short"; no column: all long)."""
    if "direction" not in sells.columns:
        return np.ones(len(sells))
    return np.where(sells["direction"].astype(str).str.lower().to_numpy() == "short", -1.0, 1.0)


def noise_stops(sells: pd.DataFrame, extremes: pd.DataFrame, outcome: str = "24h") -> pd.Series:
    """True for a STOP_LOSS sell with an entry price whose best price in the `outcome` window
    after the exit reaches the entry price again (the highest for a long, the lowest for a
    short); NA when that cannot be known."""
    entry = pd.to_numeric(sells["entry_price"], errors="coerce")
    price = pd.to_numeric(sells["price"], errors="coerce")
    sign = direction_signs(sells)
    best = price * (1 + sign * extremes[max_after_column(outcome)] / 100)
    known = (sells["exit_reason"] == STOP_LOSS) & (entry > 0) & best.notna()
    return (sign * (best - entry) >= 0).astype("boolean").where(known, pd.NA)


def verdicts(sells: pd.DataFrame, noise: pd.Series, settings: Settings, outcome: str = "24h") -> pd.DataFrame:
    """The verdict of each sell (SPEC §2.2) and whether it is provisional.

    From the `outcome` point, else the latest recorded point (provisional); `pending` when no
    point is recorded. Order: noise stop, early (change above `early_exit_change_pct`), saved
    (change below `saved_change_pct`), fine; a short's change is read with its sign reversed.
    """
    keys = list(settings.horizon_keys)
    changes = sells[[f"post_{key}_pct" for key in keys]].to_numpy(dtype=float) * direction_signs(sells)[:, None]
    has_point = ~np.isnan(changes)
    latest = np.where(has_point.any(axis=1), len(keys) - 1 - np.argmax(has_point[:, ::-1], axis=1), -1)
    change = np.where(latest >= 0, changes[np.arange(len(sells)), np.maximum(latest, 0)], np.nan)
    outcome_index = keys.index(outcome) if outcome in keys else -2
    verdict = np.select(
        [np.isnan(change), noise.fillna(False).to_numpy(dtype=bool),
         change > settings.early_exit_change_pct, change < settings.saved_change_pct],
        [VERDICT_PENDING, VERDICT_NOISE_STOP, VERDICT_EARLY, VERDICT_SAVED],
        VERDICT_FINE,
    )
    provisional = (latest >= 0) & (latest != outcome_index)
    return pd.DataFrame({"verdict": verdict.astype(object), "verdict_provisional": provisional}, index=sells.index)
