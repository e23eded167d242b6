"""Statistics of exit replay (SPEC §3, §6): pure functions on replayed results, never on candles.

- `bootstrap`: means and percentile intervals that resample whole units;
- `sweep`: the values swept per parameter and the effect table of a sweep;
- `choose`: picking the best of m values at the (1 − 0.05 / m) interval;
- `walk_forward`: the out-of-sample confirmation of a pick, fold by fold;
- `grid`: every pair of two parameters' values;
- `regimes`: the sweep of one regime's table for that regime's sells;
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
    check_regime,
    check_suggestion,
    out_of_sample_json,
    replay_suggestions,
)
from exitlens.core.replay_stats.choose import Pick, best_rows, comparisons, pick, pick_confidence
from exitlens.core.replay_stats.grid import (
    DEFAULT_GRIDS,
    GRID_COLUMNS,
    default_grid,
    grid_axes,
    grid_book,
    grid_pairs,
    grid_table,
    parse_grid_option,
)
from exitlens.core.replay_stats.regimes import (
    regime_book,
    regime_columns,
    regime_current,
    regime_values,
    regimes_to_sweep,
)
from exitlens.core.replay_stats.sweep import (
    SWEEP_COLUMNS,
    SWEEP_FACTORS,
    SweepRun,
    effect_table,
    parse_sweep_option,
    replayed_effects,
    replayed_pnl,
    run_sweep,
    stake,
    sweep,
    sweep_values,
)
from exitlens.core.replay_stats.walk_forward import FOLDS, TRAIN, Fold, OutOfSample, WalkForward, folds_formed, walk_forward

__all__ = [
    "CONFIDENCE", "CONFIRMED", "DEFAULT_GRIDS", "FOLDS", "GRID_COLUMNS", "NOT_CONFIRMED", "NOT_REPLAYABLE",
    "RESAMPLES", "RULE_CHANGES", "SEED", "SWEEP_COLUMNS", "SWEEP_FACTORS", "TRAIN", "Fold", "Interval",
    "OutOfSample", "Pick", "ReplayCheck", "ReplaySuggestion", "SweepRun", "WalkForward", "best_rows",
    "bootstrap_mean", "bootstrap_means", "check_change", "check_regime", "check_suggestion", "comparisons",
    "default_grid", "effect_table", "folds_formed", "grid_axes", "grid_book", "grid_pairs", "grid_table",
    "out_of_sample_json", "parse_grid_option", "parse_sweep_option", "pick", "pick_confidence", "regime_book",
    "regime_columns", "regime_current", "regime_values", "regimes_to_sweep", "replay_suggestions",
    "replayed_effects", "replayed_pnl", "run_sweep", "stake", "sweep", "sweep_values", "walk_forward",
]
