"""One frozen settings object: horizons, tolerance, thresholds, timezone.

Every threshold and horizon the computations use is a named field here, never a literal inside
a computation, so a report can say which values produced it and a user can change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exitlens.core.errors import ConfigError

KINDS = ("daily", "weekly")
"""The report kinds: one calendar day, or a number of days."""
DEFAULT_TIMEZONE = "Asia/Seoul"
DEFAULT_SQLITE_PATH = Path("data") / "exitlens.db"


@dataclass(frozen=True)
class Horizon:
    """A post-exit horizon: its JSON key (`"4h"`) and its length."""

    key: str
    delta: timedelta

    @property
    def hours(self) -> float:
        return self.delta.total_seconds() / 3600


DEFAULT_HORIZONS = (
    Horizon("1h", timedelta(hours=1)),
    Horizon("4h", timedelta(hours=4)),
    Horizon("12h", timedelta(hours=12)),
    Horizon("24h", timedelta(hours=24)),
)


RULE_HORIZONS = ("4h", "24h")
"""The horizons SPEC §2 and §3 name in metrics and rules (avg_post_4h_pct, the 24h rates)."""


@dataclass(frozen=True)
class SuggestionThresholds:
    """Thresholds of the tuning rules (SPEC §3); every rule fires on a strict inequality."""

    trailing_stop_post_24h_pct: float = 3.0
    stop_loss_post_4h_pct: float = 1.0
    take_profit_post_4h_pct: float = 2.0
    time_limit_post_24h_pct: float = -2.0
    regime_early_exit_rate: float = 0.40
    trailing_stop_step_pct: float = 0.5

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise ConfigError(f"threshold {name} must be a number, got {value!r}")


# The seed's goal for the 24h collection rate (SPEC §2.2): reports warn below it.
COLLECTION_GOAL_24H = 0.95


@dataclass(frozen=True)
class Settings:
    """Everything a computation needs to know besides its data and the time."""

    horizons: tuple[Horizon, ...] = DEFAULT_HORIZONS
    candle_interval: str = "1m"
    candle_tolerance: timedelta = timedelta(minutes=5)
    retry_window: timedelta = timedelta(hours=48)
    early_exit_change_pct: float = 2.0
    over_hold_change_pct: float = -3.0
    saved_change_pct: float = -1.0
    min_samples: int = 20
    collection_goal_24h: float = COLLECTION_GOAL_24H
    thresholds: SuggestionThresholds = field(default_factory=SuggestionThresholds)
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        zone_info(self.timezone)
        if isinstance(self.min_samples, bool) or not isinstance(self.min_samples, int) or self.min_samples < 0:
            raise ConfigError(f"min_samples must be a whole number, 0 or more, got {self.min_samples!r}")
        keys = [h.key for h in self.horizons]
        if len(set(keys)) != len(keys) or any(h.delta <= timedelta(0) for h in self.horizons):
            raise ConfigError(f"horizons must have distinct keys and positive lengths, got {keys}")
        missing = [key for key in RULE_HORIZONS if key not in keys]
        if missing:
            raise ConfigError(f"horizons must include {', '.join(missing)}: the tuning rules read them")
        if self.candle_tolerance <= timedelta(0) or self.retry_window < timedelta(0):
            raise ConfigError("candle_tolerance must be positive and retry_window 0 or more")

    @property
    def tz(self) -> ZoneInfo:
        return zone_info(self.timezone)

    @property
    def horizon_keys(self) -> tuple[str, ...]:
        return tuple(h.key for h in self.horizons)

    def with_overrides(self, **changes) -> "Settings":
        """A copy with some fields changed (thresholds may be given as a dict)."""
        thresholds = changes.pop("thresholds", None)
        if isinstance(thresholds, dict):
            changes["thresholds"] = replace(self.thresholds, **thresholds)
        elif thresholds is not None:
            changes["thresholds"] = thresholds
        return replace(self, **changes)


def zone_info(name: str) -> ZoneInfo:
    """The timezone called `name`, or a ConfigError saying which names are valid."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown timezone {name!r}: use an IANA name such as Asia/Seoul or UTC"
        ) from exc
