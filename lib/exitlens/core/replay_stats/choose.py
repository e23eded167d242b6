"""Picking a value is comparing values (SPEC §6, "Choosing and confirming").

Picking the best of m swept values of a parameter is m comparisons: one of them clears a 95%
interval by chance far more often than 5% of the time. The interval a replay-backed suggestion
must clear is therefore the (1 − 0.05 / m) one (Bonferroni), with m = `comparisons(labels)`,
the largest number of values swept for one parameter (one m for the whole sweep, so the report
can name it once; never fewer than a parameter's own count). Pure functions on the
(variants × trades) effect matrix: rows labelled (parameter, value), NaN where a trade is left
out of a row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from exitlens.core.replay_stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, Interval, bootstrap_means


def comparisons(labels: Sequence[tuple[str, float]]) -> int:
    """m: the largest number of values swept for one parameter (0 when nothing was swept)."""
    counts = Counter(name for name, _ in labels)
    return max(counts.values(), default=0)


def pick_confidence(m: int, confidence: float = CONFIDENCE) -> float:
    """The confidence of the interval that picks the best of `m` values: 1 − (1 − confidence) / m."""
    return 1 - (1 - confidence) / max(int(m), 1)


def best_rows(effects: np.ndarray, labels: Sequence[tuple[str, float]],
              columns: np.ndarray | None = None) -> dict[str, int | None]:
    """Per parameter (in the order of `labels`), the row of `effects` with the highest mean over
    its finite values among `columns` (a boolean mask of trades; default all); None when no
    row of the parameter has a finite value there. Ties go to the first row."""
    x = np.asarray(effects, dtype=np.float64)
    if columns is not None:
        x = np.where(np.asarray(columns, dtype=bool)[None, :], x, np.nan)
    finite = np.isfinite(x)
    counts = finite.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(finite, x, 0.0).sum(axis=1) / counts
    out: dict[str, int | None] = {}
    for row, (name, _) in enumerate(labels):
        if counts[row] == 0:
            out.setdefault(name, None)
            continue
        best = out.get(name)
        if best is None or means[row] > means[best]:
            out[name] = row
    return out


@dataclass(frozen=True)
class Pick:
    """The best swept value of one parameter (`row` of the effect matrix) and its interval at
    the picking confidence; `picked` when that interval lies wholly above 0 and rests on at
    least `min_samples` positions."""

    parameter: str
    value: float
    row: int
    confidence: float
    interval: Interval
    picked: bool


def pick(effects: np.ndarray, labels: Sequence[tuple[str, float]], *, min_samples: int, m: int | None = None,
         units: np.ndarray | None = None, resamples: int = RESAMPLES, seed: int = SEED,
         confidence: float = CONFIDENCE) -> dict[str, Pick]:
    """Per parameter, its best value and whether it is picked at the (1 − 0.05 / m) interval
    (`m` default `comparisons(labels)`), resampling `units` (positions; default one per trade)
    and counting them against `min_samples`. One bootstrap draw for every parameter's best row."""
    rows = {name: row for name, row in best_rows(effects, labels).items() if row is not None}
    level = pick_confidence(comparisons(labels) if m is None else m, confidence)
    x = np.asarray(effects, dtype=np.float64)
    intervals = bootstrap_means(x[list(rows.values())], units=units, resamples=resamples, seed=seed,
                                confidence=level) if rows else []
    out = {}
    for (name, row), interval in zip(rows.items(), intervals):
        above = interval.low is not None and interval.low > 0
        out[name] = Pick(name, float(labels[row][1]), row, level, interval, above and interval.n >= min_samples)
    return out
