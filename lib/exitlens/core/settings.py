"""One frozen settings object: horizons, tolerance, thresholds, timezone.

Every threshold and horizon the computations use is a named field here, never a literal inside
a computation, so a report can say which values produced it and a user can change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exitlens.core.errors import ConfigError
from exitlens.core.i18n import DEFAULT_LANGUAGE, check_language

KINDS = ("daily", "weekly", "monthly")
"""The report kinds: one calendar day, a number of days, or one calendar month."""
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


DEFAULT_EXIT_REASON_ALIASES: Mapping[str, str] = {
    "roi": "TAKE_PROFIT",
    "stop_loss": "STOP_LOSS",
    "stoploss_on_exchange": "STOP_LOSS",
    "trailing_stop_loss": "TRAILING_STOP",
}
"""Exit reasons other bots write, matched case-insensitively, and the reason exitlens reads
them as (SPEC §2.1): freqtrade's names. Any reason not in the map is kept, upper-cased."""

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
    entry_price_max_factor: float = 10.0
    """A stored entry_avg_price more than this factor above or below the FIFO cost of its sell,
    or its sell price, is implausible (a unit or decimal slip in the bot): the FIFO cost is used."""
    thresholds: SuggestionThresholds = field(default_factory=SuggestionThresholds)
    timezone: str = DEFAULT_TIMEZONE
    quote_currency: str | None = None
    """The quote currency of symbols whose name does not say it (SPEC §2.1); None → "?"."""
    exit_reason_aliases: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_EXIT_REASON_ALIASES))
    """Exit reason (any case) → the reason it is read as; see DEFAULT_EXIT_REASON_ALIASES."""
    language: str = DEFAULT_LANGUAGE
    """The language of every text a person reads (i18n.LANGUAGES); JSON keys do not change."""
    replay_folds: int = 8
    """Exit replay's walk-forward (SPEC §6): how many periods before the period's end are test
    windows, each value chosen on the `replay_train` periods before it."""
    replay_train: int = 4

    def __post_init__(self) -> None:
        zone_info(self.timezone)
        check_language(self.language)
        object.__setattr__(self, "exit_reason_aliases", alias_table(self.exit_reason_aliases))
        if self.quote_currency is not None and (
                not isinstance(self.quote_currency, str) or not self.quote_currency.strip()):
            raise ConfigError(
                f"quote_currency must be a currency code such as KRW or USDT, got {self.quote_currency!r}")
        if isinstance(self.min_samples, bool) or not isinstance(self.min_samples, int) or self.min_samples < 0:
            raise ConfigError(f"min_samples must be a whole number, 0 or more, got {self.min_samples!r}")
        for name in ("replay_folds", "replay_train"):
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ConfigError(f"{name} (EXITLENS_{name.upper()}) must be a whole number, 1 or more, got {count!r}")
        factor = self.entry_price_max_factor
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 1 < factor < float("inf"):
            raise ConfigError(f"entry_price_max_factor must be a number above 1, got {factor!r}")
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


def alias_table(aliases: object, what: str = "exit_reason_aliases") -> dict[str, str]:
    """`aliases` as an exit-reason alias map with lower-case keys and upper-case targets, or a
    ConfigError when it is not a table of strings."""
    if not isinstance(aliases, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str) and key.strip() and value.strip()
            for key, value in aliases.items()):
        raise ConfigError(
            f"{what} must be a table of non-empty strings, reason → reason it is read "
            f'as, e.g. {{"roi": "TAKE_PROFIT"}}; got {aliases!r}')
    return {key.strip().lower(): value.strip().upper() for key, value in aliases.items()}


def candle_interval(value: str) -> str:
    """`value` as a `market_data.interval`, or a ConfigError saying what it must be."""
    text = value.strip()
    if not text or len(text) > 10:
        raise ConfigError(f"candle interval {value!r} must be the market_data.interval of the candles, such as 1m")
    return text


_SPAN_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def candle_span(interval: str) -> timedelta:
    """How long one candle of `interval` ("1m", "5m", "1h", "1d", as exchanges name them)
    lasts; one minute when the interval is not such a duration (SPEC §6 uses it as the
    replay's time tolerance)."""
    text = str(interval).strip()
    number, unit = text[:-1], text[-1:]
    if number.isdigit() and int(number) > 0 and unit in _SPAN_UNITS:
        return timedelta(**{_SPAN_UNITS[unit]: int(number)})
    return timedelta(minutes=1)


def tolerance_minutes(value: float | str) -> float:
    """`value` as a positive number of minutes, or a ConfigError saying what it must be."""
    try:
        minutes = float(value)
    except ValueError:
        minutes = float("nan")
    if not minutes > 0 or minutes == float("inf"):
        raise ConfigError(f"candle tolerance {value!r} must be a positive number of minutes, such as 5")
    return minutes
