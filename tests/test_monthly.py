"""Monthly periods: a calendar month in the report timezone, the last full month by default."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from analytics_factories import buy, orders_frame, sell
from exitlens.core.settings import Settings
from exitlens.core.summary import AnalysisRequest, analyse_period, month_before, period_for_month


def test_period_for_month_when_seoul_starts_and_ends_at_local_midnight():
    period = period_for_month(2026, 11, "Asia/Seoul")

    assert period.start == pd.Timestamp("2026-10-31T15:00Z")
    assert period.end == pd.Timestamp("2026-11-30T15:00Z")


def test_period_for_month_when_december_ends_on_first_of_january():
    period = period_for_month(2026, 12, "UTC")

    assert period.end == pd.Timestamp("2027-01-01T00:00Z")


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc), (2026, 11)),  # 22:00 on the 1st in Seoul
    (datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc), (2026, 11)),  # already 1 December in Seoul
    (datetime(2027, 1, 15, tzinfo=timezone.utc), (2026, 12)),
])
def test_month_before_when_now_given_is_the_last_full_month_in_the_report_timezone(now, expected):
    assert month_before(now, "Asia/Seoul") == expected


def test_analyse_month_when_sells_at_month_edges_counts_the_local_month_only():
    orders = orders_frame(
        buy("2026-10-20T00:00Z"),
        sell("2026-10-31T14:59Z", quantity=0.25),  # 23:59 on 31 October in Seoul
        sell("2026-10-31T15:00Z", quantity=0.25),  # 00:00 on 1 November in Seoul
        sell("2026-11-30T14:59Z", quantity=0.25),
        sell("2026-11-30T15:00Z", quantity=0.25),  # December in Seoul
    )
    result = analyse_period(orders, AnalysisRequest.monthly(2026, 11, Settings(timezone="Asia/Seoul"))).to_json()

    assert (result["kind"], result["month"]) == ("monthly", "2026-11")
    assert "days" not in result and "date" not in result
    assert result["overall"]["count"] == 2
    assert result["period_start"] == "2026-11-01T00:00:00+09:00"
    assert result["headline"].startswith("Monthly 2026-11 (Asia/Seoul): 2 sells")


def test_analyse_month_when_korean_writes_the_headline_in_korean_with_the_same_keys():
    orders = orders_frame(buy("2026-11-02T00:00Z"), sell("2026-11-03T00:00Z"))
    english = analyse_period(orders, AnalysisRequest.monthly(2026, 11, Settings(timezone="UTC"))).to_json()
    korean = analyse_period(orders, AnalysisRequest.monthly(2026, 11, Settings(timezone="UTC", language="ko"))).to_json()

    assert list(korean) == list(english)
    assert korean["headline"].startswith("월간 2026-11 (UTC): 매도 1건")


def test_headline_when_period_of_30_days_is_not_called_weekly():
    orders = orders_frame(buy("2026-11-02T00:00Z"), sell("2026-11-03T00:00Z"))
    analysis = analyse_period(orders, AnalysisRequest.weekly(datetime(2026, 11, 24, tzinfo=timezone.utc), 30, Settings(timezone="UTC")))

    assert analysis.headline.startswith("30-day period from 2026-10-25 00:00")
