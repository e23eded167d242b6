"""net_pnl and net_pnl_pct are freqtrade's own profit and profit ratio (SPEC §2.1, §2.3).

The reference below restates, in plain arithmetic, what freqtrade's `Trade.calc_profit` and
`Trade.calc_profit_ratio` (freqtrade/persistence/trade_model.py) compute for a closed trade:
the open value is amount × open rate plus the entry fee (less it for a short), the close value
amount × close rate less the exit fee (plus it for a short) plus the funding fees received
(less them for a short); the profit is their difference in the trade's favour, and the ratio
that profit over the open value, times leverage. exitlens gets there from orders: the trade's
entry and exit as orders of one position, fees as amounts, funding fees counted in the exit's
fee (as the sync does).
"""

from __future__ import annotations

import pytest

from analytics_factories import buy, orders_frame, sell
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.settings import Settings

SETTINGS = Settings()


def freqtrade_profit(*, open_rate, close_rate, amount, fee_open, fee_close, is_short, leverage,
                     funding_fees=0.0):
    """(profit_abs, profit_ratio) of a closed freqtrade trade, unrounded."""
    open_value = amount * open_rate * (1 - fee_open if is_short else 1 + fee_open)
    close_base = amount * close_rate * (1 + fee_close if is_short else 1 - fee_close)
    close_value = close_base - funding_fees if is_short else close_base + funding_fees
    if is_short:
        return open_value - close_value, (1 - close_value / open_value) * leverage
    return close_value - open_value, (close_value / open_value - 1) * leverage


TRADES = {
    "spot long": dict(open_rate=9.64e-05, close_rate=1.0074887218045112e-04, amount=10.37344398340249,
                      fee_open=0.0025, fee_close=0.0025, is_short=False, leverage=1.0),
    "spot long at a loss": dict(open_rate=0.03082222, close_rate=0.027739998, amount=0.03244412634781012,
                                fee_open=0.001, fee_close=0.001, is_short=False, leverage=1.0),
    "3x futures long": dict(open_rate=2000.0, close_rate=2010.0, amount=1.5, fee_open=0.0005,
                            fee_close=0.0005, is_short=False, leverage=3.0, funding_fees=-0.42),
    "3x futures short": dict(open_rate=2000.0, close_rate=1950.0, amount=1.5, fee_open=0.0005,
                             fee_close=0.0005, is_short=True, leverage=3.0, funding_fees=-0.37),
    "spot-margin short at a loss": dict(open_rate=1.2345, close_rate=1.3, amount=800.0, fee_open=0.001,
                                        fee_close=0.001, is_short=True, leverage=1.0),
}


@pytest.mark.parametrize("name", list(TRADES))
def test_net_pnl_and_net_pnl_pct_equal_freqtrades_profit_and_profit_ratio(name):
    trade = TRADES[name]
    amount, short = trade["amount"], trade["is_short"]
    entry_fee = trade["open_rate"] * amount * trade["fee_open"]
    exit_fee = trade["close_rate"] * amount * trade["fee_close"] - trade.get("funding_fees", 0.0)
    position = {"position_id": "7", "direction": "short" if short else "long", "leverage": trade["leverage"],
                "symbol": "ETH/USDT:USDT"}
    opening, closing = (sell, buy) if short else (buy, sell)
    frame = orders_frame(opening(0, trade["open_rate"], amount, fee=entry_fee, **position),
                         closing(5, trade["close_rate"], amount, fee=exit_fee, id="exit", **position))

    row = evaluate_sells(frame, SETTINGS).sells.set_index("id").loc["exit"]

    profit_abs, profit_ratio = freqtrade_profit(**trade)
    assert row["direction"] == ("short" if short else "long")
    assert row["net_pnl"] == pytest.approx(profit_abs, rel=1e-9, abs=1e-12)
    assert row["net_pnl_pct"] / 100 == pytest.approx(profit_ratio, abs=1e-9)


def test_three_x_futures_trade_shows_the_profit_on_stake_not_on_notional():
    # The case: 0.28% on the notional is 0.75% on a 3x stake, as freqtrade shows it.
    trade = TRADES["3x futures long"]
    _, ratio = freqtrade_profit(**trade)
    frame = orders_frame(
        buy(0, trade["open_rate"], trade["amount"], leverage=3.0, position_id="1"),
        sell(5, trade["close_rate"], trade["amount"], leverage=3.0, position_id="1", id="exit"))
    row = evaluate_sells(frame, SETTINGS).sells.set_index("id").loc["exit"]
    assert row["net_pnl_pct"] == pytest.approx(0.5 * 3)  # +0.5% price move, no fees, 3x
    assert row["pnl_pct"] == pytest.approx(1.5)
    assert ratio > 0


def test_with_zero_fees_and_no_leverage_net_pnl_pct_is_the_price_change():
    frame = orders_frame(buy(0, 100.0, 2.0), sell(1, 103.0, 2.0, id="exit"))
    row = evaluate_sells(frame, SETTINGS).sells.set_index("id").loc["exit"]
    assert (row["net_pnl_pct"], row["pnl_pct"]) == (pytest.approx(3.0), pytest.approx(3.0))


def test_a_short_is_won_when_the_price_falls_and_its_covering_buy_is_the_exit():
    frame = orders_frame(sell(0, 100.0, 1.0, direction="short", id="open"),
                         buy(1, 90.0, 1.0, direction="short", id="cover"))
    sells = evaluate_sells(frame, SETTINGS).sells
    assert list(sells["id"]) == ["cover"]
    row = sells.iloc[0]
    assert (row["realized_pnl"], row["pnl_pct"], bool(row["win"])) == (pytest.approx(10.0), pytest.approx(10.0), True)
