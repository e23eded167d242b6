"""Regime sweeps (SPEC §6): the sweep of one regime's table, for that regime's sells.

A bot with a `[regime.BEAR]` table may need a different stop in BEAR than elsewhere; the main
sweep changes every table alike and cannot say so. For each regime with at least
`min_samples` positions in the period, each parameter is swept around that regime's own value
(its table, or the default when it has none) with only that regime's table changed, and the
effect measured over that regime's sells alone. This is how `regime_review` is checked: the
regime's best pick, at the interval of all its comparisons, confirms the review or not.
Pure functions; the variants are replayed by the caller with the others in one kernel call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from exitlens.core.replay.rules import RuleBook
from exitlens.core.replay_stats.sweep import sweep_values


def regimes_to_sweep(regimes: np.ndarray, positions: np.ndarray | None, min_samples: int) -> list[str]:
    """The regimes (upper case, sorted) with at least `min_samples` positions among the trades
    (`positions` ids; None: each trade is its own position)."""
    names = np.asarray([None if r is None else str(r).upper() for r in regimes], dtype=object)
    out = []
    for name in sorted({n for n in names if n is not None}):
        rows = names == name
        count = len(np.unique(np.asarray(positions)[rows])) if positions is not None else int(rows.sum())
        if count >= min_samples:
            out.append(name)
    return out


def regime_book(book: RuleBook, regime: str, parameter: str, value: float) -> RuleBook:
    """`book` with `parameter` set to `value` in `regime`'s table only (a regime without a table
    gets one: the default with that change)."""
    table = book.for_regime(regime).with_value(parameter, value)
    return replace(book, regimes={**book.regimes, regime: table})


def regime_values(book: RuleBook, regime: str,
                  overrides: Mapping[str, Sequence[float]] | None = None) -> dict[str, list[float]]:
    """The values to sweep for `regime`: its own current values × the sweep factors, each
    replaced by `overrides` where given (as `sweep_values` for the default table)."""
    return sweep_values(replace(book, default=book.for_regime(regime), regimes={}), overrides)


def regime_current(book: RuleBook, regime: str) -> dict[str, float | None]:
    """The current value of each parameter in `regime`'s table."""
    return replace(book, default=book.for_regime(regime), regimes={}).parameters()


def regime_columns(regimes: np.ndarray, regime: str) -> np.ndarray:
    """The trades of `regime` (a boolean mask)."""
    return np.asarray([r is not None and str(r).upper() == regime for r in regimes], dtype=bool)
