"""Prometheus metrics, named as the bot's dashboards already know them."""

from __future__ import annotations

from prometheus_client import Counter

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

