"""Walk-forward confirmation of a replay-backed pick (SPEC §6, "Choosing and confirming").

A value chosen on a period's own trades is not known to help on the next period's. So, for each
of the last `folds` windows of the period's length before the period's end (the period itself
is the latest), the value of each parameter is chosen on the `train` windows just before that
window (the best mean effect there) and its effect measured on that window's trades only. The
effects of all folds, pooled (each trade is in one test window at most), give the out-of-sample
mean and interval. A fold needs all its training windows inside the history: too little
history gives fewer folds, never padded ones (`folds_formed`).

Pure functions on the (variants × trades) effect matrix of the history's trades (variant −
actual rules, NaN where a trade is left out), the rows' (parameter, value) labels and each
trade's event time in int64 (any unit, the same as `end`, `length` and `history_start`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from exitlens.core.replay_stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, Interval, bootstrap_means
from exitlens.core.replay_stats.choose import best_rows

FOLDS = 8
TRAIN = 4
"""The defaults: 8 test windows, each chosen on the 4 windows before it."""


@dataclass(frozen=True)
class Fold:
    """One fold: training windows [train_start, test_start), test window [test_start, test_end)."""

    train_start: int
    test_start: int
    test_end: int


@dataclass(frozen=True)
class OutOfSample:
    """The pooled out-of-sample effect of a parameter's walk-forward choice and the value chosen
    in each fold, oldest first (None where the training windows held no replayed trade)."""

    interval: Interval
    chosen: list[float | None]

    @property
    def confirmed(self) -> bool:
        """The out-of-sample interval lies wholly above 0."""
        return self.interval.low is not None and self.interval.low > 0


@dataclass(frozen=True)
class WalkForward:
    """The walk-forward of a sweep: `folds` formed of `requested`, each trained on `train`
    windows; per parameter its `OutOfSample`."""

    requested: int
    train: int
    folds: list[Fold]
    by_parameter: dict[str, OutOfSample] = field(default_factory=dict)


def folds_formed(end: int, length: int, history_start: int, *, folds: int = FOLDS, train: int = TRAIN) -> list[Fold]:
    """The folds, oldest first: the latest test window is [end − length, end), each earlier one
    a `length` before; a fold is formed only when its `train` windows start at or after
    `history_start`. At most `folds`."""
    if folds < 1 or train < 1 or length <= 0:
        raise ValueError(f"folds, train and length must be positive, got {folds}, {train}, {length}")
    formed = []
    for back in range(1, folds + 1):
        test_end = end - (back - 1) * length
        test_start = test_end - length
        train_start = test_start - train * length
        if train_start < history_start:
            break
        formed.append(Fold(train_start, test_start, test_end))
    return formed[::-1]


def walk_forward(effects: np.ndarray, labels: Sequence[tuple[str, float]], times: np.ndarray, *, end: int,
                 length: int, history_start: int, folds: int = FOLDS, train: int = TRAIN,
                 units: np.ndarray | None = None, resamples: int = RESAMPLES, seed: int = SEED,
                 confidence: float = CONFIDENCE) -> WalkForward:
    """Walk-forward of every parameter of `labels` over the folds that the history holds.

    In each fold, per parameter, the chosen value is the row with the best mean effect over the
    trades whose time lies in the training windows; its effects on the test window's trades
    form that fold's part of the parameter's pooled row. The pooled rows get their intervals
    from one bootstrap draw (`bootstrap_means`) resampling `units` (positions; default one per
    trade)."""
    x = np.asarray(effects, dtype=np.float64)
    times = np.asarray(times, dtype=np.int64)
    formed = folds_formed(end, length, history_start, folds=folds, train=train)
    names = list(dict.fromkeys(name for name, _ in labels))
    pooled = np.full((len(names), x.shape[1] if x.ndim == 2 else 0), np.nan)
    chosen: dict[str, list[float | None]] = {name: [] for name in names}
    for fold in formed:
        training = (times >= fold.train_start) & (times < fold.test_start)
        testing = (times >= fold.test_start) & (times < fold.test_end)
        rows = best_rows(x, labels, training)
        for at, name in enumerate(names):
            row = rows.get(name)
            chosen[name].append(None if row is None else float(labels[row][1]))
            if row is not None:
                pooled[at, testing] = x[row, testing]
    intervals = (bootstrap_means(pooled, units=units, resamples=resamples, seed=seed, confidence=confidence)
                 if names else [])
    by_parameter = {name: OutOfSample(interval, chosen[name]) for name, interval in zip(names, intervals)}
    return WalkForward(requested=folds, train=train, folds=formed, by_parameter=by_parameter)
