""""Were our exits right?": verdict counts per exit reason in the summary and the report's
first table, in both languages."""

from __future__ import annotations

import pandas as pd

from analytics_factories import at, buy, orders_frame, post, sell
from exitlens.core.settings import Settings
from exitlens.core.summary import AnalysisRequest, Period, analyse_period
from exitlens.core.verdict_counts import verdict_counts
from exitlens.reports.decision_views import verdict_table


def analysis(lang: str = "en"):
    orders = orders_frame(
        buy(0, 100, 4),
        sell(1, 110, 1, exit_reason="TRAILING_STOP", post_exit_prices=post(h24=3.5)),   # early
        sell(2, 110, 1, exit_reason="TRAILING_STOP", post_exit_prices=post(h1=-2.0)),   # saved, provisional
        sell(3, 90, 1, exit_reason="stop_loss", post_exit_prices=post(h24=0.2)),        # fine
        sell(4, 90, 1, exit_reason="stop_loss"),                                          # pending
    )
    return analyse_period(orders, AnalysisRequest("daily", Period(at(-1), at(23)), Settings(timezone="UTC", language=lang)))


def test_summary_when_sells_have_verdicts_counts_them_per_exit_reason():
    verdicts = analysis().to_json()["verdicts"]
    assert verdicts["by_exit_reason"]["TRAILING_STOP"] == {
        "sells": 2, "noise stop": 0, "early": 1, "saved": 1, "fine": 0, "pending": 0, "provisional": 1}
    assert verdicts["by_exit_reason"]["STOP_LOSS"] == {
        "sells": 2, "noise stop": 0, "early": 0, "saved": 0, "fine": 1, "pending": 1, "provisional": 0}
    assert verdicts["overall"]["sells"] == 4 and verdicts["overall"]["provisional"] == 1


def test_verdict_counts_when_no_sell_is_an_empty_table():
    empty = pd.DataFrame({"exit_reason": pd.Series(dtype=object), "verdict": pd.Series(dtype=object),
                          "verdict_provisional": pd.Series(dtype=bool)})
    assert verdict_counts(empty).empty


def test_verdict_table_when_shown_has_a_total_row_and_headers_in_each_language():
    english = verdict_table(analysis("en"))
    assert list(english.columns) == ["sells", "noise stop", "early", "saved", "fine", "pending", "of which provisional"]
    assert english.loc["all sells", "sells"] == 4
    korean = verdict_table(analysis("ko"))
    assert list(korean.columns)[-1] == "그중 잠정" and korean.index[-1] == "전체 매도"
    assert korean.loc["TRAILING_STOP", "이른 청산"] == 1
