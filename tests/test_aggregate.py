"""Bucket metrics (SPEC §2), pinned on a hand-worked period."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from analytics_factories import buy, orders_frame, post, sell
from exitlens.core.aggregate import OVERALL, aggregate_buckets, bucket_all, bucket_to_dict
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.jsonvalues import json_safe, json_scalar
from exitlens.core.settings import Settings

SETTINGS = Settings()

SPEC_BUCKET_KEYS = [
    "count", "evaluable", "wins", "draws", "losses", "win_rate", "currency", "realized_pnl", "fees", "net_pnl",
    "avg_pnl_pct", "avg_net_pnl_pct", "median_pnl_pct", "avg_hold_hours", "avg_post_1h_pct", "post_1h_samples", "avg_post_4h_pct", "post_4h_samples",
    "avg_post_12h_pct", "post_12h_samples", "avg_post_24h_pct", "post_24h_samples",
    "median_post_24h_pct", "min_post_24h_pct", "max_post_24h_pct", "early_exit_rate",
    "over_hold_rate", "avg_max_after_24h_pct", "avg_min_after_24h_pct", "noise_stop_rate",
]


def stored(entry, price, reason, regime, **fields):
    """A SELL of quantity 1 with a stored entry price (no lots, so no hold time)."""
    return sell(1, price, 1, exit_reason=reason, regime=regime,
                signal_info={"entry_avg_price": entry}, **fields)


@pytest.fixture
def mixed_period():
    """Eight sells; the comments give pnl %, realized and the 24h change.

    Early-exit candidates with a 24h point: ts1 (+2.0, exactly at the threshold: not early),
    ts2 (+2.5), tp1 (+5.0) → 2 of 3. Over-hold candidates: tl1 (−3.0, at the threshold: not
    over), tl2 (−3.5) → 1 of 2. ts3 and tl3 have no 24h point; sl1 has no entry price."""
    frame = orders_frame(
        stored(100, 110, "TRAILING_STOP", "BULL", id="ts1", post_exit_prices=post(h4=1.0, h24=2.0)),  # +10 %, +10
        stored(100, 95, "TRAILING_STOP", "BULL", id="ts2", post_exit_prices=post(h24=2.5)),  # −5 %, −5
        stored(200, 210, "TRAILING_STOP", "BEAR", id="ts3"),  # +5 %, +10
        stored(100, 104, "TAKE_PROFIT", "BULL", id="tp1", post_exit_prices=post(h24=5.0)),  # +4 %, +4
        stored(50, 49, "TIME_LIMIT", "BEAR", id="tl1", post_exit_prices=post(h24=-3.0)),  # −2 %, −1
        stored(50, 51, "TIME_LIMIT", "BEAR", id="tl2", post_exit_prices=post(h24=-3.5)),  # +2 %, +1
        stored(50, 52, "TIME_LIMIT", "SIDEWAYS", id="tl3"),  # +4 %, +2
        sell(1, 90, 1, id="sl1", exit_reason="STOP_LOSS", regime="BULL", post_exit_prices=post(h24=-1.0)),
    )
    return evaluate_sells(frame, SETTINGS).sells


def test_overall_bucket_on_mixed_period_matches_hand_worked_values(mixed_period):
    bucket = bucket_to_dict(aggregate_buckets(mixed_period, SETTINGS).loc[OVERALL], SETTINGS)
    assert bucket == {
        "count": 8,
        "evaluable": 7,
        "wins": 5,
        "draws": 0,
        "losses": 2,
        "win_rate": pytest.approx(5 / 7),
        "currency": "KRW",
        "realized_pnl": pytest.approx(21.0),
        "fees": 0.0,
        "net_pnl": pytest.approx(21.0),
        "avg_pnl_pct": pytest.approx(18 / 7),
        "avg_net_pnl_pct": pytest.approx(18 / 7),
        "median_pnl_pct": pytest.approx(4.0),
        "avg_hold_hours": None,
        "avg_post_1h_pct": None,
        "post_1h_samples": 0,
        "avg_post_4h_pct": pytest.approx(1.0),
        "post_4h_samples": 1,
        "avg_post_12h_pct": None,
        "post_12h_samples": 0,
        "avg_post_24h_pct": pytest.approx(2 / 6),
        "post_24h_samples": 6,
        "median_post_24h_pct": pytest.approx(0.5),
        "min_post_24h_pct": pytest.approx(-3.5),
        "max_post_24h_pct": pytest.approx(5.0),
        "early_exit_rate": pytest.approx(2 / 3),
        "over_hold_rate": pytest.approx(1 / 2),
        "avg_max_after_24h_pct": None,  # no candle paths in this frame
        "avg_min_after_24h_pct": None,
        "noise_stop_rate": None,
    }


def test_after_exit_metrics_average_the_paths_and_rate_the_noise_stops(mixed_period):
    paths = mixed_period.assign(
        max_after_24h_pct=[4.0, 2.0] + [float("nan")] * (len(mixed_period) - 2),
        min_after_24h_pct=-1.0,
        noise_stop=pd.array([True, False, pd.NA] + [pd.NA] * (len(mixed_period) - 3), dtype="boolean"),
    )
    bucket = bucket_to_dict(aggregate_buckets(paths, SETTINGS).loc[OVERALL], SETTINGS)
    assert bucket["avg_max_after_24h_pct"] == pytest.approx(3.0)
    assert bucket["avg_min_after_24h_pct"] == pytest.approx(-1.0)
    assert bucket["noise_stop_rate"] == pytest.approx(0.5)


def test_exit_reason_buckets_on_mixed_period(mixed_period):
    frame = aggregate_buckets(mixed_period, SETTINGS, ["exit_reason"])
    assert list(frame.index) == ["STOP_LOSS", "TAKE_PROFIT", "TIME_LIMIT", "TRAILING_STOP"]
    trailing = frame.loc["TRAILING_STOP"]
    assert (trailing["count"], trailing["evaluable"], trailing["wins"]) == (3, 3, 2)
    assert trailing["realized_pnl"] == pytest.approx(15.0)
    assert trailing["avg_pnl_pct"] == pytest.approx(10 / 3)
    assert trailing["avg_post_24h_pct"] == pytest.approx(2.25)
    assert trailing["early_exit_rate"] == pytest.approx(1 / 2)  # +2.0 sits on the threshold
    assert trailing["early_exit_samples"] == 2  # ts3 has no 24h point
    time_limit = bucket_to_dict(frame.loc["TIME_LIMIT"], SETTINGS)
    assert time_limit["over_hold_rate"] == pytest.approx(1 / 2)  # −3.0 sits on the threshold
    assert time_limit["early_exit_rate"] is None


def test_bucket_without_evaluable_sells_has_null_pnl_not_zero(mixed_period):
    stop_loss = bucket_to_dict(aggregate_buckets(mixed_period, SETTINGS, ["exit_reason"]).loc["STOP_LOSS"], SETTINGS)
    assert (stop_loss["count"], stop_loss["evaluable"], stop_loss["wins"]) == (1, 0, 0)
    for key in ("win_rate", "realized_pnl", "avg_pnl_pct", "median_pnl_pct", "over_hold_rate", "early_exit_rate"):
        assert stop_loss[key] is None, key
    assert stop_loss["avg_post_24h_pct"] == pytest.approx(-1.0)  # market metrics still count it


def test_regime_exit_reason_buckets_nest_by_regime(mixed_period):
    nested = bucket_all(mixed_period, SETTINGS).to_json(SETTINGS)["by_regime_exit_reason"]
    assert sorted(nested) == ["BEAR", "BULL", "SIDEWAYS"]
    assert sorted(nested["BEAR"]) == ["TIME_LIMIT", "TRAILING_STOP"]
    assert nested["BEAR"]["TIME_LIMIT"]["over_hold_rate"] == pytest.approx(0.5)
    assert nested["SIDEWAYS"]["TIME_LIMIT"]["over_hold_rate"] is None  # no 24h point: no denominator
    assert nested["BULL"]["TRAILING_STOP"]["early_exit_rate"] == pytest.approx(0.5)


def test_regime_bucket_early_exit_rate_counts_take_profit_too(mixed_period):
    bull = aggregate_buckets(mixed_period, SETTINGS, ["regime"]).loc["BULL"]
    assert bull["early_exit_rate"] == pytest.approx(2 / 3)
    assert bull["early_exit_samples"] == 3


def test_rates_follow_settings_thresholds(mixed_period):
    settings = Settings(early_exit_change_pct=1.9, over_hold_change_pct=-2.9)
    bucket = aggregate_buckets(mixed_period, settings).loc[OVERALL]
    assert bucket["early_exit_rate"] == pytest.approx(1.0)
    assert bucket["over_hold_rate"] == pytest.approx(1.0)


def test_overall_bucket_when_no_sells_has_zero_counts_and_null_metrics():
    sells = evaluate_sells(orders_frame(buy(0)), SETTINGS).sells
    bucket = bucket_to_dict(aggregate_buckets(sells, SETTINGS).loc[OVERALL], SETTINGS)
    assert {k: v for k, v in bucket.items() if v is not None} == {
        "count": 0, "evaluable": 0, "wins": 0, "draws": 0, "losses": 0,
        "post_1h_samples": 0, "post_4h_samples": 0, "post_12h_samples": 0, "post_24h_samples": 0,
    }
    assert aggregate_buckets(sells, SETTINGS, ["exit_reason"]).empty


def test_avg_hold_hours_ignores_sells_without_lots():
    frame = orders_frame(buy(0, 100, 1), sell(2, 110, 1, id="held"), sell(3, 110, 1, id="orphan"))
    bucket = aggregate_buckets(evaluate_sells(frame, SETTINGS).sells, SETTINGS).loc[OVERALL]
    assert bucket["avg_hold_hours"] == pytest.approx(2.0)


def test_bucket_to_dict_has_exactly_the_spec_keys_and_plain_json_types(mixed_period):
    buckets = bucket_all(mixed_period, SETTINGS).to_json(SETTINGS)
    overall = buckets["overall"]
    assert list(overall) == SPEC_BUCKET_KEYS
    assert type(overall["count"]) is int and type(overall["win_rate"]) is float
    assert all(list(b) == SPEC_BUCKET_KEYS for b in buckets["by_exit_reason"].values())
    json.dumps(buckets, allow_nan=False)


@pytest.mark.parametrize(
    "value, expected",
    [(float("nan"), None), (float("inf"), None), (None, None), (3, 3), (2.5, 2.5), (True, True)],
)
def test_json_scalar_turns_unknowns_into_none(value, expected):
    assert json_scalar(value) == expected
    if isinstance(value, (int, float)) and not isinstance(value, bool) and expected is not None:
        assert json_scalar(np.array([value])[0]) == expected
        assert type(json_scalar(np.array([value])[0])) is type(value)


@pytest.mark.parametrize("big", [1e308, -1e308, 1.7e308])
def test_aggregate_when_values_are_huge_but_finite_means_and_sums_stay_finite(big):
    frame = orders_frame(*[row for i in range(8) for row in (
        buy(2 * i, 100, 1), sell(2 * i + 1, 110, 1, post_exit_prices=post(h1=big, h24=big)))])
    sells = evaluate_sells(frame, SETTINGS).sells
    overall = bucket_to_dict(aggregate_buckets(sells, SETTINGS).loc[OVERALL], SETTINGS)
    for key in ("avg_post_1h_pct", "avg_post_24h_pct", "median_post_24h_pct"):
        assert overall[key] == pytest.approx(big, rel=1e-12)
    assert overall["realized_pnl"] == pytest.approx(80.0) and overall["avg_pnl_pct"] == pytest.approx(10.0)


def test_aggregate_when_sum_would_overflow_midway_still_sums_exactly():
    sells = evaluate_sells(orders_frame(buy(0, 100, 1), sell(1, 110, 1, post_exit_prices=post(h1=1e308)),
                                        buy(2, 100, 1), sell(3, 110, 1, post_exit_prices=post(h1=1e308)),
                                        buy(4, 100, 1), sell(5, 110, 1, post_exit_prices=post(h1=-1e308))),
                           SETTINGS).sells
    overall = aggregate_buckets(sells, SETTINGS).loc[OVERALL]
    assert overall["avg_post_1h_pct"] == pytest.approx(1e308 / 3)


def test_json_safe_when_payload_mixes_numpy_nan_and_dates_gives_plain_json():
    payload = {"n": np.int64(3), "x": np.float64("nan"), "when": datetime(2026, 11, 23, tzinfo=timezone.utc),
               "items": (np.float32(1.5), float("inf")), 1: "key"}
    assert json_safe(payload) == {"n": 3, "x": None, "when": "2026-11-23T00:00:00+00:00",
                                  "items": [1.5, None], "1": "key"}
