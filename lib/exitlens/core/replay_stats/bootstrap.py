"""Means and their percentile bootstrap intervals, resampling whole units (SPEC §6)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
SEED = 20_240_601
CONFIDENCE = 0.95
_DRAWS_PER_CHUNK = 1_000_000


@dataclass(frozen=True)
class Interval:
    """Mean of a sample and its percentile bootstrap interval; None when the sample is empty."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def bootstrap_mean(values: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED,
                   confidence: float = CONFIDENCE) -> Interval:
    """Mean of the finite `values` and its percentile bootstrap interval (`bootstrap_means`
    of one sample)."""
    return bootstrap_means(np.asarray(values, dtype=np.float64)[None, :], resamples=resamples, seed=seed,
                           confidence=confidence)[0]


def bootstrap_means(samples: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED,
                    confidence: float = CONFIDENCE) -> list[Interval]:
    """For each row of `samples` (rows × trades, NaN where a trade is left out of that row),
    the mean over its finite values and a percentile bootstrap interval of it.

    The resamples are of trades, with replacement, `resamples` of them of all the trades'
    size, drawn once with a generator seeded by `seed` and shared by every row: a resample's
    mean for a row is the mean of its finite values among the trades drawn (a row without NaN
    gets the textbook bootstrap of its mean). Vectorised as a product of the resamples' draw
    counts (resamples × trades, in chunks) with the rows, so a whole sweep costs one draw."""
    x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    valid = np.isfinite(x)
    size = x.shape[1]
    counts = valid.sum(axis=1)
    means = np.full((resamples, len(x)), np.nan)
    if size and counts.any():
        values = np.where(valid, x, 0.0).T
        weights = valid.astype(np.float64).T
        rng = np.random.default_rng(seed)
        chunk = max(1, _DRAWS_PER_CHUNK // size)
        for first in range(0, resamples, chunk):
            rows = min(chunk, resamples - first)
            draws = rng.integers(0, size, size=(rows, size)) + np.arange(rows)[:, None] * size
            picked = np.bincount(draws.ravel(), minlength=rows * size).reshape(rows, size).astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                means[first:first + rows] = (picked @ values) / (picked @ weights)
    tail = (1 - confidence) / 2 * 100
    out = []
    for row in range(len(x)):
        if counts[row] == 0:
            out.append(Interval(0, None, None, None))
            continue
        low, high = np.nanpercentile(means[:, row], [tail, 100 - tail])
        out.append(Interval(int(counts[row]), float(x[row][valid[row]].mean()), float(low), float(high)))
    return out
