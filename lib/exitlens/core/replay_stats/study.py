"""Everything replay says about a period's exits, from two kernel calls (SPEC §3, §6).

A `Plan` lays out the rule variants: the actual rules and the sweep are replayed over the
trades of the whole history the walk-forward covers (its folds choose and test on them), the
grid and the regime sweeps over the period's trades only. `study` turns the two replays into
the sweep table, the picks at the (1 − 0.05 / m) interval, the walk-forward, the grid, the
regime sweeps and the suggestions with their evidence; `replay_study` makes the two kernel calls
from trades and candles. Intervals resample positions. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from exitlens.core.i18n import DEFAULT_LANGUAGE
from exitlens.core.replay import NS_PER_MINUTE, Candles, Replayed, Trades, replay
from exitlens.core.replay.rules import RuleBook
from exitlens.core.replay_stats.bootstrap import RESAMPLES, SEED
from exitlens.core.replay_stats.checks import ReplaySuggestion, replay_suggestions
from exitlens.core.replay_stats.choose import Pick, comparisons, pick
from exitlens.core.replay_stats.grid import grid_axes, grid_book, grid_pairs, grid_table
from exitlens.core.replay_stats.regimes import regime_book, regime_columns, regime_current, regime_values
from exitlens.core.replay_stats.sweep import replayed_effects, replayed_pnl, sweep_values
from exitlens.core.replay_stats.walk_forward import FOLDS, TRAIN, WalkForward, walk_forward


@dataclass(frozen=True)
class Plan:
    """The rule variants of a study. `labels` name the sweep's variants (parameter, value);
    `cells` the grid's (a, b) for `grid` (A, B), empty without a grid; `regimes` each swept
    regime's labels, its variants changing only that regime's table."""

    book: RuleBook
    labels: list[tuple[str, float]]
    grid: tuple[str, str] | None = None
    cells: list[tuple[float, float]] = field(default_factory=list)
    regimes: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def history_books(self) -> list[RuleBook]:
        """The actual rules, then one book per sweep label: replayed over the history."""
        return [self.book] + [self.book.with_parameter(name, value) for name, value in self.labels]

    def period_books(self) -> list[RuleBook]:
        """The grid's books (a-major), then each regime's: replayed over the period."""
        books = [grid_book(self.book, self.grid, cell) for cell in self.cells] if self.grid else []
        for regime, labels in self.regimes.items():
            books += [regime_book(self.book, regime, name, value) for name, value in labels]
        return books


def plan(book: RuleBook, *, values: Mapping[str, Sequence[float]] | None = None, grid: tuple[str, str] | None = None,
         regimes: Sequence[str] = (), overrides: Mapping[str, Sequence[float]] | None = None) -> Plan:
    """The variants for `book`: the sweep of `values` (default `sweep_values(book, overrides)`),
    the grid of `grid` over those values and the current ones, and a sweep of each of
    `regimes` around its own table's values."""
    swept = sweep_values(book, overrides) if values is None else {k: list(v) for k, v in values.items()}
    labels = [(name, float(value)) for name, vs in swept.items() for value in vs]
    cells = grid_pairs(grid_axes(swept, book.parameters(), grid)) if grid else []
    by_regime = {regime: [(name, float(value)) for name, vs in regime_values(book, regime, overrides).items()
                          for value in vs] for regime in regimes}
    return Plan(book=book, labels=labels, grid=grid, cells=cells, regimes=by_regime)


@dataclass(frozen=True)
class Study:
    """What replay says of a period: the `sweep` table (period trades, 95% intervals), the
    `comparisons` m and the `picks` at the (1 − 0.05 / m) interval, the `walk` forward, the
    `grid` table (None without a grid), per swept regime its sweep table and picks, and the
    replay-backed `suggestions`, out-of-sample ones first."""

    sweep: pd.DataFrame
    comparisons: int
    picks: dict[str, Pick]
    walk: WalkForward
    grid: pd.DataFrame | None
    regimes: dict[str, pd.DataFrame]
    regime_picks: dict[str, dict[str, Pick]]
    suggestions: list[ReplaySuggestion]
    replayed: Replayed
    """The history's trades replayed with the actual rules (row 0) and the sweep: fidelity and
    the open-at-end count read its first row."""


def study(layout: Plan, trades: Trades, history: Replayed, period: Replayed | None, *, in_period: np.ndarray,
          end: int, length: int, history_start: int, min_samples: int,
          currency: Sequence[str] | np.ndarray | None = None, folds: int = FOLDS, train: int = TRAIN,
          resamples: int = RESAMPLES, seed: int = SEED, units_per_minute: int = NS_PER_MINUTE,
          lang: str = DEFAULT_LANGUAGE) -> Study:
    """The study of `layout`'s variants: `history` is the history's `trades` replayed with the
    actual rules (row 0) and the sweep, `period` the period's trades (those `in_period`) replayed
    with the grid's and the regimes' variants (None when there are none). Intervals resample
    positions (`trades.position`); `currency` is each trade's quote currency for the money
    totals; the trades' exit times, `end`, `length` and `history_start` (the same unit) place
    the walk-forward's folds."""
    in_period = np.asarray(in_period, dtype=bool)
    units = trades.position
    period_trades = take(trades, in_period)
    period_currency = None if currency is None else np.asarray(currency, dtype=object)[in_period]
    options = {"resamples": resamples, "seed": seed}
    current = layout.book.parameters()
    table = replayed_effects(period_trades, _columns(history, in_period), layout.labels, current, currency=period_currency,
                             units_per_minute=units_per_minute, **options)
    pnl = replayed_pnl(trades, history)
    effects = pnl[1:] - pnl[0]
    m = comparisons(layout.labels)
    picks = pick(effects[:, in_period], layout.labels, min_samples=min_samples, m=m, units=units[in_period], **options)
    walk = walk_forward(effects, layout.labels, trades.exit_time, end=end, length=length, history_start=history_start,
                        folds=folds, train=train, units=units, **options)
    baseline = _rows(_columns(history, in_period), [0])
    at = len(layout.cells)
    grid = None
    if layout.grid is not None and period is not None:
        grid_pnl = replayed_pnl(period_trades, _rows(period, range(at)))
        grid = grid_table(grid_pnl - pnl[0][in_period], layout.grid, layout.cells, units=period_trades.position, **options)
    regime_tables, regime_picks = {}, {}
    for regime, labels in layout.regimes.items():
        if period is None:
            break
        columns = regime_columns(period_trades.regime, regime)
        rows = _rows(period, range(at, at + len(labels)))
        at += len(labels)
        regime_trades = take(period_trades, columns)
        both = _concat(_columns(baseline, columns), _columns(rows, columns))
        regime_tables[regime] = replayed_effects(regime_trades, both, labels, regime_current(layout.book, regime),
                                                 currency=None if period_currency is None else period_currency[columns],
                                                 units_per_minute=units_per_minute, **options)
        regime_pnl = replayed_pnl(regime_trades, both)
        regime_picks[regime] = pick(regime_pnl[1:] - regime_pnl[0], labels, min_samples=min_samples, m=len(labels),
                                    units=regime_trades.position, **options)
    suggestions = replay_suggestions(table, picks, comparisons=m, walk=walk, lang=lang)
    return Study(sweep=table, comparisons=m, picks=picks, walk=walk, grid=grid, regimes=regime_tables,
                 regime_picks=regime_picks, suggestions=suggestions, replayed=history)


def replay_study(trades: Trades, candles: Candles, layout: Plan, *, period_start: int, end: int, history_start: int,
                 min_samples: int, currency: Sequence[str] | np.ndarray | None = None, folds: int = FOLDS,
                 train: int = TRAIN, resamples: int = RESAMPLES, seed: int = SEED,
                 units_per_minute: int = NS_PER_MINUTE, lang: str = DEFAULT_LANGUAGE) -> Study:
    """`study` from the history's trades (exit times in [history_start, end)) and their candles,
    in two kernel calls: the period is the trades with exit times in [period_start, end), the
    walk-forward's windows are as long as it. The study keeps the history's replay."""
    times = np.asarray(trades.exit_time, dtype=np.int64)
    in_period = (times >= period_start) & (times < end)
    history = replay(trades, candles, layout.history_books(), units_per_minute=units_per_minute)
    period_books = layout.period_books()
    period = (replay(take(trades, in_period), candles, period_books, units_per_minute=units_per_minute)
              if period_books else None)
    return study(layout, trades, history, period, in_period=in_period, end=end, length=end - period_start,
                 history_start=history_start, min_samples=min_samples, currency=currency, folds=folds, train=train,
                 resamples=resamples, seed=seed, units_per_minute=units_per_minute, lang=lang)


def _columns(replayed: Replayed, columns: np.ndarray) -> Replayed:
    return Replayed(replayed.time[:, columns], replayed.price[:, columns], replayed.code[:, columns])


def _rows(replayed: Replayed, rows: Sequence[int] | range) -> Replayed:
    rows = list(rows)
    return Replayed(replayed.time[rows], replayed.price[rows], replayed.code[rows])


def _concat(first: Replayed, second: Replayed) -> Replayed:
    return Replayed(np.vstack([first.time, second.time]), np.vstack([first.price, second.price]),
                    np.vstack([first.code, second.code]))


def take(trades: Trades, rows: np.ndarray) -> Trades:
    """The trades where `rows` (a boolean mask) is true; their paths still index the same candles."""
    return replace(trades, **{f.name: getattr(trades, f.name)[rows] for f in fields(trades)
                              if getattr(trades, f.name) is not None})
