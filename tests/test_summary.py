"""The daily/weekly engine: periods, the whole-history ledger, and the SPEC §4 object."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics_factories import BASE_TIME, buy, orders_frame, post, sell
from exitlens.core.errors import ConfigError, DataError
from exitlens.core.headline import Narration, deterministic_headline
from exitlens.core.settings import Settings
from exitlens.core.summary import (
    AnalysisRequest,
    Period,
    analyse_period,
    period_for_day,
    period_for_days,
)

SEOUL = ZoneInfo("Asia/Seoul")
SETTINGS = Settings(timezone="Asia/Seoul")
DAY = period_for_day(date(2026, 11, 23), "Asia/Seoul")  # 2026-11-22 15:00Z – 2026-11-23 15:00Z
HOURS_BEFORE_DAY = -9  # BASE_TIME is 09:00 in Seoul, so -9h is the day's first instant

DAILY_KEYS = ["kind", "period_start", "period_end", "timezone", "date", "filters", "trade_count", "max_drawdown",
              "collection_rate_24h", "verdicts",
              "overall",
              "by_exit_reason", "by_regime", "by_regime_exit_reason", "tear_sheet", "excursions", "suggestions", "notes",
              "headline"]


def summary_json(orders, *, period_start, period_end, **options):
    """The SPEC §4 summary object, as the CLI prints it."""
    return analyse_period(orders, AnalysisRequest(period=Period(period_start, period_end), **options)).to_json()


def daily(orders, **options) -> dict:
    return summary_json(orders, kind="daily", period_start=DAY.start, period_end=DAY.end,
                         settings=options.pop("settings", SETTINGS), **options)


def test_period_for_day_is_the_calendar_day_in_the_report_timezone():
    assert DAY.start == pd.Timestamp("2026-11-22 15:00", tz="UTC")
    assert DAY.end == pd.Timestamp("2026-11-23 15:00", tz="UTC")


@pytest.mark.parametrize("day, hours", [(date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 6, 1), 24)])
def test_period_for_day_on_dst_change_days_has_the_local_length(day, hours):
    period = period_for_day(day, "America/New_York")
    assert period.end - period.start == pd.Timedelta(hours=hours)


def test_period_for_days_ends_at_end_and_spans_the_days():
    period = period_for_days(datetime(2026, 11, 23, 22, tzinfo=SEOUL), 7)
    assert period.end == pd.Timestamp("2026-11-23 13:00", tz="UTC")
    assert period.start == pd.Timestamp("2026-11-16 13:00", tz="UTC")


def test_period_for_days_across_a_dst_change_counts_calendar_days():
    berlin = ZoneInfo("Europe/Berlin")
    period = period_for_days(datetime(2026, 3, 30, tzinfo=berlin), 7, berlin)
    assert period.start == pd.Timestamp("2026-03-23 00:00", tz=berlin)
    assert period.end - period.start == pd.Timedelta(hours=167)


def test_period_for_days_when_end_is_naive_raises():
    with pytest.raises(DataError, match=r"period end .* has no timezone: add an offset such as \+00:00"):
        period_for_days(datetime(2026, 11, 23), 7)


@pytest.mark.parametrize("days", [0, -1, 1.5, True])
def test_period_for_days_when_days_is_not_a_positive_whole_number_raises(days):
    with pytest.raises(ConfigError, match="days must be a whole number of 1 or more"):
        period_for_days(datetime(2026, 11, 23, tzinfo=timezone.utc), days)


def test_build_summary_when_period_bound_is_naive_raises():
    with pytest.raises(DataError, match="period start .* has no timezone"):
        summary_json(orders_frame(), kind="daily", period_start=datetime(2026, 11, 23),
                      period_end=DAY.end, settings=SETTINGS)


def test_build_summary_when_end_is_not_after_start_raises():
    with pytest.raises(DataError, match="is not after its start"):
        summary_json(orders_frame(), kind="weekly", period_start=DAY.end, period_end=DAY.start,
                      settings=SETTINGS)


def test_build_summary_when_kind_is_unknown_names_the_allowed_ones():
    with pytest.raises(ConfigError, match="unknown summary kind 'yearly': use one of daily, weekly, monthly"):
        summary_json(orders_frame(), kind="yearly", period_start=DAY.start, period_end=DAY.end,
                      settings=SETTINGS)


@pytest.fixture
def around_the_day():
    """Orders around 2026-11-23 (Seoul): two lots long before, a sell before the day eating
    the first lot, sells at the day's first instant and at its end (next day's first
    instant), a BUY inside the day and a cancelled order inside it."""
    return orders_frame(
        buy(-72, 100, 1, id="lot1"),
        buy(-71, 200, 1, id="lot2"),
        sell(-20, 150, 1, id="before"),
        sell(HOURS_BEFORE_DAY, 220, 1, id="at-start", exit_reason="TAKE_PROFIT",
             post_exit_prices=post(h24=1.0)),
        buy(3, 300, 1, id="inside-buy"),
        buy(4, 300, 1, id="cancelled", status="CANCELLED"),
        sell(HOURS_BEFORE_DAY + 24, 330, 1, id="at-end"),
    )


def test_summary_counts_sells_from_start_inclusive_to_end_exclusive(around_the_day):
    analysis = analyse_period(around_the_day, AnalysisRequest("daily", DAY, SETTINGS))
    assert list(analysis.sells["id"]) == ["at-start"]
    assert analysis.trade_count == 2  # at-start and inside-buy; not cancelled, not at-end


def test_summary_entry_prices_come_from_the_whole_history(around_the_day):
    analysis = analyse_period(around_the_day, AnalysisRequest("daily", DAY, SETTINGS))
    (row,) = analysis.sells.to_dict("records")
    assert row["entry_price"] == 200.0  # lot1 went to the sell before the day
    assert row["pnl_pct"] == pytest.approx(10.0)
    assert row["hold_hours"] == pytest.approx(71 - 9)


def test_summary_daily_object_has_exactly_the_spec_keys(around_the_day):
    summary = daily(around_the_day)
    assert list(summary) == DAILY_KEYS
    assert summary["kind"] == "daily" and summary["date"] == "2026-11-23"
    assert summary["period_start"] == "2026-11-23T00:00:00+09:00"
    assert summary["period_end"] == "2026-11-24T00:00:00+09:00"
    assert summary["timezone"] == "Asia/Seoul"
    assert summary["overall"]["count"] == 1 and summary["overall"]["win_rate"] == 1.0
    assert list(summary["by_exit_reason"]) == ["TAKE_PROFIT"]
    assert summary["by_regime_exit_reason"] == {"UNKNOWN": {"TAKE_PROFIT": summary["overall"]}}
    assert summary["headline"].startswith("Daily 2026-11-23 (Asia/Seoul): 1 sell, 1 evaluable")
    json.dumps(summary, allow_nan=False)


def test_summary_weekly_object_has_days_instead_of_date(around_the_day):
    period = period_for_days(DAY.end, 7)
    summary = summary_json(around_the_day, kind="weekly", period_start=period.start,
                            period_end=period.end, settings=SETTINGS)
    assert list(summary) == [key if key != "date" else "days" for key in DAILY_KEYS]
    assert summary["days"] == 7
    assert summary["overall"]["count"] == 2  # "before" and "at-start"
    assert summary["trade_count"] == 5  # both lots, "before", "at-start", "inside-buy"


def test_summary_daily_and_one_day_weekly_share_every_number(around_the_day):
    day = daily(around_the_day)
    week = summary_json(around_the_day, kind="weekly", period_start=DAY.start, period_end=DAY.end,
                         settings=SETTINGS)
    shared = [k for k in DAILY_KEYS if k not in ("kind", "date", "headline")]
    assert {k: day[k] for k in shared} == {k: week[k] for k in shared}
    assert week["days"] == 1


def test_summary_notes_only_concern_sells_in_the_period():
    orders = orders_frame(sell(-30, 100, 1, id="old-orphan"), sell(0, 100, 1, id="new-orphan"))
    notes = daily(orders)["notes"]
    assert any(note.startswith("sell new-orphan:") for note in notes)
    assert not any("old-orphan" in note for note in notes)


def test_summary_when_few_evaluable_sells_says_so_and_suggests_nothing(around_the_day):
    summary = daily(around_the_day)
    assert summary["suggestions"] == []
    assert "Not enough data for tuning suggestions: 1 evaluable sell(s) in the period, 20 needed." in summary["notes"]


def test_summary_suggestions_are_plain_dicts(around_the_day):
    summary = daily(around_the_day, settings=SETTINGS.with_overrides(min_samples=1))
    assert summary["suggestions"] == [{"rule": "hold", "message": summary["suggestions"][0]["message"],
                                       "metric": None, "value": None, "threshold": None, "samples": 1, "evidence": "hold"}]


def test_summary_with_a_narrator_uses_its_text_and_keeps_its_note(around_the_day):
    seen = []

    def narrator(facts):
        seen.append(facts)
        return Narration(text="Briefing.", source="llm", note="LLM says hi")

    summary = daily(around_the_day, narrator=narrator)
    assert summary["headline"] == "Briefing."
    assert summary["notes"][-1] == "LLM says hi"
    assert "headline" not in seen[0] and seen[0]["overall"] == summary["overall"]


def test_summary_when_no_orders_at_all_still_has_a_full_overall_bucket():
    summary = daily(orders_frame())
    assert summary["trade_count"] == 0
    assert summary["overall"]["count"] == 0 and summary["overall"]["avg_pnl_pct"] is None
    assert summary["by_exit_reason"] == {} and summary["by_regime_exit_reason"] == {}
    assert summary["headline"] == deterministic_headline(summary)


def test_summary_ignores_the_index_of_the_orders_frame(around_the_day):
    shuffled = around_the_day.iloc[::-1].set_axis([5] * len(around_the_day))
    assert daily(shuffled) == daily(around_the_day)


def test_summary_date_defaults_to_the_local_date_of_the_start():
    summary = summary_json(orders_frame(), kind="daily", period_start=BASE_TIME - timedelta(hours=9),
                            period_end=BASE_TIME + timedelta(hours=15), settings=SETTINGS)
    assert summary["date"] == "2026-11-23"


def test_analyse_day_and_days_are_build_summary_over_their_periods(around_the_day):
    day_request = AnalysisRequest.daily(date(2026, 11, 23), SETTINGS)
    assert analyse_period(around_the_day, day_request).to_json() == daily(around_the_day)
    end = datetime(2026, 11, 24, tzinfo=SEOUL)
    week = period_for_days(end, 7)
    assert analyse_period(around_the_day, AnalysisRequest.weekly(end, 7, SETTINGS)).to_json() == summary_json(
        around_the_day, kind="weekly", period_start=week.start, period_end=week.end,
        settings=SETTINGS, days=7,
    )
