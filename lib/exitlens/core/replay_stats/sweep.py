"""The sweep of exit replay (SPEC §6).

For each parameter and value, the replay with only that parameter changed is compared per trade
with the replay under the actual rules: the effect is the difference of replayed net_pnl_pct
(variant − actual rules) over the replayable trades, a variant still open at the end of its path
included at its last close (SPEC §6: nothing is dropped because it exited late), reported as n
(positions), mean and a 95% percentile bootstrap interval resampling positions (`bootstrap`),
how many variants were open at end, the total effect in money per quote currency and the mean
change of hold hours (a wider exit that ties capital up longer shows it). Pure functions on
arrays and DataFrames: more statistics of the same (variants × trades) pnl matrix go beside
`effect_table`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exitlens.core.errors import ConfigError
from exitlens.core.replay import NS_PER_MINUTE, Candles, Replayed, Trades, replay, replayed_net_pnl_pct
from exitlens.core.replay.rules import ALL_PARAMETERS, UPPER_BOUNDS, RuleBook
from exitlens.core.replay_stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, bootstrap_means

SWEEP_FACTORS = (0.5, 0.75, 1.25, 1.5, 2.0)
"""Default sweep: the current value times each factor."""
NEGATIVE_PARAMETER = "stoploss"
"""freqtrade's stoploss is a negative ratio; every other swept parameter is non-negative."""
SWEEP_COLUMNS = ("parameter", "value", "current", "n", "open_at_end", "mean", "low", "high", "total",
                 "hold_hours_change")


def parse_sweep_option(text: str) -> dict[str, list[float]]:
    """`NAME=V1,V2,…` (the `--sweep` option) as {NAME: [V1, V2, …]}."""
    name, sep, rest = str(text).partition("=")
    name = name.strip()
    if not sep:
        raise ConfigError(f"--sweep {text!r}: write NAME=V1,V2,… (e.g. stop_loss_pct=2,3,4)")
    if name not in ALL_PARAMETERS:
        raise ConfigError(f"--sweep {text!r}: unknown parameter {name!r}: choose from {', '.join(ALL_PARAMETERS)}")
    values: list[float] = []
    for item in rest.split(","):
        try:
            value = float(item)
        except ValueError:
            raise ConfigError(f"--sweep {text!r}: {item.strip()!r} is not a number: "
                              "write NAME=V1,V2,… with numbers") from None
        if name == NEGATIVE_PARAMETER:
            if not (math.isfinite(value) and -1 <= value < 0):
                raise ConfigError(f"--sweep {text!r}: {item.strip()} must be a negative ratio above -1 (freqtrade's stoploss)")
        elif not math.isfinite(value) or value < 0:
            raise ConfigError(f"--sweep {text!r}: {item.strip()} must be a non-negative number")
        if name in UPPER_BOUNDS and value > UPPER_BOUNDS[name]:
            raise ConfigError(f"--sweep {text!r}: {item.strip()} must be at most {UPPER_BOUNDS[name]:,.0f}")
        values.append(value)
    return {name: values}


def sweep_values(book: RuleBook, overrides: Mapping[str, Sequence[float]] | None = None) -> dict[str, list[float]]:
    """The values to sweep per parameter of the book's model: the current value × SWEEP_FACTORS
    for each parameter that is set in the default table (one that is off, or 0, is not swept),
    each replaced by `overrides` where given (an override also sweeps a parameter that is off)."""
    current = book.parameters()
    out = {name: [round(now * factor, 10) for factor in SWEEP_FACTORS]
           for name, now in current.items() if now is not None and now != 0}
    for name, values in (overrides or {}).items():
        if name not in current:
            raise ConfigError(f"cannot sweep parameter {name!r} with a {book.model} model: "
                              f"choose from {', '.join(current)}")
        out[name] = [float(v) for v in values]
    return {name: out[name] for name in current if name in out}


@dataclass(frozen=True)
class SweepRun:
    """One sweep's replay and what the statistics read from it: `replayed` (row 0 the actual
    rules, then one row per `labels` entry), `pnl` its (1 + variants) × trades net_pnl_pct
    matrix, and `table` the effect table (SWEEP_COLUMNS). More statistics of the same matrix
    (grid, walk-forward, regimes) start from `pnl`, `labels` and the trades' positions."""

    labels: list[tuple[str, float]]
    replayed: Replayed
    pnl: np.ndarray
    table: pd.DataFrame


def run_sweep(trades: Trades, candles: Candles, book: RuleBook, *, values: Mapping[str, Sequence[float]] | None = None,
              currency: Sequence[str] | np.ndarray | None = None, resamples: int = RESAMPLES, seed: int = SEED,
              confidence: float = CONFIDENCE, units_per_minute: int = NS_PER_MINUTE) -> SweepRun:
    """Replay the actual rules and every swept value (`values`, default `sweep_values(book)`)
    in one kernel call and tabulate the effects. `currency` is each trade's quote currency
    (default "?" for all) for the money totals."""
    if trades.quantity is None or trades.buy_fees is None or trades.sell_fee is None:
        raise ValueError("sweep needs the trades' quantity, buy_fees and sell_fee")
    values = sweep_values(book) if values is None else dict(values)
    labels = [(name, float(value)) for name, vs in values.items() for value in vs]
    books = [book] + [book.with_parameter(name, value) for name, value in labels]
    replayed = replay(trades, candles, books, units_per_minute=units_per_minute)
    pnl = replayed_pnl(trades, replayed)
    table = replayed_effects(trades, replayed, labels, book.parameters(), currency=currency, resamples=resamples,
                             seed=seed, confidence=confidence, units_per_minute=units_per_minute)
    return SweepRun(labels=labels, replayed=replayed, pnl=pnl, table=table)


def replayed_pnl(trades: Trades, replayed: Replayed) -> np.ndarray:
    """The (variants × trades) net_pnl_pct of a replay: each trade's quantity, fees, direction
    and leverage at its replayed price."""
    return replayed_net_pnl_pct(trades.entry_price, np.asarray(trades.quantity), np.asarray(trades.buy_fees),
                                np.asarray(trades.sell_fee), trades.exit_price, replayed.price,
                                direction=trades.direction, leverage=trades.leverage)


def replayed_effects(trades: Trades, replayed: Replayed, labels: Sequence[tuple[str, float]],
                     current: Mapping[str, float | None], *, currency: Sequence[str] | np.ndarray | None = None,
                     resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE,
                     units_per_minute: int = NS_PER_MINUTE) -> pd.DataFrame:
    """The effect table of a replay whose row 0 is the actual rules and rows 1.. the variants
    named by `labels` (the sweep, or one regime's sweep on its own trades): the pnl matrix, the
    trades' positions, stakes and the change of exit times, handed to `effect_table`."""
    pnl = replayed_pnl(trades, replayed)
    hours = replayed.time.astype(np.float64) / (60 * units_per_minute)
    return effect_table(pnl[0], pnl[1:], labels, current, open_at_end=replayed.open_at_end[1:],
                        units=trades.position, stake=stake(trades), currency=currency,
                        hold_hours_change=hours[1:] - hours[0], resamples=resamples, seed=seed, confidence=confidence)


def sweep(trades: Trades, candles: Candles, book: RuleBook, *, values: Mapping[str, Sequence[float]] | None = None,
          currency: Sequence[str] | np.ndarray | None = None, resamples: int = RESAMPLES, seed: int = SEED,
          confidence: float = CONFIDENCE, units_per_minute: int = NS_PER_MINUTE) -> pd.DataFrame:
    """The sweep table (columns SWEEP_COLUMNS) of `run_sweep`, one row per parameter and value."""
    return run_sweep(trades, candles, book, values=values, currency=currency, resamples=resamples, seed=seed,
                     confidence=confidence, units_per_minute=units_per_minute).table


def stake(trades: Trades) -> np.ndarray:
    """What each trade's position cost (SPEC §2.1): (entry × quantity ± entry fees) / leverage."""
    entry = np.asarray(trades.entry_price, dtype=np.float64)
    return ((entry * np.asarray(trades.quantity, dtype=np.float64)
             + trades.direction * np.asarray(trades.buy_fees, dtype=np.float64)) / trades.leverage)


def effect_table(baseline_pnl: np.ndarray, variant_pnl: np.ndarray, labels: Sequence[tuple[str, float]],
                 current: Mapping[str, float | None], *, open_at_end: np.ndarray | None = None,
                 units: np.ndarray | None = None, stake: np.ndarray | None = None,
                 currency: Sequence[str] | np.ndarray | None = None, hold_hours_change: np.ndarray | None = None,
                 resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Sweep rows from replayed net_pnl_pct: `baseline_pnl` (trades) under the actual rules,
    `variant_pnl` (variants × trades), NaN where not replayable; `labels` names each variant.

    Per variant over the trades replayable in both: n (the positions, `units`, default one per
    trade), the mean effect per trade and its interval resampling positions, how many variants
    were `open_at_end` (variants × trades), the `total` effect in money per quote currency
    (effect % × `stake` / 100, summed per `currency`; empty without stakes), and the mean
    `hold_hours_change` (variants × trades; NaN without it)."""
    baseline = np.asarray(baseline_pnl, dtype=np.float64)
    variants = np.asarray(variant_pnl, dtype=np.float64).reshape(len(labels), -1)
    effects = variants - baseline  # NaN where not replayable
    counted = np.isfinite(effects)
    still_open = (np.zeros(variants.shape, dtype=bool) if open_at_end is None
                  else np.asarray(open_at_end, dtype=bool).reshape(variants.shape))
    intervals = bootstrap_means(effects, units=units, resamples=resamples, seed=seed, confidence=confidence)
    money = None if stake is None else np.where(counted, effects, 0.0) * np.asarray(stake, dtype=np.float64) / 100
    currencies = np.full(len(baseline), "?", dtype=object) if currency is None else np.asarray(currency, dtype=object)
    hours = None if hold_hours_change is None else np.asarray(hold_hours_change, dtype=np.float64).reshape(variants.shape)
    rows = []
    for row, ((name, value), stats) in enumerate(zip(labels, intervals)):
        now = current.get(name)
        total = ({} if money is None else
                 {str(c): float(money[row][counted[row] & (currencies == c)].sum())
                  for c in sorted(set(currencies[counted[row]]), key=str)})
        change = (np.nan if hours is None or not counted[row].any()
                  else float(hours[row][counted[row]].mean()))
        rows.append({"parameter": name, "value": value, "current": np.nan if now is None else float(now),
                     "n": stats.n, "open_at_end": int((still_open[row] & counted[row]).sum()),
                     "mean": _nan(stats.mean), "low": _nan(stats.low), "high": _nan(stats.high),
                     "total": total, "hold_hours_change": change})
    frame = pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))
    return frame.astype({"parameter": object, "value": float, "current": float, "n": "int64", "open_at_end": "int64",
                         "mean": float, "low": float, "high": float, "total": object, "hold_hours_change": float})


def _nan(value: float | None) -> float:
    return np.nan if value is None else value
