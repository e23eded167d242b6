"""Entry prices and hold times (SPEC §2): hand-worked ledgers, then the vectorised ledger
against the plain-loop reference on random ledgers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics_factories import at, buy, orders_frame, sell
from exitlens.core.errors import DataError
from exitlens.core.ledger import LEDGER_COLUMNS, entry_ledger
from ledger_reference import reference_ledger


def by_id(ledger: pd.DataFrame) -> dict[str, dict]:
    return {row["id"]: row for row in ledger.to_dict("records")}


@pytest.fixture
def two_lots_three_sells():
    """1 @ 100 at 0h and 1 @ 200 at 1h; sells of 1.5 at 2h, 1 at 3h (half covered)."""
    return orders_frame(
        buy(0, 100, 1, id="b1"),
        buy(1, 200, 1, id="b2"),
        sell(2, 300, 1.5, id="s1"),
        sell(3, 300, 1, id="s2"),
    )


def test_ledger_when_sell_spans_two_lots_uses_their_weighted_cost(two_lots_three_sells):
    row = by_id(entry_ledger(two_lots_three_sells))["s1"]
    assert row["entry_source"] == "fifo"
    assert row["entry_price"] == pytest.approx((100 * 1 + 200 * 0.5) / 1.5)
    assert row["covered_quantity"] == pytest.approx(1.5)
    assert row["hold_hours"] == pytest.approx((1 * 2 + 0.5 * 1) / 1.5)
    assert row["note"] is None


def test_ledger_when_lots_cover_part_of_a_sell_uses_covered_part_and_notes_it(two_lots_three_sells):
    row = by_id(entry_ledger(two_lots_three_sells))["s2"]
    assert row["entry_source"] == "fifo_partial"
    assert row["entry_price"] == pytest.approx(200.0)
    assert row["covered_quantity"] == pytest.approx(0.5)
    assert row["hold_hours"] == pytest.approx(2.0)
    assert row["note"] == (
        "sell s2: BUY lots cover only 0.5 of 1; the entry price is the average cost of the covered part"
    )


def test_ledger_when_sell_has_no_buys_is_not_evaluable_with_note():
    row = by_id(entry_ledger(orders_frame(sell(1, 100, 1, id="lonely"))))["lonely"]
    assert row["entry_source"] is None
    assert math.isnan(row["entry_price"])
    assert row["covered_quantity"] == 0
    assert math.isnan(row["hold_hours"])
    assert "sell lonely:" in row["note"] and "not evaluable" in row["note"]


def test_ledger_when_entry_price_is_stored_uses_it_but_still_consumes_lots():
    frame = orders_frame(
        buy(0, 100, 1, id="b1"),
        buy(1, 200, 1, id="b2"),
        sell(4, 300, 1, id="stored", signal_info={"entry_avg_price": 150.0}),
        sell(5, 300, 1, id="fifo"),
    )
    rows = by_id(entry_ledger(frame))
    assert rows["stored"]["entry_source"] == "stored"
    assert rows["stored"]["entry_price"] == 150.0
    assert rows["stored"]["hold_hours"] == pytest.approx(4.0)  # from the lot it consumed
    assert rows["fifo"]["entry_price"] == pytest.approx(200.0)  # b1 is gone
    assert rows["fifo"]["hold_hours"] == pytest.approx(4.0)


def test_ledger_when_stored_entry_has_no_lots_keeps_price_without_hold_time_and_notes_fees():
    frame = orders_frame(sell(1, 300, 1, id="s", signal_info={"entry_avg_price": 250}, fee=2.0))
    row = by_id(entry_ledger(frame))["s"]
    assert (row["entry_source"], row["entry_price"], row["lot_fees"]) == ("stored", 250.0, 0.0)
    assert math.isnan(row["hold_hours"])
    assert row["note"] == "sell s: consumed no BUY lots, so its fees are its own fee only"


@pytest.mark.parametrize("stored", ["abc", -5, 0, True, float("nan"), float("inf"), None, [1]])
def test_ledger_when_stored_entry_is_not_a_positive_number_falls_back_to_fifo(stored):
    frame = orders_frame(buy(0, 100, 1), sell(1, 300, 1, id="s", signal_info={"entry_avg_price": stored}))
    row = by_id(entry_ledger(frame))["s"]
    assert (row["entry_source"], row["entry_price"]) == ("fifo", 100.0)
    if stored is None or stored != stored:  # absent, or NaN: a missing value, not a bad one
        assert row["note"] is None
    else:
        assert row["note"].startswith("sell s: signal_info.entry_avg_price")
        assert "is not a positive number, so the FIFO cost is used" in row["note"]


def test_ledger_when_stored_entry_is_a_numeric_string_uses_it():
    frame = orders_frame(buy(0, 100, 1), sell(1, 300, 1, id="s", signal_info={"entry_avg_price": "150.5"}))
    assert by_id(entry_ledger(frame))["s"]["entry_price"] == 150.5


def test_ledger_when_buy_and_sell_tie_in_time_buys_first():
    frame = orders_frame(sell(2, 300, 1, id="a-sell"), buy(2, 100, 1, id="z-buy"))
    row = by_id(entry_ledger(frame))["a-sell"]
    assert (row["entry_source"], row["entry_price"], row["hold_hours"]) == ("fifo", 100.0, 0.0)


def test_ledger_when_sides_are_lower_case_or_missing_reads_case_blind_and_skips_the_rest():
    frame = orders_frame(buy(0, 100, 1, id="b"), sell(1, 300, 1, id="s"), sell(2, 300, 1, id="none"))
    frame["side"] = pd.Series(["buy", "Sell", None], dtype=object)
    rows = by_id(entry_ledger(frame))
    assert list(rows) == ["s"]
    assert (rows["s"]["entry_source"], rows["s"]["entry_price"]) == ("fifo", 100.0)


@pytest.mark.parametrize("text_dtype", [object, "str"])
def test_ledger_ids_keep_the_dtype_of_the_orders_frame(two_lots_three_sells, text_dtype):
    """The loader gives text as object; the ledger must not convert half a million ids."""
    frame = two_lots_three_sells.astype({"id": text_dtype, "symbol": text_dtype, "side": text_dtype})
    assert entry_ledger(frame)["id"].dtype == frame["id"].dtype


def test_ledger_when_ties_span_symbols_orders_each_symbol_by_side_then_id():
    """Rows sharing a time are ordered by side and id only within a symbol; another symbol's
    rows at that time change nothing."""
    frame = orders_frame(
        buy(0, 100, 1, id="b-old", symbol="KRW-BTC"),
        sell(1, 300, 1, id="z-other", symbol="KRW-ETH"),
        buy(1, 200, 1, id="a-new", symbol="KRW-BTC"),
        sell(1, 300, 1, id="y-second", symbol="KRW-BTC"),
        sell(1, 300, 1, id="x-first", symbol="KRW-BTC"),
        buy(1, 50, 1, id="c-eth", symbol="KRW-ETH"),
    )
    rows = by_id(entry_ledger(frame))
    assert rows["x-first"]["entry_price"] == 100.0
    assert rows["y-second"]["entry_price"] == 200.0
    assert rows["z-other"]["entry_price"] == 50.0


def test_ledger_when_two_sells_tie_in_time_the_smaller_id_consumes_first():
    frame = orders_frame(
        buy(0, 100, 1, id="b1"),
        buy(1, 200, 1, id="b2"),
        sell(3, 300, 1, id="s-b"),
        sell(3, 300, 1, id="s-a"),
    )
    rows = by_id(entry_ledger(frame))
    assert rows["s-a"]["entry_price"] == 100.0
    assert rows["s-b"]["entry_price"] == 200.0


def test_ledger_when_one_lot_is_split_across_sells_each_gets_its_own_hold():
    frame = orders_frame(
        buy(0, 100, 3, id="b"),
        sell(1, 110, 1, id="s1"),
        sell(2, 110, 1, id="s2"),
        sell(6, 110, 1, id="s3"),
    )
    rows = by_id(entry_ledger(frame))
    assert [rows[i]["hold_hours"] for i in ("s1", "s2", "s3")] == pytest.approx([1, 2, 6])
    assert all(rows[i]["entry_source"] == "fifo" for i in ("s1", "s2", "s3"))


def test_ledger_open_time_is_the_earliest_lot_consumed_beyond_a_rounding_crumb():
    frame = orders_frame(
        buy(0, 100, 0.1, id="b1"),
        buy(0, 100, 0.2, id="b2"),
        buy(5, 100, 1.0, id="b3"),
        sell(6, 110, 0.3, id="s1"),  # 0.1 + 0.2 != 0.3 in floats: b2 may keep a crumb
        sell(7, 110, 0.5, id="s2"),
        sell(8, 110, 9.0, id="s3"),  # the rest of b3
        sell(9, 110, 1.0, id="s4"),  # nothing left
    )
    rows = by_id(entry_ledger(frame))
    assert rows["s1"]["open_time"] == at(0)
    assert rows["s2"]["open_time"] == at(5)
    assert rows["s3"]["open_time"] == at(5)
    assert pd.isna(rows["s4"]["open_time"])


def test_ledger_when_sell_precedes_buys_does_not_carry_a_short():
    frame = orders_frame(sell(0, 90, 1, id="early"), buy(1, 100, 1), sell(2, 110, 1, id="later"))
    rows = by_id(entry_ledger(frame))
    assert rows["early"]["entry_source"] is None
    assert (rows["later"]["entry_source"], rows["later"]["entry_price"]) == ("fifo", 100.0)


def test_ledger_when_symbols_differ_keeps_separate_queues():
    frame = orders_frame(
        buy(0, 100, 1, symbol="KRW-BTC"),
        buy(1, 5, 1, symbol="KRW-ETH"),
        sell(2, 7, 1, id="eth", symbol="KRW-ETH"),
    )
    assert by_id(entry_ledger(frame))["eth"]["entry_price"] == 5.0


def test_ledger_when_quantities_sum_inexactly_still_reads_full_coverage():
    rows = [buy(i, 100, 0.1) for i in range(3)] + [sell(10, 110, 0.3, id="s")]
    rows += [order for i in range(500) for order in (buy(20 + i, 100, 0.1), sell(20 + i, 110, 0.1))]
    ledger = entry_ledger(orders_frame(*rows))
    assert set(ledger["entry_source"]) == {"fifo"}
    assert by_id(ledger)["s"]["covered_quantity"] == 0.3


def test_ledger_when_buy_has_no_price_it_is_not_a_lot():
    frame = orders_frame(buy(0, 0.0, 1), buy(1, 100, 1), sell(2, 110, 1, id="s"))
    assert by_id(entry_ledger(frame))["s"]["entry_price"] == 100.0


def test_ledger_when_sell_quantity_is_not_positive_consumes_nothing_and_notes_it():
    frame = orders_frame(buy(0, 100, 1), sell(1, 110, 0.0, id="zero"), sell(2, 110, 1, id="next"))
    rows = by_id(entry_ledger(frame))
    assert rows["zero"]["entry_source"] is None
    assert rows["zero"]["note"].startswith("sell zero: quantity 0 is not positive")
    assert rows["next"]["hold_hours"] == pytest.approx(2.0)


def test_ledger_output_is_indexed_like_the_sells_in_input_order():
    frame = orders_frame(sell(5, 1, 1), buy(0, 1, 1), sell(1, 1, 1))
    frame.index = [10, 20, 30]
    ledger = entry_ledger(frame)
    assert list(ledger.index) == [10, 30]
    assert list(ledger.columns) == list(LEDGER_COLUMNS)


def test_ledger_when_orders_are_empty_returns_declared_columns():
    ledger = entry_ledger(orders_frame())
    assert ledger.empty and list(ledger.columns) == list(LEDGER_COLUMNS)


def test_ledger_when_a_column_is_missing_raises_naming_it():
    with pytest.raises(DataError, match="lacks column.*stored_entry_price"):
        entry_ledger(orders_frame(buy()).drop(columns="stored_entry_price"))


def test_ledger_when_sell_spans_two_lots_carries_their_fees_pro_rata():
    frame = orders_frame(
        buy(0, 100, 2, id="b1", fee=4.0),
        buy(1, 200, 1, id="b2", fee=3.0),
        sell(2, 300, 2.5, id="s1"),
        sell(3, 300, 0.5, id="s2"),
    )
    rows = by_id(entry_ledger(frame))
    assert rows["s1"]["lot_fees"] == pytest.approx(4.0 + 3.0 * 0.5)
    assert rows["s2"]["lot_fees"] == pytest.approx(3.0 * 0.5)


@pytest.mark.parametrize("bad_fee", [-1.0, float("inf"), "oops", True])
def test_ledger_when_lot_fee_is_negative_or_not_a_number_counts_it_as_zero(bad_fee):
    frame = orders_frame(buy(0, 100, 1, fee=2.0), buy(1, 100, 1), sell(2, 110, 2, id="s"))
    frame["fee"] = frame["fee"].astype(object)
    frame.loc[1, "fee"] = bad_fee
    assert by_id(entry_ledger(frame))["s"]["lot_fees"] == pytest.approx(2.0)


def random_orders(seed: int) -> pd.DataFrame:
    """A random history built to hit the edges: few distinct times (ties), sells before buys,
    oversells, stored prices good and bad, quantities that do not sum exactly, fees zero,
    positive, missing and negative, and symbols in KRW, USDT and an unknown quote currency."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    stored_choices = [None, None, None, 123.0, "99.5", -1, "oops", 0]
    rows = []
    for i in range(n):
        side = "BUY" if rng.random() < 0.55 else "SELL"
        fields = {
            "id": f"{rng.integers(0, 10**6):06d}-{i}",
            "symbol": rng.choice(["KRW-BTC", "KRW-ETH", "BTC/USDT", "ETH/USDT:USDT", "XRPBTC"]),
            "created_at": at(float(rng.integers(0, 30))),
            "fee": [0.0, 0.0, float(rng.uniform(0, 3)), None, -1.0][rng.integers(0, 5)],
        }
        fields["executed_at"] = fields["created_at"]
        quantity = float(rng.choice([0.1, 0.2, 0.3, 1.0, 2.5, rng.uniform(0.01, 3)]))
        price = float(rng.uniform(50, 150))
        fields["fee"] = float(rng.choice([0.0, rng.uniform(0, 5), -1.0, np.nan]))
        if side == "SELL":
            fields["signal_info"] = {"entry_avg_price": stored_choices[rng.integers(0, 8)]}
        rows.append(buy(0, price, quantity, **fields) if side == "BUY" else sell(0, price, quantity, **fields))
    return orders_frame(*rows)


@pytest.mark.parametrize("seed", range(40))
def test_ledger_on_random_history_matches_the_loop_reference(seed, fifo_walk):
    orders = random_orders(seed)
    fast = entry_ledger(orders)
    slow = reference_ledger(orders)
    if slow.empty:
        assert fast.empty
        return
    assert list(fast.index) == list(slow.index)
    assert list(fast["entry_source"]) == list(slow["entry_source"])
    for column in ("entry_price", "covered_quantity", "hold_hours", "lot_fees"):
        assert list(fast[column]) == pytest.approx(list(slow[column]), nan_ok=True, rel=1e-9, abs=1e-9)
    assert list(fast["open_time"]) == list(slow["open_time"].dt.as_unit("ns"))


def test_ledger_when_a_lot_value_overflows_skips_the_lot_without_a_numpy_warning():
    import warnings

    orders = orders_frame(buy(0, price=1e300, quantity=1e300), buy(1), sell(2))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ledger = entry_ledger(orders)

    assert ledger["entry_price"].iloc[-1] == pytest.approx(100.0)
