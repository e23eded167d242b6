"""signal_info.entry_avg_price read in SQL at load time: both engines agree with the Python rule,
and junk never raises."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from exitlens.core.entry_price import read_stored_entry, stored_entry_columns
from exitlens.store import writes
from exitlens.store.load import load_orders

STORED_VALUES = [
    150, 150.25, "150.5", " 95000000 ", "1.5E+2", "95000000.00000000", -5, 0, "0",
    "abc", "", "+5", ".5", "1.2.3", "1e99999999", True, False, None, [1], {"a": 1}, "NaN", 1e301,
]


def _sells(values) -> pd.DataFrame:
    at = pd.Timestamp("2026-11-23 12:00", tz="UTC")
    return pd.DataFrame([{
        "id": f"00000000-0000-0000-0000-{i:012d}", "symbol": "KRW-BTC", "side": "SELL", "order_type": "MARKET",
        "price": 100.0, "quantity": 1.0, "fee": 0.0, "status": "FILLED", "created_at": at, "executed_at": at,
        "signal_info": {"rsi": 70.0, "entry_avg_price": value},
    } for i, value in enumerate(values)])


@pytest.mark.parametrize(("value", "number"), [
    (150, 150.0), ("150.5", 150.5), (" 95000000 ", 95e6), ("1.5E+2", 150.0), (-5, -5.0), ("0", 0.0),
    ("abc", math.nan), ("+5", math.nan), (".5", math.nan), (True, math.nan), ([1], math.nan), (None, math.nan),
])
def test_read_stored_entry_when_value_varies_reads_json_numbers_and_numeric_strings_only(value, number):
    got, text = read_stored_entry(value)
    assert got == pytest.approx(number, nan_ok=True)
    assert (text is None) == (value is None or not math.isnan(number))


def test_load_orders_when_entry_prices_are_stored_reads_them_in_sql_as_python_does(engine):
    writes.insert_orders(engine, _sells(STORED_VALUES))

    loaded = load_orders(engine).orders.sort_values("id").reset_index(drop=True)

    expected = stored_entry_columns(pd.Series([{"entry_avg_price": v} for v in STORED_VALUES]))
    assert list(loaded["stored_entry_price"]) == pytest.approx(list(expected["stored_entry_price"]), nan_ok=True)
    assert list(loaded["stored_entry_text"].notna()) == list(expected["stored_entry_text"].notna())
    assert loaded.loc[STORED_VALUES.index("abc"), "stored_entry_text"] == '"abc"'


def test_load_orders_when_signal_info_is_not_an_object_reads_no_entry_price(engine):
    frame = _sells([1.0, 2.0])
    frame["signal_info"] = ["[1, 2]", '"text"']
    writes.insert_orders(engine, frame)

    loaded = load_orders(engine).orders

    assert loaded["stored_entry_price"].isna().all()
    assert loaded["stored_entry_text"].isna().all()


@pytest.mark.parametrize("stored", ["'abc'", "' 1,5 '"])
def test_load_orders_when_a_stored_fee_is_text_not_a_number_notes_it_and_counts_zero(sqlite_url, stored):
    import sqlalchemy as sa

    from exitlens.store import db, migrations

    engine = db.connect(sqlite_url, create=True)
    migrations.migrate(engine)
    frame = _sells([1.0, 2.0])
    writes.insert_orders(engine, frame)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE trading_history SET fee = {stored} WHERE id = :id"), {"id": frame["id"][0]})

    loaded = load_orders(engine)

    assert loaded.notes == [f"order {frame['id'][0]}: fee {stored.strip(chr(39))!r} is not a number, so it counts as 0"]
    assert loaded.orders["fee"].isna().tolist() == [True, False]  # missing: the evaluation counts it as 0
    engine.dispose()
