"""Notebook-facing views: money labelled with its currency, one column per currency, net
beside gross, the raw exit reason, prices with 6 significant digits; titles by kind and
length, slices, by-regime and by-symbol tables, and every header in the report's language."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics_factories import at, buy, orders_frame, sell
from exitlens.core.settings import Settings
from exitlens.core.summary import analyse_period
from exitlens.reports.views import ReportData, show


def report(*rows) -> ReportData:
    analysis = analyse_period(orders_frame(*rows), kind="daily", period_start=at(-1), period_end=at(23),
                              settings=Settings(timezone="UTC"))
    return ReportData(analysis, analysis.period.end)


@pytest.fixture
def mixed() -> ReportData:
    return report(
        buy(0, 100, 1, symbol="KRW-BTC", fee=1.0),
        sell(1, 90, 1, symbol="KRW-BTC", exit_reason="stop_loss", fee=1.0),
        buy(0, 0.0000964, 1000, symbol="PEPE/USDT", fee=0.001),
        sell(2, 0.0001, 1000, symbol="PEPE/USDT", exit_reason="roi", fee=0.001),
    )


def test_kpis_when_currencies_mix_give_each_money_figure_per_currency(mixed):
    kpis = mixed.kpis().iloc[0]
    assert kpis["net PnL (KRW)"] == pytest.approx(-12.0)
    assert kpis["realized PnL (KRW)"] == pytest.approx(-10.0)
    assert kpis["fees (KRW)"] == pytest.approx(2.0)
    assert kpis["max drawdown (KRW)"] == pytest.approx(12.0)
    assert kpis["net PnL (USDT)"] == pytest.approx(0.0036 - 0.002)
    assert kpis["max drawdown (USDT)"] == 0.0
    assert not any(name.endswith("PnL") for name in kpis.index)


def test_by_exit_reason_has_money_columns_per_currency_and_net_pnl(mixed):
    table = mixed.by_exit_reason()
    assert table.loc["STOP_LOSS", "net PnL (KRW)"] == pytest.approx(-12.0)
    assert pd.isna(table.loc["STOP_LOSS", "net PnL (USDT)"])
    assert table.loc["TAKE_PROFIT", "fees (USDT)"] == pytest.approx(0.002)
    assert "avg net PnL %" in table.columns


def test_detail_when_currencies_mix_has_a_currency_column_and_the_raw_reason(mixed):
    detail = mixed.detail()
    assert list(detail["currency"]) == ["KRW", "USDT"]
    assert list(detail["exit reason"]) == ["STOP_LOSS", "TAKE_PROFIT"]
    assert list(detail["reason as written"]) == ["stop_loss", "roi"]
    assert {"realized PnL", "fees", "net PnL"} <= set(detail.columns)


def test_detail_of_one_currency_names_it_in_the_money_columns():
    detail = report(buy(0, 100, 1, fee=0.5), sell(1, 110, 1, fee=0.5)).detail()
    assert "currency" not in detail.columns
    assert detail.loc[0, "net PnL (KRW)"] == pytest.approx(9.0)
    assert detail.loc[0, "fees (KRW)"] == pytest.approx(1.0)


def test_show_prints_prices_with_six_significant_digits(mixed):
    html = show(mixed.detail()).to_html()
    assert "0.0000964000" in html and "0.000100000" in html

