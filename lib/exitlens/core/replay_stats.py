"""The sweep of exit replay and its statistics (SPEC §3, §6).

For each parameter and value, the replay with only that parameter changed is compared per trade
with the replay under the actual rules: the effect is the difference of replayed net_pnl_pct
(variant − actual rules) over the trades censored in neither, reported as n, mean and a 95%
percentile bootstrap interval (2,000 resamples of trades, fixed seed). Replay-backed
suggestions pick, per parameter, the value with the best mean effect when its interval lies
wholly above 0; `check_change` marks a rule-based suggestion confirmed / not confirmed / not
replayable. Pure functions on arrays and DataFrames.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

# ConfigError moves to exitlens.core.errors with the package split: change this one line.
from exitlens.core.errors import ConfigError
from exitlens.core.exit_rules import PARAMETERS, UPPER_BOUNDS, RuleBook
from exitlens.core.i18n import DEFAULT_LANGUAGE, t
from exitlens.core.replay import (
    NS_PER_MINUTE,
    Candles,
    Trades,
    replay,
    replayed_net_pnl_pct,
)

SWEEP_FACTORS = (0.5, 0.75, 1.25, 1.5, 2.0)
"""Default sweep: the current value times each factor."""
RESAMPLES = 2000
SEED = 20_240_601
CONFIDENCE = 0.95
SWEEP_COLUMNS = ("parameter", "value", "current", "n", "censored", "mean", "low", "high")
CONFIRMED, NOT_CONFIRMED, NOT_REPLAYABLE = "confirmed", "not confirmed", "not replayable"
RULE_CHANGES = {
    "trailing_stop_loosen": ("trailing_stop_pct", "increase"),
    "stop_loss_loosen": ("stop_loss_pct", "increase"),
    "take_profit_raise": ("take_profit_pct", "increase"),
    "time_limit_keep": ("time_limit_hours", "keep"),
}
"""The parameter and direction of each rule-based suggestion (SPEC §3) that replay can check."""
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


def parse_sweep_option(text: str) -> dict[str, list[float]]:
    """`NAME=V1,V2,…` (the `--sweep` option) as {NAME: [V1, V2, …]}."""
    name, sep, rest = str(text).partition("=")
    name = name.strip()
    if not sep:
        raise ConfigError(f"--sweep {text!r}: write NAME=V1,V2,… (e.g. stop_loss_pct=2,3,4)")
    if name not in PARAMETERS:
        raise ConfigError(f"--sweep {text!r}: unknown parameter {name!r}: choose from {', '.join(PARAMETERS)}")
    values: list[float] = []
    for item in rest.split(","):
        try:
            value = float(item)
        except ValueError:
            raise ConfigError(f"--sweep {text!r}: {item.strip()!r} is not a number: "
                              "write NAME=V1,V2,… with numbers") from None
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"--sweep {text!r}: {item.strip()} must be a non-negative number")
        if value > UPPER_BOUNDS[name]:
            raise ConfigError(f"--sweep {text!r}: {item.strip()} must be at most {UPPER_BOUNDS[name]:,.0f}")
        values.append(value)
    return {name: values}


def sweep_values(book: RuleBook, overrides: Mapping[str, Sequence[float]] | None = None) -> dict[str, list[float]]:
    """The values to sweep per parameter: the current value × SWEEP_FACTORS for each parameter
    that is set in the default table (one that is off is not swept), each replaced by
    `overrides` where given (an override also sweeps a parameter that is off)."""
    out = {name: [round(current * factor, 10) for factor in SWEEP_FACTORS]
           for name, current in book.parameters().items() if current is not None}
    for name, values in (overrides or {}).items():
        if name not in PARAMETERS:
            raise ConfigError(f"cannot sweep unknown parameter {name!r}: choose from {', '.join(PARAMETERS)}")
        out[name] = [float(v) for v in values]
    return {name: out[name] for name in PARAMETERS if name in out}


def sweep(trades: Trades, candles: Candles, book: RuleBook, *, values: Mapping[str, Sequence[float]] | None = None,
          resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE,
          units_per_minute: int = NS_PER_MINUTE) -> pd.DataFrame:
    """The sweep table (columns SWEEP_COLUMNS), one row per parameter and value: `values`
    (default `sweep_values(book)`) replayed in one kernel call with the actual rules."""
    if trades.quantity is None or trades.buy_fees is None or trades.sell_fee is None:
        raise ValueError("sweep needs the trades' quantity, buy_fees and sell_fee")
    values = sweep_values(book) if values is None else dict(values)
    labels = [(name, float(value)) for name, vs in values.items() for value in vs]
    books = [book] + [book.with_parameter(name, value) for name, value in labels]
    replayed = replay(trades, candles, books, units_per_minute=units_per_minute)
    pnl = replayed_net_pnl_pct(trades.entry_price, trades.quantity, trades.buy_fees, trades.sell_fee,
                               trades.exit_price, replayed.price)
    return effect_table(pnl[0], pnl[1:], labels, book.parameters(), resamples=resamples, seed=seed,
                        confidence=confidence)


def effect_table(baseline_pnl: np.ndarray, variant_pnl: np.ndarray, labels: Sequence[tuple[str, float]],
                 current: Mapping[str, float | None], *, resamples: int = RESAMPLES, seed: int = SEED,
                 confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Sweep rows from replayed net_pnl_pct: `baseline_pnl` (trades) under the actual rules,
    `variant_pnl` (variants × trades), NaN where censored; `labels` names each variant."""
    baseline = np.asarray(baseline_pnl, dtype=np.float64)
    variants = np.asarray(variant_pnl, dtype=np.float64).reshape(len(labels), -1)
    effects = variants - baseline  # NaN where either replay is censored
    intervals = bootstrap_means(effects, resamples=resamples, seed=seed, confidence=confidence)
    rows = []
    for (name, value), stats in zip(labels, intervals):
        now = current.get(name)
        rows.append({"parameter": name, "value": value, "current": np.nan if now is None else float(now),
                     "n": stats.n, "censored": len(baseline) - stats.n,
                     "mean": _nan(stats.mean), "low": _nan(stats.low), "high": _nan(stats.high)})
    frame = pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))
    return frame.astype({"parameter": object, "value": float, "current": float, "n": "int64", "censored": "int64",
                         "mean": float, "low": float, "high": float})


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class ReplaySuggestion:
    """A replay-backed suggestion (SPEC §3): set `parameter` to `suggested`; `value` is the mean
    effect on net_pnl_pct per trade (percentage points), `low`/`high` its interval, `threshold`
    the bound the interval lies wholly above, `samples` the trades it rests on."""

    rule: str
    message: str
    metric: str
    value: float
    threshold: float
    samples: int
    parameter: str
    suggested: float
    current: float | None
    low: float
    high: float

    def to_dict(self) -> dict:
        return asdict(self)


def replay_suggestions(table: pd.DataFrame, *, min_samples: int, lang: str = DEFAULT_LANGUAGE) -> list[ReplaySuggestion]:
    """Per parameter, the swept value with the best mean effect, when its interval lies wholly
    above 0 and it rests on at least `min_samples` trades; the message in `lang`."""
    out = []
    for name in PARAMETERS:
        rows = table[(table["parameter"] == name) & (table["n"] > 0) & table["mean"].notna()]
        if rows.empty:
            continue
        best = rows.loc[rows["mean"].idxmax()]
        if not (best["low"] > 0 and best["n"] >= min_samples):
            continue
        current = _number(best["current"])
        was = f"{current:g}" if current is not None else t("suggest.replay_off", lang)
        out.append(ReplaySuggestion(
            rule=f"replay_{name}",
            message=t("suggest.replay", lang, parameter=name, value=f"{best['value']:g}", current=was,
                      n=int(best["n"]), mean=f"{best['mean']:+.2f}", low=f"{best['low']:+.2f}",
                      high=f"{best['high']:+.2f}"),
            metric=f"replay.sweep.{name}", value=float(best["mean"]), threshold=0.0, samples=int(best["n"]),
            parameter=name, suggested=float(best["value"]), current=current,
            low=float(best["low"]), high=float(best["high"]),
        ))
    return out


@dataclass(frozen=True)
class ReplayCheck:
    """What replay says of a rule-based suggestion: `status` (CONFIRMED, NOT_CONFIRMED,
    NOT_REPLAYABLE), the swept `value` it rests on and that value's effect."""

    status: str
    parameter: str | None
    value: float | None = None
    current: float | None = None
    n: int = 0
    mean: float | None = None
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def check_change(table: pd.DataFrame, parameter: str, direction: str, *, min_samples: int = 1,
                 value: float | None = None) -> ReplayCheck:
    """Replay's verdict on changing `parameter` in `direction` ("increase", "decrease" or
    "keep"): the effect of `value` when given and swept, else of the swept value nearest the
    current one in that direction. Increase / decrease is confirmed when the interval lies
    wholly above 0; "keep" looks at the nearest larger value and is confirmed when the interval
    lies wholly below 0 (holding on longer would have earned less). Not replayable when the
    parameter was not swept, no swept value lies in that direction, or no trade was replayed;
    not confirmed otherwise (including fewer than `min_samples` trades)."""
    if direction not in ("increase", "decrease", "keep"):
        raise ValueError(f"direction must be 'increase', 'decrease' or 'keep', got {direction!r}")
    rows = table[(table["parameter"] == parameter) & table["current"].notna()]
    if rows.empty:
        return ReplayCheck(NOT_REPLAYABLE, parameter)
    current = float(rows["current"].iloc[0])
    if value is not None and (rows["value"] == value).any():
        candidates = rows[rows["value"] == value]
    elif direction == "decrease":
        candidates = rows[rows["value"] < current].sort_values("value", ascending=False)
    else:
        candidates = rows[rows["value"] > current].sort_values("value")
    if candidates.empty or candidates["n"].iloc[0] == 0:
        return ReplayCheck(NOT_REPLAYABLE, parameter, current=current)
    row = candidates.iloc[0]
    if direction == "keep":
        holds = row["high"] < 0
    else:
        holds = row["low"] > 0
    status = CONFIRMED if holds and row["n"] >= min_samples else NOT_CONFIRMED
    return ReplayCheck(status, parameter, value=float(row["value"]), current=current, n=int(row["n"]),
                       mean=_number(row["mean"]), low=_number(row["low"]), high=_number(row["high"]))


def check_suggestion(table: pd.DataFrame, rule: str, *, min_samples: int = 1, value: float | None = None) -> ReplayCheck:
    """`check_change` for a rule-based suggestion by its rule name (RULE_CHANGES); rules that
    name no single parameter (regime_review, hold) are not replayable."""
    if rule not in RULE_CHANGES:
        return ReplayCheck(NOT_REPLAYABLE, None)
    parameter, direction = RULE_CHANGES[rule]
    return check_change(table, parameter, direction, min_samples=min_samples, value=value)
