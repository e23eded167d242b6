"""Data-quality tables: post-exit point states and entry-price sources."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics_factories import at, buy, orders_frame, sell
from exitlens.core import quality
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.quality import entry_sources, point_states
from exitlens.core.settings import Settings


def _sells(*rows):
    return evaluate_sells(orders_frame(*rows), Settings()).sells


def test_point_states_classifies_each_horizon_against_as_of():
    recorded = {"1h": {"price": 1.0, "change_pct": 0.5}}
    sells = _sells(buy(0), sell(1, post_exit_prices=recorded))
    # Sold at hour 1; as of hour 60: 1h tracked; 4h and 12h due > 48h ago → expired;
    # 24h target at hour 25, 35h ago → missed.
    states = point_states(sells, at(60), Settings())

    assert states.loc["1h"].to_dict() == {"tracked": 1, "pending": 0, "missed": 0, "expired": 0}
    assert states.loc["4h"].to_dict() == {"tracked": 0, "pending": 0, "missed": 0, "expired": 1}
    assert states.loc["24h"].to_dict() == {"tracked": 0, "pending": 0, "missed": 1, "expired": 0}


def test_point_states_when_window_not_over_counts_pending():
    sells = _sells(buy(0), sell(1))
    states = point_states(sells, at(1) + pd.Timedelta(hours=1, minutes=4), Settings())

    assert states.loc["1h", "pending"] == 1
    assert states["tracked"].sum() == 0


def test_entry_sources_counts_stored_fifo_and_none():
    sells = _sells(
        buy(0), sell(1, signal_info={"entry_avg_price": 90.0}),
        buy(2), sell(3),
        sell(4, symbol="KRW-ETH"),
    )
    counts = entry_sources(sells)["sells"].to_dict()
    assert counts == {"stored": 1, "fifo": 1, "none": 1}


def test_collection_rate_when_some_due_points_missing_counts_tracked_over_due():
    start = pd.Timestamp("2026-11-20 00:00", tz="UTC")
    sells = pd.DataFrame({
        "event_time": [start, start, start, start + pd.Timedelta(hours=30)],  # the last one's 24h is not due
        "post_24h_pct": [1.0, None, 2.0, None],
    })
    as_of = start + pd.Timedelta(hours=36)
    assert quality.collection_rate(sells, as_of, Settings()) == pytest.approx(2 / 3)
    assert quality.collection_rate(sells.iloc[3:], as_of, Settings()) is None
