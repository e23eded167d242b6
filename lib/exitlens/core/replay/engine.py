"""The replay entry point (SPEC §6): one call replays every trade under every rule book, with
the kernel of the books' exit model (`model` of the rules file: models/simple.py or
models/freqtrade.py), and which actual exit reasons that model covers. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from exitlens.core.replay.arrays import Candles, Replayed, Trades
from exitlens.core.replay.codes import NS_PER_MINUTE
from exitlens.core.replay.models import freqtrade, simple
from exitlens.core.replay.rules import RuleBook


def replay(trades: Trades, candles: Candles, books: Sequence[RuleBook], *,
           units_per_minute: int = NS_PER_MINUTE) -> Replayed:
    """Replay every trade under every book of `books` (one row of the result per book); the
    books are variants of one rules file, so they share its model."""
    models = {book.model for book in books}
    if len(models) > 1:
        raise ValueError(f"one replay runs one exit model, got {sorted(models)}")
    kernel = freqtrade.replay if models == {freqtrade.MODEL} else simple.replay
    return kernel(trades, candles, books, units_per_minute=units_per_minute)


def modelled(book: RuleBook, exit_reason: Sequence[object] | np.ndarray,
             regimes: Sequence[object] | np.ndarray) -> np.ndarray:
    """Whether `book` models each sell's actual exit reason, as its model decides (fidelity and
    coverage count these)."""
    model = freqtrade if book.model == freqtrade.MODEL else simple
    return model.modelled(book, exit_reason, regimes)
