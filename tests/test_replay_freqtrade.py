"""The freqtrade exit model (SPEC §6): its rules table, its kernel against the plain per-candle
reference loop (tests/freqtrade_reference.py), and freqtrade's close-rate rules on small cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exitlens.core.errors import ConfigError
from exitlens.core.replay import ACTUAL, MODELLED_REASONS, NOT_REPLAYABLE, OPEN_AT_END, Candles, Trades, replay
from exitlens.core.replay.models.freqtrade import FreqtradeRules
from exitlens.core.replay.rules import RuleBook, parse_rules
from exitlens.core.replay_stats import parse_sweep_option, sweep_values
from freqtrade_reference import reference_exit

MINUTE = 60_000_000_000
T0 = 1_700_000_000 * 1_000_000_000 // (5 * MINUTE) * (5 * MINUTE)


def _book(**values) -> RuleBook:
    return RuleBook(default=FreqtradeRules(**values), model="freqtrade")


def _one(candles, *, rules, entry=100.0, direction=1, leverage=1.0, fee=0.0, reason="TAKE_PROFIT", opened=T0,
         exit_time=None):
    """Replay one trade on (minute offset, open, high, low, close) rows of 5m candles."""
    times = np.array([T0 + m * MINUTE for m, *_ in candles], dtype=np.int64)
    arrays = Candles(time=times, open=np.array([c[1] for c in candles]), high=np.array([c[2] for c in candles]),
                     low=np.array([c[3] for c in candles]), close=np.array([c[4] for c in candles]))
    start = int(np.searchsorted(times, opened, side="left"))
    trades = Trades(entry_price=np.array([entry]), open_time=np.array([opened]),
                    exit_time=np.array([exit_time if exit_time is not None else times[-1]]),
                    exit_price=np.array([entry]), exit_reason=np.array([reason], dtype=object),
                    regime=np.array([None], dtype=object), start=np.array([start]), stop=np.array([len(times)]),
                    quantity=np.array([1.0]), buy_fees=np.array([entry * fee]), sell_fee=np.array([entry * fee]),
                    direction=np.array([direction], dtype=np.int8), leverage=np.array([leverage]))
    out = replay(trades, arrays, [_book(**rules)] if isinstance(rules, dict) else [rules])
    code = int(out.code[0, 0])
    return (int((out.time[0, 0] - T0) // MINUTE), float(out.price[0, 0]),
            MODELLED_REASONS[code] if 0 <= code < len(MODELLED_REASONS) else code)


ROI = {"minimal_roi": ((0, 0.04), (20, 0.02), (30, 0.01), (40, 0.0)), "stoploss": -0.10, "timeframe": "5m"}


def test_roi_exit_when_high_reaches_the_roi_is_at_the_roi_rate_not_the_close():
    candles = [(0, 100, 101, 99, 100.5), (5, 100.5, 106, 100, 101)]
    minute, price, reason = _one(candles, rules=ROI)
    assert (minute, reason) == (5, "TAKE_PROFIT")
    assert price == pytest.approx(104.0)


def test_roi_exit_is_net_of_both_fees():
    fee = 0.0025
    minute, price, reason = _one([(0, 100, 101, 99, 100), (5, 100, 110, 99, 100)], rules=ROI, fee=fee)
    assert reason == "TAKE_PROFIT"
    assert price * (1 - fee) / (100 * (1 + fee)) - 1 == pytest.approx(0.04)


def test_roi_entry_starting_at_a_candle_open_above_its_rate_exits_at_the_open():
    candles = [(0, 100, 101, 99, 100), (5, 100, 101.5, 99, 101), (10, 101, 101.5, 100, 101), (15, 101, 101.5, 100, 101),
               (20, 102.5, 103, 102, 102.8)]
    assert _one(candles, rules=ROI) == (20, 102.5, "TAKE_PROFIT")


def test_stop_loss_when_low_crosses_exits_at_the_stop_and_at_the_open_when_gapped():
    assert _one([(0, 100, 100.5, 95, 96), (5, 96, 97, 89, 90)], rules=ROI)[1:] == (pytest.approx(90.0), "STOP_LOSS")
    assert _one([(0, 100, 100.5, 95, 96), (5, 85, 86, 84, 85)], rules=ROI)[1:] == (85.0, "STOP_LOSS")


def test_stop_loss_of_a_3x_long_is_relative_to_leverage():
    minute, price, reason = _one([(0, 100, 100.5, 99, 100), (5, 100, 100, 96, 97)], rules=ROI, leverage=3.0)
    assert (minute, reason) == (5, "STOP_LOSS")
    assert price == pytest.approx(100 * (1 - 0.10 / 3))


def test_short_exits_on_roi_when_the_low_falls_and_on_stop_when_the_high_rises():
    assert _one([(0, 100, 100.5, 99, 100), (5, 100, 100, 95, 97)], rules=ROI, direction=-1)[1:] == (
        pytest.approx(96.0), "TAKE_PROFIT")
    assert _one([(0, 100, 100.5, 99, 100), (5, 100, 111, 99, 110)], rules=ROI, direction=-1)[1:] == (
        pytest.approx(110.0), "STOP_LOSS")


def test_trailing_stop_positive_after_offset_is_a_trailing_stop_exit():
    rules = {"minimal_roi": ((0, 1.0),), "stoploss": -0.10, "trailing_stop": True, "trailing_stop_positive": 0.02,
             "trailing_stop_positive_offset": 0.03, "trailing_only_offset_is_reached": True}
    candles = [(0, 100, 100.5, 99.5, 100), (5, 100, 105, 104, 104.5), (10, 104.5, 104.6, 102, 102.5)]
    minute, price, reason = _one(candles, rules=rules)
    assert (minute, reason) == (10, "TRAILING_STOP")
    assert price == pytest.approx(105 * 0.98)


def test_unmodelled_exit_signal_keeps_the_actual_exit_when_nothing_fires_before_it():
    candles = [(0, 100, 100.5, 99.5, 100), (5, 100, 101, 99.5, 100), (10, 100, 101, 99.5, 100)]
    out = _one(candles, rules=ROI, reason="EXIT_SIGNAL", exit_time=T0 + 10 * MINUTE)
    assert out[0] == 10 and out[2] == ACTUAL


def test_no_exit_before_the_path_ends_is_open_at_end_at_the_last_close():
    assert _one([(0, 100, 100.5, 99.5, 100), (5, 100, 101, 99.5, 100.2)], rules=ROI) == (5, 100.2, OPEN_AT_END)


def _random_rules(rng) -> FreqtradeRules:
    size = int(rng.integers(0, 5))
    minutes = sorted({int(m) for m in rng.choice([0, 5, 10, 15, 20, 30, 40, 60, 90], size=size)})
    roi = tuple((m, float(np.round(rng.uniform(-0.002, 0.06), 4))) for m in minutes)
    if rng.random() < 0.1 and roi:
        roi = (*roi[:-1], (roi[-1][0], -1.0))
    trailing = bool(rng.random() < 0.6)
    return FreqtradeRules(
        minimal_roi=roi,
        stoploss=None if rng.random() < 0.1 else -float(np.round(rng.uniform(0.005, 0.08), 4)),
        trailing_stop=trailing,
        trailing_stop_positive=None if rng.random() < 0.3 else float(np.round(rng.uniform(0.002, 0.03), 4)),
        trailing_stop_positive_offset=float(np.round(rng.choice([0.0, rng.uniform(0.0, 0.04)]), 4)),
        trailing_only_offset_is_reached=bool(rng.random() < 0.5),
        timeframe=str(rng.choice(["5m", "15m"])),
        roi_scale=float(rng.choice([1.0, 0.5, 1.5])),
    )


def _random_market(rng, trades: int, candles_per_trade: int):
    times, opens, highs, lows, closes, rows = [], [], [], [], [], []
    for i in range(trades):
        base = T0 + i * 10_000 * MINUTE
        price = 100.0
        lo_index = len(times)
        for k in range(candles_per_trade):
            o = price * (1 + rng.normal(0, 0.002))
            c = o * (1 + rng.normal(0, 0.01))
            times.append(base + 5 * k * MINUTE)
            opens.append(o)
            closes.append(c)
            highs.append(max(o, c) * (1 + abs(rng.normal(0, 0.006))))
            lows.append(min(o, c) * (1 - abs(rng.normal(0, 0.006))))
            price = c
        rows.append((lo_index, len(times)))
    candles = Candles(time=np.array(times, dtype=np.int64), open=np.array(opens), high=np.array(highs),
                      low=np.array(lows), close=np.array(closes))
    return candles, rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kernel_matches_the_reference_loop_on_random_paths_longs_and_shorts(seed):
    rng = np.random.default_rng(seed)
    n, length = 120, 40
    candles, rows = _random_market(rng, n, length)
    start = np.array([lo for lo, _ in rows], dtype=np.int64)
    stop = np.array([hi for _, hi in rows], dtype=np.int64)
    entry = np.where(rng.random(n) < 0.5, candles.open[start], candles.open[start] * (1 + rng.normal(0, 0.003, n)))
    # entries on a candle's open, and some inside the first candle (the next candle opens the path then)
    offset = np.where(rng.random(n) < 0.8, 0, 2 * MINUTE)
    open_time = candles.time[start] + offset
    start = start + (offset > 0)
    direction = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    leverage = rng.choice([1.0, 1.0, 3.0, 5.0], size=n)
    quantity = np.ones(n)
    fee = rng.choice([0.0, 0.001, 0.0025], size=n)
    reason = rng.choice(np.array(["TAKE_PROFIT", "STOP_LOSS", "TRAILING_STOP", "EXIT_SIGNAL"], dtype=object), size=n)
    exit_index = np.minimum(start + rng.integers(1, length - 2, size=n), stop - 1)
    trades = Trades(entry_price=entry, open_time=open_time, exit_time=candles.time[exit_index],
                    exit_price=candles.close[exit_index], exit_reason=reason,
                    regime=np.array([None] * n, dtype=object), start=start, stop=stop, quantity=quantity,
                    buy_fees=entry * fee, sell_fee=candles.close[exit_index] * fee, direction=direction,
                    leverage=leverage)
    books = [_book(**vars(_random_rules(rng))) for _ in range(12)]
    out = replay(trades, candles, books)
    exits = 0
    for v, book in enumerate(books):
        for i in range(n):
            path = [(int(candles.time[k]), candles.open[k], candles.high[k], candles.low[k], candles.close[k])
                    for k in range(start[i], stop[i])]
            expected = reference_exit(entry=entry[i], opened=int(open_time[i]), actual_time=int(trades.exit_time[i]),
                                      actual_price=trades.exit_price[i], actual_reason=reason[i], rules=book.default,
                                      candles=path, units_per_minute=MINUTE, direction=int(direction[i]),
                                      leverage=float(leverage[i]), fee_open=float(fee[i]),
                                      fee_close=float(fee[i]))
            code = int(out.code[v, i])
            if expected is None:
                assert code == NOT_REPLAYABLE, (v, i)
                continue
            time, price, name = expected
            got = {ACTUAL: name, OPEN_AT_END: "OPEN_AT_END"}.get(code) or MODELLED_REASONS[code]
            assert (int(out.time[v, i]), float(out.price[v, i]), got) == (time, price, name), (v, i, book.default)
            exits += 0 <= code < ACTUAL
    assert exits > n  # the comparison covers many modelled exits, not only kept ones


def test_rules_file_with_the_freqtrade_model_reads_its_table():
    book = parse_rules('model = "freqtrade"\n[default]\nstoploss = -0.1\ntimeframe = "1h"\ntrailing_stop = true\n'
                       '[default.minimal_roi]\n"40" = 0.0\n"0" = 0.04\n')
    assert book.model == "freqtrade"
    assert book.default.minimal_roi == ((0, 0.04), (40, 0.0))
    assert book.default.timeframe_minutes == 60
    assert book.parameters() == {"roi_scale": 1.0, "stoploss": -0.1, "trailing_stop_positive": None,
                                 "trailing_stop_positive_offset": 0.0}


@pytest.mark.parametrize("text, words", [
    ('model = "ninja"\n[default]\n', "unknown model 'ninja'"),
    ('model = "freqtrade"\n[default]\nstop_loss_pct = 3\n', "unknown key 'stop_loss_pct'"),
    ('model = "freqtrade"\n[default]\nstoploss = 0.1\n', "stoploss must be a negative ratio"),
    ('model = "freqtrade"\n[default]\ntimeframe = "5 minutes"\n', "not a freqtrade timeframe"),
    ('model = "freqtrade"\n[default.minimal_roi]\n"soon" = 0.01\n', "not a whole number of minutes"),
])
def test_rules_file_with_a_bad_freqtrade_table_is_one_line_naming_the_key(text, words):
    with pytest.raises(ConfigError, match=words) as caught:
        parse_rules(text, source="rules.toml")
    assert "\n" not in str(caught.value) and "rules.toml" in str(caught.value)


def test_sweep_of_the_freqtrade_model_scales_the_roi_table_and_varies_stoploss_and_trailing():
    book = parse_rules('model = "freqtrade"\n[default]\nstoploss = -0.1\ntrailing_stop = true\n'
                       'trailing_stop_positive = 0.02\ntrailing_stop_positive_offset = 0.03\n'
                       '[default.minimal_roi]\n"0" = 0.04\n"30" = -1\n')
    values = sweep_values(book)
    assert values["roi_scale"] == [0.5, 0.75, 1.25, 1.5, 2.0]
    assert values["stoploss"] == [-0.05, -0.075, -0.125, -0.15, -0.2]
    assert set(values) == {"roi_scale", "stoploss", "trailing_stop_positive", "trailing_stop_positive_offset"}
    scaled = book.with_parameter("roi_scale", 2.0)
    candles = [(0, 100, 100.5, 99.5, 100), (5, 100, 106, 105.5, 105.8)]
    assert _one(candles, rules=book)[2] == "TAKE_PROFIT"
    assert _one(candles, rules=scaled)[2] == OPEN_AT_END  # 8% needed now
    assert parse_sweep_option("stoploss=-0.05,-0.2") == {"stoploss": [-0.05, -0.2]}
    with pytest.raises(ConfigError, match="negative ratio"):
        parse_sweep_option("stoploss=0.05")
    assert not math.isnan(values["trailing_stop_positive"][0])


def test_trades_given_one_direction_and_leverage_for_all_hold_one_per_trade():
    """A 0-d direction (np.where on a scalar) was indexed per trade by the kernels, reading past
    its end: replays then changed from one process to the next."""
    trades = Trades(entry_price=np.ones(3), open_time=np.zeros(3, np.int64), exit_time=np.zeros(3, np.int64),
                    exit_price=np.ones(3), exit_reason=np.array(["X"] * 3, dtype=object),
                    regime=np.array([None] * 3, dtype=object), start=np.zeros(3, np.int64),
                    stop=np.zeros(3, np.int64), direction=np.where(False, -1, 1), leverage=2.0)
    assert trades.direction.tolist() == [1, 1, 1] and trades.direction.dtype == np.int8
    assert trades.leverage.tolist() == [2.0, 2.0, 2.0]


def test_a_freqtrade_table_models_a_reason_only_when_it_has_that_rule():
    from exitlens.core.replay.engine import modelled

    book = parse_rules('model = "freqtrade"\n[default]\nstoploss = -0.1\n[default.minimal_roi]\n"0" = 0.04\n'
                       '[regime.BEAR]\ntrailing_stop = true\n')
    reasons = ["STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP", "TRAILING_STOP", "TIME_LIMIT", "EXIT_SIGNAL"]
    regimes = [None, None, None, "BEAR", None, None]
    assert modelled(book, reasons, regimes).tolist() == [True, True, False, True, False, False]
