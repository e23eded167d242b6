"""`exitlens import freqtrade-backtest` (SPEC §7) on freqtrade's own backtest result test file
(tests/data/README.md): the trades as orders, freqtrade's wins / draws / losses, idempotent,
bad input one line with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from exitlens.core.errors import ConfigError
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.settings import Settings
from exitlens.store import db
from exitlens.store.load import load_orders
from exitlens.store.sources.freqtrade_backtest import backtest_orders, import_backtest, read_backtest

RESULT = Path(__file__).resolve().parent / "data" / "freqtrade_backtest_result.json"


def _check(result, what: str) -> dict:
    return next(c for c in result.checks if c["what"] == what)


def test_import_gives_freqtrades_wins_draws_losses_and_trade_counts(sqlite_url):
    result = import_backtest(RESULT, target_url=sqlite_url)

    assert result.orders_read == result.orders_added == 2 * 179
    assert _check(result, "trades") == {"what": "trades", "exitlens": "179", "file": "179", "match": True}
    assert _check(result, "wins / draws / losses")["exitlens"] == "48 / 122 / 9"
    assert _check(result, "wins / draws / losses")["match"]
    counts = [c for c in result.checks if c["what"].startswith("trades of ")]
    assert len(counts) == 13 and all(c["match"] for c in counts)


def test_imported_database_reports_freqtrades_wins_draws_losses(sqlite_url):
    import_backtest(RESULT, target_url=sqlite_url)
    engine = db.connect(sqlite_url)
    orders = load_orders(engine).orders
    engine.dispose()
    sells = evaluate_sells(orders, Settings()).sells
    assert (int(sells["win"].sum()), int(sells["draw"].sum()), int(sells["loss"].sum())) == (48, 122, 9)
    assert set(orders["strategy_name"]) == {"StrategyTestV3"}
    assert orders["position_id"].nunique() == 179 and set(orders["direction"]) == {"long"}
    # each sell's profit ratio on stake is the file's profit_ratio (rounded there to 8 decimals)
    trades = pd.DataFrame(read_backtest(RESULT)[0].trades)
    ratio = sells.set_index("position")["net_pnl_pct"] / 100
    expected = pd.Series(trades["profit_ratio"].to_numpy(), index=[f"StrategyTestV3#{n}" for n in range(1, 180)])
    assert (ratio.reindex(expected.index) - expected).abs().max() < 5e-9


def test_import_says_where_the_files_profit_does_not_follow_from_its_rates(sqlite_url):
    # This test file's profit_abs is close_rate − open_rate per trade: the import says so
    # instead of claiming a match.
    result = import_backtest(RESULT, target_url=sqlite_url)
    assert not _check(result, "net profit")["match"]
    assert "differs from the file" in result.summary_line()
    assert any(note.startswith("net profit: exitlens") for note in result.notes)


def test_import_when_profits_follow_from_rates_matches_every_total(tmp_path, sqlite_url):
    document = json.loads(RESULT.read_text())
    stats = document["strategy"]["StrategyTestV3"]
    orders = backtest_orders(read_backtest(RESULT))
    sells = evaluate_sells(orders, Settings()).sells
    net = dict(zip(sells["position"], sells["net_pnl"]))
    for number, trade in enumerate(stats["trades"], start=1):  # what a real backtest writes
        trade["profit_abs"] = net[f"StrategyTestV3#{number}"]
    frame = pd.DataFrame(stats["trades"])
    stats["profit_total_abs"] = float(frame["profit_abs"].sum())
    for row in stats["results_per_pair"]:
        part = frame if row["key"] == "TOTAL" else frame[frame["pair"] == row["key"]]
        row["profit_total_abs"] = float(part["profit_abs"].sum())
    for row in stats["exit_reason_summary"]:
        row["profit_total_abs"] = float(frame.loc[frame["exit_reason"] == row["exit_reason"], "profit_abs"].sum())
    path = tmp_path / "backtest-result-2018-01-30_00-00-00.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("backtest-result-2018-01-30_00-00-00.json", json.dumps(document))
        archive.writestr("backtest-result-2018-01-30_00-00-00_config.json", "{}")

    result = import_backtest(path, target_url=sqlite_url)

    assert result.matches, [c for c in result.checks if not c["match"]]
    assert "matches the file" in result.summary_line()


def test_import_twice_adds_nothing_the_second_time(sqlite_url):
    import_backtest(RESULT, target_url=sqlite_url)
    again = import_backtest(RESULT, target_url=sqlite_url)
    assert (again.orders_read, again.orders_added) == (358, 0)


def test_backtest_keeps_the_strategys_exit_settings_for_rules_from_freqtrade():
    strategy = read_backtest(RESULT)[0]
    assert strategy.name == "StrategyTestV3"
    assert strategy.settings["timeframe"] == "5m" and strategy.settings["stoploss"] == 0.1
    assert strategy.settings["minimal_roi"] == {} and strategy.settings["trailing_stop"] is False


@pytest.mark.parametrize("content", [
    b'{"trades": []}',                       # a trades list, but not a backtest result
    b"pair,open_date\nBTC/USDT,2024-01-01\n",  # a CSV
    b'{"strategy": {"X": {"trades": [{"pair": "BTC/USDT"}]}}}',  # a trade without rates
])
def test_import_of_another_format_is_one_line_and_writes_nothing(tmp_path, content):
    path = tmp_path / "result.json"
    path.write_bytes(content)
    target = tmp_path / "exitlens.db"
    process = subprocess.run([sys.executable, "-m", "exitlens.cli", "import", "freqtrade-backtest", str(path),
                              "--db", f"sqlite:///{target}"], capture_output=True, text=True)
    assert process.returncode != 0
    assert len(process.stderr.strip().splitlines()) == 1 and "backtest result" in process.stderr
    assert not target.exists()


def test_import_command_prints_one_line_naming_the_counts(tmp_path):
    target = tmp_path / "exitlens.db"
    process = subprocess.run([sys.executable, "-m", "exitlens.cli", "import", "freqtrade-backtest", str(RESULT),
                              "--db", f"sqlite:///{target}"], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    line = process.stdout.strip()
    assert "358 order(s) added" in line and "trades 179" in line and "wins / draws / losses 48 / 122 / 9" in line
    engine = sa.create_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM trading_history")).scalar_one() == 358
    engine.dispose()


def test_read_backtest_when_no_file_says_what_to_pass(tmp_path):
    with pytest.raises(ConfigError, match="backtest-result"):
        read_backtest(tmp_path / "missing.json")
