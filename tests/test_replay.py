"""Exit replay (SPEC §6): the rules file, the engine against named paths and against the
plain-loop reference (tests/replay_reference.py), fidelity, the sweep and its statistics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from exitlens.core.errors import ConfigError
from exitlens.core.exit_rules import (
    PARAMETERS,
    ExitRules,
    RuleBook,
    load_rules,
    parse_rules,
)
from exitlens.core.replay import (
    ACTUAL,
    CENSORED,
    NOT_REPLAYABLE,
    STOP_LOSS,
    TAKE_PROFIT,
    TIME_LIMIT,
    TRAILING_STOP,
    Candles,
    Trades,
    concat_candles,
    exit_reason_codes,
    fidelity,
    path_bounds,
    replay,
    replayed_net_pnl_pct,
)
from exitlens.core.replay_stats import (
    CONFIRMED,
    NOT_CONFIRMED,
    bootstrap_mean,
    check_change,
    check_suggestion,
    parse_sweep_option,
    replay_suggestions,
    sweep,
    sweep_values,
)
from replay_reference import reference_exit

ROOT = Path(__file__).resolve().parents[1]
MINUTE = 60  # fixtures count time in seconds
CODES = {"STOP_LOSS": STOP_LOSS, "TAKE_PROFIT": TAKE_PROFIT, "TRAILING_STOP": TRAILING_STOP, "TIME_LIMIT": TIME_LIMIT}


# --- helpers -------------------------------------------------------------------------------------

def book(fill: str = "close", **values) -> RuleBook:
    return RuleBook(default=ExitRules(fill=fill, **values))


def replay_path(rows, rules: RuleBook, *, entry=100.0, opened=30, reason="STOP_LOSS", actual_minute=10_000,
                actual_price=1.0, regime="BULL", first_minute=1):
    """Replay one trade over `rows` (closes, or (open, high, low, close) tuples), one candle per
    minute from `first_minute`; return (minute, price, code)."""
    ohlc = [(r, r, r, r) if isinstance(r, (int, float)) else r for r in rows]
    times = np.arange(first_minute, first_minute + len(ohlc), dtype=np.int64) * MINUTE
    candles = Candles(times, *(np.array(column, dtype=float) for column in zip(*ohlc)))
    trades = one_trade(entry=entry, opened=opened, reason=reason, actual_time=actual_minute * MINUTE,
                       actual_price=actual_price, regime=regime, start=int(np.searchsorted(times, opened, "right")),
                       stop=len(times))
    out = replay(trades, candles, [rules], units_per_minute=MINUTE)
    return out.time[0, 0] / MINUTE, out.price[0, 0], out.code[0, 0]


def one_trade(*, entry, opened, reason, actual_time, actual_price, regime, start, stop) -> Trades:
    return Trades(entry_price=np.array([entry]), open_time=np.array([opened]), exit_time=np.array([actual_time]),
                  exit_price=np.array([actual_price]), exit_reason=np.array([reason], dtype=object),
                  regime=np.array([regime], dtype=object), start=np.array([start]), stop=np.array([stop]),
                  quantity=np.array([1.0]), buy_fees=np.array([0.0]), sell_fee=np.array([0.0]))


# --- the rules file ------------------------------------------------------------------------------

def test_demo_rules_when_loaded_match_the_demo_bot():
    rules = load_rules(ROOT / "config" / "demo_exit_rules.toml")
    assert rules.default == ExitRules(stop_loss_pct=3.0, take_profit_pct=5.0, trailing_stop_pct=3.0,
                                      trailing_activation_pct=1.0, time_limit_hours=72.0, fill="close")
    assert rules.regimes == {}


def test_regime_table_when_present_overrides_default_key_by_key():
    rules = parse_rules('[default]\nstop_loss_pct = 3\ntake_profit_pct = 5\n[regime.bear]\nstop_loss_pct = 2\nfill = "touch"\n')
    assert rules.for_regime("BEAR") == ExitRules(stop_loss_pct=2.0, take_profit_pct=5.0, fill="touch")
    assert rules.for_regime("BULL") == rules.default
    assert rules.unused_regimes({"BULL"}) == ["BEAR"]


def test_with_parameter_when_regimes_set_changes_default_and_every_regime():
    rules = parse_rules("[default]\nstop_loss_pct = 3\n[regime.BEAR]\nstop_loss_pct = 2\ntake_profit_pct = 4\n")
    changed = rules.with_parameter("stop_loss_pct", 4.5)
    assert changed.default.stop_loss_pct == 4.5 and changed.for_regime("BEAR").stop_loss_pct == 4.5
    assert changed.for_regime("BEAR").take_profit_pct == 4.0
    assert rules.parameters() == {"stop_loss_pct": 3.0, "take_profit_pct": None, "trailing_stop_pct": None,
                                  "trailing_activation_pct": None, "time_limit_hours": None}


@pytest.mark.parametrize("text, match", [
    ("[default]\nstop_loss = 3\n", "unknown key 'stop_loss' in \\[default\\]"),
    ("[default]\nstop_loss_pct = -3\n", "stop_loss_pct must be a non-negative number"),
    ('[default]\ntake_profit_pct = "5"\n', "take_profit_pct must be a non-negative number"),
    ("[default]\ntime_limit_hours = true\n", "time_limit_hours must be a non-negative number"),
    ('[default]\nfill = "limit"\n', 'fill must be "close" or "touch"'),
    ("[default]\n[regime]\nBEAR = 3\n", "regime.BEAR must be a table"),
    ("[default]\n[regime.BEAR]\ntrailing_pct = 1\n", "unknown key 'trailing_pct' in \\[regime.BEAR\\]"),
    ("[defaults]\nstop_loss_pct = 3\n", "unknown table or key 'defaults'"),
    ("stop_loss_pct = 3\n", "unknown table or key 'stop_loss_pct'"),
    ("[regime.BEAR]\nstop_loss_pct = 3\n", "no \\[default\\] table"),
    ("[default\n", "not valid TOML"),
])
def test_rules_file_when_invalid_raises_one_line_naming_file_and_key(text, match):
    with pytest.raises(ConfigError, match=match) as caught:
        parse_rules(text, source="rules.toml")
    assert "rules.toml" in str(caught.value) and "\n" not in str(caught.value)


def test_rules_file_when_missing_says_how_to_add_one(tmp_path):
    with pytest.raises(ConfigError, match="not found: pass --rules FILE or set EXITLENS_EXIT_RULES"):
        load_rules(tmp_path / "nope.toml")


def test_rules_file_when_not_utf8_raises_config_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes(b"\xff\xfe[default]")
    with pytest.raises(ConfigError, match="could not be read"):
        load_rules(path)


# --- one rule at a time --------------------------------------------------------------------------

@pytest.mark.parametrize("rows, rules, expected", [
    pytest.param([99, 98, 97, 96], book(stop_loss_pct=3), (3, 97.0, STOP_LOSS), id="stop_loss_at_level"),
    pytest.param([(99, 99, 90, 98), 97.5], book(stop_loss_pct=3), (None, None, CENSORED), id="close_ignores_lows"),
    pytest.param([101, 104, 105.5], book(take_profit_pct=5), (3, 105.5, TAKE_PROFIT), id="take_profit"),
    pytest.param([101, 102, 99], book(trailing_stop_pct=2.5, trailing_activation_pct=1), (3, 99.0, TRAILING_STOP),
                 id="trailing_after_activation"),
    pytest.param([100.5, 97.0], book(trailing_stop_pct=2.5, trailing_activation_pct=1), (None, None, CENSORED),
                 id="trailing_never_activated"),
    pytest.param([100.5, 97.5], book(trailing_stop_pct=2.5), (2, 97.5, TRAILING_STOP), id="trailing_active_from_start"),
    pytest.param([96, 106], book(stop_loss_pct=3, take_profit_pct=5, time_limit_hours=0), (1, 96.0, STOP_LOSS),
                 id="stop_before_time_limit_on_one_candle"),
])
def test_close_fill_when_rule_reached_exits_at_close(rows, rules, expected):
    minute, price, code = replay_path(rows, rules)
    assert code == expected[2]
    if code != CENSORED:
        assert (minute, price) == (expected[0], pytest.approx(expected[1]))


@pytest.mark.parametrize("rows, rules, expected", [
    pytest.param([(100, 101, 98, 99), (99, 99.5, 96.5, 98)], book("touch", stop_loss_pct=3), (2, 97.0, STOP_LOSS),
                 id="low_touches_stop_exits_at_level"),
    pytest.param([(100, 101, 98, 99), (95, 96, 94, 95.5)], book("touch", stop_loss_pct=3), (2, 95.0, STOP_LOSS),
                 id="gap_down_below_stop_exits_at_open"),
    pytest.param([(100, 106, 96, 101)], book("touch", stop_loss_pct=3, take_profit_pct=5), (1, 97.0, STOP_LOSS),
                 id="stop_and_take_profit_on_one_candle_is_the_stop"),
    pytest.param([(100, 101, 99, 100), (107, 108, 106, 107)], book("touch", take_profit_pct=5),
                 (2, 107.0, TAKE_PROFIT), id="gap_up_above_take_profit_exits_at_open"),
    pytest.param([(100, 104, 99.5, 103), (103, 103, 101.5, 102)], book("touch", trailing_stop_pct=2),
                 (2, 101.92, TRAILING_STOP), id="trailing_from_previous_high"),
    pytest.param([(100, 104, 101.5, 103)], book("touch", trailing_stop_pct=2, trailing_activation_pct=0.5),
                 (None, None, CENSORED), id="trailing_ignores_this_candles_high"),
    pytest.param([(100, 104, 101.5, 103)], book("touch", trailing_stop_pct=2, take_profit_pct=3.5),
                 (1, 103.5, TAKE_PROFIT), id="take_profit_at_level"),
])
def test_touch_fill_when_level_touched_exits_at_level_or_open(rows, rules, expected):
    minute, price, code = replay_path(rows, rules)
    assert code == expected[2]
    if code != CENSORED:
        assert (minute, price) == (expected[0], pytest.approx(expected[1]))


def test_time_limit_when_reached_counts_from_entry_minute():
    # opened at 00:00:50: the limit is 01:00:00 (the entry minute + 1h), not 01:00:50
    minute, price, code = replay_path([100.0] * 70, book(time_limit_hours=1), opened=50)
    assert (minute, price, code) == (60, 100.0, TIME_LIMIT)


def test_time_limit_when_minute_missing_exits_at_next_candle():
    rows = [100.0] * 70
    times = np.array([m for m in range(1, 71) if m != 60], dtype=np.int64) * MINUTE
    candles = Candles(times, *(np.full(len(times), 100.0),) * 4)
    trades = one_trade(entry=100.0, opened=0, reason="TIME_LIMIT", actual_time=61 * MINUTE, actual_price=100.0,
                       regime=None, start=0, stop=len(times))
    out = replay(trades, candles, [book(time_limit_hours=1)], units_per_minute=MINUTE)
    assert (out.time[0, 0] // MINUTE, out.code[0, 0]) == (61, TIME_LIMIT)
    assert len(rows) == 70


# --- unmodelled reasons, censoring, regimes ------------------------------------------------------

def test_unmodelled_reason_when_no_rule_fires_before_exit_keeps_actual_exit():
    minute, price, code = replay_path([99, 98, 97.5, 96], book(stop_loss_pct=3), reason="RSI_OVERBOUGHT",
                                      actual_minute=3, actual_price=97.4)
    assert (minute, price, code) == (3, 97.4, ACTUAL)


def test_unmodelled_reason_when_rule_fires_before_exit_takes_the_rule():
    minute, price, code = replay_path([99, 96.5, 99, 99], book(stop_loss_pct=3), reason="RSI_OVERBOUGHT",
                                      actual_minute=3, actual_price=99.0)
    assert (minute, price, code) == (2, 96.5, STOP_LOSS)


def test_unmodelled_reason_when_path_ends_before_exit_keeps_actual_exit():
    minute, price, code = replay_path([99, 99], book(stop_loss_pct=3), reason="signal", actual_minute=5,
                                      actual_price=101.0)
    assert (minute, price, code) == (5, 101.0, ACTUAL)


def test_modelled_reason_when_path_ends_before_exit_is_censored():
    out = replay_path([99, 98, 97.5], book(stop_loss_pct=3, take_profit_pct=5))
    assert out[2] == CENSORED and np.isnan(out[1])


def test_path_bounds_when_now_given_cuts_the_path_and_censors():
    candles, ranges = concat_candles({
        "A": {"time": np.arange(1, 11) * MINUTE, "open": np.full(10, 100.0), "high": np.full(10, 100.0),
              "low": np.full(10, 100.0), "close": np.r_[np.full(6, 100.0), np.full(4, 90.0)]},
        "B": {"time": np.arange(1, 4) * MINUTE, "open": np.ones(3), "high": np.ones(3), "low": np.ones(3),
              "close": np.ones(3)},
    })
    start, stop = path_bounds(candles.time, ranges, ["A", "A", "C"], np.array([30, 3 * MINUTE, 0]))
    assert start.tolist() == [0, 3, 0] and stop.tolist() == [10, 10, 0]
    start, stop = path_bounds(candles.time, ranges, ["A"], np.array([30]), now=6 * MINUTE)
    assert (start[0], stop[0]) == (0, 6)
    trades = one_trade(entry=100.0, opened=30, reason="STOP_LOSS", actual_time=7 * MINUTE, actual_price=90.0,
                       regime=None, start=start[0], stop=stop[0])
    assert replay(trades, candles, [book(stop_loss_pct=3)], units_per_minute=MINUTE).code[0, 0] == CENSORED


def test_regime_override_when_sell_in_that_regime_uses_its_table():
    rules = parse_rules("[default]\nstop_loss_pct = 3\n[regime.BEAR]\nstop_loss_pct = 1\n")
    assert replay_path([99.5, 98.5, 96.5], rules, regime="BEAR")[:1] == (2,)
    assert replay_path([99.5, 98.5, 96.5], rules, regime="BULL")[:1] == (3,)
    assert replay_path([99.5, 98.5, 96.5], rules, regime=None)[:1] == (3,)


def test_entry_when_missing_is_not_replayable():
    assert replay_path([50.0], book(stop_loss_pct=3), entry=float("nan"))[2] == NOT_REPLAYABLE


def test_exit_reason_codes_when_unmodelled_are_actual():
    assert exit_reason_codes(["stop_loss", "TAKE_PROFIT", "RSI_OVERBOUGHT", None]).tolist() == [
        STOP_LOSS, TAKE_PROFIT, ACTUAL, ACTUAL]


# --- fidelity and money --------------------------------------------------------------------------

def test_fidelity_when_mixed_counts_modelled_uncensored_within_two_minutes():
    m = 60_000_000_000
    actual_code = np.array([STOP_LOSS, STOP_LOSS, TAKE_PROFIT, TIME_LIMIT, ACTUAL, STOP_LOSS])
    actual_time = np.array([10, 10, 10, 10, 10, 10]) * m
    replayed_code = np.array([STOP_LOSS, STOP_LOSS, TRAILING_STOP, TIME_LIMIT, ACTUAL, CENSORED])
    replayed_time = np.array([8, 7, 10, 12, 10, 0]) * m
    result = fidelity(actual_code, actual_time, replayed_code, replayed_time)
    assert (result.value, result.samples) == (pytest.approx(2 / 4), 4)


def test_fidelity_when_no_modelled_sells_is_none():
    result = fidelity(np.array([ACTUAL]), np.array([0]), np.array([ACTUAL]), np.array([0]))
    assert (result.value, result.samples) == (None, 0)


def test_replayed_net_pnl_when_price_is_actual_equals_net_pnl_pct():
    # entry 100, quantity 2, buy fees 0.1, sell fee 0.11 at 110: net = 20 - 0.21 → 10.5 - 0.105 %
    actual = replayed_net_pnl_pct(np.array([100.0]), np.array([2.0]), np.array([0.1]), np.array([0.11]),
                                  np.array([110.0]), np.array([110.0]))
    assert actual[0] == pytest.approx((20 - 0.21) / 200 * 100)
    moved = replayed_net_pnl_pct(np.array([100.0]), np.array([2.0]), np.array([0.1]), np.array([0.11]),
                                 np.array([110.0]), np.array([[90.0], [np.nan]]))
    assert moved[0, 0] == pytest.approx((-20 - 0.1 - 0.09) / 200 * 100) and np.isnan(moved[1, 0])


# --- the engine against the reference loop -------------------------------------------------------

def random_books(rng: np.random.Generator, count: int) -> list[RuleBook]:
    """Random rules, half with whole percentages (exact ties on a price grid), with a BEAR table."""
    def table() -> dict:
        values: dict = {}
        for name, low, high in (("stop_loss_pct", 0.3, 5), ("take_profit_pct", 0.3, 6), ("trailing_stop_pct", 0.2, 4),
                                ("trailing_activation_pct", 0.0, 3), ("time_limit_hours", 0.1, 4)):
            if rng.random() < 0.75:
                value = rng.uniform(low, high)
                values[name] = float(round(value)) if rng.random() < 0.5 and round(value) > 0 else value
        values["fill"] = "touch" if rng.random() < 0.5 else "close"
        return values
    books = []
    for _ in range(count):
        default = ExitRules(**table())
        books.append(RuleBook(default=default, regimes={"BEAR": ExitRules(**{**default.__dict__, **table()})}))
    return books


def compare_with_reference(trades: Trades, candles: Candles, books: list[RuleBook], units_per_minute: int) -> int:
    out = replay(trades, candles, books, units_per_minute=units_per_minute)
    checked = 0
    for v, rules in enumerate(books):
        for i in range(len(trades)):
            lo, hi = trades.start[i], trades.stop[i]
            path = list(zip(candles.time[lo:hi].tolist(), candles.open[lo:hi].tolist(), candles.high[lo:hi].tolist(),
                            candles.low[lo:hi].tolist(), candles.close[lo:hi].tolist()))
            expected = reference_exit(entry=float(trades.entry_price[i]), opened=int(trades.open_time[i]),
                                      actual_time=int(trades.exit_time[i]), actual_price=float(trades.exit_price[i]),
                                      actual_reason=trades.exit_reason[i], rules=rules.for_regime(trades.regime[i]),
                                      candles=path, units_per_minute=units_per_minute)
            where = f"variant {v} trade {i} rules {rules.for_regime(trades.regime[i])}"
            if expected is None:
                assert out.code[v, i] == CENSORED, where
                continue
            time, price, reason = expected
            assert out.code[v, i] == CODES.get(reason, ACTUAL), where
            assert out.time[v, i] == time, where
            assert out.price[v, i] == pytest.approx(price, rel=1e-12), where
            checked += 1
    return checked


def random_trades(rng: np.random.Generator, candles: Candles, count: int, units_per_minute: int) -> Trades:
    """Trades opened at random points of `candles` (one symbol), seconds after a candle's time."""
    pick = rng.integers(0, len(candles) - 20, size=count)
    opened = candles.time[pick] + rng.integers(0, units_per_minute, size=count)
    start = np.searchsorted(candles.time, opened, side="right")
    stop = np.minimum(len(candles), start + rng.integers(0, 600, size=count))
    exit_index = np.minimum(len(candles) - 1, start + rng.integers(0, 400, size=count))
    reasons = rng.choice(np.array(["STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP", "TIME_LIMIT", "RSI_OVERBOUGHT", "signal"],
                                  dtype=object), size=count)
    return Trades(entry_price=candles.close[pick], open_time=opened,
                  exit_time=candles.time[exit_index] + rng.integers(0, units_per_minute, size=count),
                  exit_price=candles.close[exit_index], exit_reason=reasons,
                  regime=rng.choice(np.array(["BULL", "BEAR", None], dtype=object), size=count), start=start, stop=stop)


@pytest.mark.parametrize("seed", [11, 12])
def test_engine_when_random_paths_and_rules_matches_reference_loop(seed):
    rng = np.random.default_rng(seed)
    minutes = 6000
    step = rng.normal(0, 0.004, size=minutes)
    close = 100 * np.exp(np.cumsum(step))
    if seed % 2:
        close = np.round(close * 2) / 2  # a 0.5 price grid: exact ties with whole-percent levels
    open_ = np.r_[100.0, close[:-1]]
    if seed % 2 == 0:
        open_ = open_ * np.exp(rng.normal(0, 0.004, size=minutes))  # gaps between close and next open
    wiggle = np.abs(rng.normal(0, 0.006, size=minutes)) * close
    times = np.cumsum(rng.choice([1, 1, 1, 2, 5], size=minutes)).astype(np.int64) * MINUTE
    candles = Candles(times, open_, np.maximum(open_, close) + wiggle, np.minimum(open_, close) - wiggle, close)
    trades = random_trades(rng, candles, 500, MINUTE)
    assert compare_with_reference(trades, candles, random_books(rng, 6), MINUTE) > 1000


def test_engine_when_real_candles_matches_reference_loop():
    rows = np.array(json.loads((ROOT / "tests" / "data" / "real_candles_1m.json").read_text()))
    candles = Candles(rows[:, 0].astype(np.int64), rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4])
    rng = np.random.default_rng(5)
    trades = random_trades(rng, candles, 300, 60_000)
    books = random_books(rng, 4) + [load_rules(ROOT / "config" / "demo_exit_rules.toml")]
    assert compare_with_reference(trades, candles, books, 60_000) > 300


# --- statistics, sweep and suggestions -----------------------------------------------------------

def test_bootstrap_when_sample_given_contains_mean_and_repeats_with_seed():
    values = np.random.default_rng(3).normal(0.3, 2.0, size=400)
    first, second = bootstrap_mean(values), bootstrap_mean(values)
    assert first == second
    assert first.n == 400 and first.mean == pytest.approx(values.mean())
    assert first.low < first.mean < first.high
    assert first.high - first.low == pytest.approx(2 * 1.96 * values.std() / 20, rel=0.15)


def test_bootstrap_when_empty_gives_none():
    assert bootstrap_mean(np.array([np.nan])) == bootstrap_mean(np.array([]))
    assert bootstrap_mean(np.array([])).mean is None


@pytest.mark.parametrize("text, expected", [
    ("stop_loss_pct=2,3,4.5", {"stop_loss_pct": [2.0, 3.0, 4.5]}),
    (" time_limit_hours = 24 ", {"time_limit_hours": [24.0]}),
])
def test_parse_sweep_option_when_valid_gives_values(text, expected):
    assert parse_sweep_option(text) == expected


@pytest.mark.parametrize("text, match", [
    ("stop_loss_pct", "write NAME=V1,V2"), ("stoploss=1", "unknown parameter 'stoploss'"),
    ("stop_loss_pct=1,x", "'x' is not a number"), ("stop_loss_pct=", "'' is not a number"),
    ("stop_loss_pct=-1", "non-negative"),
])
def test_parse_sweep_option_when_invalid_raises_config_error(text, match):
    with pytest.raises(ConfigError, match=match):
        parse_sweep_option(text)


def test_sweep_values_when_parameter_off_is_not_swept_and_overrides_replace():
    rules = book(stop_loss_pct=3, time_limit_hours=72)
    assert sweep_values(rules) == {"stop_loss_pct": [1.5, 2.25, 3.75, 4.5, 6.0],
                                   "time_limit_hours": [36.0, 54.0, 90.0, 108.0, 144.0]}
    assert sweep_values(rules, {"stop_loss_pct": [2.0]})["stop_loss_pct"] == [2.0]


@pytest.fixture
def dip_then_rally():
    """40 trades on paths that dip 4% and then rally to +8%: a 3% stop loses, a 6% stop wins."""
    path = [99, 98, 97.5, 96.5, 96, 98, 101, 104, 108]
    count = 40
    times = np.tile(np.arange(1, len(path) + 1), count).astype(np.int64) * MINUTE
    close = np.tile(np.array(path, dtype=float), count)
    candles = Candles(times, close, close, close, close)
    start = np.arange(count) * len(path)
    return Trades(entry_price=np.full(count, 100.0), open_time=np.zeros(count, np.int64),
                  exit_time=np.full(count, 4 * MINUTE), exit_price=np.full(count, 96.5),
                  exit_reason=np.full(count, "STOP_LOSS", dtype=object), regime=np.full(count, None, dtype=object),
                  start=start, stop=start + len(path), quantity=np.ones(count), buy_fees=np.zeros(count),
                  sell_fee=np.zeros(count)), candles


def test_sweep_when_looser_stop_rides_the_rally_shows_positive_effect(dip_then_rally):
    trades, candles = dip_then_rally
    rules = book(stop_loss_pct=3, take_profit_pct=7.5)
    table = sweep(trades, candles, rules, units_per_minute=MINUTE)
    assert list(table.columns) == ["parameter", "value", "current", "n", "censored", "mean", "low", "high"]
    row = table[(table.parameter == "stop_loss_pct") & (table.value == 4.5)].iloc[0]
    assert (row.n, row.censored, row.current) == (40, 0, 3.0)
    assert row["mean"] == pytest.approx(108 - 96.5) and row.low <= row["mean"] <= row.high
    suggestions = replay_suggestions(table, min_samples=20)
    assert [(s.parameter, s.suggested) for s in suggestions] == [("stop_loss_pct", 4.5)]
    assert replay_suggestions(table, min_samples=41) == []
    # the nearest looser stop (3.75%) is still hit at 96: replay does not back that step
    assert check_suggestion(table, "stop_loss_loosen", min_samples=20).status == NOT_CONFIRMED
    assert check_suggestion(table, "stop_loss_loosen", min_samples=20, value=4.5).status == CONFIRMED
    assert check_suggestion(table, "stop_loss_loosen", min_samples=41, value=4.5).status == NOT_CONFIRMED
    assert check_suggestion(table, "regime_review").status == "not replayable"
    # a tighter 2.25% stop exits at 97.5 rather than 96.5
    assert check_change(table, "stop_loss_pct", "decrease").status == CONFIRMED
    assert check_suggestion(table, "time_limit_keep").status == "not replayable"


def test_sweep_when_variant_never_exits_counts_censored_and_gives_nan(dip_then_rally):
    trades, candles = dip_then_rally
    table = sweep(trades, candles, book(stop_loss_pct=3), units_per_minute=MINUTE)
    assert table.parameter.tolist() == ["stop_loss_pct"] * 5
    looser = table[table.value == 4.5].iloc[0]
    assert (looser.n, looser.censored) == (0, 40) and np.isnan(looser["mean"]) and np.isnan(looser.low)
    # a tighter 1.5% stop exits at 98 instead of 96.5 on every path
    assert [(s.suggested, s.value, s.samples) for s in replay_suggestions(table, min_samples=1)] == [
        (1.5, pytest.approx(1.5), 40)]
    assert check_suggestion(table, "stop_loss_loosen").status == NOT_CONFIRMED  # 3.75% still hit at 96
    assert check_suggestion(table, "stop_loss_loosen", value=4.5).status == "not replayable"


def test_check_time_limit_keep_when_longer_limit_loses_is_confirmed():
    path = [100, 100, 100, 100, 100, 99, 98, 96.5, 96, 95]
    count = 30
    close = np.tile(np.array(path, dtype=float), count)
    candles = Candles(np.tile(np.arange(1, 11), count).astype(np.int64) * MINUTE, close, close, close, close)
    start = np.arange(count) * len(path)
    trades = Trades(entry_price=np.full(count, 100.0), open_time=np.zeros(count, np.int64),
                    exit_time=np.full(count, 5 * MINUTE), exit_price=np.full(count, 100.0),
                    exit_reason=np.full(count, "TIME_LIMIT", dtype=object), regime=np.full(count, None, dtype=object),
                    start=start, stop=start + len(path), quantity=np.ones(count), buy_fees=np.zeros(count),
                    sell_fee=np.zeros(count))
    table = sweep(trades, candles, book(stop_loss_pct=4.5, time_limit_hours=5 / 60), units_per_minute=MINUTE)
    check = check_suggestion(table, "time_limit_keep", min_samples=20)
    assert (check.status, check.mean, check.n) == (CONFIRMED, pytest.approx(-2.0), 30)


def test_sweep_table_when_empty_has_declared_columns():
    empty = Trades(*(np.empty(0),) * 8, quantity=np.empty(0), buy_fees=np.empty(0), sell_fee=np.empty(0))
    table = sweep(empty, Candles(*(np.empty(0),) * 5), book(stop_loss_pct=3), units_per_minute=MINUTE)
    assert (table.n == 0).all() and len(table) == 5 and table["mean"].isna().all()
    assert set(PARAMETERS) >= set(table.parameter)


@pytest.mark.parametrize(("text", "match"), [
    ("[default]\ntime_limit_hours = 2000000\n", "\\[default\\] time_limit_hours must be at most 87,600"),
    ("[default]\n[regime.BEAR]\ntake_profit_pct = 1e9\n", "\\[regime.BEAR\\] take_profit_pct must be at most 1,000,000"),
])
def test_rules_file_when_a_value_is_beyond_its_bound_refuses_it_naming_the_key(text, match):
    with pytest.raises(ConfigError, match=match) as caught:
        parse_rules(text, source="rules.toml")
    assert "rules.toml" in str(caught.value) and "\n" not in str(caught.value)


def test_sweep_option_when_a_value_is_beyond_its_bound_refuses_it():
    from exitlens.core.replay_stats import parse_sweep_option

    with pytest.raises(ConfigError, match="2000000 must be at most 87,600"):
        parse_sweep_option("time_limit_hours=24,2000000")
