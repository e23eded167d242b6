"""Money (SPEC §2.1): fees, net PnL, net wins, quote currencies, exit-reason aliases and the
max drawdown; hand-worked cases, then the vectorised engine against the plain-loop reference
on random ledgers with fees and mixed currencies."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analytics_factories import buy, orders_frame, sell
from exitlens.core.aggregate import OVERALL, aggregate_buckets, bucket_all, bucket_to_dict
from exitlens.core.drawdown import max_drawdown
from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.markets import exit_reasons, quote_currencies
from exitlens.core.settings import Settings
from ledger_reference import reference_drawdown, reference_money
from test_ledger import random_orders

SETTINGS = Settings()


def by_id(sells: pd.DataFrame) -> dict[str, dict]:
    return {row["id"]: row for row in sells.to_dict("records")}


def test_sell_fees_are_own_fee_plus_pro_rata_lot_fees_and_win_is_net():
    frame = orders_frame(
        buy(0, 100, 2, id="b1", fee=4.0),
        sell(1, 101, 1, id="s1", fee=1.5),  # +1 gross, fees 1.5 + 2.0: a net loss
        sell(2, 110, 1, id="s2", fee=0.5),  # +10 gross, fees 0.5 + 2.0
    )
    rows = by_id(evaluate_sells(frame, SETTINGS).sells)
    assert rows["s1"]["fees"] == pytest.approx(3.5)
    assert rows["s1"]["realized_pnl"] == pytest.approx(1.0)
    assert rows["s1"]["net_pnl"] == pytest.approx(-2.5)
    assert rows["s1"]["net_pnl_pct"] == pytest.approx(-2.5 / (100 + 2.0) * 100)  # on the stake: entry value + entry fee
    assert rows["s1"]["win"] is False
    assert (rows["s2"]["net_pnl"], rows["s2"]["win"]) == (pytest.approx(7.5), True)


def test_net_pnl_within_a_billionth_of_the_notional_is_a_draw_never_a_win_or_a_loss():
    # freqtrade's break-even ROI exits net ±3e-19 BTC: fee arithmetic noise, a draw (SPEC §2.1).
    entry, quantity = 0.00014430, 1000.0
    frame = orders_frame(
        buy(0, entry, quantity, id="b1"), sell(1, entry * (1 + 1e-12), quantity, id="noise_up"),
        buy(2, entry, quantity, id="b2"), sell(3, entry * (1 - 1e-12), quantity, id="noise_down"),
        buy(4, entry, quantity, id="b3"), sell(5, entry * (1 + 1e-6), quantity, id="win"),
        buy(6, entry, quantity, id="b4"), sell(7, entry * (1 - 1e-6), quantity, id="loss"),
    )
    sells = evaluate_sells(frame, SETTINGS).sells
    rows = by_id(sells)
    assert [(rows[i]["win"], rows[i]["draw"], rows[i]["loss"]) for i in ("noise_up", "noise_down", "win", "loss")] \
        == [(False, True, False), (False, True, False), (True, False, False), (False, False, True)]
    overall = bucket_to_dict(aggregate_buckets(sells, SETTINGS).loc[OVERALL], SETTINGS)
    assert (overall["wins"], overall["draws"], overall["losses"], overall["win_rate"]) == (1, 2, 1, 0.25)


def test_sell_without_lots_carries_its_own_fee_with_a_note():
    frame = orders_frame(sell(1, 110, 1, id="s", fee=2.0, signal_info={"entry_avg_price": 100}))
    evaluation = evaluate_sells(frame, SETTINGS)
    row = by_id(evaluation.sells)["s"]
    assert (row["fees"], row["net_pnl"]) == (2.0, pytest.approx(8.0))
    assert "sell s: consumed no BUY lots, so its fees are its own fee only" in evaluation.notes


@pytest.mark.parametrize("bad_fee", [-3.0, "abc", float("inf")])
def test_fee_that_is_negative_or_not_a_number_counts_as_zero_with_a_note(bad_fee):
    frame = orders_frame(buy(0, 100, 1, id="b"), sell(1, 110, 1, id="s"))
    frame["fee"] = frame["fee"].astype(object)
    frame.loc[1, "fee"] = bad_fee
    evaluation = evaluate_sells(frame, SETTINGS)
    assert by_id(evaluation.sells)["s"]["fees"] == 0.0
    assert f"order s: fee {bad_fee!r} is negative or not a number, so it counts as 0" in evaluation.notes


@pytest.mark.parametrize("symbol, configured, expected", [
    ("KRW-BTC", None, "KRW"), ("BTC-ETH", None, "BTC"), ("BTC/USDT", None, "USDT"),
    ("BTC/USDT:USDT", None, "USDT"), ("eth/btc", None, "BTC"), ("XRPBTC", None, "?"),
    ("XRPBTC", "usdt", "USDT"), (None, None, "?"), ("KRW-BTC", "USDT", "KRW"),
])
def test_quote_currency_of_a_symbol(symbol, configured, expected):
    assert list(quote_currencies(pd.Series([symbol]), configured)) == [expected]


@pytest.mark.parametrize("raw, expected", [
    ("roi", "TAKE_PROFIT"), ("ROI", "TAKE_PROFIT"), ("stop_loss", "STOP_LOSS"),
    ("stoploss_on_exchange", "STOP_LOSS"), ("trailing_stop_loss", "TRAILING_STOP"),
    ("exit_signal", "EXIT_SIGNAL"), ("take_profit", "TAKE_PROFIT"), (None, "UNKNOWN"), ("  ", "UNKNOWN"),
])
def test_exit_reason_through_default_aliases(raw, expected):
    assert list(exit_reasons(pd.Series([raw], dtype=object), SETTINGS.exit_reason_aliases)) == [expected]


def test_evaluation_keeps_the_raw_exit_reason_beside_the_aliased_one():
    frame = orders_frame(buy(0), sell(1, id="s", exit_reason="roi"))
    row = by_id(evaluate_sells(frame, Settings(exit_reason_aliases={"ROI": "my_tp"})).sells)["s"]
    assert (row["exit_reason"], row["exit_reason_raw"]) == ("MY_TP", "roi")


@pytest.mark.parametrize("aliases", [["roi"], {"roi": 1}, {"": "X"}, "roi=TAKE_PROFIT"])
def test_alias_map_that_is_not_a_table_of_strings_is_a_config_error(aliases):
    with pytest.raises(ConfigError, match="exit_reason_aliases must be a table of non-empty strings"):
        Settings(exit_reason_aliases=aliases)


@pytest.mark.parametrize("value, message", [
    ('["roi"]', "EXITLENS_EXIT_REASON_ALIASES must be a table"),
    ("{roi: x", "EXITLENS_EXIT_REASON_ALIASES is not JSON"),
])
def test_alias_map_from_env_when_malformed_is_one_config_error_line(value, message):
    with pytest.raises(ConfigError, match=message) as raised:
        Environment.from_mapping({"EXITLENS_EXIT_REASON_ALIASES": value}).settings()
    assert "\n" not in str(raised.value)


def test_environment_settings_read_quote_currency_and_add_aliases_to_the_defaults():
    settings = Environment.from_mapping({"EXITLENS_QUOTE_CURRENCY": "usdt",
                                         "EXITLENS_EXIT_REASON_ALIASES": '{"Force_Exit": "manual"}'}).settings()
    assert settings.quote_currency == "USDT"
    assert settings.exit_reason_aliases["force_exit"] == "MANUAL"
    assert settings.exit_reason_aliases["roi"] == "TAKE_PROFIT"


def test_max_drawdown_is_the_largest_fall_from_the_running_peak_per_currency():
    frame = orders_frame(*[
        sell(hour, 100 + pnl, 1, id=f"s{hour}", symbol=symbol, signal_info={"entry_avg_price": 100})
        for hour, pnl, symbol in [(1, 5, "KRW-BTC"), (2, -3, "KRW-BTC"), (3, -4, "KRW-BTC"),
                                  (4, 10, "KRW-BTC"), (5, -2, "KRW-BTC"), (1, -1, "BTC/USDT"),
                                  (2, 0.5, "BTC/USDT")]
    ])
    drawdown = max_drawdown(evaluate_sells(frame, SETTINGS).sells)
    assert drawdown == {"KRW": pytest.approx(7.0), "USDT": pytest.approx(1.0)}  # USDT: 0 → −1


def test_max_drawdown_when_only_gains_is_zero_and_empty_period_is_empty():
    sells = evaluate_sells(orders_frame(sell(1, 110, 1, signal_info={"entry_avg_price": 100})), SETTINGS).sells
    assert max_drawdown(sells) == {"KRW": 0.0}
    assert max_drawdown(sells.iloc[:0]) == {}


@pytest.fixture
def two_currencies():
    return evaluate_sells(orders_frame(
        buy(0, 100, 1, symbol="KRW-BTC", fee=1.0),
        sell(1, 110, 1, symbol="KRW-BTC", exit_reason="TAKE_PROFIT", fee=1.0),
        buy(0, 2.0, 10, symbol="ETH/USDT", fee=0.02),
        sell(1, 2.5, 10, symbol="ETH/USDT", exit_reason="roi", fee=0.03),
        sell(2, 3.0, 1, symbol="ETH/USDT", exit_reason="STOP_LOSS"),  # no lots: not evaluable
    ), SETTINGS).sells


def test_bucket_mixing_currencies_reports_each_money_figure_per_currency(two_currencies):
    overall = bucket_all(two_currencies, SETTINGS).to_json(SETTINGS)["overall"]
    assert overall["currency"] is None
    assert overall["realized_pnl"] == {"KRW": pytest.approx(10.0), "USDT": pytest.approx(5.0)}
    assert overall["fees"] == {"KRW": pytest.approx(2.0), "USDT": pytest.approx(0.05)}
    assert overall["net_pnl"] == {"KRW": pytest.approx(8.0), "USDT": pytest.approx(4.95)}
    assert overall["wins"] == 2
    json.dumps(overall, allow_nan=False)


def test_bucket_of_one_currency_keeps_plain_numbers_and_names_the_currency(two_currencies):
    take_profit = bucket_all(two_currencies, SETTINGS).to_json(SETTINGS)["by_exit_reason"]["TAKE_PROFIT"]
    assert take_profit["currency"] is None  # KRW and USDT take profits (roi) share the bucket
    stop_loss = bucket_all(two_currencies, SETTINGS).to_json(SETTINGS)["by_exit_reason"]["STOP_LOSS"]
    assert (stop_loss["currency"], stop_loss["realized_pnl"], stop_loss["fees"]) == ("USDT", None, None)


def test_unknown_quote_currency_is_never_added_to_another():
    sells = evaluate_sells(orders_frame(
        sell(1, 110, 1, symbol="KRW-BTC", signal_info={"entry_avg_price": 100}),
        sell(2, 110, 1, symbol="BTCKRW", signal_info={"entry_avg_price": 100}),
    ), SETTINGS).sells
    overall = bucket_to_dict(aggregate_buckets(sells, SETTINGS).loc[OVERALL], SETTINGS)
    assert overall["realized_pnl"] == {"?": pytest.approx(10.0), "KRW": pytest.approx(10.0)}
    assert max_drawdown(sells) == {"?": 0.0, "KRW": 0.0}


@pytest.mark.parametrize("seed", range(30))
def test_money_on_random_ledgers_matches_the_loop_reference(seed, fifo_walk):
    orders = random_orders(seed)
    fast = evaluate_sells(orders, SETTINGS).sells
    slow = reference_money(orders)
    assert list(fast.index) == list(slow.index)
    assert list(fast["currency"]) == list(slow["currency"])
    for column in ("fees", "realized_pnl", "net_pnl", "net_pnl_pct"):
        assert list(fast[column]) == pytest.approx(list(slow[column]), nan_ok=True, rel=1e-9, abs=1e-9)
    assert [None if pd.isna(w) else bool(w) for w in fast["win"]] == list(slow["win"])
    drawdown = max_drawdown(fast)
    expected = reference_drawdown(slow)
    assert list(drawdown) == list(expected)
    assert list(drawdown.values()) == pytest.approx(list(expected.values()), abs=1e-9)
    money = aggregate_buckets(fast, SETTINGS).loc[OVERALL]
    evaluable = slow[slow["realized_pnl"].notna()]
    for key in ("realized_pnl", "fees", "net_pnl"):
        expected = {currency: part.sum() for currency, part in evaluable.groupby("currency")[key]}
        got = {currency: amount for currency, amount in money[f"{key}_by_currency"].items() if amount is not None}
        assert sorted(got) == sorted(expected), key  # the reference's currencies, none missing
        assert list(got.values()) == pytest.approx([expected[currency] for currency in got], abs=1e-9)
    assert int(money["wins"]) == sum(1 for w in slow["win"] if w is True)
    assert int(money["wins"] + money["draws"] + money["losses"]) == int(money["evaluable"])


def test_random_ledgers_exercise_fees_and_several_currencies():
    sells = pd.concat([evaluate_sells(random_orders(seed), SETTINGS).sells for seed in range(30)])
    assert sells["currency"].nunique() == 3 and (sells["fees"] > 0).sum() > 50
    assert (sells["win"].fillna(False) & (sells["realized_pnl"] > 0)).sum() < (sells["realized_pnl"] > 0).sum()
    assert not math.isnan(sells["net_pnl"].sum())
