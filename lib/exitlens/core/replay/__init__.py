"""Exit replay (SPEC §6): where each position would have closed under given exit rules.

The package is laid out around one seam, the kernel contract (candles, trades, a rule array →
replayed exits):

- `rules`: the bot's exit rules file (TOML) as a `RuleBook`;
- `codes`: the codes of a replayed exit and the time unit of the arrays;
- `arrays`: the kernel contract: the flat `Candles`, the `Trades` (direction, leverage,
  position) and their path bounds, the `Replayed` result (OPEN_AT_END, NOT_REPLAYABLE);
- `models/`: one module per exit model, each packing its rule array and bringing its kernel;
- `money`: net_pnl_pct at a replayed price; `fidelity`: replay of the actual rules against the
  actual exits.

Statistics on the replayed results (sweep, intervals, suggestions) live in `core.replay_stats`
and never see candles. Pure: no I/O, no clock. The names below are the package's public API.
"""

from exitlens.core.replay.arrays import (
    CANDLES_AFTER_EXIT,
    NO_CANDLE_AT_ENTRY,
    PATH_OK,
    Candles,
    Replayed,
    Trades,
    concat_candles,
    path_bounds,
)
from exitlens.core.replay.codes import (
    ACTUAL,
    MODELLED_REASONS,
    NOT_REPLAYABLE,
    NS_PER_MINUTE,
    OPEN_AT_END,
    STOP_LOSS,
    TAKE_PROFIT,
    TIME_LIMIT,
    TRAILING_STOP,
    exit_reason_codes,
)
from exitlens.core.replay.fidelity import FIDELITY_TOLERANCE_MINUTES, Fidelity, fidelity
from exitlens.core.replay.models.simple import replay, rule_table
from exitlens.core.replay.money import replayed_net_pnl_pct

__all__ = [
    "ACTUAL", "CANDLES_AFTER_EXIT", "FIDELITY_TOLERANCE_MINUTES", "MODELLED_REASONS", "NOT_REPLAYABLE",
    "NO_CANDLE_AT_ENTRY", "NS_PER_MINUTE", "OPEN_AT_END", "PATH_OK",
    "STOP_LOSS", "TAKE_PROFIT", "TIME_LIMIT", "TRAILING_STOP", "Candles", "Fidelity", "Replayed", "Trades",
    "concat_candles", "exit_reason_codes", "fidelity", "path_bounds", "replay", "replayed_net_pnl_pct",
    "rule_table",
]
