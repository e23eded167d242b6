"""Everything replay says about a period's exits, from two kernel calls (SPEC §3, §6).

A `Plan` lays out the rule variants: the actual rules and the sweep are replayed over the
trades of the whole history the walk-forward covers (its folds choose and test on them), the
grid and the regime sweeps over the period's trades only. `study` turns the two replayed
net_pnl_pct matrices into the sweep table, the picks at the (1 − 0.05 / m) interval, the
walk-forward, the grid, the regime sweeps and the suggestions with their evidence;
`replay_study` is the same from trades and candles (one call per matrix). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from exitlens.core.i18n import DEFAULT_LANGUAGE
from exitlens.core.replay import NS_PER_MINUTE, Candles, Replayed, Trades, replay, replayed_net_pnl_pct
from exitlens.core.replay.rules import RuleBook
from exitlens.core.replay_stats.bootstrap import RESAMPLES, SEED
from exitlens.core.replay_stats.checks import ReplaySuggestion, replay_suggestions
from exitlens.core.replay_stats.choose import Pick, comparisons, pick
from exitlens.core.replay_stats.grid import grid_axes, grid_book, grid_pairs, grid_table
from exitlens.core.replay_stats.regimes import regime_book, regime_current, regime_values
from exitlens.core.replay_stats.sweep import effect_table, sweep_values
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
    replayed: Replayed | None = None
    """The history's trades replayed with the actual rules (row 0) and the sweep (`replay_study`
    keeps it: fidelity and the open-at-end count read its first row)."""


def study(layout: Plan, history_pnl: np.ndarray, period_pnl: np.ndarray, *, in_period: np.ndarray,
          times: np.ndarray, regimes: np.ndarray, end: int, length: int, history_start: int, min_samples: int,
          history_open: np.ndarray | None = None, period_open: np.ndarray | None = None,
          folds: int = FOLDS, train: int = TRAIN, resamples: int = RESAMPLES, seed: int = SEED,
          lang: str = DEFAULT_LANGUAGE) -> Study:
    """The study of `layout`'s variants from replayed net_pnl_pct (NaN where a trade is not
    replayable): `history_pnl` (actual rules + sweep × the history's trades), `period_pnl` (grid
    + regime variants × the period's trades, the history's trades where `in_period`);
    `history_open` / `period_open` mark the variants open at the end of their path (counted in
    the tables). `times` are the history trades' event times and `regimes` the period trades'
    regimes; `end`, `length` and `history_start` (same unit as `times`) place the folds."""
    history_pnl = np.asarray(history_pnl, dtype=np.float64)
    period_pnl = np.asarray(period_pnl, dtype=np.float64)
    in_period = np.asarray(in_period, dtype=bool)
    history_open = np.zeros(history_pnl.shape, bool) if history_open is None else np.asarray(history_open, bool)
    period_open = np.zeros(period_pnl.shape, bool) if period_open is None else np.asarray(period_open, bool)
    effects = history_pnl[1:] - history_pnl[0]
    baseline = history_pnl[0][in_period]
    options = {"resamples": resamples, "seed": seed}
    current = layout.book.parameters()
    table = effect_table(baseline, history_pnl[1:][:, in_period], layout.labels, current,
                         open_at_end=history_open[1:][:, in_period], **options)
    m = comparisons(layout.labels)
    picks = pick(effects[:, in_period], layout.labels, min_samples=min_samples, m=m, **options)
    walk = walk_forward(effects, layout.labels, times, end=end, length=length, history_start=history_start,
                        folds=folds, train=train, **options)
    at = len(layout.cells)
    grid = grid_table(period_pnl[:at] - baseline, layout.grid, layout.cells, **options) if layout.grid else None
    regime_tables, regime_picks = {}, {}
    names = np.asarray([None if r is None else str(r).upper() for r in regimes], dtype=object)
    for regime, labels in layout.regimes.items():
        rows = period_pnl[at:at + len(labels)]
        at += len(labels)
        mine = np.where(names == regime, rows - baseline, np.nan)
        regime_tables[regime] = effect_table(baseline, np.where(names == regime, rows, np.nan), labels,
                                             regime_current(layout.book, regime),
                                             open_at_end=period_open[at - len(labels):at], **options)
        regime_picks[regime] = pick(mine, labels, min_samples=min_samples, m=len(labels), **options)
    suggestions = replay_suggestions(table, picks, comparisons=m, walk=walk, lang=lang)
    return Study(sweep=table, comparisons=m, picks=picks, walk=walk, grid=grid, regimes=regime_tables,
                 regime_picks=regime_picks, suggestions=suggestions)


def replay_study(trades: Trades, candles: Candles, layout: Plan, *, period_start: int, end: int, history_start: int,
                 min_samples: int, folds: int = FOLDS, train: int = TRAIN, resamples: int = RESAMPLES,
                 seed: int = SEED, units_per_minute: int = NS_PER_MINUTE, lang: str = DEFAULT_LANGUAGE) -> Study:
    """`study` from the history's trades (exit times in [history_start, end)) and their candles,
    in two kernel calls: the period is the trades with exit times in [period_start, end), the
    walk-forward's windows are as long as it. The study keeps the history's replay."""
    times = np.asarray(trades.exit_time, dtype=np.int64)
    in_period = (times >= period_start) & (times < end)
    period_trades = take(trades, in_period)
    history = replay(trades, candles, layout.history_books(), units_per_minute=units_per_minute)
    period_books = layout.period_books()
    period = replay(period_trades, candles, period_books, units_per_minute=units_per_minute) if period_books else None
    period_pnl = net_pnl(period_trades, period) if period is not None else np.empty((0, len(period_trades)))
    result = study(layout, net_pnl(trades, history), period_pnl, history_open=history.open_at_end,
                   period_open=None if period is None else period.open_at_end,
                   in_period=in_period, times=times, regimes=period_trades.regime,
                   end=end, length=end - period_start, history_start=history_start, min_samples=min_samples,
                   folds=folds, train=train, resamples=resamples, seed=seed, lang=lang)
    return replace(result, replayed=history)


def take(trades: Trades, rows: np.ndarray) -> Trades:
    """The trades where `rows` (a boolean mask) is true; their paths still index the same candles."""
    return replace(trades, **{f.name: getattr(trades, f.name)[rows] for f in fields(trades)
                              if getattr(trades, f.name) is not None})


def net_pnl(trades: Trades, replayed: Replayed) -> np.ndarray:
    """Replayed net_pnl_pct (variants × trades) of `trades` (their quantity, fees, direction and
    leverage)."""
    if trades.quantity is None or trades.buy_fees is None or trades.sell_fee is None:
        raise ValueError("a study needs the trades' quantity, buy_fees and sell_fee")
    return replayed_net_pnl_pct(trades.entry_price, trades.quantity, trades.buy_fees, trades.sell_fee,
                                trades.exit_price, replayed.price, direction=trades.direction,
                                leverage=trades.leverage)
