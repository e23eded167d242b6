"""Replay-backed suggestions and replay's verdict on the rule-based ones (SPEC §3, §6)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from exitlens.core.i18n import DEFAULT_LANGUAGE, t
from exitlens.core.replay.rules import ALL_PARAMETERS

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
    for name in ALL_PARAMETERS:
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
