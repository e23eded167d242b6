"""Prometheus metrics, named as the bot's dashboards already know them."""

from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, push_to_gateway

from exitlens.core.timeutil import require_aware
from exitlens.delivery.redaction import redact_url, scrub_secrets
from exitlens.store.tracker import TrackResult

log = logging.getLogger(__name__)

POST_EXIT_TRACKED = Counter(
    "coinpilot_post_exit_tracked_total",
    "Post-exit price points recorded",
)
POST_EXIT_MISSED = Counter(
    "coinpilot_post_exit_missed_total",
    "Due post-exit points with no candle in their window, still within the retry window",
)
POST_EXIT_EXPIRED = Counter(
    "coinpilot_post_exit_expired_total",
    "Due post-exit points with no candle, past the retry window",
)


# --- the scheduler (`exitlens schedule`) and one-shot commands pushing to a Pushgateway --------
# A `job` label collides with the `job` target label Prometheus adds when it scrapes: it is kept
# as `exported_job` unless the scrape config sets `honor_labels: true` (see docs/deployment.md).

JOB_DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)

REPORT_RUNS = Counter(
    "exitlens_report_runs_total",
    "Scheduled report runs by kind (daily, weekly) and outcome (succeeded, failed)",
    ["kind", "status"],
)
REPORT_FAILURES = Counter(
    "exitlens_report_failures_total",
    "Scheduled report runs that failed",
    ["kind"],
)
JOB_LAST_SUCCESS = Gauge(
    "exitlens_job_last_success_timestamp_seconds",
    "Unix time the job last finished without an error",
    ["job"],
)
JOB_DURATION = Histogram(
    "exitlens_job_duration_seconds",
    "Wall-clock duration of job runs that ran (failed ones included, skipped ones not)",
    ["job"],
    buckets=JOB_DURATION_BUCKETS,
)
JOB_FAILURES = Counter(
    "exitlens_job_failures_total",
    "Job runs that raised an error",
    ["job"],
)
JOB_SKIPPED = Counter(
    "exitlens_job_skipped_total",
    "Job runs skipped because another scheduler holds the job's lock",
    ["job"],
)
POST_EXIT_PENDING = Gauge(
    "exitlens_post_exit_pending_points",
    "Post-exit points not recorded yet and not expired (not due yet, or due and still missed), "
    "as of the last tracker run",
)


# Pushgateway, for one-shot commands run by an outside scheduler.

PUSHED_PREFIXES = ("exitlens_", "coinpilot_")


class _OwnMetrics:
    """The exitlens and coinpilot families of a registry, without the process/platform ones."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self):
        for family in self._registry.collect():
            if family.name.startswith(PUSHED_PREFIXES):
                yield family


def count_tracking(result: TrackResult) -> None:
    """Add a tracker run's counts to the counters the bot's dashboards read."""
    POST_EXIT_TRACKED.inc(result.points_tracked)
    POST_EXIT_MISSED.inc(result.points_missed)
    POST_EXIT_EXPIRED.inc(result.points_expired)


def push_metrics(job_name: str, pushgateway_url: str | None, *, registry: CollectorRegistry = REGISTRY,
                 succeeded_at: datetime | None = None, timeout: float = 10.0) -> bool:
    """Push this process's exitlens metrics to `pushgateway_url` (EXITLENS_PUSHGATEWAY_URL)
    under `job_name` (an HTTP PUT, replacing that group); does nothing when it is None. With `succeeded_at`,
    first sets the job's last-success time. A Pushgateway that cannot be reached is logged,
    not raised: the command's own work is done. True when pushed."""
    url = (pushgateway_url or "").strip()
    if not url:
        return False
    if succeeded_at is not None:
        JOB_LAST_SUCCESS.labels(job_name).set(require_aware(succeeded_at, "succeeded_at").timestamp())
    pushed = CollectorRegistry(auto_describe=False)
    pushed.register(_OwnMetrics(registry))
    try:
        push_to_gateway(url, job=job_name, registry=pushed, timeout=timeout)
    except OSError as exc:  # urllib's URLError and HTTPError are OSErrors
        log.warning("metrics not pushed to %s: %s", redact_url(url), scrub_secrets(str(exc)))
        return False
    log.info("metrics pushed to %s as job %s", redact_url(url), job_name)
    return True
