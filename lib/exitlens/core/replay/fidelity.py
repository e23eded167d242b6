"""Fidelity and coverage (SPEC §6): how often replaying the actual rules gives the actual exit,
overall and per exit reason, and how much of the bot's selling the rules model at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from exitlens.core.replay.codes import MODELLED_REASONS, NOT_REPLAYABLE, NS_PER_MINUTE

FIDELITY_TOLERANCE_MINUTES = 2
"""The least time tolerance; a coarser candle interval widens it (max(2 minutes, one candle))."""
FIDELITY_WARNING = 0.80
"""Below this fidelity the reports warn that the rules file does not describe the bot."""
UNMODELLED_WARNING = 0.10
"""An unmodelled exit reason with at least this share of the sells also makes them warn."""


@dataclass(frozen=True)
class Fidelity:
    """`value`: share of the sells with a modelled reason whose replay under the actual rules
    has the same reason and an exit within the tolerance (None when there are no samples);
    `by_reason`: {reason: (fidelity, n)} for each modelled reason; `coverage`: share of the
    sells whose reason the rules model (None without sells); `unmodelled`: {reason: sells} of
    the reasons they do not model."""

    value: float | None
    samples: int
    by_reason: dict[str, tuple[float | None, int]] = field(default_factory=dict)
    coverage: float | None = None
    unmodelled: dict[str, int] = field(default_factory=dict)

    @property
    def warns(self) -> bool:
        """SPEC §6: fidelity below 80%, or an unmodelled reason with ≥ 10% of the sells."""
        return fidelity_warns(self.value, self.unmodelled, sum(n for _, n in self.by_reason.values()))


def fidelity_warns(value: float | None, unmodelled: Mapping[str, int], modelled_sells: int) -> bool:
    """Whether a replay must warn that the rules file does not describe the bot (SPEC §6):
    fidelity `value` below 80%, or an `unmodelled` rule reason ({reason: sells}; a stop loss,
    take profit, trailing stop or time limit the file has no rule for) with at least 10% of the
    replayable sells (the `modelled_sells` and the unmodelled ones). Signal exits
    (RSI_OVERBOUGHT, exit_signal, …) lower the coverage but do not warn: no exit rule describes
    them, and replay keeps them as they were (SPEC §6)."""
    total = modelled_sells + sum(unmodelled.values())
    low = value is not None and value < FIDELITY_WARNING
    return low or any(n >= UNMODELLED_WARNING * total for reason, n in unmodelled.items()
                      if reason in MODELLED_REASONS)


def fidelity(actual_code: np.ndarray, actual_time: np.ndarray, replayed_code: np.ndarray, replayed_time: np.ndarray,
             *, tolerance: int = FIDELITY_TOLERANCE_MINUTES * NS_PER_MINUTE, reasons: np.ndarray | None = None,
             modelled: np.ndarray | None = None) -> Fidelity:
    """Fidelity of a replay with the actual rules (SPEC §6).

    A sell counts when its actual reason is modelled (`modelled`, default: its code is one of
    the four modelled reasons) and it was replayable; it agrees when its replayed code is the
    actual one and its replayed exit time is within `tolerance` (inclusive, in the times' unit)
    of the actual event time. A variant open at end counts, as a disagreement. `reasons` (the
    normalised actual reasons) name the groups of `by_reason` and `unmodelled`; coverage is over
    the replayable sells."""
    actual_code = np.asarray(actual_code)
    replayed_code = np.asarray(replayed_code)
    replayable = replayed_code != NOT_REPLAYABLE
    is_modelled = (actual_code >= 0) & (actual_code < 4) if modelled is None else np.asarray(modelled, dtype=bool)
    counted = is_modelled & replayable
    same = counted & (replayed_code == actual_code) & (
        np.abs(np.asarray(replayed_time, dtype=np.int64) - np.asarray(actual_time, dtype=np.int64)) <= tolerance)
    samples = int(counted.sum())
    names = np.asarray(["" if r is None else str(r) for r in reasons] if reasons is not None
                       else [str(c) for c in actual_code], dtype=object)
    by_reason: dict[str, tuple[float | None, int]] = {}
    for name in sorted(set(names[counted])):
        rows = counted & (names == name)
        by_reason[name] = (float(same[rows].sum()) / int(rows.sum()), int(rows.sum()))
    left_out = replayable & ~is_modelled
    unmodelled = {name: int((left_out & (names == name)).sum()) for name in sorted(set(names[left_out]))}
    total = int(replayable.sum())
    return Fidelity(value=float(same.sum()) / samples if samples else None, samples=samples, by_reason=by_reason,
                    coverage=samples / total if total else None, unmodelled=unmodelled)
