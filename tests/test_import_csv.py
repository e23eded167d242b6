"""`exitlens import csv`: the documented format, checked row by row, written all or nothing."""

from __future__ import annotations

import re
import sqlite3

import pytest
from click.testing import CliRunner

from exitlens.cli import main
from exitlens.store.sources.csv_import import BadCsv, import_csv, parse_orders

ORDERS = """symbol,side,price,quantity,fee,executed_at,exit_reason,signal_info,regime
BTC/USDT,BUY,60000,0.01,0.6,2024-03-01T00:10:00+00:00,,,BULL
BTC/USDT,sell,61000,0.01,0.61,2024-03-01T10:00:00+09:00,roi,"{""entry_avg_price"": 60000}",
ETH/USDT,BUY,3000,1,,2024-03-01 02:00:00,,,
"""

CANDLES = """symbol,timestamp,open_price,high_price,low_price,close_price,volume
BTC/USDT,2024-03-01T01:00:00Z,60900,61100,60800,61000,12.5
BTC/USDT,2024-03-01T01:01:00Z,,,,61010,
"""


@pytest.fixture
def files(tmp_path):
    orders, candles = tmp_path / "orders.csv", tmp_path / "candles.csv"
    orders.write_text(ORDERS)
    candles.write_text(CANDLES)
    return orders, candles


def _count(tmp_path, table: str) -> int:
    with sqlite3.connect(tmp_path / "exitlens.db") as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_import_when_files_valid_writes_every_row_in_storage_form(files, tmp_path, sqlite_url):
    result = import_csv(orders=files[0], candles=files[1], target_url=sqlite_url)

    assert (result.orders_added, result.candles_added) == (3, 2)
    with sqlite3.connect(tmp_path / "exitlens.db") as conn:
        rows = conn.execute("SELECT side, executed_at, created_at, fee, status, order_type, exit_reason, signal_info, regime "
                            "FROM trading_history ORDER BY executed_at").fetchall()
        candle = conn.execute("SELECT open_price, high_price, low_price, volume, interval FROM market_data "
                              "ORDER BY timestamp DESC LIMIT 1").fetchone()
    assert rows[0][:3] == ("BUY", "2024-03-01 00:10:00.000000", "2024-03-01 00:10:00.000000")
    assert rows[1][:2] == ("SELL", "2024-03-01 01:00:00.000000")           # +09:00 converted to UTC
    assert rows[1][6:8] == ("roi", '{"entry_avg_price": 60000}')
    assert rows[2][1] == "2024-03-01 02:00:00.000000" and rows[2][3] == 0  # naive read as UTC; fee defaults to 0
    assert {r[4] for r in rows} == {"FILLED"} and {r[5] for r in rows} == {"MARKET"}
    assert rows[0][8] == "BULL" and rows[1][8] is None
    assert candle == (61010, 61010, 61010, 0, "1m")                        # open/high/low default to the close


def test_import_twice_adds_nothing(files, sqlite_url):
    import_csv(orders=files[0], candles=files[1], target_url=sqlite_url)

    again = import_csv(orders=files[0], candles=files[1], target_url=sqlite_url)

    assert (again.orders_added, again.candles_added) == (0, 0)
    assert "0 order(s) added, 3 already there" in again.summary_line()


@pytest.mark.parametrize(("row", "message"), [
    ("BTC/USDT,BUY,abc,1,,2024-03-01T00:00:00Z,,,", "orders.csv line 5: price 'abc' is not a number"),
    ("BTC/USDT,HOLD,1,1,,2024-03-01T00:00:00Z,,,", "orders.csv line 5: side 'HOLD' is not one of BUY, SELL"),
    ("BTC/USDT,BUY,1,0,,2024-03-01T00:00:00Z,,,", "orders.csv line 5: quantity '0' is not positive"),
    ("BTC/USDT,BUY,1,1,-1,2024-03-01T00:00:00Z,,,", "orders.csv line 5: fee '-1' is not at least 0"),
    ("BTC/USDT,BUY,1,1,,yesterday,,,", "orders.csv line 5: executed_at 'yesterday' is not an ISO-8601 time"),
    ("BTC/USDT,BUY,1,1,,,,,", "orders.csv line 5: no time: fill executed_at"),
    ("BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z,,[1],", "orders.csv line 5: signal_info '[1]' is not a JSON object"),
    ("BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z,,,MOON", "orders.csv line 5: regime 'MOON' is not one of BULL"),
    ("BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z,,", "orders.csv line 5: 8 cells, the header has 9"),
])
def test_import_when_a_row_is_bad_names_its_line_and_writes_nothing(files, tmp_path, sqlite_url, row, message):
    files[0].write_text(ORDERS + row + "\n")

    with pytest.raises(BadCsv, match=message.replace("[", r"\[").replace("(", r"\(")) as raised:
        import_csv(orders=files[0], candles=files[1], target_url=sqlite_url)

    assert "\n" not in str(raised.value)
    assert not (tmp_path / "exitlens.db").exists()


def test_import_when_several_rows_bad_reports_the_first_and_counts_the_rest(files, sqlite_url):
    files[0].write_text(ORDERS + "X,BUY,abc,1,,2024-03-01T00:00:00Z,,,\nX,BUY,1,-2,,2024-03-01T00:00:00Z,,,\n")

    with pytest.raises(BadCsv, match=r"^orders.csv line 5: price 'abc' is not a number \(and 1 more problem\(s\)\)$"):
        import_csv(orders=files[0], candles=None, target_url=sqlite_url)


@pytest.mark.parametrize(("header", "message"), [
    ("symbol,side,price,quantity,executed_at,post_exit_prices", "column post_exit_prices cannot be imported"),
    ("symbol,side,price,qty,executed_at", "unknown column\\(s\\) qty"),
    ("symbol,side,price,executed_at", "missing required column\\(s\\) quantity"),
])
def test_parse_orders_when_header_wrong_says_which_column(tmp_path, header, message):
    path = tmp_path / "orders.csv"
    path.write_text(header + "\n")

    with pytest.raises(BadCsv, match=message):
        parse_orders(path)


def test_import_when_candles_bad_writes_no_orders_either(files, tmp_path, sqlite_url):
    import_csv(orders=None, candles=files[1], target_url=sqlite_url)
    files[1].write_text(CANDLES + "BTC/USDT,2024-03-01T01:02:00Z,1,1,1,-5,1\n")

    with pytest.raises(BadCsv, match="candles.csv line 4: close_price '-5' is not positive"):
        import_csv(orders=files[0], candles=files[1], target_url=sqlite_url)

    assert _count(tmp_path, "trading_history") == 0 and _count(tmp_path, "market_data") == 2


def test_cli_import_csv_prints_one_summary_line_and_one_line_errors(files, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    done = runner.invoke(main, ["import", "csv", "--orders", str(files[0]), "--candles", str(files[1]), "--db", url])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "csv import: 3 order(s) added, 0 already there; 2 candle(s) added, 0 already there"

    files[0].write_text(ORDERS + "BTC/USDT,BUY,abc,1,,2024-03-01T00:00:00Z,,,\n")
    failed = runner.invoke(main, ["import", "csv", "--orders", str(files[0]), "--db", url])
    assert failed.exit_code == 1
    assert failed.stderr.strip() == "exitlens: error: orders.csv line 5: price 'abc' is not a number"


@pytest.mark.parametrize(("row", "message"), [
    ('BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z,,"{""entry_avg_price"": NaN}",',
     "orders.csv line 5: signal_info '{\"entry_avg_price\": NaN}' is not a JSON object"),
    ('BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z,,"{""x"": Infinity}",', "orders.csv line 5: signal_info"),
    ("BTC/USDT,BUY,1e308,1,,2024-03-01T00:00:00Z,,,", "orders.csv line 5: price '1e308' is larger than the database"),
    ("BTC/USDT,BUY,1e-18,1,,2024-03-01T00:00:00Z,,,", "orders.csv line 5: price '1e-18' would be stored as 0"),
    ("BTC/USDT,BUY,1,1,abc,2024-03-01T00:00:00Z,,,", "orders.csv line 5: fee 'abc' is not a number"),
    ("BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z,\0,,", "orders.csv line 5: contains a NUL byte"),
    ("BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z," + "x" * 140_000 + ",,", "orders.csv line 5: a cell is larger than 128 KiB"),
])
def test_import_when_a_cell_is_hostile_names_its_line_in_one_line_and_writes_nothing(files, tmp_path, sqlite_url, row,
                                                                                     message):
    files[0].write_text(ORDERS + row + "\n")

    with pytest.raises(BadCsv, match="^" + re.escape(message)) as raised:
        import_csv(orders=files[0], candles=files[1], target_url=sqlite_url)

    assert "\n" not in str(raised.value)
    assert not (tmp_path / "exitlens.db").exists()


def test_import_when_the_file_is_latin_1_names_the_line_and_asks_for_utf_8(files, tmp_path, sqlite_url):
    files[0].write_bytes((ORDERS + "BTC/USDT,BUY,1,1,,2024-03-01T00:00:00Z,Gewinnmitnahme Café,,\n").encode("latin-1"))

    with pytest.raises(BadCsv, match=r"^orders.csv line 5: not UTF-8 text: save the file as UTF-8$"):
        import_csv(orders=files[0], candles=files[1], target_url=sqlite_url)


def test_import_when_an_id_is_stored_as_a_different_order_refuses_the_file_naming_the_row(files, database_url):
    order_id = "0f0e0d0c-0b0a-4909-8807-060504030201"
    files[0].write_text("id,symbol,side,price,quantity,executed_at\n"
                        f"{order_id},BTC/USDT,BUY,60000,0.01,2024-03-01T00:10:00+00:00\n")
    import_csv(orders=files[0], candles=None, target_url=database_url)
    files[0].write_text("id,symbol,side,price,quantity,executed_at\n"
                        f"{order_id},BTC/USDT,BUY,60000,0.01,2024-03-01T00:10:00+00:00\n"
                        "11111111-2222-4333-8444-555555555555,ETH/USDT,BUY,3000,1,2024-03-01T00:10:00+00:00\n")
    same = import_csv(orders=files[0], candles=None, target_url=database_url)
    files[0].write_text("id,symbol,side,price,quantity,executed_at\n"
                        f"{order_id},ETH/USDT,SELL,3100,2,2024-03-02T00:10:00+00:00\n")

    with pytest.raises(BadCsv, match=f"^orders.csv line 2: id {order_id} is already stored as a different order"):
        import_csv(orders=files[0], candles=None, target_url=database_url)
    assert (same.orders_read, same.orders_added) == (2, 1)


def test_import_when_a_candle_is_stored_with_another_close_refuses_the_file_naming_the_row(files, database_url):
    import_csv(orders=None, candles=files[1], target_url=database_url)
    files[1].write_text(CANDLES.replace("61010", "99999"))

    with pytest.raises(BadCsv, match=r"^candles.csv line 3: candle BTC/USDT at 2024-03-01T01:01:00\+00:00 is already "
                                     "stored with another close_price$"):
        import_csv(orders=None, candles=files[1], target_url=database_url)


def test_import_when_a_candle_repeats_in_the_file_with_another_close_names_the_second_row(files, sqlite_url):
    files[1].write_text(CANDLES + "BTC/USDT,2024-03-01T01:01:00Z,,,,61011,\n")

    with pytest.raises(BadCsv, match=r"^candles.csv line 4: candle BTC/USDT 1m at 2024-03-01T01:01:00\+00:00 repeats"):
        import_csv(orders=None, candles=files[1], target_url=sqlite_url)


@pytest.mark.parametrize(("price", "message"), [("1e308", "is larger than the database holds"),
                                                ("1e-18", "would be stored as 0")])
def test_import_when_a_price_does_not_fit_numeric_20_8_refuses_it_on_both_engines(files, database_url, price, message):
    files[0].write_text(ORDERS + f"BTC/USDT,BUY,{price},1,,2024-03-01T00:00:00Z,,,\n")

    with pytest.raises(BadCsv, match=f"^orders.csv line 5: price '{price}' {message}"):
        import_csv(orders=files[0], candles=None, target_url=database_url)


def test_import_when_read_in_chunks_reports_the_first_problem_and_counts_across_chunks(files, sqlite_url, monkeypatch):
    from exitlens.store.sources import csv_import

    monkeypatch.setattr(csv_import, "CSV_CHUNK_ROWS", 2)
    files[0].write_text(ORDERS + "X,BUY,1,-2,,2024-03-01T00:00:00Z,,,\nX,BUY,abc,1,,2024-03-01T00:00:00Z,,,\n")

    with pytest.raises(BadCsv, match=r"^orders.csv line 5: quantity '-2' is not positive \(and 1 more problem\(s\)\)$"):
        import_csv(orders=files[0], candles=None, target_url=sqlite_url)


def test_import_when_read_in_chunks_finds_an_id_repeated_in_another_chunk(files, sqlite_url, monkeypatch):
    from exitlens.store.sources import csv_import

    monkeypatch.setattr(csv_import, "CSV_CHUNK_ROWS", 2)
    order_id = "0f0e0d0c-0b0a-4909-8807-060504030201"
    files[0].write_text("id,symbol,side,price,quantity,executed_at\n" + "".join(
        f"{order_id},BTC/USDT,BUY,{price},1,2024-03-01T00:10:00Z\n" if price in (1, 4) else
        f",BTC/USDT,BUY,{price},1,2024-03-01T00:10:00Z\n" for price in range(1, 6)))

    with pytest.raises(BadCsv, match=f"^orders.csv line 5: id {order_id} repeats an earlier row$"):
        import_csv(orders=files[0], candles=None, target_url=sqlite_url)
