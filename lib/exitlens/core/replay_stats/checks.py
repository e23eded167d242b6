"""Replay-backed suggestions and replay's verdict on the rule-based ones (SPEC §3, §6)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from exitlens.core.evidence import IN_SAMPLE, OUT_OF_SAMPLE
from exitlens.core.i18n import DEFAULT_LANGUAGE, t
from exitlens.core.replay_stats.choose import Pick
from exitlens.core.replay_stats.walk_forward import OutOfSample, WalkForward

CONFIRMED, NOT_CONFIRMED, NOT_REPLAYABLE = "confirmed", "not confirmed", "not replayable"
RULE_CHANGES = {
    "trailing_stop_loosen": ("trailing_stop_pct", "increase"),
    "stop_loss_loosen": ("stop_loss_pct", "increase"),
    "take_profit_raise": ("take_profit_pct", "increase"),
    "time_limit_keep": ("time_limit_hours", "keep"),
}
"""The parameter and direction of each rule-based suggestion (SPEC §3) that replay can check."""


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class ReplaySuggestion:
    """A replay-backed suggestion (SPEC §3): set `parameter` to `suggested`; `value` is the mean
    effect on net_pnl_pct per trade (percentage points), `low`/`high` its interval at
    `confidence` (the picking one, 1 − 0.05 / `comparisons`), `threshold` the bound that
    interval lies wholly above, `samples` the trades it rests on. `evidence` is `out-of-sample`
    when walk-forward confirms the parameter's choice (`out_of_sample`: its n, mean, interval and
    the value chosen in each fold), else `in-sample`."""

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
    confidence: float
    comparisons: int
    evidence: str
    out_of_sample: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def replay_suggestions(table: pd.DataFrame, picks: Mapping[str, Pick], *, comparisons: int,
                       walk: WalkForward | None = None, lang: str = DEFAULT_LANGUAGE) -> list[ReplaySuggestion]:
    """Per parameter (in the order of `picks`), its best swept value when `picks` picked it
    (its interval at the picking confidence wholly above 0, on at least `min_samples`
    trades), strongest evidence first; the message in `lang`. `table` gives the value's
    current value and n."""
    out = []
    for name, chosen in picks.items():
        rows = table[(table["parameter"] == name) & (table["value"] == chosen.value)]
        stats = chosen.interval
        if not chosen.picked or rows.empty or stats.mean is None or stats.low is None or stats.high is None:
            continue
        best = rows.iloc[0]
        current = _number(best["current"])
        was = f"{current:g}" if current is not None else t("suggest.replay_off", lang)
        confirmation = walk.by_parameter.get(name) if walk is not None else None
        evidence = OUT_OF_SAMPLE if confirmation is not None and confirmation.confirmed else IN_SAMPLE
        message = t("suggest.replay", lang, parameter=name, value=f"{chosen.value:g}", current=was, n=stats.n,
                    mean=f"{stats.mean:+.2f}", low=f"{stats.low:+.2f}", high=f"{stats.high:+.2f}",
                    level=f"{chosen.confidence:.1%}", m=comparisons)
        message += " " + _walk_text(walk, confirmation, lang)
        out.append(ReplaySuggestion(
            rule=f"replay_{name}", message=message, metric=f"replay.sweep.{name}", value=float(stats.mean),
            threshold=0.0, samples=int(stats.n), parameter=name, suggested=chosen.value, current=current,
            low=float(stats.low), high=float(stats.high), confidence=chosen.confidence, comparisons=comparisons,
            evidence=evidence, out_of_sample=None if walk is None or confirmation is None
            else out_of_sample_json(confirmation),
        ))
    return sorted(out, key=lambda s: s.evidence != OUT_OF_SAMPLE)


def out_of_sample_json(result: OutOfSample) -> dict:
    """The walk-forward numbers of one parameter as JSON: n, mean, low, high, chosen."""
    stats = result.interval
    return {"n": stats.n, "mean": stats.mean, "low": stats.low, "high": stats.high, "chosen": list(result.chosen)}


def _walk_text(walk: WalkForward | None, result: OutOfSample | None, lang: str) -> str:
    if walk is None or not walk.folds or result is None or result.interval.n == 0:
        folds = 0 if walk is None else len(walk.folds)
        return t("suggest.replay_no_walk", lang, folds=folds)
    stats = result.interval
    key = "suggest.replay_oos" if result.confirmed else "suggest.replay_not_oos"
    return t(key, lang, folds=len(walk.folds), train=walk.train, n=stats.n, mean=f"{stats.mean:+.2f}", low=f"{stats.low:+.2f}",
             high=f"{stats.high:+.2f}")


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


def check_regime(table: pd.DataFrame | None, picks: Mapping[str, Pick] | None) -> ReplayCheck:
    """Replay's verdict on reviewing one regime's exit parameters (`regime_review`), from that
    regime's sweep: confirmed when some parameter's best value is picked (its interval, at the
    confidence of all the regime sweep's comparisons, wholly above 0 on enough positions; the
    best such one is named), not confirmed otherwise (the best mean is named), not replayable
    when the regime was not swept (fewer than `min_samples` positions)."""
    if table is None or not picks:
        return ReplayCheck(NOT_REPLAYABLE, None)
    ranked = sorted(picks.values(), key=lambda p: (not p.picked, -(p.interval.mean or 0.0)))
    best = ranked[0]
    rows = table[(table["parameter"] == best.parameter) & (table["value"] == best.value)]
    current = _number(rows["current"].iloc[0]) if not rows.empty else None
    stats = best.interval
    return ReplayCheck(CONFIRMED if best.picked else NOT_CONFIRMED, best.parameter, value=best.value,
                       current=current, n=stats.n, mean=stats.mean, low=stats.low, high=stats.high)
