"""In-trade excursions (SPEC §5): MFE, MAE and capture ratio from the candles between entry
and exit, checked against a plain loop over random paths and on a path worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from exitlens.core.excursions import excursion_buckets, excursions

START = pd.Timestamp("2026-11-23", tz="UTC")


def candles(symbol: str, highs, lows) -> pd.DataFrame:
    times = START + pd.to_timedelta(np.arange(len(highs)), unit="min")
    return pd.DataFrame({"symbol": symbol, "timestamp": times, "open": lows, "high": highs, "low": lows,
                         "close": lows})


def test_excursions_on_a_worked_path_give_mfe_mae_and_capture():
    path = candles("KRW-BTC", [101, 105, 112, 108, 103], [99, 96, 104, 101, 100])
    sells = pd.DataFrame({"symbol": ["KRW-BTC"], "exit_reason": ["TRAILING_STOP"], "entry_price": [100.0],
                          "open_time": [START], "event_time": [START + pd.Timedelta(minutes=4)], "pnl_pct": [3.0]})
    row = excursions(sells, path).iloc[0]
    # candles after the open (minutes 1–4): highest 112, lowest 96
    assert row["mfe_pct"] == pytest.approx(12.0)
    assert row["mae_pct"] == pytest.approx(-4.0)
    assert row["capture_ratio"] == pytest.approx(3.0 / 12.0)


def test_excursions_when_no_candle_or_no_entry_are_missing():
    path = candles("KRW-BTC", [101, 105], [99, 96])
    sells = pd.DataFrame({"symbol": ["KRW-ETH", "KRW-BTC"], "exit_reason": ["STOP_LOSS"] * 2,
                          "entry_price": [100.0, np.nan], "open_time": [START] * 2,
                          "event_time": [START + pd.Timedelta(minutes=1)] * 2, "pnl_pct": [1.0, 1.0]})
    assert excursions(sells, path).isna().all().all()


def test_excursions_on_random_paths_agree_with_a_plain_loop():
    rng = np.random.default_rng(7)
    paths, rows = [], []
    for symbol in ("A", "B"):
        closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300)))
        paths.append(candles(symbol, closes * 1.002, closes * 0.998))
        for _ in range(15):
            opened, held = int(rng.integers(0, 250)), int(rng.integers(0, 40))
            rows.append({"symbol": symbol, "exit_reason": "TIME_LIMIT", "entry_price": float(closes[opened]),
                         "open_time": START + pd.Timedelta(minutes=opened),
                         "event_time": START + pd.Timedelta(minutes=opened + held), "pnl_pct": float(rng.normal())})
    path, sells = pd.concat(paths, ignore_index=True), pd.DataFrame(rows)
    fast = excursions(sells, path)
    for i, sell in sells.iterrows():
        inside = path[(path["symbol"] == sell["symbol"]) & (path["timestamp"] > sell["open_time"])
                      & (path["timestamp"] <= sell["event_time"])]
        if inside.empty:
            assert np.isnan(fast.loc[i, "mfe_pct"])
            continue
        mfe = (inside["high"].max() - sell["entry_price"]) / sell["entry_price"] * 100
        mae = (inside["low"].min() - sell["entry_price"]) / sell["entry_price"] * 100
        assert fast.loc[i, "mfe_pct"] == pytest.approx(mfe)
        assert fast.loc[i, "mae_pct"] == pytest.approx(mae)
        expected = sell["pnl_pct"] / mfe if mfe > 0 else np.nan
        assert fast.loc[i, "capture_ratio"] == pytest.approx(expected, nan_ok=True)


def test_excursion_buckets_count_each_reason_and_average_what_is_known():
    frame = pd.DataFrame({"exit_reason": ["TAKE_PROFIT", "TAKE_PROFIT", "STOP_LOSS"], "mfe_pct": [4.0, 2.0, np.nan],
                          "mae_pct": [-1.0, -3.0, np.nan], "capture_ratio": [0.5, np.nan, np.nan],
                          "pnl_pct": [2.0, 1.0, -3.0]})
    table = excursion_buckets(frame)
    assert table.loc["TAKE_PROFIT", "samples"] == 2 and table.loc["STOP_LOSS", "samples"] == 0
    assert table.loc["TAKE_PROFIT", "avg_mfe_pct"] == pytest.approx(3.0)
    assert table.loc["TAKE_PROFIT", "capture_samples"] == 1
    assert table.loc["TAKE_PROFIT", "avg_pnl_pct"] == pytest.approx(1.5)
    assert np.isnan(table.loc["STOP_LOSS", "avg_pnl_pct"])  # its realised move has no MFE beside it
