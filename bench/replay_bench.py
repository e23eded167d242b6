"""Replay figures: the full default sweep of exit replay (SPEC §6: the actual rules plus
5 parameters × 5 values) over 20,000 sells on 10 symbols × 60 days of 1m candles, each path
running to its actual exit + the default 168 h horizon (or the last candle), variants still open
there marked to market.

- speedup vs per-candle loop: the engine's replay of the 26 rule variants (one numba kernel
  call) against a plain Python loop doing the same replay (`_loop_exit`, written here
  independently of the library and of the tests' reference), one trade and one candle at a time, timed on
  a sample of trades and scaled per trade. The first repetition checks that both give the same
  exits on the sample.
- time over one candle read: the whole `sweep()` (replay, replayed net_pnl_pct, the bootstrap
  of every variant) against reading the candles it needs once from a SQLite `market_data`
  table (the embedded database's layout: ISO text timestamps) into numpy arrays, one range query
  per symbol.
- peak memory: Python-traced allocations during the sweep (numpy arrays; the kernel allocates
  nothing), beside the size of the candle arrays it reads.
"""

from __future__ import annotations

import math
import sqlite3
import tempfile
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import Knobs, Row, Samples, say, timed
from exitlens.core.replay import (
    ACTUAL,
    MODELLED_REASONS,
    NS_PER_MINUTE,
    OPEN_AT_END,
    Candles,
    Trades,
    concat_candles,
    path_bounds,
    replay,
)
from exitlens.core.replay.rules import DEFAULT_HORIZON_HOURS, ExitRules, RuleBook
from exitlens.core.replay_stats import FOLDS, TRAIN, sweep, sweep_values
from exitlens.core.replay_stats.study import Plan, Study, plan, replay_study

FULL_SELLS = 20_000
SYMBOLS = 10
DAYS = 60
LOOP_SAMPLE = 200
SEED = 67
RULES = RuleBook(default=ExitRules(stop_loss_pct=2.0, take_profit_pct=3.0, trailing_stop_pct=1.5,
                                   trailing_activation_pct=0.5, time_limit_hours=4.0, fill="close"),
                 regimes={"BEAR": ExitRules(stop_loss_pct=1.5, take_profit_pct=3.0, trailing_stop_pct=1.0,
                                            trailing_activation_pct=0.5, time_limit_hours=4.0, fill="touch")})
"""A bot that holds for hours: 20,000 sells over 10 symbols × 60 days is one every ~40 minutes
per symbol. BEAR sells use orders resting on the exchange (touch), so both fills are timed."""


def candles(minutes: int, seed: int = SEED) -> dict[str, dict[str, np.ndarray]]:
    """1m random-walk candles per symbol (ns timestamps, gapless)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01", tz="UTC").value
    times = start + np.arange(minutes, dtype=np.int64) * NS_PER_MINUTE
    out = {}
    for s in range(SYMBOLS):
        price = float(np.exp(rng.uniform(np.log(10), np.log(1e7))))
        close = price * np.exp(np.cumsum(rng.normal(0, 0.0008, size=minutes)))
        open_ = np.r_[price, close[:-1]]
        wiggle = np.abs(rng.normal(0, 0.0005, size=minutes)) * close
        out[f"KRW-C{s:02d}"] = {"time": times, "open": open_, "high": np.maximum(open_, close) + wiggle,
                                "low": np.minimum(open_, close) - wiggle, "close": close}
    return out


def history(per_symbol: dict[str, dict[str, np.ndarray]], sells: int,
            seed: int = SEED) -> tuple[Candles, dict[str, tuple[int, int]], Trades, np.ndarray]:
    """`sells` SELLs whose exits the rules produced (80%) or a signal cut short (20%, an
    unmodelled reason), with fees of 0.05% a side."""
    rng = np.random.default_rng(seed + 1)
    flat, ranges = concat_candles(per_symbol)
    names = np.array(list(per_symbol), dtype=object)
    count = int(sells * 1.1)  # some run past the end of the candles and are dropped
    symbol = names[rng.integers(0, len(names), size=count)]
    lo = np.array([ranges[s][0] for s in symbol])
    size = np.array([ranges[s][1] - ranges[s][0] for s in symbol])
    pick = lo + rng.integers(0, size - 1)
    opened = flat.time[pick] + rng.integers(1, 59, size=count) * 1_000_000_000
    entry = flat.close[pick]
    signal = rng.random(count) < 0.2
    signal_time = opened + rng.integers(10, 300, size=count) * NS_PER_MINUTE
    last = np.iinfo(np.int64).max // 2
    start, stop, _ = path_bounds(flat.time, ranges, symbol, opened, np.full(count, last), np.full(count, last),
                                 tolerance=NS_PER_MINUTE)
    regime = rng.choice(np.array(["BULL", "SIDEWAYS", "BEAR"], dtype=object), size=count)
    reason = np.where(signal, "RSI_OVERBOUGHT", "STOP_LOSS").astype(object)
    probe = Trades(entry, opened, signal_time, np.full(count, np.nan), reason, regime, start, stop)
    actual = replay(probe, flat, [RULES])
    code = actual.code[0]
    keep = np.flatnonzero(code >= 0)[:sells]  # the bot exits before its candles end
    signal_candle = np.searchsorted(flat.time, signal_time, side="right") - 1  # the last close before the signal
    exit_price = np.where(code == ACTUAL, flat.close[signal_candle], actual.price[0])
    exit_time = np.where(code == ACTUAL, signal_time, actual.time[0])
    end = exit_time + int(DEFAULT_HORIZON_HOURS * 60) * NS_PER_MINUTE
    start, stop, _ = path_bounds(flat.time, ranges, symbol[keep], opened[keep], end[keep], exit_time[keep],
                                 tolerance=NS_PER_MINUTE)
    names_of = np.array([*MODELLED_REASONS, "RSI_OVERBOUGHT"], dtype=object)
    quantity = 1_000_000 / entry
    trades = Trades(
        entry_price=entry[keep], open_time=opened[keep], exit_time=exit_time[keep],
        exit_price=exit_price[keep], exit_reason=names_of[code[keep]], regime=regime[keep], start=start,
        stop=stop, quantity=quantity[keep], buy_fees=(entry * quantity * 0.0005)[keep],
        sell_fee=(exit_price * quantity * 0.0005)[keep])
    return flat, ranges, trades, symbol[keep]


def write_sqlite(path: Path, per_symbol: dict[str, dict[str, np.ndarray]]) -> None:
    """The candles in a `market_data` table as the embedded database holds them."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE market_data (id INTEGER PRIMARY KEY, symbol TEXT, interval TEXT, open_price REAL,"
                     " high_price REAL, low_price REAL, close_price REAL, volume REAL, timestamp TEXT,"
                     " UNIQUE (symbol, interval, timestamp))")
        for symbol, a in per_symbol.items():
            stamps = pd.to_datetime(a["time"], utc=True).strftime("%Y-%m-%d %H:%M:%S")
            conn.executemany("INSERT INTO market_data (symbol, interval, open_price, high_price, low_price, close_price,"
                             " volume, timestamp) VALUES (?, '1m', ?, ?, ?, ?, 1.0, ?)",
                             zip([symbol] * len(stamps), a["open"].tolist(), a["high"].tolist(), a["low"].tolist(),
                                 a["close"].tolist(), stamps))


def read_sqlite(path: Path, needed: dict[str, tuple[int, int]]) -> Candles:
    """One range query per symbol into numpy: the read the sweep is measured against."""
    per_symbol = {}
    with sqlite3.connect(path) as conn:
        for symbol, (first, last) in needed.items():
            rows = conn.execute(
                "SELECT timestamp, open_price, high_price, low_price, close_price FROM market_data"
                " WHERE symbol = ? AND interval = '1m' AND timestamp > ? AND timestamp <= ? ORDER BY timestamp",
                (symbol, _iso(first), _iso(last))).fetchall()
            stamps, open_, high, low, close = zip(*rows)
            per_symbol[symbol] = {"time": pd.to_datetime(stamps, utc=True, format="%Y-%m-%d %H:%M:%S").as_unit("ns").asi8,
                                  "open": np.array(open_), "high": np.array(high), "low": np.array(low),
                                  "close": np.array(close)}
    return concat_candles(per_symbol)[0]


def _iso(ns: int) -> str:
    return pd.Timestamp(ns, tz="UTC").strftime("%Y-%m-%d %H:%M:%S")


def _loop_exit(rules: ExitRules, entry: float, opened: int, actual_time: int, actual_price: float, modelled: bool,
               lo: int, hi: int, times: list, opens: list, highs: list, lows: list, closes: list) -> tuple:
    """SPEC §6 for one trade, the plain way: (time, price, reason), open at end at the path's
    last close."""
    sl, tp, ts, act, tl = (rules.stop_loss_pct, rules.take_profit_pct, rules.trailing_stop_pct,
                           rules.trailing_activation_pct, rules.time_limit_hours)
    stop_at = entry * (1 - sl / 100) if sl is not None else -math.inf
    take_at = entry * (1 + tp / 100) if tp is not None else math.inf
    active_at = entry * (1 + act / 100) if act is not None else -math.inf
    limit = opened // NS_PER_MINUTE * NS_PER_MINUTE + round(tl * 60 * NS_PER_MINUTE) if tl is not None else None
    peak = entry
    for k in range(lo, hi):
        t = times[k]
        if not modelled and t >= actual_time:
            break
        if rules.fill == "close":
            c = closes[k]
            if c <= stop_at:
                return t, c, 0
            if c >= take_at:
                return t, c, 1
            peak = max(peak, c)
            if ts is not None and peak >= active_at and c <= peak * (1 - ts / 100):
                return t, c, 2
        else:
            if lows[k] <= stop_at:
                return t, min(opens[k], stop_at), 0
            if ts is not None and peak >= active_at and lows[k] <= peak * (1 - ts / 100):
                return t, min(opens[k], peak * (1 - ts / 100)), 2
            if highs[k] >= take_at:
                return t, max(opens[k], take_at), 1
            peak = max(peak, highs[k])
        if limit is not None and t >= limit:
            return t, closes[k], 3
    if not modelled:
        return actual_time, actual_price, ACTUAL
    return times[hi - 1], closes[hi - 1], OPEN_AT_END


@dataclass
class ReplayBench:
    sells: int
    candles: int
    loop_trades: int
    variants: int = 0
    read: Samples = field(default_factory=Samples)
    engine: Samples = field(default_factory=Samples)
    full: Samples = field(default_factory=Samples)
    study: Samples = field(default_factory=Samples)
    loop: Samples = field(default_factory=Samples)
    study_variants: int = 0
    folds: int = 0
    peak_mb: float = 0.0
    candle_mb: float = 0.0

    @property
    def loop_scaled(self) -> float:
        return self.loop.median * self.sells / self.loop_trades

    @property
    def speedup(self) -> float:
        return self.loop_scaled / self.engine.median

    @property
    def over_read(self) -> float:
        return self.full.median / self.read.median

    @property
    def study_over_read(self) -> float:
        return self.study.median / self.read.median

    def rows(self) -> list[Row]:
        work = f"{self.sells:,} sells × {self.variants} rules"
        loop = Samples([s * self.sells / self.loop_trades for s in self.loop.seconds])
        return [
            Row("replay", "read candles once (SQLite → numpy)", self.read, f"{self.candles:,} candles"),
            Row("replay", "engine: replay of the sweep", self.engine, work,
                f"{self.sells * self.variants / self.engine.median:,.0f} replays/s"),
            Row("replay", "engine: whole sweep() with bootstrap", self.full, work),
            Row("replay", "study: sweep, walk-forward, grid, regime sweeps", self.study,
                f"{self.sells:,} sells × {self.study_variants} rules", note=f"{self.folds} folds"),
            Row("replay", "per-candle loop: replay (scaled)", loop, work,
                note=f"timed on {self.loop_trades} sells"),
        ]

    def context(self) -> str:
        return (f"replay: {self.sells:,} sells on {SYMBOLS} symbols × {self.candles // SYMBOLS // 1440} days of 1m candles, {self.variants} rule "
                f"variants; sweep peak traced memory {self.peak_mb:.0f} MiB beside {self.candle_mb:.0f} MiB of candles")


def run(knobs: Knobs) -> ReplayBench:
    minutes = knobs.scaled(DAYS * 1440, minimum=2 * 1440)
    sells = knobs.scaled(FULL_SELLS, minimum=200)
    say(f"replay: generating {SYMBOLS} × {minutes:,} candles and {sells:,} sells")
    per_symbol = candles(minutes)
    flat, ranges, trades, symbol = history(per_symbol, sells)
    values = sweep_values(RULES)
    books = [RULES] + [RULES.with_parameter(name, v) for name, vs in values.items() for v in vs]
    bench = ReplayBench(sells=len(trades), candles=len(flat), loop_trades=min(LOOP_SAMPLE, len(trades)),
                        variants=len(books))
    bench.study_variants = len(_layout(trades).history_books()) + len(_layout(trades).period_books())
    bench.candle_mb = sum(a.nbytes for a in (flat.time, flat.open, flat.high, flat.low, flat.close)) / 2**20
    # the candles the sweep needs: per symbol, from the earliest position's open to the latest path end
    needed = {name: (int(trades.open_time[symbol == name].min()) - 1, int(flat.time[trades.stop[symbol == name].max() - 1]))
              for name in ranges if (symbol == name).any()}
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "candles.db"
        say("replay: writing the candles to SQLite")
        write_sqlite(db, per_symbol)
        replay(trades, flat, books[:1])  # compile (or load the cached kernel) outside the timings
        sample = np.random.default_rng(SEED).choice(len(trades), size=bench.loop_trades, replace=False)
        lists = (flat.time.tolist(), flat.open.tolist(), flat.high.tolist(), flat.low.tolist(), flat.close.tolist())
        for rep in range(knobs.repeat):
            say(f"replay: repetition {rep + 1}/{knobs.repeat}")
            bench.read.add(timed(read_sqlite, db, needed)[0])
            seconds, engine_out = timed(replay, trades, flat, books)
            bench.engine.add(seconds)
            tracemalloc.start()
            bench.full.add(timed(sweep, trades, flat, RULES, values=values)[0])
            bench.peak_mb = max(bench.peak_mb, tracemalloc.get_traced_memory()[1] / 2**20)
            tracemalloc.stop()
            seconds, result = timed(_study, trades, flat)
            bench.study.add(seconds)
            bench.folds = len(result.walk.folds)
            seconds, loop_out = timed(_loop_sweep, books, trades, sample, lists)
            bench.loop.add(seconds)
            if rep == 0:
                _check_agree(engine_out, loop_out, sample)
    return bench


def _layout(trades: Trades) -> Plan:
    """The study's variants: the sweep, the default grid (stop loss × take profit) and a sweep
    of each regime (all three have more than `min_samples` sells in the last period)."""
    return plan(RULES, grid=("stop_loss_pct", "take_profit_pct"),
                regimes=sorted(set(trades.regime.tolist())))


def _study(trades: Trades, flat: Candles) -> Study:
    """The whole study of the last 1/12 of the history: the sweep and walk-forward over all of it
    (8 folds, each chosen on the 4 periods before it), the grid and regime sweeps on the period."""
    first, end = int(trades.open_time.min()), int(trades.exit_time.max()) + 1
    length = (end - first) // (FOLDS + TRAIN)
    return replay_study(trades, flat, _layout(trades), period_start=end - length, end=end, history_start=first,
                        min_samples=20)


def _loop_sweep(books: list[RuleBook], trades: Trades, sample: np.ndarray, lists: tuple) -> list[list]:
    out = []
    for book in books:
        row = []
        for i in sample.tolist():
            lo, hi = int(trades.start[i]), int(trades.stop[i])
            row.append(_loop_exit(book.for_regime(trades.regime[i]), float(trades.entry_price[i]),
                                  int(trades.open_time[i]), int(trades.exit_time[i]), float(trades.exit_price[i]),
                                  trades.exit_reason[i] in MODELLED_REASONS, lo, hi, *lists))
        out.append(row)
    return out


def _check_agree(engine_out, loop_out: list[list], sample: np.ndarray) -> None:
    for v, row in enumerate(loop_out):
        for j, i in enumerate(sample.tolist()):
            expected = row[j]
            got = (int(engine_out.time[v, i]), float(engine_out.price[v, i]), int(engine_out.code[v, i]))
            ok = got[0] == expected[0] and got[2] == expected[2] and math.isclose(got[1], expected[1], rel_tol=1e-12)
            if not ok:
                raise SystemExit(f"bench: replay engine and loop disagree on variant {v}, sell {i}: {got} vs {expected}")
