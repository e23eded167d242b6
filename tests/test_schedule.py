"""The scheduler: triggers in the report timezone, metrics over real HTTP, failures counted and
alerted, one owner per job on PostgreSQL, clean stops, the Pushgateway push.

Every server here listens on 127.0.0.1 on a port the system picked; nothing leaves the host.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client.parser import text_string_to_metric_families

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, DataError, DeliveryFailed
from exitlens.core.settings import Settings
from exitlens.delivery.notify import DeliveryConfig
from exitlens.ops import metrics, publish, schedule
from exitlens.ops.schedule_config import (
    JOB_DAILY,
    JOB_MONTHLY,
    JOB_TRACK,
    JOB_WEEKLY,
    JOBS,
    ScheduleConfig,
    crontab_trigger,
)
from exitlens.store import db, locks, migrations
from exitlens.store import tracker as tracking
from tracking_factories import add_candles, add_sell, ts

UTC = timezone.utc
SEOUL = ZoneInfo("Asia/Seoul")
NOW = ts("2026-11-25 00:00").to_pydatetime()
FAST = ScheduleConfig(tracker_cron=None, track_interval=timedelta(seconds=0.2), metrics_port=0,
                      lock_min_hold=timedelta(0))


# --------------------------------------------------------------------------- helpers


def wait_until(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    """Every sample served on http://127.0.0.1:<port>/metrics, by (name, sorted labels)."""
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    response.raise_for_status()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def served(port: int, name: str, **labels) -> float | None:
    return scrape(port).get((name, tuple(sorted(labels.items()))))


def value(metric, *labels) -> float:
    """A counter's or gauge's current value in this process."""
    child = metric.labels(*labels) if labels else metric
    return child._value.get()


class Calls:
    """A job that records the `now` it was given, and can be told to raise or to block."""

    def __init__(self, error: Exception | None = None, block: threading.Event | None = None):
        self.times: list = []
        self.error = error
        self.block = block
        self.started = threading.Event()

    def __call__(self, *args):
        self.times.append(args)
        self.started.set()
        if self.block is not None:
            self.block.wait(10)
        if self.error is not None:
            raise self.error


@pytest.fixture
def start():
    """start(**options): a started scheduler on dummy jobs, stopped after the test."""
    running = []

    def _start(db_url="sqlite:///unused-by-dummy-jobs.db", **options):
        options.setdefault("settings", Settings())
        options.setdefault("config", FAST)
        options.setdefault("track_job", Calls())
        options.setdefault("report_job", Calls())
        options.setdefault("alert", lambda job, text: None)
        options.setdefault("environment", Environment())
        scheduler = schedule.start_scheduler(db_url, **options)
        running.append(scheduler)
        return scheduler

    yield _start
    for scheduler in running:
        scheduler.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder(BaseHTTPRequestHandler):
    """A tiny HTTP server's handler that records every request and answers `status`."""

    requests: list = []
    status = 200

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.requests.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    handler = type("Handler", (Recorder,), {"requests": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.handler = handler
    yield server
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------- triggers


def test_daily_cron_when_timezone_seoul_fires_at_22_local_13_utc():
    trigger = ScheduleConfig().triggers(SEOUL)[JOB_DAILY]

    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 0, 0, tzinfo=UTC))

    assert fire == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert (fire.tzinfo.key, fire.hour) == ("Asia/Seoul", 22)


def test_weekly_cron_when_default_fires_sunday_22_local():
    trigger = ScheduleConfig().triggers(SEOUL)[JOB_WEEKLY]

    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 0, 0, tzinfo=UTC))

    assert fire.astimezone(SEOUL).strftime("%a %H:%M") == "Sun 22:00"
    assert fire == datetime(2026, 11, 29, 13, 0, tzinfo=UTC)


def test_monthly_cron_when_default_fires_on_the_first_at_22_local():
    trigger = ScheduleConfig().triggers(SEOUL)[JOB_MONTHLY]

    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 0, 0, tzinfo=UTC))

    assert fire.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M") == "2026-12-01 22:00"


def test_monthly_cron_when_env_set_is_read():
    environment = Environment.from_mapping({"EXITLENS_MONTHLY_CRON": "0 9 2 * *"})
    assert ScheduleConfig.from_environment(environment).monthly_cron == "0 9 2 * *"


def test_tracker_cron_when_default_fires_every_ten_minutes_on_the_clock():
    trigger = ScheduleConfig().triggers(SEOUL)[JOB_TRACK]

    first = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 0, 3, tzinfo=UTC))
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))

    assert (first.minute, second - first) == (10, timedelta(minutes=10))


def _weekdays(expr: str) -> list[str]:
    trigger = crontab_trigger(expr, SEOUL)
    fire, names = None, set()
    moment = datetime(2026, 11, 23, tzinfo=SEOUL)
    for _ in range(7):
        fire = trigger.get_next_fire_time(fire, moment)
        names.add(fire.strftime("%a"))
        moment = fire + timedelta(seconds=1)
    return sorted(names)


@pytest.mark.parametrize("expr, days", [
    ("0 22 * * 0", ["Sun"]),
    ("0 22 * * 7", ["Sun"]),
    ("0 22 * * sun", ["Sun"]),
    ("0 22 * * 1-5", ["Fri", "Mon", "Thu", "Tue", "Wed"]),
    ("0 22 * * */2", ["Sat", "Sun", "Thu", "Tue"]),
    ("0 22 * * 5-7", ["Fri", "Sat", "Sun"]),
    ("0 22 * * mon,3", ["Mon", "Wed"]),
])
def test_crontab_weekday_when_numbers_given_means_what_crontab_means(expr, days):
    assert _weekdays(expr) == days


@pytest.mark.parametrize("expr, message", [
    ("0 22 * *", "has 4 fields"),
    ("0 25 * * *", "not valid"),
    ("0 22 * * 8", "not 0-7 or sun-sat"),
    ("0 22 * * 5-1", "runs backwards"),
])
def test_crontab_trigger_when_malformed_raises_config_error(expr, message):
    with pytest.raises(ConfigError, match=message):
        ScheduleConfig(daily_cron=expr)


def test_schedule_config_when_env_set_reads_every_variable():
    config = ScheduleConfig.from_environment(Environment.from_mapping({
        "EXITLENS_TRACK_INTERVAL_MINUTES": "2.5", "EXITLENS_DAILY_CRON": "30 21 * * *",
        "EXITLENS_WEEKLY_CRON": "0 21 * * 6", "EXITLENS_METRICS_PORT": "9200",
        "EXITLENS_METRICS_ADDR": "0.0.0.0",
    }))

    assert config.tracker_cron is None and config.track_interval == timedelta(minutes=2.5)
    assert (config.daily_cron, config.weekly_cron) == ("30 21 * * *", "0 21 * * 6")
    assert (config.metrics_port, config.metrics_address) == (9200, "0.0.0.0")


def test_schedule_config_when_arguments_given_they_beat_env():
    config = ScheduleConfig.from_environment(Environment.from_mapping({"EXITLENS_METRICS_PORT": "9200", "EXITLENS_TRACKER_CRON": "*/5 * * * *"}),
                                             metrics_port=9300, metrics_address="127.0.0.2")

    assert (config.metrics_port, config.metrics_address, config.tracker_cron) == (9300, "127.0.0.2", "*/5 * * * *")
    assert ScheduleConfig.from_environment(Environment()) == ScheduleConfig()


@pytest.mark.parametrize("env, message", [
    ({"EXITLENS_METRICS_PORT": "ninety"}, "EXITLENS_METRICS_PORT must be a port number"),
    ({"EXITLENS_METRICS_PORT": "70000"}, "0-65535"),
    ({"EXITLENS_TRACK_INTERVAL_MINUTES": "0"}, "must be positive"),
    ({"EXITLENS_TRACK_INTERVAL_MINUTES": "soon"}, "must be a number"),
    ({"EXITLENS_TRACK_INTERVAL_MINUTES": "5", "EXITLENS_TRACKER_CRON": "*/5 * * * *"}, "not both"),
    ({"EXITLENS_WEEKLY_CRON": "sunday at ten"}, "has 3 fields"),
])
def test_schedule_config_when_env_malformed_raises_config_error(env, message):
    with pytest.raises(ConfigError, match=message):
        ScheduleConfig.from_environment(Environment.from_mapping(env))


# --------------------------------------------------------------------------- running, metrics


def test_scheduler_when_running_serves_metrics_that_move(start):
    track = Calls()
    scheduler = start(track_job=track)
    port = scheduler.metrics_port
    count = lambda: served(port, "exitlens_job_duration_seconds_count", job=JOB_TRACK) or 0  # noqa: E731
    first = count()

    wait_until(lambda: count() >= first + 2, what="two tracker runs seen on /metrics")

    samples = scrape(port)
    assert samples[("exitlens_job_last_success_timestamp_seconds", (("job", JOB_TRACK),))] > 0
    assert ("coinpilot_post_exit_tracked_total", ()) in samples
    assert ("coinpilot_post_exit_missed_total", ()) in samples
    assert ("exitlens_job_skipped_total", (("job", JOB_TRACK),)) in samples
    assert ("exitlens_report_runs_total", (("kind", "weekly"), ("status", "failed"))) in samples
    assert ("exitlens_post_exit_pending_points", ()) in samples
    assert all(len(args) == 1 and args[0].tzinfo is not None for args in track.times)


def test_scheduler_when_started_schedules_reports_at_22_in_report_timezone(start):
    scheduler = start(config=ScheduleConfig(metrics_port=0))

    daily = scheduler.scheduler.get_job(JOB_DAILY)
    weekly = scheduler.scheduler.get_job(JOB_WEEKLY)

    assert (daily.next_run_time.hour, daily.next_run_time.minute) == (22, 0)
    assert daily.next_run_time.astimezone(UTC).hour == 13
    assert weekly.next_run_time.strftime("%a %H:%M") == "Sun 22:00"
    for job in (daily, weekly, scheduler.scheduler.get_job(JOB_TRACK)):
        assert (job.coalesce, job.max_instances) == (True, 1)
    assert daily.misfire_grace_time == 3600
    assert scheduler.scheduler.get_job(JOB_TRACK).misfire_grace_time == 300


def test_default_track_job_when_scheduled_tracks_and_sets_pending_gauge(start, sqlite_url):
    engine = db.connect(sqlite_url, create=True)
    migrations.migrate(engine)
    add_sell(engine, at="2026-11-23 12:00", price=200.0)
    add_candles(engine, {"2026-11-23 13:00": 201.0, "2026-11-23 16:00": 190.0})
    tracked_before = value(metrics.POST_EXIT_TRACKED)

    scheduler = start(sqlite_url, track_job=None, clock=lambda: NOW)
    port = scheduler.metrics_port

    wait_until(lambda: value(metrics.POST_EXIT_TRACKED) >= tracked_before + 2, what="the 1h and 4h points")
    wait_until(lambda: served(port, "exitlens_job_last_success_timestamp_seconds", job=JOB_TRACK) == NOW.timestamp(),
               what="a successful tracker run stamped with the injected clock")
    assert served(port, "coinpilot_post_exit_tracked_total") >= tracked_before + 2
    assert served(port, "exitlens_post_exit_pending_points") == 2  # 12h and 24h: due, missed
    engine.dispose()


def test_job_when_it_raises_is_counted_alerted_and_schedule_goes_on(start, caplog):
    track = Calls(error=RuntimeError("candles table is locked"))
    alerts = []
    failures_before = value(metrics.JOB_FAILURES, JOB_TRACK)

    scheduler = start(track_job=track, alert=lambda job, text: alerts.append((job, text)))

    wait_until(lambda: len(track.times) >= 3, what="runs after the first failure")
    scheduler.stop()
    assert value(metrics.JOB_FAILURES, JOB_TRACK) >= failures_before + 3
    assert alerts[0] == (JOB_TRACK, "RuntimeError: candles table is locked")
    assert "job track failed after" in caplog.text and "candles table is locked" in caplog.text


def test_report_job_when_it_raises_counts_report_failure_and_alerts_one_line(start):
    report = Calls(error=DataError("no sells in the period:\nrun exitlens demo"))
    alerts = []
    failed_before = value(metrics.REPORT_RUNS, "daily", "failed")
    failures_before = value(metrics.REPORT_FAILURES, "daily")

    scheduler = start(report_job=report, alert=lambda job, text: alerts.append((job, text)),
                      triggers={JOB_DAILY: IntervalTrigger(seconds=0.2)})

    wait_until(lambda: len(report.times) >= 2, what="two daily runs")
    scheduler.stop()
    assert report.times[0][0] == "daily"
    assert value(metrics.REPORT_RUNS, "daily", "failed") >= failed_before + 2
    assert value(metrics.REPORT_FAILURES, "daily") >= failures_before + 2
    assert alerts[0] == (JOB_DAILY, "no sells in the period: run exitlens demo")


def test_alert_when_it_raises_is_logged_and_scheduler_keeps_running(start, caplog):
    track = Calls(error=RuntimeError("boom"))

    def broken_alert(job, text):
        raise OSError("webhook down")

    scheduler = start(track_job=track, alert=broken_alert)

    wait_until(lambda: len(track.times) >= 3, what="runs after a failed alert")
    assert scheduler.scheduler.running
    assert "alert for job track not sent: OSError: webhook down" in caplog.text


def test_report_job_when_it_succeeds_counts_success_with_kind(start):
    report = Calls()
    before = value(metrics.REPORT_RUNS, "weekly", "succeeded")

    scheduler = start(report_job=report, triggers={JOB_WEEKLY: IntervalTrigger(seconds=0.2)})

    wait_until(lambda: value(metrics.REPORT_RUNS, "weekly", "succeeded") >= before + 1, what="a weekly run")
    scheduler.stop()
    assert report.times[0][0] == "weekly"
    assert served_after_stop_refused(scheduler.metrics_port)


def served_after_stop_refused(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
    except httpx.ConnectError:
        return True
    return False


# --------------------------------------------------------------------------- stopping


def test_stop_when_job_running_waits_for_it_and_closes_metrics_server(start):
    release = threading.Event()
    track = Calls(block=release)
    scheduler = start(track_job=track)
    port = scheduler.metrics_port
    track.started.wait(5)

    stopper = threading.Thread(target=scheduler.stop)
    stopper.start()
    stopper.join(0.3)
    assert stopper.is_alive(), "stop() must wait for the running job"
    release.set()
    stopper.join(10)

    assert not stopper.is_alive()
    assert not scheduler.scheduler.running
    assert served_after_stop_refused(port)
    scheduler.stop()  # a second stop is harmless


def test_run_scheduler_when_stop_event_set_returns_cleanly():
    stop = threading.Event()
    track = Calls()
    runner = threading.Thread(target=schedule.run_scheduler, args=("sqlite:///unused.db",), kwargs=dict(
        stop_event=stop, settings=Settings(), config=FAST, track_job=track, report_job=Calls(),
        alert=lambda job, text: None, environment=Environment()))
    runner.start()
    wait_until(lambda: track.times, what="a tracker run")

    stop.set()
    runner.join(10)

    assert not runner.is_alive()


CHILD = textwrap.dedent("""
    import logging, sys
    from datetime import timedelta
    from exitlens.core.environment import Environment
    from exitlens.core.settings import Settings
    from exitlens.ops.schedule import ScheduleConfig, run_scheduler

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)

    def track(now):
        print("tracked", now.isoformat(), flush=True)

    config = ScheduleConfig(tracker_cron=None, track_interval=timedelta(seconds=0.1), metrics_port=0)
    run_scheduler("sqlite:///unused.db", settings=Settings(), config=config, track_job=track,
                  report_job=lambda kind, now: None, alert=lambda job, text: None, environment=Environment())
    print("stopped cleanly", flush=True)
""")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_scheduler_when_signalled_stops_cleanly_and_exits_zero(signum, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXITLENS_", "DISCORD_"))}
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=tmp_path, env=env)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 20)
        assert ready and child.stdout.readline().startswith("tracked"), child.stderr.read()
        child.send_signal(signum)
        out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    assert child.returncode == 0, err
    assert out.rstrip().endswith("stopped cleanly")
    assert "scheduler stopped" in err and "Traceback" not in err


def test_start_when_metrics_port_taken_raises_config_error_naming_the_fix(start):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match="--metrics-port or set EXITLENS_METRICS_PORT"):
            start(config=ScheduleConfig(metrics_port=port))


# --------------------------------------------------------------------------- one owner per job


def _scheduler(url: str | None, *, report_job=None, track_job=None, alert=None, min_hold=timedelta(0)):
    """An unstarted scheduler, with locks on `url` when given: `run_job` runs a job as the clock would."""
    return schedule.ExitlensScheduler(
        track_job=track_job or Calls(), report_job=report_job or Calls(), alert=alert or (lambda job, text: None),
        settings=Settings(), config=FAST, locks=locks.JobLocks(url, min_hold) if url else None)


@pytest.mark.postgres
def test_job_when_lock_held_elsewhere_is_skipped_then_runs_once_released(start, postgres_url):
    holder = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    track = Calls()
    skipped_before = value(metrics.JOB_SKIPPED, JOB_TRACK)
    with holder.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": locks.job_lock_key(JOB_TRACK)})

        scheduler = start(postgres_url, track_job=track)
        port = scheduler.metrics_port
        wait_until(lambda: (served(port, "exitlens_job_skipped_total", job=JOB_TRACK) or 0) >= skipped_before + 2,
                   what="skips seen on /metrics")
        assert track.times == []

        conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": locks.job_lock_key(JOB_TRACK)})
        wait_until(lambda: track.times, what="a run once the lock is free")
    holder.dispose()


@pytest.mark.postgres
def test_two_schedulers_when_same_run_fires_on_both_run_it_once(postgres_url):
    release = threading.Event()
    report_a = Calls(block=release)
    report_b = Calls()
    first, second = _scheduler(postgres_url, report_job=report_a), _scheduler(postgres_url, report_job=report_b)
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.setdefault("a", first.run_job(JOB_DAILY)))
    try:
        runner.start()
        report_a.started.wait(5)

        assert second.run_job(JOB_DAILY) == "skipped"
        assert second.run_job(JOB_TRACK) == "succeeded"  # locks are per job
        release.set()
        runner.join(10)
    finally:
        release.set()
        first.stop()
        second.stop()

    assert outcome == {"a": "succeeded"}
    assert (len(report_a.times), report_b.times) == (1, [])


@pytest.mark.postgres
def test_lock_when_run_ended_within_min_hold_still_skips_a_late_second_scheduler(postgres_url):
    first = _scheduler(postgres_url, min_hold=timedelta(seconds=30))
    second = _scheduler(postgres_url, min_hold=timedelta(seconds=30))
    try:
        assert first.run_job(JOB_WEEKLY) == "succeeded"
        assert second.run_job(JOB_WEEKLY) == "skipped"  # its clock fired a little later
        assert first.run_job(JOB_WEEKLY) == "succeeded"  # the owner takes its kept lock over
        first.stop()  # releases the kept lock at once
        assert second.run_job(JOB_WEEKLY) == "succeeded"
    finally:
        first.stop()
        second.stop()


def test_job_when_lock_database_unreachable_fails_and_alerts():
    alerts = []
    track = Calls()
    scheduler = _scheduler(f"postgresql://nobody@127.0.0.1:{free_port()}/nothing", track_job=track,
                           alert=lambda job, text: alerts.append((job, text)))
    try:
        assert scheduler.run_job(JOB_TRACK) == "failed"
    finally:
        scheduler.stop()
    assert track.times == []
    assert alerts[0][0] == JOB_TRACK and alerts[0][1].startswith("OperationalError: ")
    assert "SELECT" not in alerts[0][1] and "\n" not in alerts[0][1]


def test_job_when_expected_error_logs_one_line_and_bug_logs_traceback(caplog):
    scheduler = _scheduler(None, track_job=Calls(error=DataError("now has no timezone")),
                           report_job=Calls(error=KeyError("period_start")))

    scheduler.run_job(JOB_TRACK)
    scheduler.run_job(JOB_DAILY)

    track_record, report_record = [r for r in caplog.records if r.getMessage().startswith("job ")]
    assert track_record.exc_info is None and track_record.getMessage().endswith("now has no timezone")
    assert report_record.exc_info is not None and "KeyError: 'period_start'" in report_record.getMessage()


def test_job_lock_key_when_computed_is_stable_signed_64_bit_and_per_job():
    keys = {job: locks.job_lock_key(job) for job in JOBS}
    assert len(set(keys.values())) == len(JOBS)
    assert all(-2**63 <= key < 2**63 for key in keys.values())
    assert locks.job_lock_key(JOB_TRACK) == locks.job_lock_key("track")


# --------------------------------------------------------------------------- default jobs, alert


def test_pending_points_when_mixed_sells_counts_unrecorded_unexpired_points(engine):
    recorded = {"price": 1.0, "change_pct": 0.0, "tracked_at": "2026-11-24T00:00:00+00:00"}
    add_sell(engine, at="2026-11-24 23:00")  # nothing due yet: 4
    add_sell(engine, at="2026-11-23 18:00", post_exit_prices={"1h": recorded, "4h": recorded})  # 12h, 24h: 2
    add_sell(engine, at="2026-11-21 16:00")  # every point past the 48h retry window: 0
    add_sell(engine, at="2026-11-24 23:00", price=0.0)  # not trackable: 0
    add_sell(engine, at="2026-11-24 23:00", post_exit_prices="[1, 2]")  # not a JSON object: 0

    assert tracking.pending_points(engine, NOW, Settings()) == 6


def test_default_report_job_when_run_calls_publish_report_with_the_contract(monkeypatch, tmp_path):
    import types

    seen = {}
    fake = types.ModuleType("exitlens.ops.publish")
    fake.ReportRequest = publish.ReportRequest
    fake.publish_report = lambda request: seen.update(request=request) or "done"
    monkeypatch.setitem(sys.modules, "exitlens.ops.publish", fake)
    settings = Settings(timezone="UTC")

    delivery = DeliveryConfig()
    job = schedule.default_report_job(db_url="sqlite:///x.db", out_dir=tmp_path, settings=settings, delivery=delivery)

    assert job("weekly", NOW) == "done"
    assert seen == {"request": publish.ReportRequest(kind="weekly", db_url="sqlite:///x.db", out_dir=tmp_path,
                                                     settings=settings, now=NOW, delivery=delivery)}


@pytest.mark.parametrize("notify, alerted", [(True, False), (False, True)])
def test_default_report_job_when_run_fails_alerts_only_if_not_announced(monkeypatch, tmp_path, notify, alerted):
    import types

    from exitlens.core.errors import ReportFailed

    def publish_report(request):
        raise ReportFailed("daily report 2026-11-23 failed in cell 4: KeyError 'regime'")

    monkeypatch.setitem(sys.modules, "exitlens.ops.publish", types.SimpleNamespace(ReportRequest=publish.ReportRequest,
                                                                                 publish_report=publish_report))
    alerts = []
    job = schedule.default_report_job(db_url="sqlite:///x.db", out_dir=tmp_path, settings=Settings(),
                                      delivery=DeliveryConfig() if notify else None)
    scheduler = _scheduler(None, report_job=job, alert=lambda job, text: alerts.append(text))
    failures_before = value(metrics.REPORT_FAILURES, "daily")

    assert scheduler.run_job(JOB_DAILY) == "failed"

    assert value(metrics.REPORT_FAILURES, "daily") == failures_before + 1
    assert alerts == (["daily report 2026-11-23 failed in cell 4: KeyError 'regime'"] if alerted else [])


def test_default_alert_when_webhook_set_posts_one_plain_message(recorder):
    url = f"{recorder.url}/api/webhooks/123/tok3n-secret"
    alert = schedule.default_alert(Environment.from_mapping({"DISCORD_WEBHOOK_URL": url}))

    alert(JOB_DAILY, f"could not reach {url}: `refused`")

    (method, path, headers, body), = recorder.handler.requests
    message = json.loads(body)
    assert (method, path) == ("POST", "/api/webhooks/123/tok3n-secret?wait=true")
    assert message["allowed_mentions"] == {"parse": []}
    assert message["content"].startswith("\u26a0\ufe0f exitlens: job `daily_report` failed: could not reach")
    assert "tok3n-secret" not in message["content"] and "`refused`" not in message["content"]


def test_default_alert_when_webhook_refuses_raises_without_the_secret(recorder):
    recorder.handler.status = 404
    alert = schedule.default_alert(Environment.from_mapping({"DISCORD_WEBHOOK_URL": f"{recorder.url}/api/webhooks/1/s3cret-token"}))

    with pytest.raises(DeliveryFailed, match="rejected the message \\(404") as caught:
        alert(JOB_TRACK, "boom")
    assert "s3cret-token" not in str(caught.value)


def test_default_alert_when_no_webhook_sends_nothing(recorder):
    schedule.default_alert(Environment.from_mapping({}))(JOB_TRACK, "boom")

    assert recorder.handler.requests == []


# --------------------------------------------------------------------------- Pushgateway


def test_push_metrics_when_gateway_set_puts_exitlens_metrics_only(recorder):
    pushed = metrics.push_metrics("exitlens_track", recorder.url,
                                   succeeded_at=NOW)

    (method, path, headers, body), = recorder.handler.requests
    samples = {(s.name, tuple(s.labels.items())): s.value
               for family in text_string_to_metric_families(body.decode()) for s in family.samples}
    assert pushed is True
    assert (method, path) == ("PUT", "/metrics/job/exitlens_track")
    assert ("coinpilot_post_exit_tracked_total", ()) in samples
    assert samples[("exitlens_job_last_success_timestamp_seconds", (("job", "exitlens_track"),))] == NOW.timestamp()
    assert {name.split("_")[0] for name, _ in samples} == {"coinpilot", "exitlens"}  # no process_, python_


def test_push_metrics_when_url_unset_does_nothing(recorder):
    assert metrics.push_metrics("exitlens_track", None) is False
    assert recorder.handler.requests == []


def test_push_metrics_when_gateway_unreachable_logs_and_returns_false(caplog):
    url = f"http://127.0.0.1:{free_port()}"

    assert metrics.push_metrics("exitlens_track", url) is False
    assert "metrics not pushed to http://127.0.0.1" in caplog.text


def test_default_alert_when_rate_limited_retries_and_posts_one_plain_message(make_server):
    discord = make_server()
    discord.respond((429, {}, {"retry_after": 0.01}))
    alert = schedule.default_alert(Environment.from_mapping({
        "DISCORD_WEBHOOK_URL": discord.url("/api/webhooks/1/tok3n-secret"), "EXITLENS_NOTIFY_BACKOFF_SECONDS": "0.01"}))

    alert(JOB_TRACK, "OperationalError: connection to postgresql://bot:pw@db refused")

    first, second = discord.requests
    message = second.json()
    assert message["content"].startswith("\u26a0\ufe0f exitlens: job `track` failed: OperationalError")
    assert message["allowed_mentions"] == {"parse": []}
    assert "wait=true" in second.path


def test_alert_text_when_error_quotes_database_markdown_shows_it_literally():
    text = schedule.alert_text("track", "DataError: sell [click](http://127.0.0.1/x) *x* ||y||")
    assert text.startswith("\u26a0\ufe0f exitlens: job `track` failed: DataError: sell \\[click\\]")
    assert "\\*x\\*" in text and "\\|\\|y\\|\\|" in text


REPORTING_CHILD = textwrap.dedent("""
    import logging, sys, threading
    from datetime import date, timedelta
    from exitlens.core.settings import Settings
    from exitlens.ops.schedule import ScheduleConfig, run_scheduler
    from exitlens.reports.archive import RunPeriod
    from exitlens.reports.run import RunRequest, run_report

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    once = threading.Lock()

    def report_as_a_job(now):
        if not once.acquire(blocking=False):
            return
        print("report started", flush=True)
        run = run_report(RunRequest(notebook=sys.argv[1], kind="daily", period=RunPeriod.day(date(2026, 11, 23)),
                                    out=sys.argv[2], parameters={"seconds": 6}, formats="html"))
        print("report", run.status, flush=True)

    config = ScheduleConfig(tracker_cron=None, track_interval=timedelta(seconds=0.1), metrics_port=0)
    run_scheduler("sqlite:///unused.db", settings=Settings(), config=config, track_job=report_as_a_job,
                  report_job=lambda kind, now: None, alert=lambda job, text: None)
    print("stopped cleanly", flush=True)
""")


def test_schedule_when_its_process_group_gets_sigterm_mid_report_lets_the_report_finish(tmp_path):
    """What `systemctl stop` does with KillMode=mixed (docs/deployment.md): SIGTERM to the main
    process's group. The kernel runs in a session of its own, so the report completes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXITLENS_", "DISCORD_"))}
    slow = Path(__file__).parent / "notebooks" / "slow.ipynb"
    child = subprocess.Popen([sys.executable, "-c", REPORTING_CHILD, str(slow), str(tmp_path / "reports")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env,
                             start_new_session=True)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready and child.stdout.readline().startswith("report started"), child.stderr.read()
        time.sleep(4)  # the kernel is up and sleeping in the notebook's cell
        os.killpg(child.pid, signal.SIGTERM)
        out, err = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    assert child.returncode == 0, err
    assert "report succeeded" in out and out.rstrip().endswith("stopped cleanly"), err
    assert "Kernel died" not in err


def test_documented_systemd_unit_signals_only_the_scheduler_on_stop():
    unit = (Path(__file__).parents[1] / "docs" / "deployment.md").read_text()
    service = unit[unit.index("[Service]"):]
    assert "KillMode=mixed" in service.split("[Install]")[0]


@pytest.mark.postgres
def test_two_schedulers_when_the_database_goes_down_alert_once(postgres_url):
    alerts = {"a": [], "b": []}

    def failing_track(now):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    first = _scheduler(postgres_url, track_job=failing_track, alert=lambda job, text: alerts["a"].append(text),
                       min_hold=timedelta(minutes=5))
    second = _scheduler(postgres_url, track_job=failing_track, alert=lambda job, text: alerts["b"].append(text),
                        min_hold=timedelta(minutes=5))
    assert first.run_job(JOB_TRACK) == "failed"
    assert second.run_job(JOB_TRACK) == "skipped"  # the first holds the job's lock

    name = sa.make_url(postgres_url).database
    admin = sa.create_engine(sa.make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                     {"name": name})
    try:
        assert second.run_job(JOB_TRACK) == "skipped"
        assert first.run_job(JOB_TRACK) == "failed"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()

    assert len(alerts["a"]) == 2 and alerts["b"] == []


def test_two_schedulers_on_one_sqlite_file_the_second_stops_in_one_line_until_the_first_ends(start, tmp_path):
    database = tmp_path / "exitlens.db"
    database.write_bytes(b"")
    url = f"sqlite:///{database}"
    first = start(url)

    with pytest.raises(ConfigError, match=f"^another exitlens schedule is already running on {database}: ") as raised:
        start(url)
    first.stop()
    again = start(url)

    assert "\n" not in str(raised.value) and again.metrics_port
    assert database.read_bytes() == b""


@pytest.mark.parametrize("address", ["192.0.2.1", "no-such-host.invalid"])
def test_start_when_metrics_address_is_not_this_hosts_names_exitlens_metrics_addr(start, address):
    with pytest.raises(ConfigError, match=f"cannot serve metrics on {address}:0 .*: set EXITLENS_METRICS_ADDR"):
        start(config=ScheduleConfig(metrics_port=0, metrics_address=address))


def test_run_scheduler_when_metrics_port_is_0_announces_the_port_it_took():
    stop, lines = threading.Event(), []

    def announce(line):
        lines.append(line)
        stop.set()

    schedule.run_scheduler("sqlite:///unused.db", stop_event=stop, announce=announce, settings=Settings(), config=FAST,
                           track_job=Calls(), report_job=Calls(), alert=lambda job, text: None,
                           environment=Environment())

    (line,) = lines
    port = int(re.fullmatch(r"serving metrics on http://127\.0\.0\.1:(\d+)/metrics", line).group(1))
    assert port > 0
