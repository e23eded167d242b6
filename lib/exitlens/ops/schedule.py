"""The `exitlens schedule` process: tracker and reports on a clock, with Prometheus metrics.

Four jobs run in the report timezone: `track` (every 10 minutes), `daily_report` (22:00),
`weekly_report` (Sunday 22:00) and `monthly_report` (22:00 on the 1st, for the month before). The jobs are injected callables, `track_job(now)` and
`report_job(kind, now)`; the defaults call `tracker.track` and
`exitlens.ops.publish.publish_report(ReportRequest(kind=…, now=…, delivery=…))`. The job
wrapper (`ExitlensScheduler.run_job`) is the one place that reads the clock, and it owns
everything around a run: the lock, the metrics, the log line and the alert.

One owner per job: on PostgreSQL every run first takes a session-level advisory lock
(`pg_try_advisory_lock(job_lock_key(job))`) on a connection of its own, held for the run and at
least `lock_min_hold` after it started, so a second scheduler on the same database whose clock
fires the same run a little later finds the lock held, skips and counts it. On SQLite the
scheduler holds an exclusive lock on the database file (`SchedulerFileLock`): a second
scheduler on the same file stops at its start with one line.

A run that raises is logged in one line, counted, and alerted (`alert(job, error_text)`; by
default a Discord message when DISCORD_WEBHOOK_URL is set) unless the job announced the failure
itself (`AnnouncedFailure`: a failed report run publish_report announced); the schedule goes
on, and a failing alert is only logged. SIGTERM and SIGINT stop the scheduler after the running jobs finish.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

import httpx
import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from prometheus_client import start_http_server
from sqlalchemy.engine import Engine

from exitlens.clock import utc_now
from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, ExitlensError, ReportFailed, first_line
from exitlens.core.keys import FAILED, RUN_STATUSES, SKIPPED, SUCCEEDED
from exitlens.core.settings import Settings
from exitlens.delivery.notify import DeliveryConfig, send_discord_text
from exitlens.delivery.payloads import CONTENT_MAX, escape_markdown, truncate
from exitlens.delivery.redaction import scrub_secrets
from exitlens.ops import metrics
from exitlens.ops.schedule_config import JOBS, REPORT_KINDS, ScheduleConfig
from exitlens.store import db, tracker
from exitlens.store.locks import JobLocks, SchedulerFileLock
from exitlens.store.sources.freqtrade import sync_freqtrade

log = logging.getLogger(__name__)

TrackJob = Callable[[datetime], Any]
ReportJob = Callable[[str, datetime], Any]
Alert = Callable[[str, str], None]


# --------------------------------------------------------------------------- default jobs


def default_track_job(engine: Engine, settings: Settings, *, sync: Callable[[], Any] | None = None) -> TrackJob:
    """`track_job(now)`: copy what is new from the bot's source when a sync is configured,
    record the due points, then set the pending-points gauge."""

    def track_job(now: datetime) -> tracker.TrackResult:
        if sync is not None:
            sync()
        result = tracker.track(engine, now, settings, progress=False)
        metrics.count_tracking(result)
        metrics.POST_EXIT_PENDING.set(tracker.pending_points(engine, now, settings))
        return result

    return track_job


SYNC_SOURCES = ("freqtrade",)


def sync_from_environment(environment: Environment, db_url: str) -> Callable[[], Any] | None:
    """The sync to run before each tracker run, from EXITLENS_SYNC (`freqtrade`, with
    EXITLENS_FREQTRADE_SOURCE and EXITLENS_FREQTRADE_CANDLES), or None when it is unset."""
    source_kind = environment.sync
    if not source_kind:
        return None
    if source_kind not in SYNC_SOURCES:
        raise ConfigError(f"EXITLENS_SYNC={source_kind!r} is not a known source: use {', '.join(SYNC_SOURCES)}")
    source, candles = environment.freqtrade_source, environment.freqtrade_candles
    if not source or not candles:
        raise ConfigError("EXITLENS_SYNC=freqtrade needs EXITLENS_FREQTRADE_SOURCE (tradesv3.sqlite or its URL) "
                          "and EXITLENS_FREQTRADE_CANDLES (the data folder with the 1m candle files)")

    def sync() -> Any:
        result = sync_freqtrade(source, candles, target_url=db_url, progress=False)
        log.info("freqtrade sync: %s", result.summary_line())
        return result

    return sync


class AnnouncedFailure(ExitlensError):
    """A failure the job has announced itself: counted and logged, but not alerted again."""


def default_report_job(*, db_url: str, out_dir: str | Path, settings: Settings,
                       delivery: DeliveryConfig | None = None) -> ReportJob:
    """`report_job(kind, now)`: `exitlens.ops.publish.publish_report(ReportRequest(kind=kind,
    db_url=…, out_dir=…, settings=…, now=now, delivery=…))`, imported when the first report
    runs. publish_report decides the period from `now` (daily at 22:00 local: the current local
    day; weekly: the 7 days ending then; monthly: the last full calendar month) and raises when
    the run fails, so that the failure is counted. With `delivery` it has announced the failed
    run already, so the failure is not alerted a second time."""

    def report_job(kind: str, now: datetime) -> Any:
        from exitlens.ops.publish import ReportRequest, publish_report

        try:
            return publish_report(ReportRequest(kind=kind, db_url=db_url, out_dir=Path(out_dir), settings=settings,
                                                now=now, delivery=delivery))
        except ReportFailed as exc:
            if delivery is not None:
                raise AnnouncedFailure(str(exc)) from exc
            raise

    return report_job


def alert_text(job: str, error_text: str) -> str:
    """The one-line Discord alert for a failed job, secret-free, its error text (which may quote
    the database) shown literally, and within Discord's limit."""
    text = escape_markdown(scrub_secrets(" ".join(error_text.split())))
    return truncate(f"\u26a0\ufe0f exitlens: job `{job}` failed: {text}", CONTENT_MAX)


def default_alert(environment: Environment) -> Alert:
    """`alert(job, error_text)`: a Discord message when DISCORD_WEBHOOK_URL is set, else a log
    line only. The configuration is built now, so a malformed URL stops the start."""
    config = DeliveryConfig.from_environment(environment)

    def alert(job: str, error_text: str) -> None:
        if not config.discord_webhook_url:
            log.info("job %s failed; set DISCORD_WEBHOOK_URL to be alerted on Discord", job)
            return
        send_discord_text(config, alert_text(job, error_text))

    return alert


EXPECTED_FAILURES = (ExitlensError, sa.exc.SQLAlchemyError, OSError, httpx.HTTPError)
"""Failures of the world rather than of the code: logged in one line, without a traceback."""

ERROR_TEXT_MAX = 1000


def _error_text(exc: BaseException) -> str:
    """One secret-free line: the message of an exitlens error, `Type: message` otherwise; for a
    database error the driver's first line, without the SQL statement."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        text = first_line(exc.orig)
    else:
        text = str(exc)
    text = " ".join(text.split())
    if not (isinstance(exc, ExitlensError) and text):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return scrub_secrets(text)[:ERROR_TEXT_MAX]


# --------------------------------------------------------------------------- the scheduler


class ExitlensScheduler:
    """The three jobs on an APScheduler BackgroundScheduler in the report timezone, and the
    metrics endpoint. `start()` serves metrics and starts the clock; `stop()` waits for the
    running jobs, closes the endpoint and releases the locks."""

    def __init__(self, *, track_job: TrackJob, report_job: ReportJob, alert: Alert, settings: Settings,
                 config: ScheduleConfig, locks: JobLocks | None = None,
                 triggers: Mapping[str, BaseTrigger] | None = None,
                 clock: Callable[[], datetime] = utc_now, cleanups: tuple[Callable[[], Any], ...] = ()) -> None:
        self.config = config
        self.settings = settings
        self._track_job, self._report_job, self._alert = track_job, report_job, alert
        self._locks = locks
        self._clock = clock
        self._cleanups = cleanups
        self._triggers = {**config.triggers(settings.tz), **(triggers or {})}
        self.scheduler = BackgroundScheduler(
            timezone=settings.tz,
            executors={"default": ThreadPoolExecutor(max_workers=len(JOBS))},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._server: WSGIServer | None = None
        self._server_thread: threading.Thread | None = None
        self._stopped = False

    @property
    def metrics_port(self) -> int | None:
        return self._server.server_port if self._server is not None else None

    def start(self) -> "ExitlensScheduler":
        address, port = self.config.metrics_address, self.config.metrics_port
        try:
            self._server, self._server_thread = start_http_server(port, addr=address)
        except OSError as exc:
            self._run_cleanups()
            raise ConfigError(f"cannot serve metrics on {address}:{port} ({exc.strerror or exc}): "
                              f"{_metrics_hint(exc)}") from exc
        for job in JOBS:
            metrics.JOB_FAILURES.labels(job)
            metrics.JOB_SKIPPED.labels(job)
            metrics.JOB_DURATION.labels(job)
            self.scheduler.add_job(
                self.run_job, self._triggers[job], args=[job], id=job, name=job,
                misfire_grace_time=int(self.config.misfire_grace(job).total_seconds()),
                coalesce=True, max_instances=1, replace_existing=True,
            )
        for kind in REPORT_KINDS.values():
            metrics.REPORT_FAILURES.labels(kind)
            for status in RUN_STATUSES:
                metrics.REPORT_RUNS.labels(kind, status)
        self.scheduler.start()
        for job in self.scheduler.get_jobs():
            log.info("job %s: next run %s", job.id, job.next_run_time.isoformat() if job.next_run_time else "never")
        log.info("serving metrics on http://%s:%d/metrics", address, self.metrics_port)
        return self

    def run_job(self, job: str) -> str:
        """Run one job now, as the scheduler does: "succeeded", "failed" or "skipped"."""
        if self._locks is not None:
            try:
                owned = self._locks.acquire(job)
            except Exception as exc:  # the database is unreachable: a failed run, alerted
                if not self._locks.owned_last(job):
                    # Another scheduler held the job last: it alerts, once per database.
                    metrics.JOB_SKIPPED.labels(job).inc()
                    log.warning("job %s skipped: its lock cannot be taken (%s); the scheduler that "
                                "held it last alerts", job, _error_text(exc))
                    return "skipped"
                return self._failed(job, exc, 0.0)
            if not owned:
                metrics.JOB_SKIPPED.labels(job).inc()
                log.info("job %s skipped: another scheduler holds its lock", job)
                return SKIPPED
        started = time.monotonic()
        try:
            return self._run_owned(job, started)
        finally:
            if self._locks is not None:
                self._locks.release(job, time.monotonic() - started)

    def _run_owned(self, job: str, started: float) -> str:
        now = self._clock()
        kind = REPORT_KINDS.get(job)
        try:
            if kind is None:
                self._track_job(now)
            else:
                self._report_job(kind, now)
        except Exception as exc:
            return self._failed(job, exc, time.monotonic() - started)
        duration = time.monotonic() - started
        metrics.JOB_DURATION.labels(job).observe(duration)
        metrics.JOB_LAST_SUCCESS.labels(job).set(self._clock().timestamp())
        if kind is not None:
            metrics.REPORT_RUNS.labels(kind, SUCCEEDED).inc()
        log.info("job %s succeeded in %.1f s", job, duration)
        return SUCCEEDED

    def _failed(self, job: str, exc: Exception, duration: float) -> str:
        metrics.JOB_DURATION.labels(job).observe(duration)
        metrics.JOB_FAILURES.labels(job).inc()
        kind = REPORT_KINDS.get(job)
        if kind is not None:
            metrics.REPORT_RUNS.labels(kind, FAILED).inc()
            metrics.REPORT_FAILURES.labels(kind).inc()
        text = _error_text(exc)
        # Expected failures in one line; an unexpected one (a bug) with its traceback.
        log.error("job %s failed after %.1f s: %s", job, duration, text,
                  exc_info=None if isinstance(exc, EXPECTED_FAILURES) else exc)
        if isinstance(exc, AnnouncedFailure):
            return FAILED
        try:
            self._alert(job, text)
        except Exception as alert_exc:
            log.warning("alert for job %s not sent: %s", job, _error_text(alert_exc))
        return FAILED

    def stop(self) -> None:
        """Stop after the running jobs finish; close the metrics endpoint; release the locks."""
        if self._stopped:
            return
        self._stopped = True
        if self.scheduler.running:
            log.info("stopping: waiting for running jobs to finish")
            self.scheduler.shutdown(wait=True)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._server_thread is not None:
                self._server_thread.join(timeout=5)
        self._run_cleanups()
        log.info("scheduler stopped")

    def _run_cleanups(self) -> None:
        if self._locks is not None:
            self._locks.close()
        for cleanup in self._cleanups:
            cleanup()


def _metrics_hint(exc: OSError) -> str:
    """What to change when the metrics endpoint cannot be served: the address when it is not
    one of this host's (or not an address at all), else the port."""
    if isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return "set EXITLENS_METRICS_ADDR to an address of this host (127.0.0.1, or 0.0.0.0 for all)"
    return "pass another --metrics-port or set EXITLENS_METRICS_PORT"


def start_scheduler(
    db_url: str | None = None,
    *,
    settings: Settings | None = None,
    config: ScheduleConfig | None = None,
    out_dir: str | Path = "reports",
    notify: bool = True,
    track_job: TrackJob | None = None,
    report_job: ReportJob | None = None,
    alert: Alert | None = None,
    triggers: Mapping[str, BaseTrigger] | None = None,
    clock: Callable[[], datetime] = utc_now,
    environment: Environment = Environment(),
) -> ExitlensScheduler:
    """Build and start the scheduler; jobs not given are the defaults on `db_url` (else
    EXITLENS_DATABASE_URL, DATABASE_URL, the embedded SQLite file). Locks are taken when the
    URL is PostgreSQL. `triggers` replaces the trigger of some jobs (tests use short intervals).
    `environment` (the caller reads it from os.environ) supplies what is not given."""
    url = environment.database(db_url)
    file_lock = SchedulerFileLock.acquire(url)
    try:
        return _start_scheduler(url, file_lock, settings=settings, config=config, out_dir=out_dir, notify=notify,
                                track_job=track_job, report_job=report_job, alert=alert, triggers=triggers,
                                clock=clock, environment=environment)
    except BaseException:
        if file_lock is not None:
            file_lock.release()
        raise


def _start_scheduler(url: str, file_lock: SchedulerFileLock | None, *, settings: Settings | None,
                     config: ScheduleConfig | None, out_dir: str | Path, notify: bool, track_job: TrackJob | None,
                     report_job: ReportJob | None, alert: Alert | None, triggers: Mapping[str, BaseTrigger] | None,
                     clock: Callable[[], datetime], environment: Environment) -> ExitlensScheduler:
    settings = settings or environment.settings()
    config = config or ScheduleConfig.from_environment(environment)
    alert = alert or default_alert(environment)
    cleanups: list[Callable[[], Any]] = []
    if track_job is None:
        engine = db.connect(url)
        cleanups.append(engine.dispose)
        track_job = default_track_job(engine, settings, sync=sync_from_environment(environment, url))
    if report_job is None:
        delivery = DeliveryConfig.from_environment(environment) if notify else None
        report_job = default_report_job(db_url=url, out_dir=out_dir, settings=settings, delivery=delivery)
    locks = JobLocks(url, config.lock_min_hold) if db.sync_url(url).get_backend_name() == "postgresql" else None
    if file_lock is not None:
        cleanups.append(file_lock.release)  # last: after the engine's connections are closed
    scheduler = ExitlensScheduler(track_job=track_job, report_job=report_job, alert=alert, settings=settings,
                                  config=config, locks=locks, triggers=triggers, clock=clock,
                                  cleanups=tuple(cleanups))
    return scheduler.start()


def run_scheduler(
    db_url: str | None = None,
    *,
    stop_event: threading.Event | None = None,
    announce: Callable[[str], Any] | None = None,
    **options: Any,
) -> None:
    """`exitlens schedule`: start the scheduler (options as `start_scheduler`) and run until
    SIGTERM or SIGINT (or `stop_event` is set), then stop cleanly and return. `announce` gets
    one line with the metrics URL once serving (the port taken, also when 0 asked for any)."""
    stop = stop_event or threading.Event()
    running = start_scheduler(db_url, **options)
    if announce is not None:
        announce(f"serving metrics on http://{running.config.metrics_address}:{running.metrics_port}/metrics")
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda received, frame: stop.set())
    try:
        while not stop.wait(0.5):
            pass
        log.info("stop requested")
    finally:
        try:
            running.stop()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
