"""The notebook-facing views: titles by kind and length, slices, by-regime and by-symbol
tables, and every header in the report's language."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics_factories import buy, orders_frame, sell
from exitlens.core.filters import ReportFilter
from exitlens.core.settings import Settings
from exitlens.core.summary import analyse_days, analyse_month
from exitlens.reports.views import ReportData

ORDERS = orders_frame(
    buy(0, symbol="KRW-BTC"), sell(2, symbol="KRW-BTC", regime="BULL", exit_reason="TAKE_PROFIT"),
    buy(0, symbol="KRW-ETH"), sell(3, price=90.0, symbol="KRW-ETH", regime="BEAR", exit_reason="STOP_LOSS"),
)
END = pd.Timestamp("2026-11-24T00:00Z").to_pydatetime()


def view(analysis) -> ReportData:
    return ReportData(analysis, analysis.period.end)


@pytest.mark.parametrize(("days", "lang", "title"), [
    (7, "en", "Weekly exit report 2026-11-17 – 2026-11-23"),
    (30, "en", "30-day exit report 2026-10-25 – 2026-11-23"),
    (30, "ko", "30일 청산 리포트 2026-10-25 – 2026-11-23"),
])
def test_title_when_period_of_days_names_its_length(days, lang, title):
    analysis = analyse_days(ORDERS, END, days, Settings(timezone="UTC", language=lang))

    assert view(analysis).title == title


def test_title_when_monthly_and_filtered_names_month_and_slice():
    analysis = analyse_month(ORDERS, 2026, 11, Settings(timezone="UTC"), filters=ReportFilter(symbols=["KRW-ETH"]))

    assert view(analysis).title == "Monthly exit report 2026-11 (filtered: symbols KRW-ETH)"


def test_by_regime_and_by_symbol_when_two_of_each_have_a_row_each():
    report = view(analyse_month(ORDERS, 2026, 11, Settings(timezone="UTC")))

    assert list(report.by_regime().index) == ["BEAR", "BULL"]
    assert list(report.by_symbol().index) == ["KRW-BTC", "KRW-ETH"]
    assert report.by_symbol().loc["KRW-ETH", "sells"] == 1


def test_tables_when_korean_have_korean_headers_and_the_same_numbers():
    english = view(analyse_month(ORDERS, 2026, 11, Settings(timezone="UTC")))
    korean = view(analyse_month(ORDERS, 2026, 11, Settings(timezone="UTC", language="ko")))

    for name in ("kpis", "by_exit_reason", "by_regime", "by_symbol", "detail"):
        table, reference = getattr(korean, name)(), getattr(english, name)()
        assert set(table.columns).isdisjoint(reference.columns) or name == "detail", name
        same = table.set_axis(reference.columns, axis=1).set_axis(reference.index, axis=0)
        words = [c for c in ("verdict",) if c in reference.columns]  # verdicts are words, translated too
        pd.testing.assert_frame_equal(same.drop(columns=words), reference.drop(columns=words), check_names=False)
    assert "매도" in korean.by_regime().columns
    assert "<h2>레짐별</h2>" in korean.section("by_regime").data
    assert set(korean.detail()["판정"]) == {"대기 중"}  # no candles after these sells: pending
