"""The per-sell evaluation frame: P&L, evaluability, post-exit changes and notes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics_factories import buy, orders_frame, post, sell
from exitlens.core.errors import DataError
from exitlens.core.evaluate import evaluate_sells, post_exit_changes, sell_columns
from exitlens.core.ledger import entry_ledger
from exitlens.core.settings import DEFAULT_HORIZONS, Horizon, Settings

SETTINGS = Settings()


def rows(evaluation) -> dict[str, dict]:
    return {row["id"]: row for row in evaluation.sells.to_dict("records")}


def test_evaluate_when_sell_has_fifo_entry_computes_pnl_and_win():
    frame = orders_frame(buy(0, 100, 2), sell(3, 110, 2, id="s", fee=0.5))
    row = rows(evaluate_sells(frame, SETTINGS))["s"]
    assert row["evaluable"]
    assert row["pnl_pct"] == pytest.approx(10.0)
    assert row["realized_pnl"] == pytest.approx(20.0)  # (110 − 100) × 2, fee apart
    assert row["fee"] == 0.5
    assert row["win"] is True
    assert row["hold_hours"] == pytest.approx(3.0)


def test_evaluate_when_sell_loses_is_not_a_win():
    row = rows(evaluate_sells(orders_frame(buy(0, 100, 1), sell(1, 95, 1, id="s")), SETTINGS))["s"]
    assert (row["pnl_pct"], row["realized_pnl"], row["win"]) == (pytest.approx(-5.0), pytest.approx(-5.0), False)


def test_evaluate_when_sell_breaks_even_is_not_a_win():
    row = rows(evaluate_sells(orders_frame(buy(0, 100, 1), sell(1, 100, 1, id="s")), SETTINGS))["s"]
    assert row["win"] is False and row["evaluable"]


def test_evaluate_when_sell_has_no_entry_is_excluded_with_note():
    evaluation = evaluate_sells(orders_frame(sell(1, 100, 1, id="orphan")), SETTINGS)
    row = rows(evaluation)["orphan"]
    assert not row["evaluable"]
    assert math.isnan(row["pnl_pct"]) and math.isnan(row["realized_pnl"])
    assert pd.isna(row["win"])  # unknown, not a loss
    assert any(note.startswith("sell orphan:") and "not evaluable" in note for note in evaluation.notes)


@pytest.mark.parametrize("price", [0.0, -5.0, float("nan")])
def test_evaluate_when_price_is_not_positive_is_excluded_with_note(price):
    evaluation = evaluate_sells(orders_frame(buy(0, 100, 1), sell(1, price, 1, id="bad")), SETTINGS)
    assert not rows(evaluation)["bad"]["evaluable"]
    assert [n for n in evaluation.notes if n.startswith("sell bad: price")] == [
        f"sell bad: price {price!r} is not positive, so it is not evaluable"
    ]


def test_evaluate_reads_every_horizon_change_pct():
    frame = orders_frame(buy(0), sell(1, id="s", post_exit_prices=post(h1=0.5, h4=-1.25, h12=2, h24=3.5)))
    row = rows(evaluate_sells(frame, SETTINGS))["s"]
    got = [row[f"post_{h}_pct"] for h in ("1h", "4h", "12h", "24h")]
    assert got == [0.5, -1.25, 2.0, 3.5]


@pytest.mark.parametrize(
    "entry",
    ["oops", {"change_pct": "x"}, {"change_pct": None}, {"price": 1.0}, {"change_pct": True}, [1, 2]],
)
def test_evaluate_when_post_exit_entry_is_malformed_reads_nan_and_notes_it(entry):
    frame = orders_frame(buy(0), sell(1, id="s", post_exit_prices={"1h": entry, "4h": {"change_pct": 1.5}}))
    evaluation = evaluate_sells(frame, SETTINGS)
    row = rows(evaluation)["s"]
    assert math.isnan(row["post_1h_pct"]) and row["post_4h_pct"] == 1.5
    assert row["evaluable"]  # post-exit data does not decide evaluability
    assert evaluation.notes == [f"sell s: post_exit_prices['1h'] is malformed ({entry!r}), read as missing"]


def test_evaluate_when_post_exit_is_absent_reads_nan_without_note():
    frame = orders_frame(buy(0), sell(1, id="a", post_exit_prices=None), sell(2, id="b", post_exit_prices={"1h": None}))
    evaluation = evaluate_sells(frame, SETTINGS)
    assert evaluation.sells["post_1h_pct"].isna().all()
    assert [n for n in evaluation.notes if "post_exit" in n] == []


def test_post_exit_changes_keeps_numeric_strings():
    values, malformed = post_exit_changes(pd.Series([{"1h": {"change_pct": "-0.52"}}], dtype=object), "1h")
    assert list(values) == [-0.52] and not malformed.any()


def test_evaluate_columns_follow_the_settings_horizons():
    settings = Settings(horizons=DEFAULT_HORIZONS + (Horizon("48h", pd.Timedelta(hours=48)),))
    evaluation = evaluate_sells(orders_frame(buy(0), sell(1)), settings)
    assert list(evaluation.sells.columns) == list(sell_columns(settings))
    assert list(evaluation.sells.columns)[-1] == "post_48h_pct"


def test_evaluate_when_given_slice_and_full_ledger_uses_earlier_buys():
    history = orders_frame(buy(0, 100, 1), sell(30, 120, 1, id="late"))
    ledger = entry_ledger(history)
    evaluation = evaluate_sells(history.iloc[[1]], SETTINGS, ledger=ledger)
    assert rows(evaluation)["late"]["entry_price"] == 100.0
    assert rows(evaluation)["late"]["pnl_pct"] == pytest.approx(20.0)


def test_evaluate_when_given_ledger_and_duplicate_index_raises():
    history = orders_frame(buy(0), sell(1))
    history.index = [0, 0]
    with pytest.raises(DataError, match="duplicate labels"):
        evaluate_sells(history, SETTINGS, ledger=entry_ledger(history.reset_index(drop=True)))


def test_evaluate_when_no_sells_returns_empty_declared_frame():
    evaluation = evaluate_sells(orders_frame(buy(0)), SETTINGS)
    assert evaluation.sells.empty and evaluation.notes == []
    assert list(evaluation.sells.columns) == list(sell_columns(SETTINGS))
    assert evaluation.sells["evaluable"].dtype == bool
    assert evaluation.sells["win"].dtype == "boolean"


def test_evaluate_when_regime_is_missing_reads_unknown():
    frame = orders_frame(buy(0), sell(1, id="s", regime=None, exit_reason=None))
    row = rows(evaluate_sells(frame, SETTINGS))["s"]
    assert (row["regime"], row["exit_reason"]) == ("UNKNOWN", "UNKNOWN")


@pytest.mark.parametrize(("stored", "why"), [
    (1e-9, "10x"), (1001.0, "10x"), (9.0, "10x"), (1e-300, "10x"),
    # beyond what a double carries safely: not read as a price at all (core/entry_price.py)
    (1e308, "is not a positive number"),
])
def test_evaluate_when_stored_entry_price_is_implausible_uses_fifo_with_a_note(stored, why):
    frame = orders_frame(buy(0, 100, 1), sell(3, 110, 1, id="s", signal_info={"entry_avg_price": stored}))
    evaluation = evaluate_sells(frame, SETTINGS)
    row = rows(evaluation)["s"]
    assert row["entry_source"] == "fifo" and row["entry_price"] == 100.0
    assert row["pnl_pct"] == pytest.approx(10.0)
    assert any("sell s:" in note and why in note and "FIFO cost" in note for note in evaluation.notes)


@pytest.mark.parametrize(("stored", "factor"), [(105.0, 10.0), (11.0, 10.0), (990.0, 10.0), (40.0, 3.0)])
def test_evaluate_when_stored_entry_price_is_within_the_factor_uses_it(stored, factor):
    frame = orders_frame(buy(0, 100, 1), sell(3, 110, 1, id="s", signal_info={"entry_avg_price": stored}))
    settings = SETTINGS.with_overrides(entry_price_max_factor=factor)
    row = rows(evaluate_sells(frame, settings))["s"]
    assert (row["entry_source"], row["entry_price"]) == ("stored", stored)


def test_evaluate_when_stored_entry_far_from_sell_price_and_no_lots_is_not_evaluable():
    frame = orders_frame(sell(3, 110, 1, id="s", signal_info={"entry_avg_price": 1e-9}))
    evaluation = evaluate_sells(frame, SETTINGS)
    row = rows(evaluation)["s"]
    assert not row["evaluable"] and math.isnan(row["pnl_pct"])
    assert any("sell price" in note for note in evaluation.notes)


def test_evaluate_when_pnl_overflows_a_float_flags_the_sell_not_evaluable():
    frame = orders_frame(buy(0, 1e-300, 1), sell(3, 1e10, 1, id="s"))
    evaluation = evaluate_sells(frame, SETTINGS)
    row = rows(evaluation)["s"]
    assert not row["evaluable"] and math.isnan(row["pnl_pct"])
    assert any("sell s:" in note and "too large" in note for note in evaluation.notes)


def test_settings_entry_price_max_factor_must_be_above_one():
    from exitlens.core.errors import ConfigError

    with pytest.raises(ConfigError, match="entry_price_max_factor"):
        Settings(entry_price_max_factor=1.0)
