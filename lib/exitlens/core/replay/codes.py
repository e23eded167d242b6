"""The codes of a replayed exit and the time unit of the replay arrays (SPEC §6)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NS_PER_MINUTE = 60_000_000_000
MODELLED_REASONS = ("STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP", "TIME_LIMIT")
"""Exit reasons the rules model, in the order of their codes 0..3."""
STOP_LOSS, TAKE_PROFIT, TRAILING_STOP, TIME_LIMIT = range(4)
ACTUAL = 4
"""Replayed code of a sell with an unmodelled reason that kept its actual exit (and the actual
code of such a sell)."""
OPEN_AT_END = -1
"""Replayed code of a variant that has not exited by the end of its path: it exits there, at the
path's last candle and close (marked to market), and is included in every comparison (SPEC §6)."""
NOT_REPLAYABLE = -2
"""Replayed code of a trade without a positive entry price or without a path (SPEC §6: no
candle within the tolerance of its entry, or candles that begin after its actual exit)."""


def exit_reason_codes(reasons: Sequence[object] | np.ndarray) -> np.ndarray:
    """Code of each normalised exit reason: 0..3 for the modelled ones, ACTUAL for any other."""
    names = np.asarray([str(r).strip().upper() if r is not None else "" for r in reasons], dtype=object)
    codes = np.full(len(names), ACTUAL, dtype=np.int8)
    for number, name in enumerate(MODELLED_REASONS):
        codes[names == name] = number
    return codes

