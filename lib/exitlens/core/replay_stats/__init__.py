"""Statistics of exit replay (SPEC §3, §6): pure functions on replayed results, never on candles.

- `bootstrap`: means and percentile intervals that resample whole units;
- `sweep`: the values swept per parameter and the effect table of a sweep;
- `checks`: replay-backed suggestions and replay's verdict on the rule-based ones.
"""

from exitlens.core.replay_stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, Interval, bootstrap_mean, bootstrap_means
from exitlens.core.replay_stats.checks import (
    CONFIRMED,
    NOT_CONFIRMED,
    NOT_REPLAYABLE,
    RULE_CHANGES,
    ReplayCheck,
    ReplaySuggestion,
    check_change,
    check_suggestion,
    replay_suggestions,
)
from exitlens.core.replay_stats.sweep import (
    SWEEP_COLUMNS,
    SWEEP_FACTORS,
    SweepRun,
    effect_table,
    parse_sweep_option,
    run_sweep,
    stake,
    sweep,
    sweep_values,
)

__all__ = [
    "CONFIDENCE", "CONFIRMED", "NOT_CONFIRMED", "NOT_REPLAYABLE", "RESAMPLES", "RULE_CHANGES", "SEED",
    "SWEEP_COLUMNS", "SWEEP_FACTORS", "Interval", "ReplayCheck", "ReplaySuggestion", "bootstrap_mean",
    "bootstrap_means", "check_change", "check_suggestion", "effect_table", "parse_sweep_option",
    "SweepRun", "replay_suggestions", "run_sweep", "stake", "sweep", "sweep_values",
]
