"""The grid of exit replay (SPEC §6): every pair of two parameters' values.

The one-at-a-time sweep cannot see that a wider stop only pays with a wider take profit; the
grid replays each pair (A = a, B = b) with both changed at once, and reports per cell the
effect on net_pnl_pct (variant − actual rules): n, mean and an interval, marking the cells
whose interval excludes 0. Each axis is the parameter's swept values and its current value,
so the row and column through the current cell are the one-at-a-time sweep.
Pure functions; the variants are replayed by the caller with the others in one kernel call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from exitlens.core.errors import ConfigError
from exitlens.core.replay.rules import RuleBook
from exitlens.core.replay_stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, bootstrap_means

DEFAULT_GRIDS = (("stop_loss_pct", "take_profit_pct"), ("stoploss", "roi_scale"))
"""The grid reports show by default: stop loss × take profit (the simple model), stop loss ×
ROI scale (the freqtrade model); the first whose two parameters are both swept."""
GRID_COLUMNS = ("n", "mean", "low", "high", "marked")


def parse_grid_option(text: str, known: Sequence[str]) -> tuple[str, str]:
    """`A,B` (the `--grid` option) as (A, B): two different parameters of `known`."""
    names = [name.strip() for name in str(text).split(",")]
    if len(names) != 2 or not all(names) or names[0] == names[1]:
        raise ConfigError(f"--grid {text!r}: name two different parameters, e.g. --grid stop_loss_pct,take_profit_pct")
    for name in names:
        if name not in known:
            raise ConfigError(f"--grid {text!r}: unknown parameter {name!r}: choose from {', '.join(known)}")
    return names[0], names[1]


def default_grid(values: Mapping[str, Sequence[float]]) -> tuple[str, str] | None:
    """The default grid for the swept `values`, or None when no default pair is swept."""
    return next((pair for pair in DEFAULT_GRIDS if all(name in values for name in pair)), None)


def grid_axes(values: Mapping[str, Sequence[float]], current: Mapping[str, float | None],
              pair: tuple[str, str]) -> tuple[list[float], list[float]]:
    """The values of each axis: the parameter's swept values and its current value (when set),
    sorted, without repeats."""
    axes = []
    for name in pair:
        if name not in values:
            raise ConfigError(f"grid parameter {name!r} is not swept: sweep it or choose another")
        now = current.get(name)
        axes.append(sorted({float(v) for v in values[name]} | ({float(now)} if now is not None else set())))
    return axes[0], axes[1]


def grid_pairs(axes: tuple[list[float], list[float]]) -> list[tuple[float, float]]:
    """Every (a, b) of the two axes, a-major: the order of the grid's variants and cells."""
    return [(a, b) for a in axes[0] for b in axes[1]]


def grid_book(book: RuleBook, pair: tuple[str, str], cell: tuple[float, float]) -> RuleBook:
    """`book` with both parameters of `pair` set to `cell`, in the default and every regime
    table alike (as the sweep changes one)."""
    return book.with_parameter(pair[0], cell[0]).with_parameter(pair[1], cell[1])


def grid_table(effects: np.ndarray, pair: tuple[str, str], cells: Sequence[tuple[float, float]], *,
               units: np.ndarray | None = None, resamples: int = RESAMPLES, seed: int = SEED,
               confidence: float = CONFIDENCE) -> pd.DataFrame:
    """One row per cell (columns A, B, then GRID_COLUMNS) from the (cells × trades) effects; n
    counts positions (`units`, default one per trade), the interval resamples them."""
    x = np.asarray(effects, dtype=np.float64).reshape(len(cells), -1)
    intervals = (bootstrap_means(x, units=units, resamples=resamples, seed=seed, confidence=confidence)
                 if len(cells) else [])
    rows = []
    for (a, b), stats in zip(cells, intervals):
        marked = stats.low is not None and stats.high is not None and (stats.low > 0 or stats.high < 0)
        rows.append({pair[0]: a, pair[1]: b, "n": stats.n, "mean": _nan(stats.mean), "low": _nan(stats.low),
                     "high": _nan(stats.high), "marked": bool(marked)})
    return pd.DataFrame(rows, columns=[*pair, *GRID_COLUMNS]).astype({"n": "int64", "marked": bool})


def _nan(value: float | None) -> float:
    return np.nan if value is None else value
