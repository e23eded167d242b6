"""Every environment variable exitlens reads, typed, in one place.

`Environment.from_mapping(env)` is pure: the edges (the command line, the scheduler, a
notebook) pass `os.environ`, tests pass a dict. Empty values count as unset. A malformed number
is a ConfigError naming the variable. The configurations built from it (DeliveryConfig,
LLMConfig, ScheduleConfig, Settings) keep their own defaults and checks; README and
docs/deployment.md list the same names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from exitlens.core.errors import ConfigError
from exitlens.core.settings import DEFAULT_SQLITE_PATH, DEFAULT_TIMEZONE, Settings


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
        )

    def database(self, url: str | None = None) -> str:
        """The database URL: `url`, else EXITLENS_DATABASE_URL, else DATABASE_URL, else the
        embedded SQLite file data/exitlens.db under the working directory. A plain file path (no
        `scheme://`), such as `data/exitlens.db`, means that SQLite file."""
        chosen = url or self.database_url
        if chosen and "://" not in chosen:
            return f"sqlite:///{Path(chosen).expanduser().absolute()}"
        return chosen or f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"

    def settings(self, timezone: str | None = None, **overrides) -> Settings:
        """Settings with the report timezone from `timezone`, else EXITLENS_TZ, else Asia/Seoul."""
        return Settings(timezone=timezone or self.timezone or DEFAULT_TIMEZONE, **overrides)


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
