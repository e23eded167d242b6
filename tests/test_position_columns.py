"""The position columns (SPEC §1, §2.3): added only where exitlens fills the database itself,
read as null (long, leverage 1, no position id) where a bot's own table lacks them."""

from __future__ import annotations

import pandas as pd
import pytest

from exitlens.store import load, writes
from exitlens.store.position_columns import POSITION_COLUMNS, add_position_columns, present_position_columns

T0 = pd.Timestamp("2026-11-01 00:00", tz="UTC")


def _orders(**extra) -> pd.DataFrame:
    rows = [
        {"symbol": "BTC/USDT", "side": "BUY", "order_type": "MARKET", "price": 100.0, "quantity": 1.0, "fee": 0.1, "status": "FILLED",
         "executed_at": T0, "created_at": T0},
        {"symbol": "BTC/USDT", "side": "SELL", "order_type": "MARKET", "price": 90.0, "quantity": 1.0, "fee": 0.1, "status": "FILLED",
         "executed_at": T0 + pd.Timedelta(hours=1), "created_at": T0 + pd.Timedelta(hours=1)},
    ]
    frame = pd.DataFrame(rows)
    for name, values in extra.items():
        frame[name] = values
    return frame


def test_migrated_database_when_exitlens_did_not_fill_it_has_no_position_columns(engine):
    assert present_position_columns(engine) == ()


def test_load_orders_when_the_table_lacks_position_columns_reads_long_leverage_one_no_position(engine):
    writes.insert_orders(engine, _orders())
    orders = load.load_orders(engine).orders
    assert orders["position_id"].tolist() == [None, None]
    assert orders["direction"].tolist() == ["long", "long"]
    assert orders["leverage"].tolist() == [1.0, 1.0]


def test_add_position_columns_when_run_twice_adds_each_column_once(engine):
    with engine.begin() as conn:
        add_position_columns(conn)
        add_position_columns(conn)
    assert present_position_columns(engine) == tuple(POSITION_COLUMNS)


def test_load_orders_when_positions_are_stored_reads_them_and_normalises_direction_and_leverage(engine):
    with engine.begin() as conn:
        add_position_columns(conn)
    writes.insert_orders(engine, _orders(position_id=["7", "7"], direction=["SHORT", None], leverage=[3.0, None]))
    orders = load.load_orders(engine).orders.sort_values("side")
    assert orders["position_id"].tolist() == ["7", "7"]
    assert orders["direction"].tolist() == ["short", "long"]
    assert orders["leverage"].tolist() == [pytest.approx(3.0), 1.0]


def test_demo_database_when_filled_has_the_position_columns_all_null(tmp_path):
    from exitlens.store import db, demo, migrations

    engine = db.connect(f"sqlite:///{tmp_path / 'demo.db'}", create=True)
    migrations.migrate(engine)
    demo.fill_database(engine, days=3)
    assert present_position_columns(engine) == tuple(POSITION_COLUMNS)
    orders = load.load_orders(engine).orders
    assert orders["position_id"].isna().all() and (orders["direction"] == "long").all()
    engine.dispose()


def test_owned_database_keeps_a_pepe_price_and_a_long_exit_tag_whole(engine):
    # On PostgreSQL numeric(20,8) stored 3.1e-10 as 0 and varchar(30) cut custom exit tags.
    with engine.begin() as conn:
        add_position_columns(conn)
        add_position_columns(conn)
    tag = "exit_custom_trailing_after_partial_take_profit_2"
    orders = _orders(exit_reason=[None, tag], symbol="PEPE/BTC")
    orders["price"] = [3.1e-10, 3.4e-10]
    orders["fee"] = [1.23456e-12, 0.0]
    writes.insert_orders(engine, orders)
    loaded = load.load_orders(engine).orders.sort_values("side")
    assert list(loaded["price"]) == [pytest.approx(3.1e-10, rel=1e-12), pytest.approx(3.4e-10, rel=1e-12)]
    assert loaded["fee"].iloc[0] == pytest.approx(1.23456e-12, rel=1e-12)
    assert loaded["exit_reason"].iloc[1] == tag
