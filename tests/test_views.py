"""Notebook-facing views: money labelled with its currency, one column per currency, net
beside gross, the raw exit reason, prices with 6 significant digits; titles by kind and
length, slices, by-regime and by-symbol tables, and every header in the report's language."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from analytics_factories import at, buy, orders_frame, sell
from exitlens.core.filters import ReportFilter
from exitlens.core.settings import Settings
from exitlens.core.summary import AnalysisRequest, Period, analyse_period
from exitlens.reports.views import ReportData, faded, show


def report(*rows) -> ReportData:
    analysis = analyse_period(orders_frame(*rows), AnalysisRequest("daily", Period(at(-1), at(23)), Settings(timezone="UTC")))
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



# --- titles by kind and length, slices, by-regime and by-symbol tables, languages ----------

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
    analysis = analyse_period(ORDERS, AnalysisRequest.weekly(END, days, Settings(timezone="UTC", language=lang)))

    assert view(analysis).title == title


def test_title_when_monthly_and_filtered_names_month_and_slice():
    analysis = analyse_period(ORDERS, AnalysisRequest.monthly(2026, 11, Settings(timezone="UTC"), filters=ReportFilter(symbols=["KRW-ETH"])))

    assert view(analysis).title == "Monthly exit report 2026-11 (filtered: symbols KRW-ETH)"


def test_by_regime_and_by_symbol_when_two_of_each_have_a_row_each():
    report = view(analyse_period(ORDERS, AnalysisRequest.monthly(2026, 11, Settings(timezone="UTC"))))

    assert list(report.by_regime().index) == ["BEAR", "BULL"]
    assert list(report.by_symbol().index) == ["KRW-BTC", "KRW-ETH"]
    assert report.by_symbol().loc["KRW-ETH", "sells"] == 1


def test_tables_when_korean_have_korean_headers_and_the_same_numbers():
    english = view(analyse_period(ORDERS, AnalysisRequest.monthly(2026, 11, Settings(timezone="UTC"))))
    korean = view(analyse_period(ORDERS, AnalysisRequest.monthly(2026, 11, Settings(timezone="UTC", language="ko"))))

    placeholder_only = {f"{key} (%)" for key in Settings().horizon_keys}
    for name in ("kpis", "by_exit_reason", "by_regime", "by_symbol", "detail"):
        table, reference = getattr(korean, name)(), getattr(english, name)()
        shared = set(table.columns) & set(reference.columns)
        assert shared <= placeholder_only, (name, shared)  # "1h (%)": a horizon and a sign read the same
        same = table.set_axis(reference.columns, axis=1).set_axis(reference.index, axis=0)
        words = [c for c in ("verdict",) if c in reference.columns]  # verdicts are words, translated too
        pd.testing.assert_frame_equal(same.drop(columns=words), reference.drop(columns=words), check_names=False)
    assert "매도" in korean.by_regime().columns
    assert "<h2>레짐별</h2>" in korean.section("by_regime").data
    assert set(korean.detail()["판정"]) == {"대기 중"}  # no candles after these sells: pending


def test_data_quality_tables_when_korean_have_korean_headers():
    report = view(analyse_period(ORDERS, AnalysisRequest.weekly(END, 7, Settings(timezone="UTC", language="ko"))))
    states, sources = report.point_states(), report.entry_sources()
    assert list(states.columns) == ["기록됨", "대기", "누락", "만료"] and states.index.name == "기간"
    assert list(sources.columns) == ["매도"] and sources.index.name == "진입가 출처"


def test_show_when_printed_keeps_number_cells_whole_and_lets_text_cells_wrap():
    """A price split over two lines reads as a smaller whole number; text may wrap so a wide
    table keeps every column on the page."""
    page = show(pd.DataFrame({"symbol": ["KRW-BTC"], "exit": [189_932_222.0], "sells": [3]})).to_html()
    nowrap = set(re.findall(r"td\.(col\d+) \{\s*white-space: nowrap;", page))
    assert nowrap == {"col1", "col2"}


def test_show_prints_money_at_its_currencys_scale_never_as_zero():
    # The issue: BTC money printed as 0.00 / 0.01 in every table, HTML and PDF.
    table = pd.DataFrame({"net PnL (BTC)": [0.0001443, -0.00002, 12345.678], "fees (KRW)": [1234.4, 0.4, 5.0],
                          "순손익 (USDT)": [0.5, 1234.5, None], "net PnL": [0.000012345, 2.5, 0.0]})
    html = show(table).to_html()
    for text in ("0.000144300", "-0.0000200000", "12,345.68", "1,234", ">0<", "0.500000", "1,234.50", "–",
                 "0.0000123450", "2.50", "0.00"):
        assert text in html, text


def test_bucket_tables_show_the_n_beside_each_post_exit_average_and_rate(mixed):
    columns = list(mixed.by_exit_reason().columns)
    assert columns[columns.index("after 24h %") + 1] == "n 24h"
    assert columns[columns.index("early exit %") + 1] == "n early exit"
    assert columns[columns.index("over-hold %") + 1] == "n over-hold"


def test_bucket_view_when_a_value_rests_on_too_few_sells_fades_and_marks_it(mixed):
    html = mixed.bucket_view(mixed.by_exit_reason()).to_html()
    # min_samples is 20 and each reason has one sell: every average is marked and faded
    assert "-10.00*" in html and "color: #8c8c8c" in html
    assert "* fewer than 20 sells behind the value (min_samples): faded, read with care." in html


def test_bucket_view_when_every_value_has_enough_sells_marks_nothing(mixed):
    enough = ReportData(dataclasses.replace(
        mixed.analysis, settings=mixed.settings.with_overrides(min_samples=1)), mixed.as_of)
    html = enough.bucket_view(enough.by_exit_reason()).to_html()
    assert "*" not in re.sub(r"<style.*?</style>", "", html, flags=re.S) and "#8c8c8c" not in html


@pytest.mark.parametrize(("lang", "headers"), [
    ("en", ["evaluable", "wins", "draws", "losses", "profit factor", "expectancy (KRW)", "expectancy (USDT)",
            "expectancy (net %)", "payoff ratio"]),
    ("ko", ["평가 가능", "수익", "무승부", "손실", "손익비", "기대값 (KRW)", "기대값 (USDT)", "기대값 (순 %)",
            "페이오프 비율"]),
])
def test_tear_sheet_tables_keep_each_currency_apart_in_each_language(mixed, lang, headers):
    from exitlens.reports import tearsheet_views as tv

    analysis = dataclasses.replace(mixed.analysis, settings=mixed.settings.with_overrides(language=lang))
    table = tv.trade_stats_table(analysis)
    assert list(table.columns) == headers
    assert table.loc["KRW", headers[1]] == 0 and table.loc["KRW", headers[3]] == 1
    assert pd.isna(table.loc["KRW", headers[6]]) and table.loc["USDT", headers[6]] == pytest.approx(0.0016)
    assert list(tv.best_worst_table(analysis)[tv.t("col.symbol", lang)]) == ["PEPE/USDT", "KRW-BTC"]
    assert len(tv.strategy_exit_table(analysis)) == 2 and len(tv.excursion_table(analysis)) == 2


@pytest.mark.parametrize("min_samples", [5, 20])
def test_how_to_read_when_min_samples_set_names_it_as_the_fading_threshold(min_samples):
    report = view(analyse_period(ORDERS, AnalysisRequest.monthly(2026, 11, Settings(timezone="UTC", min_samples=min_samples))))
    assert f"n &lt; {min_samples}: read with care" in report.how_to_read().data


def test_faded_when_a_row_label_holds_control_characters_marks_the_row_shown_for_it():
    """A hostile exit reason is neutralised by show(); fading must still find its row (it raised
    KeyError when it looked the raw label up in the shown table)."""
    table = pd.DataFrame({"after 24h %": [1.5], "n 24h": [2]}, index=["TP\u202e\x00X"])
    html = faded(table, {"after 24h %": "n 24h"}, 20, "en").to_html()
    assert "1.50*" in html


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_as_of_text_when_generated_time_given_names_the_zone_of_both_times(lang):
    analysis = analyse_period(ORDERS, AnalysisRequest.weekly(END, 7, Settings(language=lang)))
    shown = view(analysis).as_of_text(generated_at=pd.Timestamp("2026-11-23T22:58Z")).data
    assert shown.count("(Asia/Seoul)") == 2 and "2026-11-24 07:58 (Asia/Seoul)" in shown


def test_show_when_a_pnl_column_is_in_percent_rounds_it_as_a_percentage_not_money():
    # 'net PnL (%)' read as money in a currency named '%' printed 0.447341 in the Every-sell table
    html = show(pd.DataFrame({"net PnL (%)": [0.447341, -12.3456]})).to_html()
    assert "0.45" in html and "-12.35" in html and "0.447341" not in html
