"""After the exit (SPEC §2.2): path extremes against a plain loop, noise stops, verdicts, and
the set-based candle reader on both engines (each candle read once for two overlapping asks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from exitlens.core.after_exit import noise_stops, path_extremes, verdicts
from exitlens.core.settings import Settings
from exitlens.store import writes
from exitlens.store.candles import CandleReader, merged_ranges, uncovered_ranges

SETTINGS = Settings()
T0 = pd.Timestamp("2026-11-20 00:00", tz="UTC")


def reference_extremes(sells: pd.DataFrame, candles: pd.DataFrame, settings: Settings, now: pd.Timestamp) -> dict:
    """SPEC §2.2 written out: per sell and horizon h, once t + h ≤ now, the highest high and the
    lowest low over the candles with timestamp in (t, t + h]; null before, or with no candle."""
    out = {}
    for label, s in sells.iterrows():
        path = candles[candles["symbol"] == s["symbol"]]
        for h in settings.horizons:
            passed = s["event_time"] + h.delta <= now
            window = path[(path["timestamp"] > s["event_time"]) & (path["timestamp"] <= s["event_time"] + h.delta)]
            if not passed or window.empty:
                out[(label, h.key)] = (np.nan, np.nan)
                continue
            high, low = max(window["high"]), min(window["low"])
            out[(label, h.key)] = ((high - s["price"]) / s["price"] * 100, (low - s["price"]) / s["price"] * 100)
    return out


def random_market(seed: int):
    rng = np.random.default_rng(seed)
    frames = []
    for symbol in ("KRW-BTC", "KRW-ETH"):
        minutes = np.sort(rng.choice(3 * 24 * 60, size=3000, replace=False))
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, minutes.size)))
        frames.append(pd.DataFrame({
            "symbol": symbol, "timestamp": T0 + pd.to_timedelta(minutes, unit="min"),
            "open": close, "high": close * (1 + rng.uniform(0, 0.003, minutes.size)),
            "low": close * (1 - rng.uniform(0, 0.003, minutes.size)), "close": close,
        }))
    candles = pd.concat(frames, ignore_index=True).sort_values(["symbol", "timestamp"], ignore_index=True)
    sells = pd.DataFrame({
        "symbol": rng.choice(["KRW-BTC", "KRW-ETH", "KRW-XRP"], size=60),
        "event_time": T0 + pd.to_timedelta(rng.uniform(0, 3 * 24 * 60, 60), unit="min"),
        "price": rng.uniform(90, 110, 60),
    }, index=rng.permutation(60) + 100)
    return sells, candles


# The candles span three days; "now" is a day later, so each symbol's last sells have windows
# that have passed while their candles stop short of t + h (the data ends, the window does not).
@pytest.mark.parametrize(("seed", "now_days"), [(1, 4), (2, 4), (3, 2.5)])
def test_path_extremes_on_random_paths_agree_with_a_plain_loop(seed, now_days):
    sells, candles = random_market(seed)
    now = T0 + pd.Timedelta(days=now_days)
    got = path_extremes(sells, candles, SETTINGS, now)
    expected = reference_extremes(sells, candles, SETTINGS, now)
    for (label, key), (high, low) in expected.items():
        assert got.loc[label, f"max_after_{key}_pct"] == pytest.approx(high, nan_ok=True)
        assert got.loc[label, f"min_after_{key}_pct"] == pytest.approx(low, nan_ok=True)
    assert got[["max_after_1h_pct"]].notna().sum().item() > 20  # the test compares real values
    assert got[["max_after_24h_pct"]].isna().sum().item() > 0  # and windows not yet passed


def test_path_extremes_when_the_sell_carries_seconds_the_window_ends_at_the_minute_floor():
    sold_at = T0 + pd.Timedelta(seconds=30)  # 00:00:30: the 1h window (00:00:30, 01:00:30] ends on the 01:00 candle
    sells = pd.DataFrame({"symbol": ["KRW-BTC"], "event_time": [sold_at], "price": [100.0]})
    stamps = [T0 + pd.Timedelta(minutes=m) for m in range(1, 61)]
    candles = pd.DataFrame({"symbol": "KRW-BTC", "timestamp": stamps, "open": 100.0,
                            "high": [101.0] * 59 + [107.0], "low": [99.0] * 59 + [92.0], "close": 100.0})
    got = path_extremes(sells, candles, SETTINGS, now=T0 + pd.Timedelta(hours=1, seconds=30)).iloc[0]
    assert got["max_after_1h_pct"] == pytest.approx(7.0)  # the last candle, 01:00, is in the window
    assert got["min_after_1h_pct"] == pytest.approx(-8.0)


def test_path_extremes_when_the_window_has_not_passed_are_missing_even_with_candles():
    sells = pd.DataFrame({"symbol": ["KRW-BTC"], "event_time": [T0], "price": [100.0]})
    candles = pd.DataFrame({"symbol": "KRW-BTC", "timestamp": [T0 + pd.Timedelta(minutes=m) for m in (1, 60)],
                            "open": 100.0, "high": 103.0, "low": 97.0, "close": 100.0})
    got = path_extremes(sells, candles, SETTINGS, now=T0 + pd.Timedelta(minutes=59)).iloc[0]
    assert got.isna().all()


def test_path_extremes_when_candles_stop_before_a_passed_horizon_use_the_candles_there_are():
    sells = pd.DataFrame({"symbol": ["KRW-BTC"], "event_time": [T0], "price": [100.0]})
    candles = pd.DataFrame({"symbol": "KRW-BTC", "timestamp": [T0 + pd.Timedelta(minutes=m) for m in (1, 2, 60)],
                            "open": 100.0, "high": [101.0, 104.0, 99.0], "low": [99.0, 98.0, 95.0], "close": 100.0})
    got = path_extremes(sells, candles, SETTINGS, now=T0 + pd.Timedelta(hours=5)).iloc[0]
    assert got["max_after_1h_pct"] == pytest.approx(4.0)
    assert got["min_after_1h_pct"] == pytest.approx(-5.0)
    assert got["max_after_4h_pct"] == pytest.approx(4.0)  # passed: the window holds the three candles
    assert np.isnan(got["max_after_24h_pct"]) and np.isnan(got["min_after_24h_pct"])  # not yet passed


def test_path_extremes_without_candles_are_all_missing():
    sells = pd.DataFrame({"symbol": ["KRW-BTC"], "event_time": [T0], "price": [100.0]})
    assert path_extremes(sells, None, SETTINGS, now=T0 + pd.Timedelta(days=2)).isna().all().all()


def evaluated(**columns) -> pd.DataFrame:
    base = {"exit_reason": "STOP_LOSS", "price": 95.0, "entry_price": 100.0,
            **{f"post_{k}_pct": np.nan for k in SETTINGS.horizon_keys}}
    base.update(columns)
    return pd.DataFrame([base])


@pytest.mark.parametrize(("reason", "max_after", "entry", "expected"), [
    ("STOP_LOSS", 5.3, 100.0, True),        # 95 × 1.053 = 100.035 ≥ 100: the stop was noise
    ("STOP_LOSS", 5.0, 100.0, False),       # 95 × 1.05 = 99.75 < 100
    ("STOP_LOSS", 5.3, np.nan, pd.NA),      # no entry price: cannot know
    ("STOP_LOSS", np.nan, 100.0, pd.NA),    # no 24h path yet
    ("TAKE_PROFIT", 9.0, 100.0, pd.NA),     # only stop losses can be noise stops
])
def test_noise_stop_when_price_returns_to_entry(reason, max_after, entry, expected):
    sells = evaluated(exit_reason=reason, entry_price=entry)
    extremes = pd.DataFrame({"max_after_24h_pct": [max_after]})
    got = noise_stops(sells, extremes).iloc[0]
    assert (got is pd.NA) if expected is pd.NA else bool(got) is expected


@pytest.mark.parametrize(("points", "noise", "verdict", "provisional"), [
    ({"post_24h_pct": 2.5}, False, "early", False),
    ({"post_24h_pct": 2.0}, False, "fine", False),     # strict: +2.0 is not early
    ({"post_24h_pct": -1.5}, False, "saved", False),
    ({"post_24h_pct": 9.0}, True, "noise stop", False),
    ({"post_1h_pct": 3.0, "post_4h_pct": -2.0}, False, "saved", True),  # latest point, provisional
    ({}, False, "pending", False),
])
def test_verdict_from_the_24h_point_else_the_latest_point(points, noise, verdict, provisional):
    sells = evaluated(**points)
    got = verdicts(sells, pd.Series([noise], dtype="boolean"), SETTINGS).iloc[0]
    assert got["verdict"] == verdict and bool(got["verdict_provisional"]) is provisional


def test_merged_ranges_joins_overlapping_windows_per_symbol():
    windows = pd.DataFrame({
        "symbol": ["A", "A", "A", "B"],
        "start": [T0, T0 + pd.Timedelta(hours=1), T0 + pd.Timedelta(days=3), T0],
        "end": [T0 + pd.Timedelta(hours=2), T0 + pd.Timedelta(hours=5), T0 + pd.Timedelta(days=4), T0],
    })
    got = merged_ranges(windows)
    assert list(got["symbol"]) == ["A", "A", "B"]
    assert list(got["end"] - got["start"]) == [pd.Timedelta(hours=5), pd.Timedelta(days=1), pd.Timedelta(0)]


def test_candle_reader_reads_exactly_the_windows_on_both_engines(engine):
    minutes = pd.date_range(T0, periods=600, freq="min")
    for symbol in ("KRW-BTC", "KRW-ETH"):
        writes.insert_candles(engine, pd.DataFrame({
            "symbol": symbol, "timestamp": minutes, "open_price": 1.0, "high_price": 2.0,
            "low_price": 0.5, "close_price": np.arange(600, dtype=float),
        }))
    windows = pd.DataFrame({"symbol": ["KRW-BTC", "KRW-BTC"],
                            "start": [minutes[10], minutes[100]], "end": [minutes[20], minutes[100]]})

    got = CandleReader(engine, chunk=pd.Timedelta(minutes=4).to_pytimedelta()).paths(windows)

    assert list(got["symbol"].unique()) == ["KRW-BTC"]
    assert list(got["close"]) == [*range(10, 21), 100]
    assert got["timestamp"].dt.tz is not None


def test_uncovered_ranges_leave_out_what_was_read_keeping_the_shared_instants():
    hour = pd.Timedelta(hours=1)
    covered = pd.DataFrame({"symbol": ["A", "A"], "start": [T0 + 2 * hour, T0 + 6 * hour],
                            "end": [T0 + 3 * hour, T0 + 7 * hour]})
    wanted = pd.DataFrame({"symbol": ["A", "A", "B", "A"],
                           "start": [T0, T0 + 10 * hour, T0, T0 + 6 * hour],
                           "end": [T0 + 8 * hour, T0 + 11 * hour, T0, T0 + 7 * hour]})
    got = uncovered_ranges(wanted, covered)
    assert list(got.itertuples(index=False, name=None)) == [
        ("A", T0, T0 + 2 * hour), ("A", T0 + 3 * hour, T0 + 6 * hour), ("A", T0 + 7 * hour, T0 + 8 * hour),
        ("A", T0 + 10 * hour, T0 + 11 * hour), ("B", T0, T0),
    ]


def test_candle_reader_reads_each_candle_once_and_answers_each_ask_exactly(engine):
    minutes = pd.date_range(T0, periods=600, freq="min")
    writes.insert_candles(engine, pd.DataFrame({
        "symbol": "KRW-BTC", "timestamp": minutes, "open_price": 1.0, "high_price": 2.0,
        "low_price": 0.5, "close_price": np.arange(600, dtype=float),
    }))
    after_exit = pd.DataFrame({"symbol": ["KRW-BTC"], "start": [minutes[100]], "end": [minutes[200]]})
    replay = pd.DataFrame({"symbol": ["KRW-BTC", "KRW-BTC"], "start": [minutes[50], minutes[150]],
                           "end": [minutes[120], minutes[300]]})
    queries = []
    sa.event.listen(engine, "after_cursor_execute",
                    lambda *args: queries.append(args[2]) if "market_data" in args[2] else None)
    reader = CandleReader(engine, chunk=pd.Timedelta(minutes=40).to_pytimedelta())

    first = reader.paths(after_exit)
    queries_first = len(queries)
    second = reader.paths(replay)
    again = reader.paths(after_exit)

    assert list(first["close"]) == list(range(100, 201))
    assert list(second["close"]) == [*range(50, 121), *range(150, 301)]
    assert again.equals(first)
    # The second ask reads only what the first did not: [50, 100] in two 40-minute chunks and
    # [200, 300] in three; the third reads nothing.
    assert len(queries) - queries_first == 2 + 3
    for got, windows in ((first, after_exit), (second, replay)):
        assert got.equals(CandleReader(engine).paths(windows))


def test_short_path_extremes_swap_high_and_low():
    # A short covered at 100: the price then falls to 95 and rises to 102. Left on the table
    # (max_after) is the fall, 5%; the adverse move (min_after) is the rise, -2%.
    candles = pd.DataFrame({"symbol": "X", "timestamp": T0 + pd.to_timedelta(range(1, 24 * 60 + 2), unit="min"),
                            "high": 101.0, "low": 99.0})
    candles.loc[10, ["high", "low"]] = (100.5, 95.0)
    candles.loc[20, ["high", "low"]] = (102.0, 99.5)
    sells = pd.DataFrame({"symbol": ["X", "X"], "event_time": [T0, T0], "price": [100.0, 100.0],
                          "direction": ["short", "long"]})
    got = path_extremes(sells, candles, SETTINGS, now=T0 + pd.Timedelta(days=2))
    assert list(got["max_after_24h_pct"]) == [pytest.approx(5.0), pytest.approx(2.0)]
    assert list(got["min_after_24h_pct"]) == [pytest.approx(-2.0), pytest.approx(-5.0)]


def test_short_stop_is_noise_when_the_price_falls_back_to_its_entry():
    # A short entered at 100 and stopped (covered) at 105: a later fall of 5% to 99.75 reaches
    # the entry again; a fall of 2% (to 102.9) does not.
    sells = evaluated(exit_reason="STOP_LOSS", entry_price=100.0, price=105.0, direction="short")
    sells = pd.concat([sells, sells], ignore_index=True)
    extremes = pd.DataFrame({"max_after_24h_pct": [5.0, 2.0]})
    assert [bool(v) for v in noise_stops(sells, extremes)] == [True, False]


@pytest.mark.parametrize(("change", "verdict"), [(-2.5, "early"), (1.5, "saved"), (0.5, "fine")])
def test_short_verdict_reads_the_change_with_its_sign_reversed(change, verdict):
    sells = evaluated(post_24h_pct=change, direction="short")
    got = verdicts(sells, pd.Series([False], dtype="boolean"), SETTINGS).iloc[0]
    assert got["verdict"] == verdict
