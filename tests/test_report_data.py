"""The report data: default periods, and the one path from a database to an analysis."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from exitlens.core.errors import DataError
from exitlens.core.settings import Settings
from exitlens.reports.analysis import (
    analyse_from_database,
    current_period,
    midnight_after,
    notebook_rules_path,
    report_data,
)
from exitlens.reports.run import SUMMARY_PATH_ENV
from exitlens.store import writes as store


def test_current_period_daily_is_today_in_the_report_timezone():
    now = datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)  # 00:30 on the 24th in Seoul
    assert current_period("daily", Settings(), now) == {"day": date(2026, 11, 24)}
    assert current_period("daily", Settings(timezone="UTC"), now) == {"day": date(2026, 11, 23)}


def test_current_period_weekly_ends_at_midnight_after_today():
    now = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)  # 22:00 in Seoul
    end = current_period("weekly", Settings(), now)["end"]
    assert end == midnight_after(date(2026, 11, 23), Settings())
    assert end.isoformat() == "2026-11-24T00:00:00+09:00"


@pytest.fixture
def engine_with_sells(engine):
    sold = [pd.Timestamp("2026-11-20 03:00", tz="UTC"), pd.Timestamp("2026-11-22 16:00", tz="UTC")]
    store.insert_orders(engine, pd.DataFrame([{
        "symbol": "KRW-BTC", "side": "SELL", "order_type": "MARKET", "price": 100.0, "quantity": 1.0,
        "fee": 0.0, "status": "FILLED", "created_at": t, "executed_at": t,
        "post_exit_prices": "[1, 2]" if t.day == 22 else None,
    } for t in sold]))
    return engine


def test_analyse_from_database_without_period_reports_the_latest_day_with_a_sell(engine_with_sells):
    analysis = analyse_from_database(engine_with_sells, "daily", Settings())
    assert analysis.date == date(2026, 11, 23)  # 16:00 UTC on the 22nd is the 23rd in Seoul
    assert len(analysis.sells) == 1
    assert any("post_exit_prices is not a JSON object" in note for note in analysis.notes)


def test_analyse_from_database_weekly_default_ends_after_the_latest_day(engine_with_sells):
    analysis = analyse_from_database(engine_with_sells, "weekly", Settings())
    assert analysis.period.end == pd.Timestamp("2026-11-24 00:00", tz="Asia/Seoul")
    assert len(analysis.sells) == 2


def test_analyse_from_database_weekly_of_an_empty_week_names_the_latest_sell_and_the_end_to_pass(engine_with_sells):
    # The README's `report weekly` on a history that is not this week gave an empty report.
    analysis = analyse_from_database(engine_with_sells, "weekly", Settings(timezone="UTC"),
                                     end=datetime(2026, 12, 20, tzinfo=timezone.utc))
    assert analysis.sells.empty
    assert "no sells in this period; the latest sell is on 2026-11-22 (UTC): pass --end 2026-11-23T00:00:00+00:00" \
        in analysis.notes


def test_analyse_from_database_monthly_of_an_empty_month_names_the_latest_month(engine_with_sells):
    analysis = analyse_from_database(engine_with_sells, "monthly", Settings(), month=(2027, 1))
    assert "no sells in this period; the latest month with sells is 2026-11: pass --month 2026-11" in analysis.notes


def test_analyse_from_database_when_no_sells_and_no_period_says_to_name_one(engine):
    with pytest.raises(DataError, match="name the period"):
        analyse_from_database(engine, "daily", Settings())


def test_analyse_from_database_nets_fees_per_currency_and_keeps_raw_exit_reasons(engine):
    t = [pd.Timestamp("2026-11-22 0%d:00" % hour, tz="UTC") for hour in range(4)]
    rows = [("KRW-BTC", "BUY", 100.0, 2.0, 4.0, None, t[0]), ("KRW-BTC", "SELL", 110.0, 2.0, 2.0, "roi", t[1]),
            ("ETH/USDT", "BUY", 10.0, 1.0, 0.5, None, t[2]), ("ETH/USDT", "SELL", 9.0, 1.0, 0.5, "Stop_Loss", t[3])]
    store.insert_orders(engine, pd.DataFrame([{
        "symbol": symbol, "side": side, "order_type": "MARKET", "price": price, "quantity": quantity,
        "fee": fee, "status": "FILLED", "exit_reason": reason, "created_at": when, "executed_at": when,
    } for symbol, side, price, quantity, fee, reason, when in rows]))

    analysis = analyse_from_database(engine, "daily", Settings(timezone="UTC"))

    summary = analysis.to_json()
    assert summary["overall"]["net_pnl"] == {"KRW": pytest.approx(14.0), "USDT": pytest.approx(-2.0)}
    assert summary["max_drawdown"] == {"KRW": 0.0, "USDT": pytest.approx(2.0)}
    assert sorted(summary["by_exit_reason"]) == ["STOP_LOSS", "TAKE_PROFIT"]
    assert sorted(analysis.sells["exit_reason_raw"]) == ["Stop_Loss", "roi"]
def test_current_period_monthly_is_the_last_full_month_in_the_report_timezone():
    now = datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc)  # 22:00 on 1 December in Seoul

    assert current_period("monthly", Settings(), now) == {"month": (2026, 11)}


RULES = Path(__file__).resolve().parents[1] / "config" / "demo_exit_rules.toml"


def test_notebook_rules_path_takes_the_rules_parameter_before_the_environment(monkeypatch):
    monkeypatch.setenv("EXITLENS_EXIT_RULES", "/from/the/environment.toml")
    assert notebook_rules_path(str(RULES)) == str(RULES)
    assert notebook_rules_path(None) == "/from/the/environment.toml"


def test_report_data_when_given_rules_without_the_environment_keeps_the_replay(
        engine_with_sells, database_url, monkeypatch):
    """JupyterLab has no EXITLENS_EXIT_RULES: the notebook's rules parameter keeps its replay."""
    monkeypatch.delenv("EXITLENS_EXIT_RULES", raising=False)
    monkeypatch.delenv(SUMMARY_PATH_ENV, raising=False)
    monkeypatch.setenv("EXITLENS_DATABASE_URL", database_url)
    settings = Settings()
    without = report_data("weekly", settings=settings)
    assert without.analysis.replay is None
    replayed = report_data("weekly", settings=settings, rules=str(RULES))
    assert replayed.analysis.replay is not None and replayed.analysis.replay["rules"] == str(RULES)


def test_analyse_from_database_when_a_notebook_slice_names_an_unknown_symbol_refuses_naming_the_known(engine_with_sells):
    # the notebooks' `symbols` parameter reaches the database through this one path
    from exitlens.core.errors import ConfigError
    from exitlens.core.filters import ReportFilter

    with pytest.raises(ConfigError, match="symbols KRW-BTX: not in the database; known symbols: KRW-BTC"):
        analyse_from_database(engine_with_sells, "daily", Settings(), filters=ReportFilter(symbols=["KRW-BTX"]))


def test_analyse_from_database_when_judged_before_the_period_begins_refuses_it(engine_with_sells):
    from exitlens.core.errors import ConfigError

    with pytest.raises(ConfigError, match="has not begun"):
        analyse_from_database(engine_with_sells, "monthly", Settings(), month=(2027, 3),
                              as_of=datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc))
