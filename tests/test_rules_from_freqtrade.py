"""`exitlens rules from-freqtrade` (SPEC §6): the rules file from freqtrade's config, strategy
class attributes (read with `ast`, never run) and backtest result; and the fidelity of those rules
on freqtrade's own test data (tests/data/freqtrade/, see its README)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exitlens.core.errors import ConfigError
from exitlens.core.replay import Trades, concat_candles, exit_reason_codes, fidelity, replay
from exitlens.core.replay.codes import NS_PER_MINUTE
from exitlens.core.replay.rules import load_rules
from exitlens.core.settings import DEFAULT_EXIT_REASON_ALIASES
from exitlens.store.sources.freqtrade_rules import read_settings, rules_toml, strategy_attributes
from test_cli import exitlens

DATA = Path(__file__).parent / "data" / "freqtrade"
STRATEGY = DATA / "strategy_test_v2.py"
BACKTEST = DATA / "backtest-result_excerpt.json"
PAIRS = {"XLM/BTC": "XLM_BTC-5m.json", "ZEC/BTC": "ZEC_BTC-5m.json", "LTC/BTC": "LTC_BTC-5m.json"}


def _config(folder: Path, **values) -> Path:
    path = folder / "config.json"
    path.write_text(json.dumps({"stake_currency": "BTC", "dry_run": True, **values}), encoding="utf-8")
    return path


def test_rules_from_the_strategy_class_attributes_when_the_config_has_none(tmp_path):
    out = tmp_path / "rules.toml"
    done = exitlens("rules", "from-freqtrade", "--config", str(_config(tmp_path)), "--strategy", str(STRATEGY),
                    "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    book = load_rules(out)
    assert book.model == "freqtrade"
    assert book.default.minimal_roi == ((0, 0.04), (20, 0.02), (30, 0.01), (40, 0.0))
    assert (book.default.stoploss, book.default.timeframe) == (-0.10, "5m")
    assert "trailing_stop not found" in done.stderr  # the strategy leaves it to freqtrade's default


def test_config_settings_win_over_the_strategy_and_the_file_names_where_each_came_from(tmp_path):
    config = _config(tmp_path, stoploss=-0.05, minimal_roi={"0": 0.1})
    settings = read_settings(config, STRATEGY)
    assert settings.values["stoploss"] == -0.05 and settings.values["minimal_roi"] == {"0": 0.1}
    assert settings.values["timeframe"] == "5m"
    text = rules_toml(settings)
    assert "stoploss = -0.05  # config config.json" in text
    assert "timeframe = \"5m\"  # strategy StrategyTestV2 (strategy_test_v2.py)" in text


def test_backtest_result_with_an_empty_roi_table_says_so_and_gives_its_other_settings(tmp_path):
    with pytest.raises(ConfigError, match="no minimal_roi"):
        read_settings(_config(tmp_path), None, BACKTEST)
    settings = read_settings(_config(tmp_path, minimal_roi={"0": 0.04}), None, BACKTEST)
    assert any("stores an empty minimal_roi" in note for note in settings.notes)
    assert settings.values["timeframe"] == "5m"
    assert "stoploss = -0.1" in rules_toml(settings)  # the result stores its size, 0.1


def test_backtest_result_inside_a_zip_is_read(tmp_path):
    archive = tmp_path / "backtest-result-2018.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(BACKTEST, "backtest-result-2018.json")
    settings = read_settings(_config(tmp_path, minimal_roi={"0": 0.04}), None, archive)
    assert settings.origin["timeframe"] == "backtest result backtest-result-2018.zip (StrategyTestV2)"


def test_strategy_attributes_that_are_not_literals_are_named_not_guessed(tmp_path):
    source = tmp_path / "strategy.py"
    source.write_text("from freqtrade.strategy import IStrategy\nBASE = 0.1\n\n"
                      "class Base(IStrategy):\n    timeframe = '1h'\n    trailing_stop = True\n\n"
                      "class Mine(Base):\n    minimal_roi = {'0': 0.05}\n    stoploss = -BASE * 2\n"
                      "    trailing_stop_positive: float = 0.01\n", encoding="utf-8")
    name, values, unreadable = strategy_attributes(source)
    assert name == "Mine"
    assert values == {"timeframe": "1h", "trailing_stop": True, "minimal_roi": {"0": 0.05},
                      "trailing_stop_positive": 0.01}
    assert unreadable == {"stoploss": "`-BASE * 2` is not a literal"}
    settings = read_settings(_config(tmp_path), source)
    assert "could not read stoploss from strategy Mine: `-BASE * 2` is not a literal" in settings.notes


def test_strategy_file_is_never_executed(tmp_path):
    source = tmp_path / "strategy.py"
    marker = tmp_path / "ran"
    source.write_text(f"open({str(marker)!r}, 'w').close()\n\nclass S:\n    minimal_roi = {{'0': 0.01}}\n",
                      encoding="utf-8")
    assert read_settings(_config(tmp_path), source).values["minimal_roi"] == {"0": 0.01}
    assert not marker.exists()


@pytest.mark.parametrize("case, words", [
    ("config without minimal_roi and no strategy", "no minimal_roi in the config: pass the strategy file"),
    ("strategy file that is not Python", "is not Python"),
    ("backtest file of another format", "is not a freqtrade backtest result"),
    ("config that is not JSON", "is not JSON"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, case, words):
    config = _config(tmp_path)
    args = ["--config", str(config)]
    if case == "strategy file that is not Python":
        bad = tmp_path / "strategy.py"
        bad.write_text("this is { not python\n", encoding="utf-8")
        args += ["--strategy", str(bad)]
    elif case == "backtest file of another format":
        other = tmp_path / "trades.json"
        other.write_text(json.dumps([{"pair": "XLM/BTC", "profit": 1}]), encoding="utf-8")
        args += ["--strategy", str(STRATEGY), "--backtest", str(other)]
    elif case == "config that is not JSON":
        config.write_text("{'strategy': 1", encoding="utf-8")
    out = tmp_path / "rules.toml"
    done = exitlens("rules", "from-freqtrade", *args, "--out", str(out), cwd=tmp_path)
    assert done.returncode != 0
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_unknown_model_in_a_rules_file_is_one_line_naming_the_key(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('model = "hummingbot"\n[default]\n', encoding="utf-8")
    done = exitlens("replay", "--rules", str(rules), cwd=tmp_path)
    assert done.returncode != 0
    assert "unknown model 'hummingbot' (the top-level key 'model')" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def _vendored_trades():
    run = json.loads(BACKTEST.read_text())["strategy"]["StrategyTestV2"]
    return pd.DataFrame(run["trades"])


def _vendored_candles():
    per_symbol = {}
    for pair, name in PAIRS.items():
        rows = np.array(json.loads((DATA / name).read_text()), dtype=float)
        per_symbol[pair] = {"time": rows[:, 0].astype(np.int64) * 1_000_000, "open": rows[:, 1], "high": rows[:, 2],
                            "low": rows[:, 3], "close": rows[:, 4]}
    return concat_candles(per_symbol)


def test_rules_built_from_the_strategy_replay_freqtrades_own_backtest_exits(tmp_path):
    """Done-when of issue 21: the rules `rules from-freqtrade` builds from StrategyTestV2's class
    attributes replay the exits of freqtrade's own backtest of it (every trade of XLM, ZEC and LTC
    opened 2018-01-10 to 01-12, on the 5m candles it ran on) with fidelity ≥ 90%; no trade of the
    excerpt is left out (a replay still open at the end of its candles counts against it)."""
    out = tmp_path / "rules.toml"
    done = exitlens("rules", "from-freqtrade", "--config", str(_config(tmp_path)), "--strategy", str(STRATEGY),
                    "--backtest", str(BACKTEST), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    book = load_rules(out)
    trades = _vendored_trades()
    candles, ranges = _vendored_candles()
    open_ns, close_ns = (pd.DatetimeIndex(pd.to_datetime(trades[c], utc=True)).as_unit("ns").asi8
                         for c in ("open_date", "close_date"))
    start = np.zeros(len(trades), dtype=np.int64)
    stop = np.zeros(len(trades), dtype=np.int64)
    for i, pair in enumerate(trades["pair"]):
        lo, hi = ranges[pair]
        start[i] = lo + np.searchsorted(candles.time[lo:hi], open_ns[i], side="left")  # at or after entry
        stop[i] = hi
    reasons = np.array([DEFAULT_EXIT_REASON_ALIASES.get(r, r.upper()) for r in trades["exit_reason"]], dtype=object)
    amount, fee = trades["amount"].to_numpy(), trades["fee_open"].to_numpy()
    arrays = Trades(entry_price=trades["open_rate"].to_numpy(), open_time=open_ns, exit_time=close_ns,
                    exit_price=trades["close_rate"].to_numpy(), exit_reason=reasons,
                    regime=np.array([None] * len(trades), dtype=object), start=start, stop=stop, quantity=amount,
                    buy_fees=trades["open_rate"].to_numpy() * amount * fee,
                    sell_fee=trades["close_rate"].to_numpy() * amount * trades["fee_close"].to_numpy())
    replayed = replay(arrays, candles, [book])
    assert not (replayed.code[0] < 0).any()  # none open at end, none not replayable
    fit = fidelity(exit_reason_codes(reasons), close_ns, replayed.code[0], replayed.time[0],
                   tolerance=5 * NS_PER_MINUTE)
    assert fit.samples == len(trades) == 10
    assert fit.value >= 0.9
    assert set(reasons) == {"TAKE_PROFIT", "STOP_LOSS"}  # both exit kinds are checked


def test_strategy_parameter_file_beside_the_strategy_wins_over_its_class_attributes(tmp_path):
    source = tmp_path / "MyStrategy.py"
    source.write_text("class MyStrategy:\n    minimal_roi = {'0': 0.04}\n    stoploss = -0.10\n    timeframe = '5m'\n",
                      encoding="utf-8")
    (tmp_path / "MyStrategy.json").write_text(json.dumps({"strategy_name": "MyStrategy", "params": {
        "roi": {"0": 0.08, "60": 0.0}, "stoploss": {"stoploss": -0.2},
        "trailing": {"trailing_stop": True, "trailing_stop_positive": 0.01}}}), encoding="utf-8")
    settings = read_settings(_config(tmp_path), source)
    assert settings.values["minimal_roi"] == {"0": 0.08, "60": 0.0}
    assert (settings.values["stoploss"], settings.values["trailing_stop"]) == (-0.2, True)
    assert settings.origin["stoploss"] == "parameter file MyStrategy.json"
    assert settings.values["timeframe"] == "5m"


def test_strategy_file_with_two_strategy_classes_asks_for_the_config_strategy(tmp_path):
    source = tmp_path / "two.py"
    source.write_text("class A:\n    stoploss = -0.1\n\nclass B:\n    stoploss = -0.2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot tell the strategy class .*A, B.*set \"strategy\" in the config"):
        read_settings(_config(tmp_path), source)
    name, values, _ = strategy_attributes(source, "B")
    assert (name, values) == ("B", {"stoploss": -0.2})
