"""The tear sheet (SPEC §5): win / draw / loss with ε, net PnL and underwater curves per
currency, profit factor, expectancy, payoff ratio, best and worst, on sells whose truth is
known by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from exitlens.core.evaluate import outcomes
from exitlens.core.tearsheet import best_and_worst, net_curves, tear_sheet_json, trade_stats


def sells(*rows) -> pd.DataFrame:
    """(hour, currency, net_pnl, net_pnl_pct) rows as an evaluation frame; entry × quantity = 100."""
    frame = pd.DataFrame(rows, columns=["hour", "currency", "net_pnl", "net_pnl_pct"])
    frame = frame.assign(**outcomes(frame["net_pnl"], pd.Series(100.0, index=frame.index)))
    return frame.assign(
        id=[f"s{i}" for i in range(len(frame))], evaluable=True, entry_price=100.0, quantity=1.0,
        event_time=pd.Timestamp("2026-11-23", tz="UTC") + pd.to_timedelta(frame["hour"], unit="h"),
    )


def test_trade_stats_when_net_pnl_is_float_noise_count_it_as_a_draw():
    frame = sells((0, "KRW", 5.0, 5.0), (1, "KRW", 5e-8, 0.0), (2, "KRW", -5e-8, 0.0), (3, "KRW", -2.0, -2.0))
    row = trade_stats(frame).loc["KRW"]
    assert (row["wins"], row["draws"], row["losses"]) == (1, 2, 1)


def test_trade_stats_when_wins_and_losses_are_known_match_the_hand_computation():
    frame = sells((0, "KRW", 30.0, 3.0), (1, "KRW", 10.0, 1.0), (2, "KRW", -20.0, -2.0), (3, "KRW", 0.0, 0.0))
    row = trade_stats(frame).loc["KRW"]
    assert (row["wins"], row["draws"], row["losses"]) == (2, 1, 1)
    assert row["profit_factor"] == pytest.approx(40 / 20)
    assert row["expectancy"] == pytest.approx(20 / 4)
    assert row["expectancy_pct"] == pytest.approx(2 / 4)
    assert row["payoff_ratio"] == pytest.approx(20 / 20)


def test_trade_stats_when_nothing_was_lost_leaves_the_ratios_unknown_not_infinite():
    row = trade_stats(sells((0, "KRW", 5.0, 5.0))).loc["KRW"]
    assert math.isnan(row["profit_factor"]) and math.isnan(row["payoff_ratio"])
    assert tear_sheet_json(sells((0, "KRW", 5.0, 5.0)))["KRW"]["profit_factor"] is None


def test_net_curves_when_currencies_mix_keep_one_curve_each_and_match_a_plain_loop():
    frame = sells((0, "KRW", 10.0, 1.0), (1, "USDT", -1.0, -1.0), (2, "KRW", -15.0, -1.5), (3, "KRW", 8.0, 0.8),
                  (4, "USDT", 3.0, 3.0))
    curves = net_curves(frame)
    for currency, group in curves.groupby("currency"):
        equity, peak, underwater = 0.0, 0.0, []
        for pnl in frame.loc[frame["currency"] == currency, "net_pnl"]:
            equity += pnl
            peak = max(peak, equity)
            underwater.append(equity - peak)
        assert np.allclose(group["underwater"], underwater), currency
    assert list(curves.loc[curves["currency"] == "KRW", "equity"]) == [10.0, -5.0, 3.0]
    assert curves["underwater"].min() == pytest.approx(-15.0)


def test_best_and_worst_pick_the_extreme_net_pnl_pct():
    picked = best_and_worst(sells((0, "KRW", 1.0, 1.0), (1, "KRW", 9.0, 9.0), (2, "KRW", -4.0, -4.0)))
    assert list(picked.index) == ["best", "worst"]
    assert list(picked["net_pnl_pct"]) == [9.0, -4.0]
