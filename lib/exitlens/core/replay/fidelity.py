"""Fidelity (SPEC §6): how often replaying the actual rules gives the actual exit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exitlens.core.replay.codes import ACTUAL, NOT_REPLAYABLE, NS_PER_MINUTE

FIDELITY_TOLERANCE_MINUTES = 2


@dataclass(frozen=True)
class Fidelity:
    """Share of the SELLs with a modelled reason whose replay under the actual rules has the same
    reason and an exit within the tolerance; None when there are no samples."""

    value: float | None
    samples: int



def fidelity(actual_code: np.ndarray, actual_time: np.ndarray, replayed_code: np.ndarray, replayed_time: np.ndarray,
             *, tolerance: int = FIDELITY_TOLERANCE_MINUTES * NS_PER_MINUTE) -> Fidelity:
    """Fidelity of a replay with the actual rules (SPEC §6): among the SELLs with a modelled
    actual reason and a replay (open at end counts, as a miss; not replayable does not), the share whose
    replayed reason is the actual one and whose replayed exit time is within `tolerance`
    (inclusive, in the times' unit) of the actual event time."""
    actual_code = np.asarray(actual_code)
    replayed_code = np.asarray(replayed_code)
    counted = (actual_code >= 0) & (actual_code < ACTUAL) & (replayed_code != NOT_REPLAYABLE)
    same = counted & (replayed_code == actual_code) & (
        np.abs(np.asarray(replayed_time, dtype=np.int64) - np.asarray(actual_time, dtype=np.int64)) <= tolerance)
    samples = int(counted.sum())
    return Fidelity(value=float(same.sum()) / samples if samples else None, samples=samples)
