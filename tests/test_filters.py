"""The report slice: symbols, regimes, exit reasons and strategies filter every number, while
the FIFO ledger still sees the whole history."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics_factories import buy, orders_frame, sell
from exitlens.core.errors import ConfigError
from exitlens.core.filters import ReportFilter
from exitlens.core.settings import Settings
from exitlens.core.summary import AnalysisRequest, Period, analyse_period

SETTINGS = Settings(timezone="UTC", min_samples=0)


def history() -> pd.DataFrame:
    return orders_frame(
        buy(0, price=100.0, symbol="KRW-BTC", regime="BULL", strategy_name="trend"),
        buy(0, price=50.0, symbol="KRW-ETH", regime="BEAR", strategy_name="mean"),
        sell(30, price=110.0, symbol="KRW-BTC", regime="BULL", exit_reason="TAKE_PROFIT", strategy_name="trend"),
        sell(31, price=45.0, symbol="KRW-ETH", regime="BEAR", exit_reason="STOP_LOSS", strategy_name="mean"),
    )


def analyse(filters: ReportFilter):
    # the period starts after the BUYs: their entry prices come from outside the period and the slice
    period = Period(pd.Timestamp("2026-11-24T00:00Z"), pd.Timestamp("2026-11-27T00:00Z"))
    return analyse_period(history(), AnalysisRequest("weekly", period, SETTINGS, filters=filters))


def test_analyse_period_when_exit_reason_filtered_keeps_entry_price_from_whole_history():
    analysis = analyse(ReportFilter(exit_reasons=["take_profit"]))

    assert analysis.sells["entry_price"].tolist() == [100.0]
    assert analysis.buckets.overall_bucket()["realized_pnl"] == pytest.approx(10.0)


@pytest.mark.parametrize(("filters", "symbols", "fills"), [
    (ReportFilter(), ["KRW-BTC", "KRW-ETH"], 2),
    (ReportFilter(symbols=["KRW-ETH"]), ["KRW-ETH"], 1),
    (ReportFilter(regimes=["BULL"]), ["KRW-BTC"], 1),
    (ReportFilter(strategies=["mean"]), ["KRW-ETH"], 1),
    (ReportFilter(symbols=["KRW-BTC"], exit_reasons=["STOP_LOSS"]), [], 0),
])
def test_analyse_period_when_filtered_counts_only_the_slice(filters, symbols, fills):
    result = analyse(filters).to_json()

    assert sorted(analyse(filters).sells["symbol"]) == symbols
    assert result["overall"]["count"] == len(symbols)
    assert result["trade_count"] == fills
    assert result["filters"] == filters.to_json()


def test_summary_when_filtered_says_so_in_json_and_headline():
    result = analyse(ReportFilter(symbols="KRW-ETH,krw-eth")).to_json()

    assert result["filters"] == {"symbols": ["KRW-ETH"], "regimes": [], "exit_reasons": [], "strategies": []}
    assert "[filtered: symbols KRW-ETH]" in result["headline"]
    assert set(result["by_regime"]) == {"BEAR"}


def test_summary_when_not_filtered_has_empty_filter_lists():
    result = analyse(ReportFilter()).to_json()

    assert result["filters"] == {"symbols": [], "regimes": [], "exit_reasons": [], "strategies": []}
    assert "filtered" not in result["headline"]


@pytest.mark.parametrize(("lists", "message"), [
    ({"symbols": [1, 2]}, "filter symbols must be a list of texts"),
    ({"colours": ["red"]}, "unknown filter colours"),
])
def test_report_filter_when_bad_raises_config_error(lists, message):
    with pytest.raises(ConfigError, match=message):
        ReportFilter.of(**lists)


def test_analyse_period_when_exit_reason_filter_names_an_alias_counts_the_reason_it_stands_for():
    # freqtrade writes "roi"; the rules read it as TAKE_PROFIT (SPEC §2.1), and so does the slice
    orders = orders_frame(
        buy(0, price=100.0, symbol="KRW-BTC"), buy(0, price=50.0, symbol="KRW-ETH"),
        sell(30, price=110.0, symbol="KRW-BTC", exit_reason="roi"),
        sell(31, price=45.0, symbol="KRW-ETH", exit_reason="STOP_LOSS"),
    )
    period = Period(pd.Timestamp("2026-11-24T00:00Z"), pd.Timestamp("2026-11-27T00:00Z"))
    analysis = analyse_period(orders, AnalysisRequest("weekly", period, SETTINGS,
                                                      filters=ReportFilter(exit_reasons=["TAKE_PROFIT"])))

    assert analysis.sells["symbol"].tolist() == ["KRW-BTC"]


KNOWN = {"symbols": ["KRW-BTC", "KRW-ETH"], "regimes": ["BULL", "BEAR"], "exit_reasons": ["roi", "STOP_LOSS"],
         "strategies": ["trend"]}


@pytest.mark.parametrize(("lists", "message"), [
    ({"symbols": ["KRW-BTX"]}, "symbols KRW-BTX: not in the database; known symbols: KRW-BTC, KRW-ETH"),
    ({"regimes": ["BULLISH"]}, "regimes BULLISH: not in the database; known regimes: BEAR, BULL"),
    ({"exit_reasons": ["TRAILING"]}, "exit reasons TRAILING: not in the database; known exit reasons: STOP_LOSS, TAKE_PROFIT"),
    ({"strategies": ["nope"]}, "strategies nope: not in the database; known strategies: trend"),
])
def test_require_known_when_a_value_is_not_in_the_database_names_the_known_ones(lists, message):
    with pytest.raises(ConfigError) as raised:
        ReportFilter.of(**lists).require_known(KNOWN, SETTINGS.exit_reason_aliases)
    assert str(raised.value) == message


def test_require_known_when_exit_reason_is_an_alias_accepts_it_as_the_reason_it_stands_for():
    checked = ReportFilter.of(exit_reasons=["roi"], symbols=["krw-btc"]).require_known(KNOWN, SETTINGS.exit_reason_aliases)
    assert checked.exit_reasons == ("TAKE_PROFIT",) and checked.symbols == ("KRW-BTC",)
