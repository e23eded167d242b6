"""Every environment variable exitlens reads, typed, in one place.

`Environment.from_mapping(env)` is pure: the edges (the command line, the scheduler, a
notebook) pass `os.environ`, tests pass a dict. Empty values count as unset. A malformed number
is a ConfigError naming the variable. The configurations built from it (DeliveryConfig,
LLMConfig, ScheduleConfig, Settings) keep their own defaults and checks; README and
docs/deployment.md list the same names.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Mapping

from exitlens.core import settings as settings_module
from exitlens.core.errors import ConfigError
from exitlens.core.i18n import DEFAULT_LANGUAGE
from exitlens.core.settings import (
    DEFAULT_EXIT_REASON_ALIASES,
    DEFAULT_SQLITE_PATH,
    DEFAULT_TIMEZONE,
    Settings,
    alias_table,
)


@dataclass(frozen=True, kw_only=True)
class Environment:
    """The values of the variables named in each field's comment; None when unset."""

    database_url: str | None = field(default=None, repr=False)  # EXITLENS_DATABASE_URL, else DATABASE_URL
    timezone: str | None = None  # EXITLENS_TZ
    chromium: str | None = None  # EXITLENS_CHROMIUM
    discord_webhook_url: str | None = field(default=None, repr=False)  # DISCORD_WEBHOOK_URL
    public_base_url: str | None = None  # EXITLENS_PUBLIC_BASE_URL
    n8n_url: str | None = field(default=None, repr=False)  # EXITLENS_N8N_URL
    n8n_secret: str | None = field(default=None, repr=False)  # EXITLENS_N8N_WEBHOOK_SECRET
    discord_max_upload_bytes: int | None = None  # EXITLENS_DISCORD_MAX_UPLOAD_BYTES
    notify_max_attempts: int | None = None  # EXITLENS_NOTIFY_MAX_ATTEMPTS
    notify_backoff_seconds: float | None = None  # EXITLENS_NOTIFY_BACKOFF_SECONDS
    notify_retry_after_cap_seconds: float | None = None  # EXITLENS_NOTIFY_RETRY_AFTER_CAP_SECONDS
    notify_timeout_seconds: float | None = None  # EXITLENS_NOTIFY_TIMEOUT_SECONDS
    llm_base_url: str | None = None  # EXITLENS_LLM_BASE_URL
    llm_api_key: str | None = field(default=None, repr=False)  # EXITLENS_LLM_API_KEY
    llm_model: str | None = None  # EXITLENS_LLM_MODEL
    pushgateway_url: str | None = field(default=None, repr=False)  # EXITLENS_PUSHGATEWAY_URL
    tracker_cron: str | None = None  # EXITLENS_TRACKER_CRON
    track_interval_minutes: float | None = None  # EXITLENS_TRACK_INTERVAL_MINUTES
    daily_cron: str | None = None  # EXITLENS_DAILY_CRON
    weekly_cron: str | None = None  # EXITLENS_WEEKLY_CRON
    metrics_port: int | None = None  # EXITLENS_METRICS_PORT
    metrics_address: str | None = None  # EXITLENS_METRICS_ADDR
    exit_rules: str | None = None  # EXITLENS_EXIT_RULES
    sync: str | None = None  # EXITLENS_SYNC, lower case
    freqtrade_source: str | None = field(default=None, repr=False)  # EXITLENS_FREQTRADE_SOURCE (may be a URL)
    freqtrade_candles: str | None = None  # EXITLENS_FREQTRADE_CANDLES
    summary_path: str | None = None  # EXITLENS_SUMMARY_PATH, set by a report run for its notebook's kernel
    language: str | None = None  # EXITLENS_LANG
    monthly_cron: str | None = None  # EXITLENS_MONTHLY_CRON
    candle_interval: str | None = None  # EXITLENS_CANDLE_INTERVAL
    candle_tolerance_minutes: str | None = None  # EXITLENS_CANDLE_TOLERANCE_MINUTES (checked by settings())
    quote_currency: str | None = None  # EXITLENS_QUOTE_CURRENCY, upper case
    exit_reason_aliases: Mapping[str, str] | None = None  # EXITLENS_EXIT_REASON_ALIASES, a JSON object
    replay_folds: int | None = None  # EXITLENS_REPLAY_FOLDS
    replay_train: int | None = None  # EXITLENS_REPLAY_TRAIN

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> "Environment":
        """The variables of `env` (pass `os.environ` at the edge)."""

        def text(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        tracker_cron, interval = text("EXITLENS_TRACKER_CRON"), text("EXITLENS_TRACK_INTERVAL_MINUTES")
        if tracker_cron and interval:
            raise ConfigError("set EXITLENS_TRACKER_CRON or EXITLENS_TRACK_INTERVAL_MINUTES, not both")
        port = text("EXITLENS_METRICS_PORT")
        if port is not None and not port.isdigit():
            raise ConfigError(f"EXITLENS_METRICS_PORT must be a port number, got {port!r}")
        return cls(
            database_url=text("EXITLENS_DATABASE_URL") or text("DATABASE_URL"),
            timezone=text("EXITLENS_TZ"),
            chromium=text("EXITLENS_CHROMIUM"),
            discord_webhook_url=text("DISCORD_WEBHOOK_URL"),
            public_base_url=text("EXITLENS_PUBLIC_BASE_URL"),
            n8n_url=text("EXITLENS_N8N_URL"),
            n8n_secret=text("EXITLENS_N8N_WEBHOOK_SECRET"),
            discord_max_upload_bytes=_whole(env, "EXITLENS_DISCORD_MAX_UPLOAD_BYTES"),
            notify_max_attempts=_whole(env, "EXITLENS_NOTIFY_MAX_ATTEMPTS"),
            notify_backoff_seconds=_number(env, "EXITLENS_NOTIFY_BACKOFF_SECONDS"),
            notify_retry_after_cap_seconds=_number(env, "EXITLENS_NOTIFY_RETRY_AFTER_CAP_SECONDS"),
            notify_timeout_seconds=_number(env, "EXITLENS_NOTIFY_TIMEOUT_SECONDS"),
            llm_base_url=text("EXITLENS_LLM_BASE_URL"),
            llm_api_key=text("EXITLENS_LLM_API_KEY"),
            llm_model=text("EXITLENS_LLM_MODEL"),
            pushgateway_url=text("EXITLENS_PUSHGATEWAY_URL"),
            tracker_cron=tracker_cron,
            track_interval_minutes=_interval(interval),
            daily_cron=text("EXITLENS_DAILY_CRON"),
            weekly_cron=text("EXITLENS_WEEKLY_CRON"),
            metrics_port=int(port) if port is not None else None,
            metrics_address=text("EXITLENS_METRICS_ADDR"),
            exit_rules=text("EXITLENS_EXIT_RULES"),
            sync=(text("EXITLENS_SYNC") or "").lower() or None,
            freqtrade_source=text("EXITLENS_FREQTRADE_SOURCE"),
            freqtrade_candles=text("EXITLENS_FREQTRADE_CANDLES"),
            summary_path=text("EXITLENS_SUMMARY_PATH"),
            language=text("EXITLENS_LANG"),
            monthly_cron=text("EXITLENS_MONTHLY_CRON"),
            candle_interval=text("EXITLENS_CANDLE_INTERVAL"),
            candle_tolerance_minutes=text("EXITLENS_CANDLE_TOLERANCE_MINUTES"),
            quote_currency=(text("EXITLENS_QUOTE_CURRENCY") or "").upper() or None,
            exit_reason_aliases=_aliases(text("EXITLENS_EXIT_REASON_ALIASES")),
            replay_folds=_whole(env, "EXITLENS_REPLAY_FOLDS"),
            replay_train=_whole(env, "EXITLENS_REPLAY_TRAIN"),
        )

    def database(self, url: str | None = None) -> str:
        """The database URL: `url`, else EXITLENS_DATABASE_URL, else DATABASE_URL, else the
        embedded SQLite file data/exitlens.db under the working directory. A plain file path (no
        `scheme://`), such as `data/exitlens.db`, means that SQLite file."""
        chosen = url or self.database_url
        if chosen and "://" not in chosen:
            return f"sqlite:///{Path(chosen).expanduser().absolute()}"
        return chosen or f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"

    def settings(self, timezone: str | None = None, language: str | None = None, *,
                 candle_interval: str | None = None, tolerance_minutes: float | None = None,
                 **overrides) -> Settings:
        """Settings with, each from the argument else its variable else the default: the report
        timezone (EXITLENS_TZ, Asia/Seoul), the language (EXITLENS_LANG, en), the candle
        interval (EXITLENS_CANDLE_INTERVAL, 1m) and tolerance in minutes
        (EXITLENS_CANDLE_TOLERANCE_MINUTES, 5); the quote currency (EXITLENS_QUOTE_CURRENCY) and
        the exit-reason aliases (EXITLENS_EXIT_REASON_ALIASES, added to the defaults, its
        entries winning) and exit replay's walk-forward folds and training windows
        (EXITLENS_REPLAY_FOLDS, EXITLENS_REPLAY_TRAIN) from the environment unless given in
        `overrides`."""
        interval = candle_interval or self.candle_interval
        if interval is not None:
            overrides["candle_interval"] = settings_module.candle_interval(interval)
        minutes = tolerance_minutes if tolerance_minutes is not None else self.candle_tolerance_minutes
        if minutes is not None:
            overrides["candle_tolerance"] = timedelta(minutes=settings_module.tolerance_minutes(minutes))
        if self.quote_currency and "quote_currency" not in overrides:
            overrides["quote_currency"] = self.quote_currency
        for name in ("replay_folds", "replay_train"):
            if getattr(self, name) is not None and name not in overrides:
                overrides[name] = getattr(self, name)
        if self.exit_reason_aliases is not None and "exit_reason_aliases" not in overrides:
            overrides["exit_reason_aliases"] = {**DEFAULT_EXIT_REASON_ALIASES, **self.exit_reason_aliases}
        return Settings(timezone=timezone or self.timezone or DEFAULT_TIMEZONE,
                        language=language or self.language or DEFAULT_LANGUAGE, **overrides)


def _aliases(raw: str | None) -> dict[str, str] | None:
    """EXITLENS_EXIT_REASON_ALIASES as an alias table, or None when unset."""
    if raw is None:
        return None
    try:
        table = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"EXITLENS_EXIT_REASON_ALIASES is not JSON ({exc}): give an object such as "
                          '{"roi": "TAKE_PROFIT"}') from exc
    return alias_table(table, "EXITLENS_EXIT_REASON_ALIASES")


def _number(env: Mapping[str, str], name: str, kind: type = float) -> float | None:
    """A number 0 or more from `name`, or None when unset."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from None
    if value < 0 or not math.isfinite(value):
        raise ConfigError(f"{name} must be 0 or more, got {raw!r}")
    return value


def _whole(env: Mapping[str, str], name: str) -> int | None:
    value = _number(env, name, int)
    return None if value is None else int(value)


def _interval(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        minutes = float(raw)
    except ValueError:
        raise ConfigError(f"EXITLENS_TRACK_INTERVAL_MINUTES must be a number, got {raw!r}") from None
    if not minutes > 0:
        raise ConfigError(f"EXITLENS_TRACK_INTERVAL_MINUTES must be positive, got {raw!r}")
    return minutes
