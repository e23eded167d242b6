"""Means and their percentile bootstrap intervals, resampling whole units (SPEC §6: positions).

Several partial exits of one position are one unit, never independent draws (SPEC §2.3): a
bootstrap that resampled sells would count a position split into two sells as two pieces of
evidence and make its interval too narrow by about √2. Here the resamples draw units with
replacement and a resample's mean is the mean over the sells of the units drawn (a ratio of
sums), so splitting every sell into two halves of one position leaves every interval as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
SEED = 20_240_601
CONFIDENCE = 0.95
_DRAWS_PER_CHUNK = 1_000_000


@dataclass(frozen=True)
class Interval:
    """Mean of a sample (per sell) and its percentile bootstrap interval; `n` is the number of
    units (positions) with a value. None when the sample is empty."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def bootstrap_mean(values: np.ndarray, *, units: np.ndarray | None = None, resamples: int = RESAMPLES,
                   seed: int = SEED, confidence: float = CONFIDENCE) -> Interval:
    """Mean of the finite `values` and its percentile bootstrap interval (`bootstrap_means`
    of one sample)."""
    return bootstrap_means(np.asarray(values, dtype=np.float64)[None, :], units=units, resamples=resamples,
                           seed=seed, confidence=confidence)[0]


def bootstrap_means(samples: np.ndarray, *, units: np.ndarray | None = None, resamples: int = RESAMPLES,
                    seed: int = SEED, confidence: float = CONFIDENCE) -> list[Interval]:
    """For each row of `samples` (rows × sells, NaN where a sell is left out of that row), the
    mean over its finite values and a percentile bootstrap interval of it.

    `units` gives each column's unit (the position id of each sell; default: every sell its
    own unit). The resamples are of units, with replacement, `resamples` of them of all the
    units' count, drawn once with a generator seeded by `seed` and shared by every row: a
    resample's mean for a row is the sum of its finite values over the units drawn divided by
    their count (a row without NaN and one sell per unit gets the textbook bootstrap of its
    mean). Vectorised as a product of the resamples' draw counts (resamples × units, in
    chunks) with the per-unit sums, so a whole sweep costs one draw."""
    x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    valid = np.isfinite(x)
    unit = np.arange(x.shape[1]) if units is None else np.unique(np.asarray(units), return_inverse=True)[1].ravel()
    size = int(unit.max()) + 1 if len(unit) else 0
    sums = np.zeros((size, len(x)))  # per unit and row: the sum of its finite values, and how many
    counts = np.zeros((size, len(x)))
    np.add.at(sums, unit, np.where(valid, x, 0.0).T)
    np.add.at(counts, unit, valid.T.astype(np.float64))
    means = np.full((resamples, len(x)), np.nan)
    if size and valid.any():
        rng = np.random.default_rng(seed)
        chunk = max(1, _DRAWS_PER_CHUNK // size)
        for first in range(0, resamples, chunk):
            rows = min(chunk, resamples - first)
            draws = rng.integers(0, size, size=(rows, size)) + np.arange(rows)[:, None] * size
            picked = np.bincount(draws.ravel(), minlength=rows * size).reshape(rows, size).astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                means[first:first + rows] = (picked @ sums) / (picked @ counts)
    tail = (1 - confidence) / 2 * 100
    units_with_value = (counts > 0).sum(axis=0)
    out = []
    for row in range(len(x)):
        if units_with_value[row] == 0:
            out.append(Interval(0, None, None, None))
            continue
        low, high = np.nanpercentile(means[:, row], [tail, 100 - tail])
        out.append(Interval(int(units_with_value[row]), float(x[row][valid[row]].mean()), float(low), float(high)))
    return out
