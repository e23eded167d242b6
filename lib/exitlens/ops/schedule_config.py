"""When the scheduler's jobs run and where it serves metrics: crontab lines read in the report
timezone (weekday numbers as crontab means them), built from the EXITLENS_* variables that
`core.environment.Environment` reads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError

JOB_TRACK = "track"
JOB_DAILY = "daily_report"
JOB_WEEKLY = "weekly_report"
JOB_MONTHLY = "monthly_report"
REPORT_KINDS = {JOB_DAILY: "daily", JOB_WEEKLY: "weekly", JOB_MONTHLY: "monthly"}
JOBS = (JOB_TRACK, JOB_DAILY, JOB_WEEKLY, JOB_MONTHLY)
DEFAULT_METRICS_PORT = 9108
DEFAULT_METRICS_ADDRESS = "127.0.0.1"


_CRONTAB_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday_number(token: str, expr: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token.lower() in _CRONTAB_WEEKDAYS:
        return _CRONTAB_WEEKDAYS.index(token.lower())
    raise ConfigError(f"cron expression {expr!r}: day of week {token!r} is not 0-7 or sun-sat")


def _crontab_weekdays(field: str, expr: str) -> str:
    """The day-of-week field with crontab's numbers (0 and 7 are Sunday) turned into names, as
    APScheduler 3 numbers weekdays from Monday. Fields without digits pass through unchanged."""
    if not any(ch.isdigit() for ch in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        if step_text and not (step_text.isdigit() and int(step_text) > 0):
            raise ConfigError(f"cron expression {expr!r}: step {step_text!r} must be a positive number")
        step = int(step_text or 1)
        if body == "*":
            low, high = 0, 6
        elif "-" in body:
            low, high = (_weekday_number(t, expr) for t in body.split("-", 1))
        else:
            low = _weekday_number(body, expr)
            high = 6 if step_text else low
        if low > high:
            raise ConfigError(f"cron expression {expr!r}: range {body!r} runs backwards")
        days.update(day % 7 for day in range(low, high + 1, step))
    return ",".join(_CRONTAB_WEEKDAYS[day] for day in sorted(days))


def crontab_trigger(expr: str, tz: ZoneInfo | timezone) -> CronTrigger:
    """A trigger for a standard five-field crontab line (minute hour day month weekday) in `tz`.

    Weekday numbers mean what they mean in crontab(5), 0 and 7 being Sunday, unlike APScheduler
    3's own `from_crontab`, where 0 is Monday: `0 22 * * 0` fires on Sundays.
    """
    fields = str(expr).split()
    if len(fields) != 5:
        raise ConfigError(
            f"cron expression {expr!r} has {len(fields)} fields: use five, "
            "minute hour day month weekday, such as '0 22 * * sun'"
        )
    fields[4] = _crontab_weekdays(fields[4], expr)
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=tz)
    except ValueError as exc:
        raise ConfigError(f"cron expression {expr!r} is not valid ({exc}): use e.g. '0 22 * * sun'") from exc


@dataclass(frozen=True)
class ScheduleConfig:
    """When the jobs run and where metrics are served. Times are in the report timezone
    (`Settings.timezone`).

    The tracker runs on `tracker_cron`, or every `track_interval` when that is set instead. A
    cron line fires at the same wall-clock minutes on every host, which is what lets a second
    scheduler find the lock held; an interval counts from each process's start.
    `lock_min_hold` must exceed the clock skew between hosts and stay below the shortest period.
    """

    tracker_cron: str | None = "*/10 * * * *"
    track_interval: timedelta | None = None
    daily_cron: str = "0 22 * * *"
    weekly_cron: str = "0 22 * * sun"
    monthly_cron: str = "0 22 1 * *"
    """On the 1st of each month; the monthly report is then the month before (publish_report)."""
    track_misfire_grace: timedelta = timedelta(minutes=5)
    report_misfire_grace: timedelta = timedelta(hours=1)
    lock_min_hold: timedelta = timedelta(seconds=60)
    metrics_port: int = DEFAULT_METRICS_PORT
    metrics_address: str = DEFAULT_METRICS_ADDRESS

    def __post_init__(self) -> None:
        if (self.tracker_cron is None) == (self.track_interval is None):
            raise ConfigError("set either a tracker cron line or a tracker interval, not both")
        if self.track_interval is not None and self.track_interval <= timedelta(0):
            raise ConfigError(f"the tracker interval must be positive, got {self.track_interval}")
        for name in ("track_misfire_grace", "report_misfire_grace"):
            if getattr(self, name) <= timedelta(0):
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.lock_min_hold < timedelta(0):
            raise ConfigError(f"lock_min_hold must be 0 or more, got {self.lock_min_hold}")
        if not 0 <= self.metrics_port <= 65535:
            raise ConfigError(f"metrics port must be 0-65535, got {self.metrics_port}")
        self.triggers(timezone.utc)  # every cron line parses

    def triggers(self, tz: ZoneInfo | timezone) -> dict[str, BaseTrigger]:
        """The trigger of each job, in `tz`."""
        tracker: BaseTrigger
        if self.tracker_cron is not None:
            tracker = crontab_trigger(self.tracker_cron, tz)
        else:
            assert self.track_interval is not None  # __post_init__: exactly one of the two is set
            tracker = IntervalTrigger(seconds=self.track_interval.total_seconds(), timezone=tz)
        return {
            JOB_TRACK: tracker,
            JOB_DAILY: crontab_trigger(self.daily_cron, tz),
            JOB_WEEKLY: crontab_trigger(self.weekly_cron, tz),
            JOB_MONTHLY: crontab_trigger(self.monthly_cron, tz),
        }

    def misfire_grace(self, job: str) -> timedelta:
        return self.track_misfire_grace if job == JOB_TRACK else self.report_misfire_grace

    @classmethod
    def from_environment(cls, environment: Environment, *, metrics_port: int | None = None,
                         metrics_address: str | None = None) -> "ScheduleConfig":
        """Arguments first, else EXITLENS_METRICS_PORT, EXITLENS_METRICS_ADDR,
        EXITLENS_TRACKER_CRON or EXITLENS_TRACK_INTERVAL_MINUTES, EXITLENS_DAILY_CRON,
        EXITLENS_WEEKLY_CRON and EXITLENS_MONTHLY_CRON, as read by `Environment`; an unset one
        keeps its default."""
        e = environment
        changes: dict[str, Any] = {}
        if e.tracker_cron:
            changes["tracker_cron"] = e.tracker_cron
        if e.track_interval_minutes is not None:
            changes.update(tracker_cron=None, track_interval=timedelta(minutes=e.track_interval_minutes))
        for field, value in (("daily_cron", e.daily_cron), ("weekly_cron", e.weekly_cron),
                             ("monthly_cron", e.monthly_cron)):
            if value:
                changes[field] = value
        port = metrics_port if metrics_port is not None else e.metrics_port
        if port is not None:
            changes["metrics_port"] = port
        address = metrics_address or e.metrics_address
        if address:
            changes["metrics_address"] = address
        return replace(cls(), **changes)
